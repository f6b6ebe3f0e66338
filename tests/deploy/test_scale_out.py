"""Scale-out: two web hosts and three workers that share nothing but PostgreSQL and Redis.

Each "host" is its own processes with its own instance folder (gunicorn for the web, `planner
worker` for the workers); what they have in common is the database, Redis and the settings
every host is given (SECRET_KEY among them). A browser signs in on one web host and carries on
on the other; 600 posts due at once go out exactly once across three workers while one of
them is SIGKILLed; a feed rendered by a worker is served alike by both web hosts.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from planner.db import utcnow
from planner.models import FeedRendering, Post, Status
from tests.conftest import DATABASE_URL, PASSWORD, REDIS_URL
from tests.support.publishing import (
    approved_post,
    channel,
    insert_due_posts,
    kill,
    start_worker,
    stop,
    wait_for,
)
from tests.support.web import csrf_token, sign_in, start_gunicorn, stop_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(
        not DATABASE_URL.startswith("postgresql"),
        reason="scale-out needs a database that every host reaches: runs on PostgreSQL "
        "(make test-postgres, which make test and CI run)",
    ),
]

GUNICORN = Path(sys.executable).parent / "gunicorn"
SHARED_SECRET = "one key for every host"
FEED_URL = re.compile(r'id="feed-https" value="[^"]*(/feeds/[^"]+\.ics)"')


def json_lines(home: Path, cut_short: bool = False) -> list[dict]:
    """The log lines of the worker that ran in `home`: JSON, every one, but for the worker's
    own messages to the terminal ("worker: listening on ..."). A worker killed mid-line may
    leave its last line cut short."""
    [log] = home.glob("worker-*.log")
    lines = [line for line in log.read_text().splitlines() if not line.startswith("worker: ")]
    if cut_short and lines:
        try:
            json.loads(lines[-1])
        except json.JSONDecodeError:
            lines.pop()
    return [json.loads(line) for line in lines]


@pytest.fixture
def web_hosts(app, database_url, redis_db, tmp_path):  # type: ignore[no-untyped-def]
    """Two web hosts: gunicorn each, an instance folder each, the same settings."""
    started = []
    for name in ("web-a", "web-b"):
        home = tmp_path / name
        home.mkdir()
        env = {
            **os.environ,
            "PLANNER_INSTANCE": str(home / "instance"),
            "PLANNER_OUTBOX": str(home / "outbox"),
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": SHARED_SECRET,
            "LOG_FORMAT": "json",
        }
        started.append((home, *start_gunicorn(GUNICORN, home, env, home / "gunicorn.log", 1)))
    yield [(home, base) for home, _, base in started]
    for _, process, _ in started:
        stop_server(process)


@pytest.fixture
def workers(database_url, redis_db, tmp_path):  # type: ignore[no-untyped-def]
    """Three `planner worker` processes, an instance folder each, logging JSON."""
    homes = [tmp_path / f"worker-{n}" for n in range(3)]
    processes = []
    for home in homes:
        home.mkdir()
        processes.append(start_worker(database_url, home, LOG_FORMAT="json"))
    yield list(zip(homes, processes, strict=True))
    for process in processes:
        stop(process)


def test_a_session_made_on_one_web_host_works_on_the_other(web_hosts, team):
    (home_a, web_a), (home_b, web_b) = web_hosts
    slug = team.workspace.slug
    browser = sign_in(web_a, "editor@example.com", PASSWORD)
    # The same browser, its cookie now sent to the other host behind the load balancer.
    week_b = browser.get(f"{web_b}/w/{slug}/", allow_redirects=False, timeout=10)
    assert week_b.status_code == 200 and "Acme" in week_b.text
    # A form served by A is accepted by B: the CSRF token is signed with the shared key.
    form_a = browser.get(f"{web_a}/w/{slug}/feeds", timeout=10)
    created = browser.post(
        f"{web_b}/w/{slug}/feeds",
        data={"label": "Wall screen", "scope": "planned", "csrf_token": csrf_token(form_a.text)},
        timeout=10,
    )
    assert created.status_code == 201, created.text[:500]
    assert "Subscribe to “Wall screen”" in created.text
    # Nothing was kept on either host: no generated key, no files of sessions.
    for home in (home_a, home_b):
        assert not (home / "instance" / "secret_key").exists()


def test_a_feed_rendered_by_a_worker_is_served_by_both_web_hosts(
    app, session, team, web_hosts, database_url, tmp_path
):
    (_, web_a), (_, web_b) = web_hosts
    slug = team.workspace.slug
    browser = sign_in(web_a, "editor@example.com", PASSWORD)
    page = browser.get(f"{web_a}/w/{slug}/feeds", timeout=10)
    created = browser.post(
        f"{web_a}/w/{slug}/feeds",
        data={"label": "Team", "scope": "planned", "csrf_token": csrf_token(page.text)},
        timeout=10,
    )
    feed_path = FEED_URL.search(created.text).group(1)  # type: ignore[union-attr]
    # The first request renders it (and fixes the address the feed's links use).
    assert requests.get(web_a + feed_path, timeout=20).status_code == 200

    # A worker host of its own: the web hosts never see its folder.
    worker_home = tmp_path / "worker"
    worker_home.mkdir()
    worker = start_worker(database_url, worker_home, LOG_FORMAT="json")
    try:
        approved_post(app, session, team, team.channels["mastodon"], "Scale-out launch day")

        def rendered_by_a_worker() -> bool:
            session.expire_all()
            body = session.scalar(sa.select(FeedRendering.body))
            return body is not None and b"Scale-out launch day" in body

        wait_for(rendered_by_a_worker, 60, "the worker to render the feed after the approval")
    finally:
        stop(worker)
    rendering = session.scalars(sa.select(FeedRendering)).one()
    etag, rendered_at = rendering.etag, rendering.rendered_at

    for web in (web_a, web_b):
        served = requests.get(web + feed_path, headers={"Accept-Encoding": "identity"}, timeout=20)
        assert served.status_code == 200
        assert served.headers["ETag"] == f'"{etag}"'
        assert "Scale-out launch day" in served.text
    session.expire_all()
    # Served as the worker stored it: neither host rendered it again.
    assert session.scalars(sa.select(FeedRendering)).one().rendered_at == rendered_at
    renders = [
        line
        for line in json_lines(worker_home)
        if line.get("job") == "render_feed" and line.get("workspace") == team.workspace.id
    ]
    assert renders and all(line["job_id"].startswith("feed-render-") for line in renders)


def test_600_posts_due_at_once_go_out_exactly_once_across_three_workers_despite_a_kill(
    session, team, sink, workers
):
    toots = channel(session, team, "mastodon", sink.url, secret="good-token")
    due = utcnow() + timedelta(seconds=5)
    ids = insert_due_posts(session, team.workspace.id, toots.id, team.user("editor").id, 600, due)

    def published() -> int:
        session.expire_all()
        return session.scalar(
            sa.select(sa.func.count()).where(Post.id.in_(ids), Post.status == Status.published)
        )

    wait_for(lambda: published() >= 100, 120, "the first 100 posts published")
    victim_home, victim = workers[0]
    kill(victim)
    assert victim.returncode == -9
    wait_for(lambda: published() == 600, 180, "all 600 posts published")

    # Exactly once, as the target saw it: one status per post, none missing.
    keys = list(sink.statuses)
    per_post = Counter(int(key.split("-")[1]) for key in keys)
    assert sink.created == 600
    assert sorted(per_post) == sorted(ids) and set(per_post.values()) == {1}
    session.expire_all()
    statuses = Counter(session.scalars(sa.select(Post.status).where(Post.id.in_(ids))))
    assert statuses == Counter({Status.published: 600})

    # Every worker took its share, and said so in JSON lines naming the job.
    for home, _ in workers:
        mine = [
            line
            for line in json_lines(home, cut_short=home == victim_home)
            if line.get("job") == "publish" and line.get("outcome") == "published"
        ]
        assert mine, f"{home.name} published nothing"
        assert all(line["job_id"].startswith(f"publish-{line['post']}-v") for line in mine)
