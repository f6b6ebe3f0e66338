"""Feed subscriptions: FeedToken secrets (on the token kit of planner/tokens.py) and their
filters, and the three ways a calendar client takes the URL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.orm import Session

from planner import tokens
from planner.db import utcnow
from planner.feeds.ical import FeedFilter
from planner.feeds.store import channel_names, drop_unused_renderings
from planner.models import FeedToken, User, Workspace


class FeedError(tokens.TokenError):
    """A subscription that cannot be made as asked (a message for the person)."""


def create_token(
    session: Session,
    workspace: Workspace,
    creator: User | None,
    label: str,
    channel_ids: Iterable[int] = (),
    approved_only: bool = False,
) -> tuple[FeedToken, str]:
    """A new subscription and its secret, which is returned here once and stored only as a
    hash. The caller has checked that the creator may subscribe."""
    label = tokens.clean_label(label, "the team or person it is for")
    wanted = frozenset(int(c) for c in channel_ids)
    if wanted - channel_names(session, workspace.id).keys():
        raise FeedError("Pick channels of this workspace.")
    secret, digest = tokens.new_secret()
    token = FeedToken(
        workspace_id=workspace.id,
        label=label,
        token_hash=digest,
        filters=FeedFilter(wanted, approved_only).to_json(),
        created_by_id=creator.id if creator is not None else None,
        created_at=utcnow(),
    )
    session.add(token)
    session.commit()
    return token, secret


@dataclass(frozen=True, slots=True)
class Subscription:
    """An active token and its workspace, loaded together."""

    token: FeedToken
    workspace: Workspace

    @property
    def filter(self) -> FeedFilter:
        return FeedFilter.from_json(self.token.filters)


_SUBSCRIPTION = (
    sa.select(FeedToken, Workspace)
    .join(Workspace, Workspace.id == FeedToken.workspace_id)
    .where(FeedToken.token_hash == sa.bindparam("token_hash"))
)


def find_subscription(session: Session, secret: str) -> Subscription | None:
    """The active subscription with this secret, or None, whether it never existed, is
    malformed or was revoked: callers answer all of these alike."""
    found = session.execute(_SUBSCRIPTION, {"token_hash": tokens.hash_of(secret)}).first()
    if found is None or not tokens.is_active(found[0], secret):
        return None
    return Subscription(*found)


def revoke_token(session: Session, token: FeedToken) -> None:
    """Stop the subscription at once; its URL then gets the same 404 as an unknown one."""
    if tokens.revoke(session, token):
        drop_unused_renderings(session, token.workspace_id)
    session.commit()


def visible_tokens(session: Session, workspace_id: int, creator_id: int | None) -> list[FeedToken]:
    """The workspace's subscriptions, active first then newest: everyone's (creator_id None)
    or one person's."""
    return tokens.visible(session, FeedToken, workspace_id, creator_id)


@dataclass(frozen=True, slots=True)
class SubscriptionLinks:
    """One feed URL the three ways clients take it."""

    https: str
    webcal: str
    google: str

    @classmethod
    def for_url(cls, url: str) -> SubscriptionLinks:
        webcal = "webcal://" + url.split("://", 1)[1]
        google = "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe="")
        return cls(url, webcal, google)
