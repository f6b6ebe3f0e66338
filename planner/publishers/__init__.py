"""Publishers: one small interface, one module per target, and the registry of kinds.

A kind registers itself with `@register` (Redash's query runner pattern); the channel form,
the admin checks and the workers ask `PUBLISHERS` and `for_channel` instead of if-chains.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
from planner.secrets_box import SecretsBox, SecretUnreadable


@dataclass(frozen=True)
class Settings:
    """What publishers need from the app's configuration."""

    outbox: str
    allow_private: bool
    box: SecretsBox

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        return cls(
            str(config["PLANNER_OUTBOX"]),
            bool(config.get("PUBLISH_ALLOW_PRIVATE_TARGETS")),
            SecretsBox.from_config(config),
        )


def for_channel(channel: Channel, settings: Settings) -> Publisher:
    """The publisher configured for a channel; PermanentPublishError for an unknown kind or
    a secret that cannot be read."""
    kind = PUBLISHERS.get(channel.publisher_kind)
    if kind is None:
        raise PermanentPublishError(
            f"unknown publisher '{channel.publisher_kind}'; edit the channel"
        )
    try:
        secret = settings.box.open(channel.publisher_secret)
    except SecretUnreadable as error:
        raise PermanentPublishError(str(error)) from error
    url = str((channel.publisher_settings or {}).get("url") or "")
    return kind(Target(url, secret, settings.outbox, settings.allow_private))


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
    "Settings",
    "Target",
    "TransientPublishError",
    "for_channel",
    "register",
]
