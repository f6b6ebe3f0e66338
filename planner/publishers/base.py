"""What every publisher is: the request it gets, the result it gives, the errors it raises.

Three kinds of failure, because each is handled differently (docs/design.md, "Publishing"):
a transient one is retried with backoff, a permanent one fails the post with the reason, and
an unknown outcome (the request may have been carried out) waits for a person unless the
target deduplicates idempotency keys. One permanent failure is special: a login the target
refuses (`LoginRejected`) marks the channel "needs reconnecting" and holds its posts.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar


@dataclass(frozen=True)
class Image:
    """A file that goes out with a post (an image, or an MP4 video): its bytes, media type and
    alt text (what a screen reader says instead of the picture).

    `key` names the file and its alt text together (a target that stores uploads, such as
    Mastodon, is asked once per key); `url` is a signed link a receiver may fetch the file
    from (webhooks), when the app knows its own address."""

    data: bytes
    mime_type: str
    alt: str = ""
    key: str = ""
    filename: str = ""
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    url: str | None = None

    @property
    def is_video(self) -> bool:
        return self.mime_type.startswith("video/")

    @property
    def extension(self) -> str:
        return {
            "image/jpeg": "jpg",
            "image/png": "png",
            "image/webp": "webp",
            "image/gif": "gif",
            "video/mp4": "mp4",
        }.get(self.mime_type, "bin")

    def to_json(self) -> dict[str, Any]:
        """What a receiver learns of the file (never its bytes)."""
        return {
            "mime_type": self.mime_type,
            "alt_text": self.alt,
            "filename": self.filename,
            "size": len(self.data),
            "width": self.width,
            "height": self.height,
            "duration_ms": self.duration_ms,
            "sha256": hashlib.sha256(self.data).hexdigest(),
            "url": self.url,
        }


@dataclass(frozen=True)
class PublishRequest:
    """What a publisher gets: plain values, never ORM rows.

    `reply_to` is whom the post answers (an account, or the address of a post); `thread_parent`
    is the external id of the part of the same thread on the same channel published just
    before this one (None for a thread's first part and for posts outside a thread).
    `images` go out with the post, in order (images and video alike); publishers that cannot
    carry them ignore them. `uploaded` is what the target already has of them from an earlier
    attempt (Image.key -> the target's media id), and `remember_upload` keeps a new one at
    once, so a retry attaches it again instead of uploading it twice.
    """

    post_id: int
    channel: str
    network: str
    text: str
    scheduled_at: datetime
    key: str  # idempotency key: post-<id>-v<version>[-g<generation>]
    reply_to: str | None = None
    thread_parent: str | None = None
    images: tuple[Image, ...] = ()
    uploaded: Mapping[str, str] = field(default_factory=dict)
    remember_upload: Callable[[str, str], None] | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The post as the outbox writes it and a webhook receives it."""
        return {
            "post_id": self.post_id,
            "channel": self.channel,
            "network": self.network,
            "text": self.text,
            "scheduled_at": self.scheduled_at.isoformat(),
            "key": self.key,
            "media": [image.to_json() for image in self.images],
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
    """Retrying will not help (4xx, bad settings)."""


class LoginRejected(PermanentPublishError):
    """The target refused the channel's login (401, 403, a password that no longer works):
    nothing the channel sends can succeed until a person reconnects it. The worker holds the
    channel's posts instead of failing them one by one (docs/design.md, "Connection health")."""


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
    # The account the channel publishes as, where the target needs one to sign in (Bluesky).
    handle: str = ""


class Publisher(ABC):
    """One kind of target. Subclasses register with `planner.publishers.register`."""

    kind: ClassVar[str]
    # Shown beside the choice on the channel form.
    description: ClassVar[str]
    # Whether the channel must have a URL (a webhook, an instance).
    needs_url: ClassVar[bool] = False
    # Whether the channel must name its account in its handle (Bluesky signs in with it).
    needs_handle: ClassVar[bool] = False
    # Whether the target links the parts of a thread: such a publisher needs the earlier part
    # published first, and gets its external id as `thread_parent`.
    threads: ClassVar[bool] = False
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
        """Check the settings and the login without publishing; returns what was confirmed,
        or raises PublishError saying what is wrong: LoginRejected for a login the target
        refuses, TransientPublishError for a target that is down for now."""


PUBLISHERS: dict[str, type[Publisher]] = {}
P = TypeVar("P", bound=type[Publisher])


def register(publisher: P) -> P:
    """Make a publisher kind available to channels under its `kind`."""
    if publisher.kind in PUBLISHERS:
        raise ValueError(f"publisher {publisher.kind!r} is registered twice")
    PUBLISHERS[publisher.kind] = publisher
    return publisher
