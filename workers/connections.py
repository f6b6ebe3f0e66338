"""The check_channel job: test one channel's connection and act on what it finds
(planner/connections.py). The sweep enqueues it, daily and before a local day's first post."""

from __future__ import annotations

import logging

from planner import connections, publishers
from planner.db import db
from planner.models import Channel
from workers import job_context

log = logging.getLogger(__name__)


def check_channel(channel_id: int) -> str:
    """Check the channel's connection once; returns the outcome, for the logs."""
    with job_context() as app:
        channel = db.session.get(Channel, channel_id)
        if channel is None:
            return "gone"
        result = connections.check(db.session, channel, publishers.Settings.from_config(app.config))
    log.info(
        "job=check_channel channel=%s outcome=%s released=%s",
        channel_id,
        result.outcome,
        result.released,
    )
    return result.outcome
