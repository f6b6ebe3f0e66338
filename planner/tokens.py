"""The one secret-token kit, for personal API tokens and calendar feed subscriptions.

A token's secret is `secrets.token_urlsafe(32)`, shown once and stored only as its sha256;
a lookup goes by the hash and the comparison that decides is constant-time. Malformed,
unknown and revoked secrets are answered alike by every caller.

API tokens name their owner and one workspace; the role a token acts with is the owner's
role there at the time of each request, so removing a member or lowering their role takes
effect on their tokens at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from planner import permissions
from planner.db import utcnow
from planner.models import ApiToken, FeedToken, Role, User, Workspace

# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
LABEL_MAX = 120


class TokenError(ValueError):
    """A token that cannot be made as asked (a message for the person)."""


class SecretToken(Protocol):
    token_hash: Any
    revoked_at: Any


T = TypeVar("T", ApiToken, FeedToken)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """A fresh secret and the hash that is stored in its place."""
    secret = secrets.token_urlsafe(32)
    return secret, hash_token(secret)


def clean_label(label: str, example: str) -> str:
    """The label with its white space folded; TokenError when empty or too long."""
    label = " ".join(label.split())
    if not label:
        raise TokenError(f"Give it a label, such as {example}.")
    if len(label) > LABEL_MAX:
        raise TokenError(f"Keep the label under {LABEL_MAX} characters.")
    return label


def hash_of(secret: str) -> str:
    """The hash a lookup goes by; a long secret is cut first (a real one has 43 characters)."""
    return hash_token(secret[:64])


def is_active(token: SecretToken | None, secret: str) -> bool:
    """Whether `token`, found by `hash_of(secret)`, is the live token of this secret."""
    if token is None or not TOKEN_SHAPE.fullmatch(secret):
        return False
    # The lookup goes by hash; the comparison that decides is constant-time.
    return hmac.compare_digest(token.token_hash, hash_of(secret)) and token.revoked_at is None


def revoke(session: Session, token: SecretToken) -> bool:
    """Stop the token at once (flushed, not committed); False when it already was."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    session.flush()
    return True


def visible(session: Session, model: type[T], workspace_id: int, owner_id: int | None) -> list[T]:
    """The workspace's tokens of one kind, active first then newest: everyone's (owner_id
    None) or one person's."""
    query = sa.select(model).where(model.workspace_id == workspace_id)
    if owner_id is not None:
        owner = ApiToken.user_id if model is ApiToken else FeedToken.created_by_id
        query = query.where(owner == owner_id)
    return list(session.scalars(query.order_by(model.revoked_at.is_not(None), model.id.desc())))


# --- Personal API tokens ------------------------------------------------------------------------


def create_api_token(
    session: Session, user: User, workspace: Workspace, label: str
) -> tuple[ApiToken, str]:
    """A new API token and its secret, returned here once and stored only as a hash."""
    permissions.require(permissions.role_of(session, user, workspace), "view")
    label = clean_label(label, "the script or tool that uses it")
    secret, digest = new_secret()
    token = ApiToken(
        user_id=user.id,
        workspace_id=workspace.id,
        label=label,
        token_hash=digest,
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
    token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_of(secret)))
    if token is None or not is_active(token, secret):
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
