"""The render_feed job: keeps each workspace's stored feeds fresh after its posts change.

Deduplication goes by deterministic job ids, no hand-made locks. `enqueue_render` puts at
most one not-yet-started render per workspace in the queue: a burst of edits finds that job
queued and adds nothing, and the job, when it starts, reads every change committed before
it. A change committed while a render is already running cannot count on that render (it
may have read the posts before the change), so it queues the follow-up under the second id.
A render runs again harmlessly: it re-renders only what is not fresh, and it stores by
upsert.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from flask import Flask, current_app, has_app_context
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy.orm import Session

from planner import feeds
from planner.db import db

log = logging.getLogger(__name__)

QUEUE = "feeds"
# Not yet started: such a job will read every change committed before it starts.
PENDING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
# A job that is done and whose record is still kept (a failed one for inspection).
DONE = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


def job_ids(workspace_id: int) -> tuple[str, str]:
    """The render job's id, and the follow-up's for changes made while it runs."""
    return f"feed-render-{workspace_id}", f"feed-render-{workspace_id}-next"


def enqueue_render(connection: redis.Redis, workspace_id: int) -> None:
    """Make sure a render of the workspace's feeds starts after this (committed) change.

    Raises redis.RedisError when Redis does not answer; the feed then renders inline on
    its next request.
    """
    queue = Queue(QUEUE, connection=connection)
    for job_id in job_ids(workspace_id):
        for _ in range(3):
            try:
                queue.enqueue(
                    render_feed,
                    workspace_id,
                    job_id=job_id,
                    unique=True,
                    # Gone once done, so that the id is free for the next change.
                    result_ttl=0,
                    failure_ttl=24 * 3600,
                    job_timeout=300,
                    retry=Retry(max=2, interval=[10, 60]),
                    description=f"render the feeds of workspace {workspace_id}",
                )
                return
            except DuplicateJobError:
                status = _status(connection, job_id)
            if status in PENDING:
                return
            if status == JobStatus.STARTED:
                break  # try the follow-up id
            if status in DONE:
                _delete(connection, job_id)
            # Otherwise the record vanished meanwhile (a job that just finished): try again.
    # Both ids are running (two workers): a job of a fresh id keeps the promise.
    queue.enqueue(render_feed, workspace_id, result_ttl=0, job_timeout=300)
    log.info("job=render_feed workspace=%s outcome=enqueued_extra", workspace_id)


def _status(connection: redis.Redis, job_id: str) -> JobStatus | None:
    try:
        return Job.fetch(job_id, connection=connection).get_status(refresh=False)
    except NoSuchJobError:
        return None


def _delete(connection: redis.Redis, job_id: str) -> None:
    try:
        Job.fetch(job_id, connection=connection).delete()
    except NoSuchJobError:
        pass


_worker_app: Flask | None = None


@contextmanager
def _app() -> Iterator[Flask]:
    """The app of `planner worker` (pushed before RQ forks), or one made for a bare `rq`."""
    global _worker_app
    if has_app_context():
        yield current_app._get_current_object()  # type: ignore[attr-defined]
        return
    if _worker_app is None:
        from planner import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        yield _worker_app


def render_feed(workspace_id: int) -> int:
    """Re-render the workspace's subscribed feeds that are not fresh; returns how many."""
    with _app() as app, Session(db.engine, expire_on_commit=False) as session:
        rendered = feeds.refresh(
            session,
            workspace_id,
            feeds.configured_base_url(app.config),
            max_events=int(app.config.get("FEED_MAX_EVENTS", feeds.MAX_EVENTS)),
        )
    log.info("job=render_feed workspace=%s rendered=%s outcome=done", workspace_id, rendered)
    return rendered
