"""Connection health: does each channel's login still work?

A check runs the channel's publisher test (Mastodon's verify_credentials, a Bluesky sign-in, a
signed HEAD to a webhook, a write to the outbox folder) and sorts what it finds:

- it works: recorded; a channel marked "needs reconnecting" is reconnected and its held posts
  are released (`workflow.channel_reconnected`);
- the target refused the login (401/403, `LoginRejected`): the channel is marked "needs
  reconnecting" (`workflow.mark_needs_reconnecting`, which tells the admins once);
- the target is down for now (5xx, timeouts): recorded, nothing else changes, the posts keep
  their retries;
- anything else (a wrong URL, an unwritable outbox): recorded for the admin to read.

Who checks: a person ("Test connection"), and the workers: daily, and again before the first
post of a local day on the channel. The sweep (one per tick across all workers) asks
`due_checks`, claims each channel with one conditional update (`claim_check`), so a check runs
once however many workers and hosts sweep, and enqueues the check as a job of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from planner import workflow
from planner.db import utcnow
from planner.models import Channel, Post, Status, User, Workspace
from planner.publishers import (
    LoginRejected,
    OutcomeUnknownError,
    PublishError,
    Settings,
    TransientPublishError,
    for_channel,
)


@dataclass(frozen=True)
class CheckResult:
    """What a check found, for the person who asked or the worker's log."""

    ok: bool
    message: str
    # The target refused the login: the channel needs reconnecting (now or already).
    login_rejected: bool = False
    # The target could not be reached for now: nothing is concluded.
    temporary: bool = False
    # Held posts that went out again because this check reconnected the channel.
    released: int = 0

    @property
    def outcome(self) -> str:
        if self.ok:
            return "ok"
        return (
            "login_rejected" if self.login_rejected else "temporary" if self.temporary else "error"
        )


def check(
    session: Session, channel: Channel, settings: Settings, actor: User | None = None
) -> CheckResult:
    """Test the channel's connection now, record what was found, and act on it (above)."""
    started = utcnow()
    try:
        confirmed = for_channel(channel, settings).test()
    except LoginRejected as error:
        _record(session, channel, started, False, str(error))
        workflow.mark_needs_reconnecting(session, channel.id, str(error), actor)
        return CheckResult(False, str(error), login_rejected=True)
    except (TransientPublishError, OutcomeUnknownError) as error:
        message = f"not reachable for now: {error}"
        _record(session, channel, started, False, message)
        return CheckResult(False, message, temporary=True)
    except PublishError as error:
        _record(session, channel, started, False, str(error))
        return CheckResult(False, str(error))
    _record(session, channel, started, True, confirmed)
    released = workflow.channel_reconnected(
        session, channel, actor, settings.grace, f"connection test passed: {confirmed}"
    )
    return CheckResult(True, confirmed, released=len(released))


def _record(session: Session, channel: Channel, at: datetime, ok: bool, message: str) -> None:
    channel.connection_checked_at = at
    channel.connection_check = message
    channel.connection_ok = ok
    session.commit()


def due_checks(
    session: Session, now: datetime, every: timedelta, ahead: timedelta
) -> list[tuple[int, datetime]]:
    """Channels whose connection is due a check, each with the instant its last check must
    be older than: not checked for `every` (daily), or a post due within `ahead` whose local
    day (in the workspace's timezone) has no check yet."""
    due: dict[int, datetime] = {}
    stale = session.execute(
        sa.select(Channel.id).where(
            sa.or_(
                Channel.connection_checked_at.is_(None),
                Channel.connection_checked_at < now - every,
            )
        )
    ).scalars()
    for channel_id in stale:
        due[channel_id] = now - every
    coming = session.execute(
        sa.select(
            Post.channel_id, Post.scheduled_at, Workspace.timezone, Channel.connection_checked_at
        )
        .join(Channel, Channel.id == Post.channel_id)
        .join(Workspace, Workspace.id == Post.workspace_id)
        .where(
            Post.status == Status.approved,
            Post.scheduled_at >= now,
            Post.scheduled_at <= now + ahead,
        )
        .order_by(Post.scheduled_at)
    )
    for channel_id, scheduled_at, timezone, checked_at in coming:
        zone = ZoneInfo(timezone)
        local = scheduled_at.astimezone(zone)
        day_start = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(
            scheduled_at.tzinfo
        )
        if checked_at is None or checked_at < day_start:
            due.setdefault(channel_id, day_start)
    return sorted(due.items())


def claim_check(session: Session, channel_id: int, older_than: datetime) -> datetime | None:
    """Claim the channel's check with one conditional update (its last check must still be
    older than `older_than`): of several sweeps that find it due, one wins. Returns the
    claim's instant, or None when another sweep claimed it first."""
    now = utcnow()
    result = session.execute(
        sa.update(Channel)
        .where(
            Channel.id == channel_id,
            sa.or_(
                Channel.connection_checked_at.is_(None),
                Channel.connection_checked_at < older_than,
            ),
        )
        .values(connection_checked_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return now if result.rowcount == 1 else None
