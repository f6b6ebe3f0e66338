"""Publishers: one small interface, one module per target, and the registry of kinds.

A kind registers itself with `@register` (Redash's query runner pattern); the channel form,
the admin checks and the workers ask `PUBLISHERS` and `for_channel` instead of if-chains.
"""

from __future__ import annotations

from planner.models import Channel
from planner.publishers.base import (
    PUBLISHERS,
    OutcomeUnknownError,
    PermanentPublishError,
    Publisher,
    PublishError,
    PublishRequest,
    PublishResult,
    Target,
    TransientPublishError,
    register,
)


def for_channel(channel: Channel, outbox_folder: str) -> Publisher:
    """The publisher configured for a channel; PermanentPublishError for an unknown kind."""
    kind = PUBLISHERS.get(channel.publisher_kind)
    if kind is None:
        raise PermanentPublishError(
            f"unknown publisher '{channel.publisher_kind}'; edit the channel"
        )
    settings = channel.publisher_settings or {}
    return kind(Target(str(settings.get("url") or ""), channel.publisher_secret, outbox_folder))


# Importing the kinds registers them; they import only `base`, so there is no cycle.
from planner.publishers import mastodon, outbox, webhook  # noqa: E402, F401

__all__ = [
    "PUBLISHERS",
    "OutcomeUnknownError",
    "PermanentPublishError",
    "PublishError",
    "PublishRequest",
    "PublishResult",
    "Publisher",
    "Target",
    "TransientPublishError",
    "for_channel",
    "register",
]
