"""The publish_post job, its retry policy, and the sweeper.

A job takes ids and the approved version, reloads the post, and claims it with one
conditional update; RQ delivers at least once, so running a job twice does no harm.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from datetime import datetime, timedelta

import redis
import sqlalchemy as sa
from flask import Flask, url_for
from sqlalchemy.orm import joinedload
from werkzeug.routing import BuildError

from planner import connections, media, notifications, publishers, queue, workflow
from planner.db import db, utcnow
from planner.media import links
from planner.models import Channel, Post, Status, Workspace, publish_key
from planner.publishers import (
    PUBLISHERS,
    Image,
    LoginRejected,
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
    if post.channel.needs_reconnecting:
        # Held, not failed, and not missed while held: reconnecting the channel releases it
        # (workflow.channel_reconnected), which decides then whether it is still in time.
        return "held"
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
    try:
        publisher = for_channel(channel, publishers.Settings.from_config(app.config))
        request = PublishRequest(
            post_id=post.id,
            channel=channel.name,
            network=channel.network,
            text=post.text,
            scheduled_at=post.scheduled_at,
            key=publish_key(post.id, approved_version, post.key_generation),
            reply_to=post.reply_to,
            thread_parent=_thread_parent(session, post) if publisher.threads else None,
            images=_attachments(app, session, post),
            uploaded=workflow.uploads_of(session, post.id),
            remember_upload=lambda upload_key, external_id: workflow.remember_upload(
                session, post_id, upload_key, external_id
            ),
        )
        result = publisher.publish(request)
    except TransientPublishError as error:
        return _transient(app, session, post, approved_version, error)
    except LoginRejected as error:
        # Every post of the channel would meet the same refusal: hold this one and mark the
        # channel (the admins are told once), rather than fail posts one by one.
        workflow.hold(
            session,
            post_id,
            approved_version,
            f"held until {channel.name} is reconnected: {error}",
        )
        workflow.mark_needs_reconnecting(session, channel.id, str(error))
        return "held"
    except OutcomeUnknownError as error:
        workflow.mark_failed(session, post_id, approved_version, str(error), outcome_unknown=True)
        return "outcome-unknown"
    except PermanentPublishError as error:
        workflow.mark_failed(session, post_id, approved_version, str(error))
        return "failed"
    workflow.mark_published(session, post_id, approved_version, result.external_id, result.url)
    return "published"


def _attachments(app: Flask, session: sa.orm.Session, post: Post) -> tuple[Image, ...]:
    """The group's files, in order, read from the media store, each with the key of its
    upload (file and alt text: new alt text is a new upload) and, when the app knows its own
    address (SERVER_NAME), a signed link for receivers that fetch files."""
    rows = workflow.group_media(session, post.group_id)
    if not rows:
        return ()
    store = media.store_for(app.config)
    images = []
    for row in rows:
        try:
            data = store.get(row.key)
        except media.MediaMissing as error:
            raise PermanentPublishError(
                f"the file {row.label} is missing from the media store; attach it again"
            ) from error
        alt = hashlib.sha256(row.alt_text.encode()).hexdigest()[:16]
        images.append(
            Image(
                data,
                row.mime_type,
                row.alt_text,
                key=f"media-{row.id}-{alt}",
                filename=row.filename,
                width=row.width,
                height=row.height,
                duration_ms=row.duration_ms,
                url=_link(app, row.id, row.key),
            )
        )
    return tuple(images)


def _link(app: Flask, media_id: int, key: str) -> str | None:
    if not app.config.get("SERVER_NAME"):
        return None
    token = links.sign(str(app.config["SECRET_KEY"]), media_id, key)
    try:
        with app.app_context():
            return url_for("media_links.fetch", token=token, _external=True)
    except BuildError:
        return None


def _thread_parent(session: sa.orm.Session, post: Post) -> str | None:
    """The external id of the thread's part published just before this one on the same
    channel; TransientPublishError while that part has yet to go out (parts due together are
    published in order: the later one waits for its backoff)."""
    if not post.thread:
        return None
    earlier = session.scalars(
        sa.select(Post)
        .where(
            Post.channel_id == post.channel_id,
            Post.thread == post.thread,
            Post.id != post.id,
            Post.status.in_([Status.approved, Status.publishing, Status.published]),
            sa.or_(
                Post.scheduled_at < post.scheduled_at,
                sa.and_(Post.scheduled_at == post.scheduled_at, Post.id < post.id),
            ),
        )
        .order_by(Post.scheduled_at.desc(), Post.id.desc())
        .limit(1)
    ).first()
    if earlier is None:
        return None
    if earlier.status != Status.published:
        raise TransientPublishError(
            f"waiting for the thread's earlier part (post #{earlier.id}) to go out first"
        )
    return earlier.external_id


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
    counts = {
        "enqueued": 0,
        "resent": 0,
        "unknown": 0,
        "checks": 0,
        "digests": 0,
        "notices": 0,
        "pending_media": 0,
    }
    due = session.scalars(
        sa.select(Post)
        .join(Workspace, Workspace.id == Post.workspace_id)
        .join(Channel, Channel.id == Post.channel_id)
        .where(
            Post.status == Status.approved,
            Post.scheduled_at <= horizon,
            Workspace.publishing_paused.is_(False),
            # Held until their channel is reconnected, which enqueues them itself.
            Channel.needs_reconnecting_at.is_(None),
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
        # The kind alone says whether the target deduplicates (outbox by file name, Mastodon by
        # Idempotency-Key, Bluesky by a record key made from ours); no secret needs opening.
        kind = PUBLISHERS.get(post.channel.publisher_kind)
        version = post.approved_version or 0
        if kind is not None and kind.deduplicates:
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
    counts["checks"] = _schedule_checks(app, session, connection, now)
    # Files a composer kept for a form nobody sent again.
    counts["pending_media"] = media.store_for(app.config).delete_pending(
        media.store.PENDING_SECONDS
    )
    counts["digests"], counts["notices"] = _schedule_notifications(app, session, connection, now)
    if any(counts.values()):
        log.info("job=sweep %s", " ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


def _schedule_checks(
    app: Flask, session: sa.orm.Session, connection: redis.Redis, now: datetime
) -> int:
    """Enqueue the connection checks that are due (daily, and before a local day's first
    post); each channel is claimed in the database first, so a check runs once even when
    sweeps of several ticks or hosts overlap."""
    every = timedelta(seconds=float(app.config["CONNECTION_CHECK_SECONDS"]))
    ahead = timedelta(seconds=float(app.config["CONNECTION_CHECK_AHEAD_SECONDS"]))
    scheduled = 0
    for channel_id, older_than in connections.due_checks(session, now, every, ahead):
        claimed_at = connections.claim_check(session, channel_id, older_than)
        if claimed_at is not None:
            queue.enqueue_check(connection, channel_id, claimed_at)
            scheduled += 1
    return scheduled


def _schedule_notifications(
    app: Flask, session: sa.orm.Session, connection: redis.Redis, now: datetime
) -> tuple[int, int]:
    """Enqueue the daily digests that are due (each claimed in the database first, so a
    member gets one a day however many sweeps overlap), and the deliveries of events whose job
    never got enqueued (Redis was down, or the change was made outside an app)."""
    base = notifications.configured_base_url(app.config)
    digests = 0
    hour = int(app.config["NOTIFY_DIGEST_HOUR"])
    for membership_id, day in notifications.due_digests(session, now, hour):
        if notifications.claim_digest(session, membership_id, day):
            queue.enqueue_digest(connection, membership_id, day.isoformat(), base)
            digests += 1
    notices = 0
    for key in notifications.stranded(session, now):
        if queue.enqueue_notify(connection, key, base) is not None:
            notices += 1
    return digests, notices


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
            # This thread has no app context: the prefix comes from `app` itself.
            key = queue.redis_key(f"planner:sweep:{tick}", app)
            if connection.set(key, "1", nx=True, ex=int(interval * 2) + 1):
                queue.enqueue_sweep(connection, tick, interval, app)
        except redis.RedisError as error:
            log.warning("job=sweep outcome=redis_unavailable error=%s", error)
        stop.wait(max(0.2, (tick + 1) * interval - time.time()))  # type: ignore[attr-defined]
