"""Personal API tokens and what the JSON API says about posts, channels and findings.

Tokens are made like feed tokens (`secrets.token_urlsafe(32)`, stored as sha256 only,
compared with `hmac.compare_digest`). A token names its owner and one workspace; the role
it acts with is the owner's role there at the time of each request, so removing a member
or lowering their role takes effect on their tokens at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from planner import permissions
from planner.db import utcnow
from planner.localtime import local, to_utc
from planner.models import ApiToken, Channel, Post, Role, User, Workspace


class TokenError(ValueError):
    """A token that cannot be made as asked (a message for the person)."""


# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, user: User, workspace: Workspace, label: str
) -> tuple[ApiToken, str]:
    """A new token and its secret, returned here once and stored only as a hash."""
    permissions.require(permissions.role_of(session, user, workspace), "view")
    label = " ".join(label.split())
    if not label:
        raise TokenError("Give the token a label, such as the script or tool that uses it.")
    if len(label) > 120:
        raise TokenError("Keep the label under 120 characters.")
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        workspace_id=workspace.id,
        label=label,
        token_hash=hash_token(secret),
        created_at=utcnow(),
    )
    session.add(token)
    session.commit()
    return token, secret


@dataclass(frozen=True)
class Caller:
    """Who an API request acts as: the token's owner, with their current role."""

    token: ApiToken
    user: User
    workspace: Workspace
    role: Role

    def can(self, action: str) -> bool:
        return permissions.allowed(self.role, action)


def authenticate(session: Session, secret: str) -> Caller | None:
    """The caller of an active token whose owner is still a member, or None for every other
    case alike (unknown, malformed, revoked, owner removed)."""
    digest = hash_token(secret[:64])
    token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or not _TOKEN_SHAPE.fullmatch(secret):
        return None
    # The lookup goes by hash; the comparison that decides is constant-time.
    if not hmac.compare_digest(token.token_hash, digest) or token.revoked_at is not None:
        return None
    workspace = session.get(Workspace, token.workspace_id)
    user = session.get(User, token.user_id)
    if workspace is None or user is None:
        return None
    role = permissions.role_of(session, user, workspace)
    if role is None:
        return None
    now = utcnow()
    # One write a minute at most: a busy script should not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
        session.commit()
    return Caller(token, user, workspace, role)


def revoke_token(session: Session, token: ApiToken) -> None:
    """Stop the token at once; it then gets the same 401 as an unknown one."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    session.commit()


def visible_tokens(session: Session, workspace_id: int, user_id: int | None) -> list[ApiToken]:
    """The workspace's tokens, active first then newest: everyone's (user_id None) or one
    person's."""
    query = sa.select(ApiToken).where(ApiToken.workspace_id == workspace_id)
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(
        session.scalars(query.order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc()))
    )


# --- Values in and out ------------------------------------------------------------------------


def parse_instant(value: object, tz_name: str) -> datetime:
    """An ISO 8601 date and time as a UTC instant; without an offset it is a wall-clock time
    in the workspace timezone. Raises ValueError (NonexistentLocalTime for a DST gap)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected an ISO 8601 date and time such as 2031-03-03T09:30")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise ValueError(f"{value!r} is not an ISO 8601 date and time") from error
    if not 1 < parsed.year < 9999:
        raise ValueError(f"{value!r} is too far from today to plan a post")
    if parsed.tzinfo is None:
        return to_utc(parsed.date(), parsed.time(), tz_name)
    return parsed.astimezone(UTC)


def parse_day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from error


def post_json(post: Post, workspace: Workspace) -> dict[str, Any]:
    return {
        "id": post.id,
        "channel_id": post.channel_id,
        "channel": post.channel.name,
        "network": post.channel.network,
        "text": post.text,
        "category": post.category,
        "scheduled_at": post.scheduled_at.isoformat(),
        "scheduled_at_local": local(post.scheduled_at, workspace.timezone).isoformat(),
        "status": str(post.status),
        "version": post.version,
        "author_id": post.author_id,
        "approved_by_id": post.approved_by_id,
        "approved_version": post.approved_version,
        "created_at": post.created_at.isoformat(),
        "updated_at": post.updated_at.isoformat(),
    }


def channel_json(channel: Channel) -> dict[str, Any]:
    # Publisher settings and secrets stay out: a viewer's token may read this.
    return {
        "id": channel.id,
        "name": channel.name,
        "network": channel.network,
        "handle": channel.handle,
    }
