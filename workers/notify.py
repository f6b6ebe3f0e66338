"""The notification jobs: one event's e-mails and Slack message (enqueued by the listener in
planner/notifications.py), and a member's daily digest (enqueued by the sweep)."""

from __future__ import annotations

import logging
from datetime import date

from planner import notifications
from planner.db import db
from workers import job_context

log = logging.getLogger(__name__)


def deliver(event_key: str, base_url: str | None = None) -> str:
    """Send the event's immediate mails and Slack message, each at most once (a second run
    finds them taken); raises DeliveryFailed, so RQ retries, when something was not sent."""
    with job_context() as app:
        done = notifications.deliver(db.session, app.config, event_key, base_url)
    log.info("job=notify event=%s mailed=%s slack=%s", event_key, done.mailed, done.slack)
    return f"mailed={done.mailed} slack={done.slack}"


def send_digest(membership_id: int, day: str, base_url: str | None = None) -> int:
    """Mail the member's digest of `day` (a local date, ISO); returns how many items."""
    with job_context() as app:
        count = notifications.send_digest(
            db.session, app.config, membership_id, date.fromisoformat(day), base_url
        )
    log.info("job=digest membership=%s day=%s items=%s", membership_id, day, count)
    return count
