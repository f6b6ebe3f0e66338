"""The publish_post job, its retry policy, and the sweeper.

A job takes ids and the approved version, reloads the post, and claims it with one
conditional update; RQ delivers at least once, so running a job twice does no harm.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta

import redis
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import joinedload

from planner import publishers, queue, workflow
from planner.db import db, utcnow
from planner.models import Post, Status, Workspace, publish_key
from planner.publishers import (
    OutcomeUnknownError,
    PermanentPublishError,
    PublishRequest,
    TransientPublishError,
    for_channel,
)
from workers import job_context

log = logging.getLogger(__name__)
OUTCOME_UNKNOWN = "outcome unknown: the worker stopped while publishing; check the channel"


def backoff(attempt: int, base: float, retry_after: float | None) -> float:
    """Exponential backoff with jitter, never sooner than the target's Retry-After."""
    delay = base * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)
    return max(delay, retry_after or 0.0)


def publish_post(post_id: int, approved_version: int) -> str:
    """Publish the approved version of a post once; returns what happened, for the logs."""
    with job_context() as app:
        outcome = _publish(app, post_id, approved_version)
    log.info("job=publish post=%s version=%s outcome=%s", post_id, approved_version, outcome)
    return outcome


def _publish(app: Flask, post_id: int, approved_version: int) -> str:
    session = db.session
    # One query for the post, its channel and its workspace: a busy minute has a thousand.
    post = session.get(
        Post, post_id, options=[joinedload(Post.channel), joinedload(Post.workspace)]
    )
    if post is None:
        return "gone"
    if post.status != Status.approved or post.approved_version != approved_version:
        return "superseded"
    if post.workspace.publishing_paused:
        return "paused"
    now = utcnow()
    if post.scheduled_at > now + timedelta(seconds=5):
        return "not-due"
    grace = timedelta(seconds=float(app.config["PUBLISH_GRACE_SECONDS"]))
    if post.attempts == 0 and post.key_generation == 0 and now - post.scheduled_at > grace:
        late = now - post.scheduled_at
        workflow.mark_failed(
            session,
            post.id,
            approved_version,
            f"missed: it was due {int(late.total_seconds() // 60)} minutes ago while no worker "
            "was running; reschedule it or retry to publish it now",
            from_status=Status.approved,
        )
        return "missed"
    if not workflow.claim(session, post_id, approved_version):
        return "lost-race"
    session.refresh(post)
    channel = post.channel
    request = PublishRequest(
        post_id=post.id,
        channel=channel.name,
        network=channel.network,
        text=post.text,
        scheduled_at=post.scheduled_at,
        key=publish_key(post.id, approved_version, post.key_generation),
    )
    try:
        publisher = for_channel(channel, publishers.Settings.from_config(app.config))
        result = publisher.publish(request)
    except TransientPublishError as error:
        return _transient(app, session, post, approved_version, error)
    except OutcomeUnknownError as error:
        workflow.mark_failed(session, post_id, approved_version, str(error), outcome_unknown=True)
        return "outcome-unknown"
    except PermanentPublishError as error:
        workflow.mark_failed(session, post_id, approved_version, str(error))
        return "failed"
    workflow.mark_published(session, post_id, approved_version, result.external_id, result.url)
    return "published"


def _transient(
    app: Flask,
    session: sa.orm.Session,
    post: Post,
    approved_version: int,
    error: TransientPublishError,
) -> str:
    attempts = post.attempts
    if attempts >= int(app.config["PUBLISH_MAX_ATTEMPTS"]):
        workflow.mark_failed(
            session, post.id, approved_version, f"gave up after {attempts} attempts: {error}"
        )
        return "failed"
    delay = backoff(attempts, float(app.config["PUBLISH_BACKOFF_SECONDS"]), error.retry_after)
    workflow.release_for_retry(
        session,
        post.id,
        approved_version,
        f"attempt {attempts} failed: {error}; retrying in {int(delay)} s",
    )
    session.refresh(post)
    queue.ensure_job(queue.redis_for(app), post, at=utcnow() + timedelta(seconds=delay))
    return "retry"


def sweep() -> dict[str, int]:
    """Enqueue approved posts that are due but have no job (Redis restarted or flushed), and
    settle posts stuck in `publishing` past the lease without ever posting blindly twice."""
    with job_context() as app:
        return _sweep(app)


def _sweep(app: Flask) -> dict[str, int]:
    session = db.session
    connection = queue.redis_for(app)
    now = utcnow()
    horizon = now + timedelta(seconds=2 * float(app.config["SWEEP_INTERVAL_SECONDS"]))
    counts = {"enqueued": 0, "resent": 0, "unknown": 0}
    due = session.scalars(
        sa.select(Post)
        .join(Workspace, Workspace.id == Post.workspace_id)
        .where(
            Post.status == Status.approved,
            Post.scheduled_at <= horizon,
            Workspace.publishing_paused.is_(False),
        )
        .order_by(Post.scheduled_at)
    ).all()
    for post in due:
        before = queue.has_live_job(connection, post)
        queue.ensure_job(connection, post)
        counts["enqueued"] += 0 if before else 1
    lease = timedelta(seconds=float(app.config["PUBLISH_LEASE_SECONDS"]))
    stuck = session.scalars(
        sa.select(Post).where(Post.status == Status.publishing, Post.claimed_at < now - lease)
    ).all()
    for post in stuck:
        publisher = for_channel(post.channel, publishers.Settings.from_config(app.config))
        version = post.approved_version or 0
        if publisher.deduplicates:
            # The same key again: the target answers with the post it may already have made.
            if workflow.release_for_retry(
                session,
                post.id,
                version,
                "the worker stopped while publishing; re-sending with the same idempotency key",
            ):
                session.refresh(post)
                queue.ensure_job(connection, post)
                counts["resent"] += 1
        elif workflow.mark_failed(
            session, post.id, version, OUTCOME_UNKNOWN + " before retrying", outcome_unknown=True
        ):
            counts["unknown"] += 1
    if any(counts.values()):
        log.info("job=sweep %s", " ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


def sweep_forever(app: Flask, stop: object, interval: float | None = None) -> None:
    """Run by `planner worker` in a thread: one sweep job per tick across all workers and
    hosts (a Redis key per tick, set only if absent, elects who enqueues it).

    The thread touches only Redis; the sweep itself runs as a job in a work horse. A thread
    that used the database could hold a lock at the moment RQ forks a horse, and the horse
    would wait on that lock for ever.
    """
    interval = interval or float(app.config["SWEEP_INTERVAL_SECONDS"])
    connection = queue.redis_for(app)
    while not stop.is_set():  # type: ignore[attr-defined]
        tick = int(time.time() // interval)
        try:
            if connection.set(f"planner:sweep:{tick}", "1", nx=True, ex=int(interval * 2) + 1):
                queue.enqueue_sweep(connection, tick, interval)
        except redis.RedisError as error:
            log.warning("job=sweep outcome=redis_unavailable error=%s", error)
        stop.wait(max(0.2, (tick + 1) * interval - time.time()))  # type: ignore[attr-defined]
