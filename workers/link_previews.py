"""The fetch_link_preview job: fetch a post's first link's page once and keep what it says
about itself (planner/link_previews.py). Enqueued when a post is saved, and by Refetch."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any

from rq.job import Job

from planner import link_previews
from planner.db import db
from planner.models import Workspace
from workers import job_context

log = logging.getLogger(__name__)


def fetch_link_preview(workspace_id: int, url: str, force: bool = False) -> str:
    """Fetch the link's preview for the workspace unless it has one (`force`: Refetch);
    returns the outcome, for the logs."""
    with job_context() as app:
        if db.session.get(Workspace, workspace_id) is None:
            return "gone"
        outcome = link_previews.fetch_and_store(
            db.session,
            workspace_id,
            url,
            allow_private=bool(app.config.get("PUBLISH_ALLOW_PRIVATE_TARGETS")),
            force=force,
        )
    # The address is the team's own content, but it may carry tokens in its query: the host
    # is enough to follow a problem in the logs.
    log.info(
        "job=fetch_link_preview workspace=%s host=%s outcome=%s",
        workspace_id,
        link_previews.normalise(url).split("/")[2],
        outcome,
    )
    return outcome


def fetch_failed(
    job: Job,
    connection: Any,
    kind: type[BaseException] | None = None,
    value: BaseException | None = None,
    traceback: TracebackType | None = None,
) -> None:
    """RQ's on_failure callback: a fetch that died (its time limit, a crash) is recorded on
    the card, which would otherwise say "fetching" for ever."""
    workspace_id, url = job.args[0], job.args[1]
    with job_context():
        if db.session.get(Workspace, workspace_id) is not None:
            link_previews.record_failure(db.session, workspace_id, url)
    log.warning(
        "job=fetch_link_preview workspace=%s outcome=died error=%s",
        workspace_id,
        kind.__name__ if kind else "unknown",
    )
