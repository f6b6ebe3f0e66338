"""Publishers: one small interface, one module per target (outbox, webhook, mastodon)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class PublishRequest:
    """What a publisher gets: plain values, never ORM rows."""

    post_id: int
    channel: str
    network: str
    text: str
    scheduled_at: datetime
    key: str  # idempotency key: post-<id>-v<version>[-g<generation>]


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


class Publisher(Protocol):
    # True when the target treats a repeated idempotency key as the same post, so
    # re-sending after a crash cannot publish twice.
    deduplicates: bool

    def publish(self, request: PublishRequest) -> PublishResult: ...


def for_channel(
    kind: str, settings: dict[str, Any], secret: str | None, outbox_dir: str
) -> Publisher:
    """The publisher configured for a channel."""
    if kind == "outbox":
        from workers.publishers.outbox import OutboxPublisher

        return OutboxPublisher(outbox_dir)
    if kind == "webhook":
        from workers.publishers.webhook import WebhookPublisher

        return WebhookPublisher(settings.get("url", ""), secret)
    if kind == "mastodon":
        from workers.publishers.mastodon import MastodonPublisher

        return MastodonPublisher(settings.get("url", ""), secret)
    raise PermanentPublishError(f"unknown publisher '{kind}'; edit the channel")


def test_connection(
    kind: str, settings: dict[str, Any], secret: str | None, outbox_dir: str
) -> str:
    """Check a channel's publisher without publishing; returns what was confirmed, or raises
    PublishError saying what is wrong."""
    if kind == "mastodon":
        from workers.publishers.mastodon import MastodonPublisher

        account = MastodonPublisher(settings.get("url", ""), secret).verify_credentials()
        return f"signed in to {settings.get('url')} as @{account}"
    if kind == "outbox":
        import os
        import tempfile

        try:
            os.makedirs(outbox_dir, exist_ok=True)
            with tempfile.TemporaryFile(dir=outbox_dir):
                pass
        except OSError as error:
            raise PermanentPublishError(f"cannot write to {outbox_dir}: {error}") from error
        return f"the outbox folder {outbox_dir} is writable"
    if kind == "webhook":
        if not settings.get("url"):
            raise PermanentPublishError("the channel has no webhook URL")
        # Anything sent to a webhook may be taken for a post: nothing is sent.
        return "webhooks cannot be tested without posting; the URL is set"
    raise PermanentPublishError(f"unknown publisher '{kind}'")
