"""The render_feed job: keeps each workspace's stored feeds fresh after its posts change.

planner/queue.py enqueues it (deduplicated by job id). A render runs again harmlessly: it
re-renders only what is not fresh, and it stores by upsert.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from planner import feeds
from planner.db import db
from workers import job_context

log = logging.getLogger(__name__)


def render_feed(workspace_id: int) -> int:
    """Re-render the workspace's subscribed feeds that are not fresh; returns how many."""
    with job_context() as app, Session(db.engine, expire_on_commit=False) as session:
        rendered = feeds.refresh(
            session,
            workspace_id,
            feeds.configured_base_url(app.config),
            max_events=int(app.config["FEED_MAX_EVENTS"]),
        )
    log.info("job=render_feed workspace=%s rendered=%s outcome=done", workspace_id, rendered)
    return rendered
