"""What happened that people may want to be told about: a post submitted for review, changes
requested, a post approved or failed, a channel whose login stopped working, a mention.

The workflow (and the workers, through it) emit an `Event` after the change is committed;
listeners registered at start-up (notifications) act on it. Emitting never fails the change:
a listener's error is logged, not raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

SUBMITTED = "post_submitted"  # to approvers
CHANGES_REQUESTED = "changes_requested"  # to the author
APPROVED = "post_approved"  # to the author
FAILED = "post_failed"  # to the author and admins
OUTCOME_UNKNOWN = "outcome_unknown"  # to the author and admins
CHANNEL_NEEDS_RECONNECTING = "channel_needs_reconnecting"  # to admins
MENTIONED = "mentioned"  # to the person @named in a comment

KINDS = (
    SUBMITTED,
    CHANGES_REQUESTED,
    APPROVED,
    FAILED,
    OUTCOME_UNKNOWN,
    CHANNEL_NEEDS_RECONNECTING,
    MENTIONED,
)


@dataclass(frozen=True)
class Event:
    """One thing that happened. `post_ids` are the posts it is about (a group's variants),
    `actor_id` who did it (None: Planner itself), `data` what a message needs to say it."""

    kind: str
    workspace_id: int
    actor_id: int | None = None
    post_ids: tuple[int, ...] = ()
    channel_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


listeners: list[Callable[[Session, Event], None]] = []


def emit(session: Session, event: Event) -> None:
    """Tell every listener; a listener that fails is logged and the others still hear it."""
    if event.kind not in KINDS:
        raise ValueError(f"unknown event {event.kind!r}")
    for listener in listeners:
        try:
            listener(session, event)
        except Exception:  # noqa: BLE001 - a notification must never undo or block a change
            log.exception(
                "event=%s workspace=%s outcome=listener_failed", event.kind, event.workspace_id
            )
