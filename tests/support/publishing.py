"""Helpers for the publishing tests: approved posts, time passing, real worker processes."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import redis
import sqlalchemy as sa
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy.orm import joinedload

from planner import accounts, workflow
from planner.db import utcnow
from planner.models import Channel, Post, Status
from planner.queue import ensure_job
from tests.conftest import PUBLISHING, REDIS_URL, SECRET_KEY, future
from tests.support.rows import insert_posts

PLANNER = str(Path(sys.executable).parent / "planner")


def channel(  # type: ignore[no-untyped-def]
    session, team, kind: str, url: str = "", secret: str | None = None, handle: str = ""
) -> Channel:
    network = kind if kind in ("mastodon", "bluesky") else "x"
    return accounts.save_channel(
        session,
        team.user("admin"),
        team.workspace,
        None,
        network=network,
        name=f"{kind} {secrets.token_hex(3)}",
        handle=handle,
        publisher_kind=kind,
        target_url=url,
        secret=secret,
        publishing=PUBLISHING,
    )


def approved_post(
    app, session, team, target: Channel, text: str = "Going out", days: int = 2
) -> Post:  # type: ignore[no-untyped-def]
    """A post written by the editor and approved by the approver, inside the app so its
    publish job is enqueued as in production."""
    with app.app_context():
        content = workflow.PostContent(target, text, "educational", future(days))
        post = workflow.create_post(session, team.user("editor"), team.workspace, content)
        workflow.submit(session, team.user("editor"), post, post.version)
        workflow.approve(session, team.user("approver"), post, post.version)
    return post


def make_due(session, post: Post, seconds_ago: float = 0) -> None:  # type: ignore[no-untyped-def]
    """Let time pass: the post's time is now (or some seconds ago), in the database and in
    RQ's schedule alike, as if the clock had moved on since the approval."""
    when = utcnow() - timedelta(seconds=seconds_ago)
    session.execute(sa.update(Post).where(Post.id == post.id).values(scheduled_at=when))
    session.commit()
    session.refresh(post)
    connection = redis.Redis.from_url(REDIS_URL)
    registry = ScheduledJobRegistry("publish", connection=connection)
    for job_id in registry.get_job_ids():
        job = Job.fetch(job_id, connection=connection)
        if job.args and job.args[0] == post.id:
            registry.schedule(job, when)


def wait_for(condition: Callable[[], bool], seconds: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def start_worker(database_url: str, tmp: Path, *options: str, **settings: str) -> subprocess.Popen:
    """A real `planner worker` process (its own process group, so SIGKILL takes its horse)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "PLANNER_INSTANCE": str(tmp / "instance"),
        "PLANNER_OUTBOX": str(tmp / "outbox"),
        # The app's key: the worker opens the secrets the app sealed.
        "SECRET_KEY": SECRET_KEY,
        # The sinks listen on 127.0.0.1.
        "PUBLISH_ALLOW_PRIVATE_TARGETS": "1",
        "SWEEP_INTERVAL_SECONDS": "1",
        "PUBLISH_LEASE_SECONDS": "3",
        "PUBLISH_BACKOFF_SECONDS": "0.5",
        **settings,
    }
    log = open(tmp / f"worker-{time.monotonic_ns()}.log", "w")  # noqa: SIM115
    return subprocess.Popen(
        [PLANNER, "worker", *options],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the worker and its work horse at once, as a crash or an OOM kill would."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kill(process)


def insert_due_posts(
    session,
    workspace_id: int,
    channel_id: int,
    author_id: int,
    count: int,
    due,
    redis_url=REDIS_URL,
) -> list[int]:  # type: ignore[no-untyped-def]
    """`count` approved posts due at `due`, written straight in (the setup is not what a
    load test measures), each with its publish job as an approval would enqueue it."""
    now = utcnow()
    insert_posts(
        session,
        [
            {
                "workspace_id": workspace_id,
                "channel_id": channel_id,
                "text": f"Load post {n}",
                "category": "educational",
                "scheduled_at": due,
                "status": Status.approved,
                "version": 2,
                "approved_version": 2,
                "author_id": author_id,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ],
    )
    session.commit()
    posts = session.scalars(
        sa.select(Post)
        .options(joinedload(Post.workspace))
        .where(Post.channel_id == channel_id, Post.status == Status.approved)
    ).all()
    connection = redis.Redis.from_url(redis_url)
    for post in posts:
        ensure_job(connection, post)
    return [post.id for post in posts]
