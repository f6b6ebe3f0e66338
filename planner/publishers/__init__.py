"""Publishers: one small interface, one module per target, and the registry of kinds.

A kind registers itself with `@register` (Redash's query runner pattern); the channel form,
the admin checks and the workers ask `PUBLISHERS` and `for_channel` instead of if-chains.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from planner.models import Channel
from planner.publishers.base import (
    PUBLISHERS,
    Image,
    LoginRejected,
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
    """What publishing needs from the app's configuration: the outbox folder, whether private
    addresses are allowed, the key box of secrets, and how late a post may still go out
    (PUBLISH_GRACE_SECONDS: posts held longer than that are marked missed when their channel
    is reconnected)."""

    outbox: str
    allow_private: bool
    box: SecretsBox
    grace: timedelta = timedelta(hours=1)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        return cls(
            str(config["PLANNER_OUTBOX"]),
            bool(config.get("PUBLISH_ALLOW_PRIVATE_TARGETS")),
            SecretsBox.from_config(config),
            timedelta(seconds=float(config.get("PUBLISH_GRACE_SECONDS", 3600))),
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
        # Nothing can sign in with a secret nobody can read: a person must enter it again.
        raise LoginRejected(str(error)) from error
    url = str((channel.publisher_settings or {}).get("url") or "")
    return kind(Target(url, secret, settings.outbox, settings.allow_private, channel.handle))


# Importing the kinds registers them; they import only `base` (and `outbound`), so there is
# no cycle.
from planner.publishers import bluesky, mastodon, outbox, webhook  # noqa: E402, F401

__all__ = [
    "PUBLISHERS",
    "Image",
    "LoginRejected",
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
