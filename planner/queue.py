"""Background work, the enqueueing half: Redis, the queues, and the jobs a change calls for.

Jobs are enqueued by dotted name (`"workers.publish.publish_post"`), so nothing in `planner/`
imports `workers/`; RQ imports the job when a worker runs it.

- One Redis client per app (`redis_for`), opened lazily: the factory connects to nothing.
- REDIS_PREFIX namespaces everything this install keeps in Redis (`queue_name`, `job_id`,
  `redis_key`; flask-limiter's keys in planner/web/security.py), so installs can share a
  Redis database; empty, the names are those of installs from before the setting.
- Publishing: an approved post has one live job, `publish-<id>-v<approved version>`
  (`-t<attempts>` for a retry), enqueued at its time (`ensure_job`).
- Feeds: a change enqueues one render of the workspace's feeds (`enqueue_render`).
- Imports: a large CSV import runs as a job with progress (`enqueue_import`).
- The workflow hook (`post_changed`, registered by `init_app`) brings a post's jobs in line
  with its committed state. A Redis that does not answer never undoes or blocks a change: the
  sweeper enqueues due posts when Redis is back, and a feed renders inline on its next request.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from rq import Callback, Queue, Retry, Worker
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from sqlalchemy.orm import Session, joinedload

from planner import link_previews, logs, workflow
from planner.db import db, utcnow
from planner.models import Channel, Post, Status, Workspace
from rules.preview import first_link

log = logging.getLogger(__name__)

# Most urgent first; link previews last: a thousand imported posts with links must never
# delay a publish, a feed or the sweep.
QUEUE_NAMES = ("publish", "feeds", "default", "previews")
PUBLISH_JOB = "workers.publish.publish_post"
SWEEP_JOB = "workers.publish.sweep"
RENDER_JOB = "workers.feeds.render_feed"
IMPORT_JOB = "workers.imports.import_plan"
CHECK_JOB = "workers.connections.check_channel"
NOTIFY_JOB = "workers.notify.deliver"
DIGEST_JOB = "workers.notify.send_digest"
LINK_PREVIEW_JOB = "workers.link_previews.fetch_link_preview"
LINK_PREVIEW_FAILED = "workers.link_previews.fetch_failed"

# Job states in which a publish job will still run, or runs now.
LIVE = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.STARTED, JobStatus.DEFERRED}
# Not yet started: such a render will read every change committed before it starts.
PENDING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
# A job that is done and whose record is still kept (a failed one for inspection).
DONE = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


# --- Redis ------------------------------------------------------------------------------------


def connect(url: str) -> redis.Redis:
    """A Redis client for RQ's worker loop: no read timeout, since the worker blocks on its
    queues for longer than any sensible one."""
    return redis.Redis.from_url(url)


def redis_for(app: Flask | None = None) -> redis.Redis:
    """The app's Redis client, made on first use. Short timeouts: a request or a job that
    enqueues must not hang on a Redis that does not answer."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    client = app.extensions.get("planner.redis")
    if client is None:
        client = redis.Redis.from_url(
            str(app.config["REDIS_URL"]), socket_connect_timeout=0.5, socket_timeout=5
        )
        app.extensions["planner.redis"] = client
    return client


_CACHE_SECONDS = 5.0
_last_ping: dict[str, tuple[float, bool]] = {}


def redis_available(app: Flask | None = None) -> bool:
    """Ping Redis at most every few seconds per process; a down Redis costs one timeout."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    url = str(app.config["REDIS_URL"])
    now = time.monotonic()
    cached = _last_ping.get(url)
    if cached and now - cached[0] < _CACHE_SECONDS:
        return cached[1]
    try:
        ok = bool(redis_for(app).ping())
    except redis.RedisError:
        ok = False
    _last_ping[url] = (now, ok)
    return ok


def prefix(app: Flask | None = None) -> str:
    """The install's REDIS_PREFIX ("" outside an app: scripts and bare sessions)."""
    if app is None:
        if not has_app_context():
            return ""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    return str(app.config.get("REDIS_PREFIX") or "")


def queue_name(name: str, app: Flask | None = None) -> str:
    """A queue's name in Redis: `<prefix>-publish`, or `publish` without a prefix."""
    namespace = prefix(app)
    return f"{namespace}-{name}" if namespace else name


def job_id(name: str, app: Flask | None = None) -> str:
    """A deterministic job id of this install. RQ keeps every job under `rq:job:<id>` in one
    space per Redis database, so without the prefix two installs' `publish-42-v1` would be one
    job (the second enqueue a no-op, the post of one install published by the other's
    worker, which finds no such post). RQ takes only letters, digits, `_` and `-` in ids."""
    namespace = prefix(app)
    return f"{namespace}-{name}" if namespace else name


def redis_key(name: str, app: Flask | None = None) -> str:
    """A plain Redis key of this install: `<prefix>:<name>`."""
    namespace = prefix(app)
    return f"{namespace}:{name}" if namespace else name


def _origin() -> dict[str, Any]:
    """Job meta naming the request that enqueued it, so the worker's log lines about the
    job carry that request's id (planner/logs.py)."""
    request_id = logs.current_request_id()
    return {"request_id": request_id} if request_id else {}


def queues(connection: redis.Redis, app: Flask | None = None) -> list[Queue]:
    """The install's queues a worker listens on, most urgent first."""
    return [Queue(queue_name(name, app), connection=connection) for name in QUEUE_NAMES]


def our_workers(connection: redis.Redis, app: Flask | None = None) -> list[Worker]:
    """The live workers of this install: those listening on its publish queue (RQ's
    `Worker.all` without a queue lists every install's workers in the database)."""
    return Worker.all(queue=Queue(queue_name("publish", app), connection=connection))


# --- Publishing -------------------------------------------------------------------------------


def publish_job_id(post: Post) -> str:
    """publish-<id>-v<approved version>, and -t<attempts> for the attempts after the first."""
    base = f"publish-{post.id}-v{post.approved_version}"
    return job_id(base if post.attempts == 0 else f"{base}-t{post.attempts}")


def ensure_job(connection: redis.Redis, post: Post, at: datetime | None = None) -> Job | None:
    """Make sure an approved post has a live job for its current attempt; a no-op when it
    has one. Posts in any other state, or of a paused workspace, get none (jobs of other
    states find another state or version when they run, and do nothing)."""
    if (
        post.status != Status.approved
        or post.approved_version is None
        or post.workspace.publishing_paused
    ):
        return None
    identifier = publish_job_id(post)
    existing = _fetch(connection, identifier)
    if existing is not None:
        if existing.get_status(refresh=False) in LIVE and not _abandoned(existing):
            return existing
        # A finished run (paused, superseded) or a dead one must not block a new one.
        existing.delete()
    queue = Queue(queue_name("publish"), connection=connection)
    when = at or post.scheduled_at
    arguments = (post.id, post.approved_version)
    options: dict[str, Any] = {
        "job_id": identifier,
        "description": f"publish post {post.id}",
        "result_ttl": 86400,
        "failure_ttl": 7 * 86400,
        "meta": _origin(),
    }
    if when <= utcnow():
        return queue.enqueue(PUBLISH_JOB, *arguments, **options)
    return queue.enqueue_at(when, PUBLISH_JOB, *arguments, **options)


def has_live_job(connection: redis.Redis, post: Post) -> bool:
    """Whether the post's current attempt has a job that will still run."""
    job = _fetch(connection, publish_job_id(post))
    return job is not None and job.get_status() in LIVE and not _abandoned(job)


def _abandoned(job: Job) -> bool:
    """A job whose worker died before it claimed the post: started, or taken off its queue,
    longer ago than the lease while the post is still unclaimed (claiming comes first, so a
    living job claims within moments). RQ itself notices dead workers only after minutes."""
    status = job.get_status(refresh=False)
    since = job.started_at if status == JobStatus.STARTED else job.enqueued_at
    if since is None or status not in (JobStatus.STARTED, JobStatus.QUEUED):
        return False
    queue_key = Queue(job.origin, connection=job.connection).key
    if status == JobStatus.QUEUED and job.connection.lpos(queue_key, job.id) is not None:
        return False  # still waiting its turn in the queue
    lease = float(current_app.config["PUBLISH_LEASE_SECONDS"]) if has_app_context() else 300.0
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    return utcnow() - since > timedelta(seconds=lease)


def _fetch(connection: redis.Redis, job_id: str) -> Job | None:
    try:
        return Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return None


def enqueue_sweep(
    connection: redis.Redis, tick: int, interval: float, app: Flask | None = None
) -> Job:
    """The sweep of one tick (the worker's tick thread elects who enqueues it)."""
    return Queue(queue_name("default", app), connection=connection).enqueue(
        SWEEP_JOB,
        job_id=job_id(f"sweep-{tick}", app),
        result_ttl=int(interval * 5),
        ttl=int(interval * 2) + 1,
        description="sweep",
    )


def enqueue_check(connection: redis.Redis, channel_id: int, claimed_at: datetime) -> Job:
    """A channel's connection check, claimed at `claimed_at` by the sweep
    (planner/connections.py); a check not started within ten minutes is dropped, as the next
    one is due soon enough."""
    return Queue(queue_name("default"), connection=connection).enqueue(
        CHECK_JOB,
        channel_id,
        job_id=job_id(f"check-channel-{channel_id}-{int(claimed_at.timestamp())}"),
        ttl=600,
        result_ttl=3600,
        failure_ttl=7 * 86400,
        job_timeout=120,
        description=f"check the connection of channel {channel_id}",
        meta=_origin(),
    )


# --- Notifications ----------------------------------------------------------------------------


def enqueue_notify(connection: redis.Redis, event_key: str, base_url: str | None) -> Job | None:
    """The mail and Slack delivery of one event (planner/notifications.py); None when a job
    for it is already waiting (the sweep re-enqueues deliveries nobody took)."""
    return _enqueue_once(
        connection,
        NOTIFY_JOB,
        event_key,
        base_url,
        job_id=job_id(f"notify-{event_key}"),
        result_ttl=3600,
        retry=Retry(max=3, interval=[30, 300, 1800]),
        description=f"send the notifications of {event_key}",
        meta=_origin(),
    )


def enqueue_digest(
    connection: redis.Redis, membership_id: int, day: str, base_url: str | None
) -> Job | None:
    """A member's daily digest for one local day, claimed by the sweep."""
    return _enqueue_once(
        connection,
        DIGEST_JOB,
        membership_id,
        day,
        base_url,
        job_id=job_id(f"digest-{membership_id}-{day}"),
        result_ttl=86400,
        retry=Retry(max=3, interval=[60, 600, 3600]),
        description=f"send the daily digest of membership {membership_id} for {day}",
    )


def _enqueue_once(connection: redis.Redis, func: str, *args: Any, **options: Any) -> Job | None:
    """A mail job on the default queue, unless one with its id is already waiting (None)."""
    try:
        return Queue(queue_name("default"), connection=connection).enqueue(
            func, *args, unique=True, failure_ttl=7 * 86400, job_timeout=120, **options
        )
    except DuplicateJobError:
        return None


# --- Link previews ----------------------------------------------------------------------------


def enqueue_link_preview(
    connection: redis.Redis, workspace_id: int, url: str, *, force: bool = False
) -> Job:
    """One fetch of a link's preview for a workspace. The job id is the link's key, so saving
    several posts with the same link (or one post several times) fetches it once; a Refetch
    gets an id of its own."""
    name = f"link-preview-{workspace_id}-{link_previews.url_key(url)[:32]}"
    if force:
        name += f"-r{time.time_ns()}"
    preview_id = job_id(name)
    try:
        return Queue(queue_name("previews"), connection=connection).enqueue(
            LINK_PREVIEW_JOB,
            workspace_id,
            url,
            force,
            job_id=preview_id,
            unique=True,
            on_failure=Callback(LINK_PREVIEW_FAILED),
            result_ttl=600,
            failure_ttl=7 * 86400,
            job_timeout=60,
            description=f"fetch the link preview of a post of workspace {workspace_id}",
            meta=_origin(),
        )
    except DuplicateJobError:
        job = _fetch(connection, preview_id)
        assert job is not None
        return job


def link_preview_wanted(post: Post) -> None:
    """After a post is saved: fetch its first link's preview if the workspace has none (the
    fetch happens once; Refetch asks again). Cancelled posts fetch nothing."""
    if not has_app_context() or post.status == Status.cancelled:
        return
    link = first_link(post.text)
    if link is None or link_previews.is_known(db.session, post.workspace_id, link):
        return
    if not redis_available():
        # A Redis that does not answer costs one timeout per few seconds, not one per post.
        log.warning("hook=link_preview post=%s outcome=redis_unavailable", post.id)
        return
    try:
        enqueue_link_preview(redis_for(), post.workspace_id, link)
    except redis.RedisError as error:
        # The next save asks again; Refetch too.
        log.warning("hook=link_preview post=%s outcome=redis_unavailable error=%s", post.id, error)


# --- Feeds ------------------------------------------------------------------------------------


def render_job_ids(workspace_id: int) -> tuple[str, str]:
    """The render job's id, and the follow-up's for changes made while it runs."""
    return job_id(f"feed-render-{workspace_id}"), job_id(f"feed-render-{workspace_id}-next")


def enqueue_render(connection: redis.Redis, workspace_id: int) -> None:
    """Make sure a render of the workspace's feeds starts after this (committed) change.

    Deduplication goes by deterministic job ids, no hand-made locks: at most one
    not-yet-started render per workspace waits in the queue, so a burst of edits finds that
    job queued and adds nothing, and the job, when it starts, reads every change committed
    before it. A change committed while a render is already running cannot count on that
    render (it may have read the posts before the change), so it queues the follow-up under
    the second id.

    Raises redis.RedisError when Redis does not answer; the feed then renders inline on
    its next request.
    """
    queue = Queue(queue_name("feeds"), connection=connection)
    for render_id in render_job_ids(workspace_id):
        for _ in range(3):
            try:
                queue.enqueue(
                    RENDER_JOB,
                    workspace_id,
                    job_id=render_id,
                    unique=True,
                    # Gone once done, so that the id is free for the next change.
                    result_ttl=0,
                    failure_ttl=24 * 3600,
                    job_timeout=300,
                    retry=Retry(max=2, interval=[10, 60]),
                    description=f"render the feeds of workspace {workspace_id}",
                    meta=_origin(),
                )
                return
            except DuplicateJobError:
                job = _fetch(connection, render_id)
                status = job.get_status(refresh=False) if job is not None else None
            if status in PENDING:
                return
            if status == JobStatus.STARTED:
                break  # try the follow-up id
            if status in DONE and job is not None:
                job.delete()
            # Otherwise the record vanished meanwhile (a job that just finished): try again.
    # Both ids are running (two workers): a job of a fresh id keeps the promise.
    queue.enqueue(RENDER_JOB, workspace_id, result_ttl=0, job_timeout=300)
    log.info("job=render_feed workspace=%s outcome=enqueued_extra", workspace_id)


# --- Imports ----------------------------------------------------------------------------------


def enqueue_import(
    app: Flask, workspace_id: int, user_id: int, text: str, submit: bool
) -> str | None:
    """A large import as a job on the default queue; None (import in the request) without
    Redis."""
    if not redis_available(app):
        return None
    try:
        job = Queue(queue_name("default", app), connection=redis_for(app)).enqueue(
            IMPORT_JOB,
            workspace_id,
            user_id,
            text,
            submit,
            job_timeout=3600,
            result_ttl=86400,
            failure_ttl=86400,
            meta={"workspace_id": workspace_id, "done": 0, "total": 0, **_origin()},
        )
    except redis.RedisError:
        return None
    return job.id


@dataclass(frozen=True)
class ImportProgress:
    """How far a background import is, for its progress page."""

    done: int
    total: int
    error: str | None
    finished: bool

    @property
    def waiting(self) -> bool:
        return not (self.finished or self.error)


def import_progress(app: Flask, job_id: str, workspace_id: int) -> ImportProgress | None:
    """The progress of an import job of this workspace, or None for any other id."""
    try:
        job = Job.fetch(job_id, connection=redis_for(app))
    except (NoSuchJobError, redis.RedisError, ValueError):
        return None
    if job.meta.get("workspace_id") != workspace_id:
        return None
    status = job.get_status(refresh=True)
    meta = job.meta
    failed = bool(meta.get("error")) or status == JobStatus.FAILED
    finished = bool(meta.get("finished")) or (status == JobStatus.FINISHED and not failed)
    error = meta.get("error") or (
        "The import stopped unexpectedly; nothing was imported." if failed else None
    )
    return ImportProgress(
        int(meta.get("done") or 0), int(meta.get("total") or 0), error, finished and not failed
    )


# --- The workflow hook ------------------------------------------------------------------------


def post_changed(post: Post) -> None:
    """Bring the post's jobs in line with its committed state.

    Outside an app (a bare session in a script or a unit test) there is no Redis to tell; the
    sweeper enqueues due approved posts within a minute all the same.
    """
    if not has_app_context():
        return
    try:
        connection = redis_for()
        ensure_job(connection, post)
        enqueue_render(connection, post.workspace_id)
    except redis.RedisError as error:
        log.warning("hook=post_changed post=%s outcome=redis_unavailable error=%s", post.id, error)


def init_app(app: Flask) -> None:
    if post_changed not in workflow.after_change:
        workflow.after_change.append(post_changed)
    if link_preview_wanted not in workflow.after_change:
        workflow.after_change.append(link_preview_wanted)

    @app.context_processor
    def _background_status() -> dict[str, object]:
        def background_paused() -> bool:
            return not redis_available(app)

        return {"background_paused": background_paused}


# --- The Publishing page ----------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """What the Publishing page shows an admin."""

    redis_ok: bool
    # How many, not which: workers serve every workspace of the install, and their names
    # carry host names and process ids.
    workers: int
    busy_workers: int
    queue_depths: dict[str, int]
    scheduled: int
    next_due: list[Post]
    recent_failures: list[Post]
    overdue: list[Post]
    # Channels whose login the target refused, each with how many approved posts it holds.
    needs_reconnecting: list[tuple[Channel, int]]


def overview(session: Session, workspace: Workspace) -> Overview:
    """Workers alive, queue depths, the next posts due, recent failures, channels that need
    reconnecting and the posts they hold, and approved posts whose time passed without a
    worker taking them (no worker, or no Redis; held posts are not among them)."""
    now = utcnow()
    marked = list(
        session.scalars(
            sa.select(Channel)
            .where(Channel.workspace_id == workspace.id, Channel.needs_reconnecting_at.is_not(None))
            .order_by(Channel.name)
        )
    )
    held = dict(
        session.execute(
            sa.select(Post.channel_id, sa.func.count())
            .where(Post.channel_id.in_([c.id for c in marked]), Post.status == Status.approved)
            .group_by(Post.channel_id)
        ).all()
    )

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
        Post.channel_id.not_in([c.id for c in marked]),
        order=Post.scheduled_at,
    )
    try:
        connection = redis_for()
        states = [str(w.get_state()) for w in our_workers(connection)]
        busy = sum(state == "busy" for state in states)
        depths = {
            name: Queue(queue_name(name), connection=connection).count for name in QUEUE_NAMES
        }
        scheduled = ScheduledJobRegistry(queue_name("publish"), connection=connection).count
        ok = True
    except redis.RedisError:
        states, busy, depths, scheduled, ok = [], 0, {}, 0, False
    return Overview(
        ok,
        len(states),
        busy,
        depths,
        scheduled,
        next_due,
        failures,
        overdue,
        [(channel, held.get(channel.id, 0)) for channel in marked],
    )
