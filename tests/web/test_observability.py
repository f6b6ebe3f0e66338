"""What operators read: /healthz, `planner health`, request ids, JSON logs and /metrics."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
import sqlalchemy as sa
from flask.testing import FlaskCliRunner
from rq import SimpleWorker, Worker
from rq.job import Job

from planner import create_app, logs, migrate, workflow
from planner.cli import main
from planner.models import Post
from planner.queue import QUEUE_NAMES, queues
from tests.conftest import REDIS_URL, future, signed_in
from tests.support.publishing import approved_post, make_due

DOWN_REDIS = "redis://127.0.0.1:1/0"


def alive_worker(connection, hostname: str | None = None) -> Worker:  # type: ignore[no-untyped-def]
    """A worker registered in Redis as `planner worker` does when it starts."""
    worker = Worker(list(QUEUE_NAMES), connection=connection)
    if hostname:
        worker.hostname = hostname
    worker.register_birth()
    return worker


# --- /healthz ----------------------------------------------------------------------------------


def test_healthz_answers_without_signing_in_and_names_what_is_missing(app, redis_db):
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 200
    body = answer.get_json()
    # The pages work; the background work waits for a worker.
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["ok"]
    assert body["checks"]["redis"] == {"ok": True, "detail": "answers"}
    assert body["checks"]["workers"]["ok"] is False
    assert "planner worker" in body["checks"]["workers"]["detail"]
    assert answer.headers["Cache-Control"] == "no-store"

    alive_worker(redis_db)
    assert app.test_client().get("/healthz").get_json()["status"] == "ok"


def test_healthz_fails_without_the_database_and_tells_no_secrets(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATABASE_URL": "postgresql+psycopg://planner:s3cret-pw@127.0.0.1:1/planner",
            "REDIS_URL": DOWN_REDIS,
        }
    )
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["status"] == "failing"
    assert body["checks"]["database"] == {"ok": False, "detail": "unreachable"}
    text = answer.get_data(as_text=True)
    assert "s3cret" not in text and "127.0.0.1" not in text and "planner:" not in text


def test_healthz_without_redis_still_serves_pages(app):
    app.config["REDIS_URL"] = DOWN_REDIS
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "degraded" and body["checks"]["redis"]["ok"] is False


def test_a_database_behind_the_code_fails_until_it_is_migrated(tmp_path, redis_db):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0003")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url})
    app.config["REDIS_URL"] = REDIS_URL
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    detail = answer.get_json()["checks"]["migrations"]["detail"]
    assert detail.startswith("at 0003, expected") and "planner db upgrade" in detail
    migrate.upgrade(url)
    assert app.test_client().get("/healthz").status_code == 200


def test_a_host_still_on_old_code_keeps_serving_a_migrated_database(tmp_path, redis_db):
    url = f"sqlite:///{tmp_path / 'ahead.db'}"
    migrate.upgrade(url)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url})
    app.config["REDIS_URL"] = REDIS_URL
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 200 and answer.get_json()["status"] == "degraded"
    assert "newer than this Planner" in answer.get_json()["checks"]["migrations"]["detail"]
    assert health(app, "--skip-workers").exit_code == 1


# --- planner health ----------------------------------------------------------------------------


def health(app, *args: str):  # type: ignore[no-untyped-def]
    return FlaskCliRunner(app).invoke(main, args=["health", *args])


def test_planner_health_exits_0_only_when_every_check_passes(app, redis_db):
    app.config["REDIS_URL"] = REDIS_URL
    failing = health(app)
    assert failing.exit_code == 1
    assert re.search(r"workers\s+FAILING\s+none alive", failing.output)
    assert re.search(r"migrations\s+ok\s+at head", failing.output)

    alive_worker(redis_db)
    passing = health(app)
    assert passing.exit_code == 0, passing.output
    assert "FAILING" not in passing.output

    without_workers = health(app, "--skip-workers", "--json")
    assert without_workers.exit_code == 0
    assert set(json.loads(without_workers.output)["checks"]) == {
        "database",
        "migrations",
        "redis",
    }


def test_a_worker_containers_check_wants_a_worker_on_its_own_host(app, redis_db):
    app.config["REDIS_URL"] = REDIS_URL
    alive_worker(redis_db, hostname="another-host")
    elsewhere = health(app, "--this-host")
    assert elsewhere.exit_code == 1 and "none alive on this host" in elsewhere.output
    alive_worker(redis_db)
    assert health(app, "--this-host").exit_code == 0


def test_planner_health_without_redis_says_so_and_fails(app):
    app.config["REDIS_URL"] = DOWN_REDIS
    result = health(app)
    assert result.exit_code == 1
    assert re.search(r"redis\s+FAILING\s+unreachable", result.output)


# --- request ids and JSON logs -----------------------------------------------------------------


def test_every_response_carries_a_request_id_and_keeps_a_proxys(app):
    client = app.test_client()
    fresh = client.get("/login").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", fresh)
    assert client.get("/login").headers["X-Request-ID"] != fresh
    given = "a1b2c3d4-proxy-id"
    assert client.get("/login", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given
    # Not an id: replaced, never echoed into logs or headers.
    odd = client.get("/login", headers={"X-Request-ID": "<script> and " + "x" * 200})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["X-Request-ID"])


@pytest.fixture
def json_log(app):  # type: ignore[no-untyped-def]
    """The app's log as LOG_FORMAT=json writes it, captured."""
    app.config["LOG_FORMAT"] = "json"
    logs.configure(app.config)
    root = logging.getLogger()
    [handler] = [h for h in root.handlers if isinstance(h, logs._JsonHandler)]
    stream = io.StringIO()
    handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(logging.WARNING)


def test_json_logs_carry_the_request_id_and_hide_feed_tokens(app, json_log):
    client = app.test_client()
    answer = client.get("/login")
    secret = "Zm9vYmFyYmF6cXV4LXNlY3JldC10b2tlbg"
    client.get(f"/feeds/{secret}.ics")
    lines = json_log()
    [login] = [line for line in lines if line.get("path") == "/login"]
    assert login["logger"] == "planner.request" and login["level"] == "info"
    assert login["request_id"] == answer.headers["X-Request-ID"]
    assert login["status"] == 200 and login["method"] == "GET"
    assert any(line.get("path") == "/feeds/<hidden>" for line in lines)
    assert all(secret not in json.dumps(line) for line in lines)


def test_a_workers_log_lines_name_the_job_and_the_request_that_caused_it(
    app, session, team, redis_db, json_log
):
    content = workflow.PostContent(team.channels["x"], "Traced", "educational", future())
    post = workflow.create_post(session, team.user("editor"), team.workspace, content)
    workflow.submit(session, team.user("editor"), post, post.version)
    approver = signed_in(app, "approver@example.com")
    approved = approver.post(
        f"/w/{team.workspace.slug}/posts/{post.id}/approve", {"version": post.version}
    )
    assert approved.status_code == 303
    request_id = approved.headers["X-Request-ID"]
    session.expire_all()
    post = session.get(Post, post.id)
    job = Job.fetch(f"publish-{post.id}-v{post.approved_version}", connection=redis_db)
    assert job.meta["request_id"] == request_id

    make_due(session, post)
    with app.app_context():
        SimpleWorker(queues(redis_db), connection=redis_db).work(burst=True, with_scheduler=True)
    [published] = [line for line in json_log() if line.get("outcome") == "published"]
    assert published["job"] == "publish" and published["post"] == post.id
    assert published["job_id"] == job.id and published["request_id"] == request_id


# --- /metrics ----------------------------------------------------------------------------------


def test_metrics_are_off_without_a_token_and_need_it_when_on(app):
    client = app.test_client()
    assert client.get("/metrics").status_code == 404
    app.config["METRICS_TOKEN"] = "scrape-me"
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_metrics_report_queues_workers_posts_and_publishing_lateness(app, session, team, redis_db):
    app.config["METRICS_TOKEN"] = "scrape-me"
    post = approved_post(app, session, team, team.channels["x"], "Counted")
    make_due(session, post, seconds_ago=12)
    alive_worker(redis_db)
    scrape = {"Authorization": "Bearer scrape-me"}
    before = app.test_client().get("/metrics", headers=scrape).get_data(as_text=True)
    assert 'planner_queue_jobs{queue="publish",state="scheduled"} 1.0' in before
    assert "planner_workers 1.0" in before
    assert 'planner_posts{status="approved"} 1.0' in before

    with app.app_context():
        SimpleWorker(queues(redis_db), connection=redis_db).work(burst=True, with_scheduler=True)
    after = app.test_client().get("/metrics", headers=scrape).get_data(as_text=True)
    assert 'planner_posts{status="published"} 1.0' in after
    assert 'planner_publish_events_total{outcome="published"} 1.0' in after
    assert 'planner_queue_jobs{queue="publish",state="scheduled"} 0.0' in after
    # About 12 s late: in the 15 s bucket, not in the 5 s one.
    assert 'planner_publish_lateness_seconds_bucket{le="5.0"} 0.0' in after
    assert 'planner_publish_lateness_seconds_bucket{le="15.0"} 1.0' in after
    assert "planner_publish_lateness_seconds_count 1.0" in after
    lateness = float(re.search(r"planner_publish_lateness_seconds_sum (\S+)", after).group(1))  # type: ignore[union-attr]
    assert 11 < lateness < 15
