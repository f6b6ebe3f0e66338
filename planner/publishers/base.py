"""What every publisher is: the request it gets, the result it gives, the errors it raises.

Three kinds of failure, because each is handled differently (docs/design.md, "Publishing"):
a transient one is retried with backoff, a permanent one fails the post with the reason, and
an unknown outcome (the request may have been carried out) waits for a person unless the
target deduplicates idempotency keys.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar


@dataclass(frozen=True)
class PublishRequest:
    """What a publisher gets: plain values, never ORM rows."""

    post_id: int
    channel: str
    network: str
    text: str
    scheduled_at: datetime
    key: str  # idempotency key: post-<id>-v<version>[-g<generation>]

    def to_json(self) -> dict[str, Any]:
        """The post as the outbox writes it and a webhook receives it."""
        return {
            "post_id": self.post_id,
            "channel": self.channel,
            "network": self.network,
            "text": self.text,
            "scheduled_at": self.scheduled_at.isoformat(),
            "key": self.key,
        }


@dataclass(frozen=True)
class PublishResult:
    external_id: str
    url: str | None


class PublishError(Exception):
    """Base of publishing failures; the message is shown to people as it is."""


class TransientPublishError(PublishError):
    """Worth retrying later (timeouts, connection errors, 408, 429, 5xx)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentPublishError(PublishError):
    """Retrying will not help (4xx, bad credentials, bad settings)."""


class OutcomeUnknownError(PublishError):
    """The request may or may not have been carried out (a read timeout on a target that
    does not deduplicate): a person must check before anything is sent again."""


@dataclass(frozen=True)
class Target:
    """Where a channel publishes: its URL and (opened) secret, the folder of the outbox, and
    whether private addresses are allowed (PUBLISH_ALLOW_PRIVATE_TARGETS)."""

    url: str
    secret: str | None
    outbox: str
    allow_private: bool = False


class Publisher(ABC):
    """One kind of target. Subclasses register with `planner.publishers.register`."""

    kind: ClassVar[str]
    # Shown beside the choice on the channel form.
    description: ClassVar[str]
    # Whether the channel must have a URL (a webhook, an instance).
    needs_url: ClassVar[bool] = False
    # True when the target treats a repeated idempotency key as the same post, so
    # re-sending after a crash cannot publish twice.
    deduplicates: ClassVar[bool] = False

    def __init__(self, target: Target) -> None:
        self.target = target

    @abstractmethod
    def publish(self, request: PublishRequest) -> PublishResult:
        """Publish once; raise one of the three PublishErrors on failure."""

    @abstractmethod
    def test(self) -> str:
        """Check the settings without publishing; returns what was confirmed, or raises
        PublishError saying what is wrong."""


PUBLISHERS: dict[str, type[Publisher]] = {}
P = TypeVar("P", bound=type[Publisher])


def register(publisher: P) -> P:
    """Make a publisher kind available to channels under its `kind`."""
    if publisher.kind in PUBLISHERS:
        raise ValueError(f"publisher {publisher.kind!r} is registered twice")
    PUBLISHERS[publisher.kind] = publisher
    return publisher
