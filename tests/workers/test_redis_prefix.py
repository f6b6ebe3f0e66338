"""REDIS_PREFIX: two installs share one Redis database without seeing each other's queues,
jobs, sweep ticks or sign-in counts."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry

from planner import create_app, migrate, queue
from planner.config import ConfigurationError
from planner.db import utcnow
from planner.models import Post, Status
from tests.conftest import PASSWORD, REDIS_URL, SECRET_KEY, Browser, make_team
from tests.support.publishing import approved_post, channel
from tests.workers.test_publish import BurstWorker
from workers.publish import sweep_forever


def install(tmp_path, name: str):  # type: ignore[no-untyped-def]
    """An install of its own: its own database, outbox and REDIS_PREFIX, the shared Redis."""
    url = f"sqlite:///{tmp_path / f'{name}.db'}"
    migrate.upgrade(url)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "REDIS_PREFIX": name,
            "SECRET_KEY": SECRET_KEY,
            "PLANNER_OUTBOX": str(tmp_path / f"{name}-outbox"),
        }
    )
    session = app.extensions["planner.db"][1]()
    team = make_team(session)
    post = approved_post(app, session, team, channel(session, team, "outbox"), f"From {name}")
    return app, session, post


def due_now(connection, app, session, post: Post) -> None:  # type: ignore[no-untyped-def]
    """Let time pass for this install's post and its job."""
    when = utcnow() - timedelta(seconds=1)
    session.execute(sa.update(Post).where(Post.id == post.id).values(scheduled_at=when))
    session.commit()
    registry = ScheduledJobRegistry(queue.queue_name("publish", app), connection=connection)
    for job_id in registry.get_job_ids():
        job = Job.fetch(job_id, connection=connection)
        if job.args and job.args[0] == post.id:
            registry.schedule(job, when)


def run_worker_of(app, connection) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        BurstWorker(queue.queues(connection), connection=connection).work(
            burst=True, with_scheduler=True
        )


def status_of(session, post: Post) -> Status:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.get(Post, post.id).status


def test_two_installs_publish_the_same_post_id_each_with_its_own_worker(tmp_path, redis_db):
    alpha, alpha_session, alpha_post = install(tmp_path, "alpha")
    beta, beta_session, beta_post = install(tmp_path, "beta")
    assert alpha_post.id == beta_post.id  # two databases, the same id

    version = alpha_post.approved_version
    assert version == beta_post.approved_version
    ids = [f"{name}-publish-{alpha_post.id}-v{version}" for name in ("alpha", "beta")]
    jobs = [Job.fetch(job_id, connection=redis_db) for job_id in ids]
    assert [job.get_status() for job in jobs] == [JobStatus.SCHEDULED] * 2
    assert [job.origin for job in jobs] == ["alpha-publish", "beta-publish"]
    # Nothing under the names of an install without a prefix.
    assert Queue("publish", connection=redis_db).count == 0
    assert ScheduledJobRegistry("publish", connection=redis_db).count == 0

    due_now(redis_db, alpha, alpha_session, alpha_post)
    due_now(redis_db, beta, beta_session, beta_post)
    run_worker_of(alpha, redis_db)
    assert status_of(alpha_session, alpha_post) == Status.published
    # Beta's job is due too, but alpha's worker never took it.
    assert status_of(beta_session, beta_post) == Status.approved
    assert Job.fetch(ids[1], connection=redis_db).get_status() in (
        JobStatus.SCHEDULED,
        JobStatus.QUEUED,
    )
    run_worker_of(beta, redis_db)
    assert status_of(beta_session, beta_post) == Status.published
    assert (tmp_path / "beta-outbox").exists() and (tmp_path / "alpha-outbox").exists()
    alpha_session.close()
    beta_session.close()


def test_the_sweep_tick_and_other_keys_carry_the_prefix(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "REDIS_PREFIX": "acme"})
    assert queue.redis_key("planner:sweep:7", app) == "acme:planner:sweep:7"
    assert queue.job_id("sweep-7", app) == "acme-sweep-7"
    assert [q.name for q in queue.queues(queue.redis_for(app), app)] == [
        "acme-publish",
        "acme-feeds",
        "acme-default",
        "acme-previews",
    ]
    plain = create_app({"TESTING": True, "SECRET_KEY": "x"})
    assert queue.redis_key("planner:sweep:7", plain) == "planner:sweep:7"
    assert queue.queue_name("publish", plain) == "publish"


@pytest.mark.parametrize("bad", ["a:b", "a b", "ä", "a-b", "x" * 33, "rq:queue"])
def test_a_prefix_rq_cannot_carry_is_refused_at_start(bad):
    with pytest.raises(ConfigurationError, match="REDIS_PREFIX"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "REDIS_PREFIX": bad})


def test_sign_in_attempts_of_one_install_do_not_count_for_the_other(app, session, redis_db):
    make_team(session)
    database = app.config["DATABASE_URL"]

    def throttled_install(name: str):  # type: ignore[no-untyped-def]
        return create_app(
            {
                "TESTING": True,
                "DATABASE_URL": database,
                "REDIS_URL": REDIS_URL,
                "REDIS_PREFIX": name,
                "SECRET_KEY": SECRET_KEY,
                "LOGIN_LIMIT": "3 per 15 minutes",
            }
        )

    alpha = Browser(throttled_install("alpha").test_client())
    beta = Browser(throttled_install("beta").test_client())
    answers = [alpha.login("editor@example.com", f"guess {n}").status_code for n in range(4)]
    assert answers == [401, 401, 401, 429]
    assert redis_db.keys("*alpha:login:editor@example.com*")
    assert beta.login("editor@example.com", "one guess").status_code == 401
    assert beta.login("editor@example.com", PASSWORD).status_code == 302


def test_the_worker_tick_elects_and_enqueues_under_the_prefix(app, redis_db):
    app.config["REDIS_PREFIX"] = "acme"
    stop = threading.Event()
    ticker = threading.Thread(target=sweep_forever, args=(app, stop, 0.5), daemon=True)
    ticker.start()
    try:
        deadline = time.monotonic() + 10
        while not redis_db.keys("acme:planner:sweep:*") and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        ticker.join(5)
    assert redis_db.keys("acme:planner:sweep:*")
    assert not redis_db.keys("planner:sweep:*")
    sweeps = Queue("acme-default", connection=redis_db).get_job_ids()
    assert sweeps and all(job_id.startswith("acme-sweep-") for job_id in sweeps)
    assert Queue("default", connection=redis_db).count == 0
