"""From a committed change to the background jobs it calls for (publishing, feeds).

Workflow functions run the hooks in `workflow.after_change` after they commit. A Redis that
does not answer never undoes or blocks a change: the sweeper enqueues due posts when Redis is
back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import redis
import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session, joinedload

from planner import workflow
from planner.db import utcnow
from planner.models import Post, Status, Workspace

log = logging.getLogger(__name__)


@contextmanager
def job_context() -> Iterator[Flask]:
    """A fresh app context for one job (its own `g` and database session); the worker's app
    when there is one, else an app built from the environment."""
    if has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    else:
        from planner import create_app

        app = create_app()
    with app.app_context():
        yield app


def post_changed(post: Post) -> None:
    """Bring the post's jobs in line with its committed state.

    Outside an app (a bare session in a script or a unit test) there is no Redis to tell; the
    sweeper enqueues due approved posts within a minute all the same.
    """
    if not has_app_context():
        return
    from workers.feeds import enqueue_render
    from workers.publish import sync_post
    from workers.queues import connect

    try:
        connection = connect(str(current_app.config["REDIS_URL"]))
        sync_post(connection, post)
        enqueue_render(connection, post.workspace_id)
    except redis.RedisError as error:
        log.warning("hook=post_changed post=%s outcome=redis_unavailable error=%s", post.id, error)


def init_app(app: Flask) -> None:
    if post_changed not in workflow.after_change:
        workflow.after_change.append(post_changed)


@dataclass(frozen=True)
class Overview:
    """What the Publishing page shows an admin."""

    redis_ok: bool
    workers: list[dict[str, str]]
    queue_depths: dict[str, int]
    scheduled: int
    next_due: list[Post]
    recent_failures: list[Post]
    overdue: list[Post]


def overview(session: Session, workspace: Workspace) -> Overview:
    """Workers alive, queue depths, the next posts due, recent failures, and approved posts
    whose time passed without a worker taking them (no worker, or no Redis)."""
    from rq import Queue, Worker
    from rq.registry import ScheduledJobRegistry

    from workers.queues import QUEUE_NAMES, connect

    now = utcnow()

    def posts(*where: Any, order: Any, limit: int = 10) -> list[Post]:
        return list(
            session.scalars(
                sa.select(Post)
                .options(joinedload(Post.channel))
                .where(Post.workspace_id == workspace.id, *where)
                .order_by(order)
                .limit(limit)
            )
        )

    next_due = posts(
        Post.status == Status.approved, Post.scheduled_at >= now, order=Post.scheduled_at
    )
    failures = posts(Post.status == Status.failed, order=Post.updated_at.desc())
    overdue = posts(
        Post.status.in_([Status.approved, Status.publishing]),
        Post.scheduled_at < now - timedelta(minutes=2),
        order=Post.scheduled_at,
    )
    try:
        connection = connect(str(current_app.config["REDIS_URL"]))
        workers = [
            {
                "name": w.name,
                "state": str(w.get_state()),
                "seen": w.last_heartbeat.isoformat() if w.last_heartbeat else "",
            }
            for w in Worker.all(connection=connection)
        ]
        depths = {name: Queue(name, connection=connection).count for name in QUEUE_NAMES}
        scheduled = ScheduledJobRegistry("publish", connection=connection).count
        ok = True
    except redis.RedisError:
        workers, depths, scheduled, ok = [], {}, 0, False
    return Overview(ok, workers, depths, scheduled, next_due, failures, overdue)
