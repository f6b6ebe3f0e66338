"""Bluesky (and any AT Protocol PDS) through the `atproto` SDK, signed in with an app password.

The channel's handle is the account (`acme.bsky.social`), its URL the PDS (empty: bsky.social),
its secret an app password. What a post becomes:

- an `app.bsky.feed.post` record with facets for links, @mentions (resolved to DIDs; a handle
  that does not resolve stays plain text, as in Bluesky's app) and #hashtags, found by the SDK's
  port of Bluesky's own detection, with UTF-8 byte offsets;
- a reply (`reply` with root and parent) when it continues a thread (`thread_parent`, the
  earlier part's at:// URI) or answers a post (`reply_to`: a bsky.app post address or at:// URI);
- images (up to 4, each at most 1,000,000 bytes, with alt text) uploaded as blobs first.

Idempotency: Bluesky takes no idempotency key, so the record key is made from ours. The post is
created under an `rkey` derived from the idempotency key (a TID, the key type of
app.bsky.feed.post), and before creating it the publisher asks for the record under that key.
A re-send after a crash or a lost answer finds the post instead of making a second one, so the
publisher `deduplicates`.

Every request goes through `outbound.GuardedTransport`: public addresses only (the PDS, and the
one its DID document names after sign-in), pinned, no redirects.
"""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from atproto_client import Client, models
from atproto_client.client.session import Session, SessionEvent
from atproto_client.exceptions import (
    BadRequestError,
    InvokeTimeoutError,
    LoginRequiredError,
    ModelError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.models.common import XrpcError
from atproto_client.request import Request
from atproto_core.exceptions import AtProtocolError
from atproto_core.uri import AtUri

from planner.publishers import outbound
from planner.publishers.base import (
    Image,
    LoginRejected,
    PermanentPublishError,
    Publisher,
    PublishError,
    PublishRequest,
    PublishResult,
    TransientPublishError,
    register,
)

DEFAULT_PDS = "https://bsky.social"
POST = "app.bsky.feed.post"
MAX_IMAGES = 4
MAX_IMAGE_BYTES = 1_000_000  # app.bsky.embed.images#image: maxSize
# The scopes of a session opened with an app password; the account's own password gives
# "com.atproto.access", which can delete the account: Planner refuses to keep it.
APP_PASSWORD_SCOPES = {"com.atproto.appPass", "com.atproto.appPassPrivileged"}
POST_ADDRESS = re.compile(
    r"^https://bsky\.app/profile/(?P<actor>[^/\s?#]+)/post/(?P<rkey>[A-Za-z0-9._:~-]{1,512})/?$"
)
_S32 = "234567abcdefghijklmnopqrstuvwxyz"


def record_key(key: str, scheduled_at: datetime) -> str:
    """The record key of the post with this idempotency key: a TID (13 characters of base32
    over 64 bits: 53 bits of microseconds since 1970, 10 bits of clock id) in the second of the
    post's time, its microseconds and clock id taken from a hash of the key. The same key
    always gives the same record key; two posts of one second share one by a chance of one
    in a thousand million."""
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    micros = int(scheduled_at.timestamp()) * 1_000_000 + digest % 1_000_000
    value = (micros << 10) | (digest >> 54)
    return "".join(_S32[(value >> shift) & 31] for shift in range(60, -1, -5))


def post_address(uri: str) -> str:
    """The bsky.app address of a post's at:// URI."""
    parsed = AtUri.from_str(uri)
    return f"https://bsky.app/profile/{parsed.host}/post/{parsed.rkey}"


class GuardedRequest(Request):
    """The SDK's HTTP layer on `outbound.GuardedTransport`: public addresses only, pinned, no
    redirects, Planner's timeouts."""

    def __init__(self, allow_private: bool = False) -> None:
        super().__init__(
            transport=outbound.GuardedTransport(allow_private=allow_private),
            timeout=outbound.httpx_timeout(),
        )
        # The SDK follows redirects by default; a redirect could lead anywhere.
        self._client.follow_redirects = False
        self.allow_private = allow_private

    def _new_instance(self) -> GuardedRequest:
        return type(self)(self.allow_private)


# Sessions kept per process (a worker runs many jobs): Bluesky allows 30 sign-ins per 5
# minutes and 300 a day per account, which a busy channel would reach by signing in per post.
# Keyed by PDS, handle and a hash of the password, so a new app password signs in anew.
_sessions: dict[tuple[str, str, str], str] = {}
_sessions_lock = threading.Lock()


def forget_sessions() -> None:
    """Drop every kept session (tests; a process that changes its mind)."""
    with _sessions_lock:
        _sessions.clear()


@register
class BlueskyPublisher(Publisher):
    kind = "bluesky"
    description = (
        "posts to Bluesky (or another AT Protocol server) as the channel's handle, with an app "
        "password"
    )
    needs_handle = True
    threads = True
    # The record key comes from the idempotency key, and the publisher looks for the record
    # before creating it: a re-send finds the post instead of making a second one.
    deduplicates = True

    @property
    def pds(self) -> str:
        url = (self.target.url or DEFAULT_PDS).rstrip("/")
        return url.removesuffix("/xrpc")

    def _session_key(self) -> tuple[str, str, str]:
        secret = hashlib.sha256((self.target.secret or "").encode()).hexdigest()
        return (self.pds, self.target.handle.lower(), secret)

    # --- Signing in ---------------------------------------------------------------------------

    def _client(self) -> tuple[Client, list[Session]]:
        client = Client(base_url=self.pds, request=GuardedRequest(self.target.allow_private))
        seen: list[Session] = []

        def keep(event: SessionEvent, session: Session) -> None:
            seen.append(session)
            if event in (SessionEvent.CREATE, SessionEvent.REFRESH):
                with _sessions_lock:
                    _sessions[self._session_key()] = session.export()

        client.on_session_change(keep)
        return client, seen

    def _sign_in(self, fresh: bool = False) -> tuple[Client, Session]:
        """A client signed in as the channel's account: a kept session when one still works,
        else a new one from the app password (always new with `fresh`)."""
        handle = self.target.handle.strip().removeprefix("@")
        if not handle or not self.target.secret:
            raise LoginRejected(
                "the channel needs its Bluesky handle and an app password; edit the channel"
            )
        with _sessions_lock:
            kept = None if fresh else _sessions.get(self._session_key())
        if kept is not None:
            client, seen = self._client()
            client.login(session_string=kept, fetch_bsky_profile=False)
            try:
                # One cheap call that refreshes the tokens when they are near their end: a
                # session revoked meanwhile (a new app password) is found here, not mid-post.
                client.com.atproto.server.get_session()
                return client, seen[-1]
            except (UnauthorizedError, BadRequestError, LoginRequiredError):
                with _sessions_lock:
                    _sessions.pop(self._session_key(), None)
        client, seen = self._client()
        client.login(handle, self.target.secret, fetch_bsky_profile=False)
        session = seen[-1]
        scope = session.access_jwt_payload.scope
        if scope is not None and scope not in APP_PASSWORD_SCOPES:
            with _sessions_lock:
                _sessions.pop(self._session_key(), None)
            raise LoginRejected(
                "the secret is the account's own password; create an app password in Bluesky "
                "(Settings, Privacy and security, App passwords) and enter that instead"
            )
        return client, session

    # --- Publishing ---------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishResult:
        check_images(request.images)
        try:
            client, session = self._sign_in()
            rkey = record_key(request.key, request.scheduled_at)
            found = self._existing(client, session.did, rkey, request.text)
            if found is not None:
                return found
            record = models.AppBskyFeedPost.Record(
                text=request.text,
                created_at=datetime.now(UTC)
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
                facets=client.detect_facets(request.text) or None,
                reply=self._reply(client, session.did, request),
                embed=self._embed(client, request.images),
            )
            try:
                created = client.com.atproto.repo.create_record(
                    models.ComAtprotoRepoCreateRecord.Data(
                        repo=session.did, collection=POST, rkey=rkey, record=record
                    )
                )
            except (AtProtocolError, httpx.HTTPError):
                # The record may have been written before the error (an answer lost on the
                # way back, a re-send running at the same time): look before failing.
                found = self._existing(client, session.did, rkey, request.text)
                if found is not None:
                    return found
                raise
        except (AtProtocolError, httpx.HTTPError, outbound.TargetRefused) as error:
            raise failure(error, self.pds) from error
        return PublishResult(created.uri, post_address(created.uri))

    def _existing(self, client: Client, did: str, rkey: str, text: str) -> PublishResult | None:
        """The post under this record key, if the account has it."""
        try:
            answer = client.com.atproto.repo.get_record(
                models.ComAtprotoRepoGetRecord.Params(repo=did, collection=POST, rkey=rkey)
            )
        except BadRequestError as error:
            if _xrpc_name(error) == "RecordNotFound":
                return None
            raise
        if getattr(answer.value, "text", None) != text:
            # Another post under our key: a hash collision, vanishingly rare, but never to be
            # taken for this post.
            raise PermanentPublishError(
                f"another post of the account already has this post's record key ({rkey}); "
                "retry to publish it with a new key"
            )
        return PublishResult(answer.uri, post_address(answer.uri))

    def _reply(
        self, client: Client, did: str, request: PublishRequest
    ) -> models.AppBskyFeedPost.ReplyRef | None:
        """The reply reference: to the thread's earlier part, else to the post it answers."""
        # An earlier part published elsewhere (the channel used another publisher then) has
        # no record to answer: the part goes out on its own.
        if request.thread_parent and request.thread_parent.startswith(f"at://{did}/"):
            parsed = AtUri.from_str(request.thread_parent)
            answer = client.com.atproto.repo.get_record(
                models.ComAtprotoRepoGetRecord.Params(
                    repo=parsed.host, collection=parsed.collection, rkey=parsed.rkey
                )
            )
            if answer.cid is None:
                raise TransientPublishError("the thread's earlier part has no CID yet")
            return _reply_ref(answer.uri, answer.cid, answer.value)
        uri = self._answered_post(client, request.reply_to)
        if uri is None:
            return None
        found = client.get_posts([uri]).posts
        if not found:
            raise PermanentPublishError(
                f"the post it answers ({request.reply_to}) cannot be found on Bluesky: deleted, "
                "or not visible to the channel's account"
            )
        return _reply_ref(found[0].uri, found[0].cid, found[0].record)

    def _answered_post(self, client: Client, reply_to: str | None) -> str | None:
        """The at:// URI of the post `reply_to` names; None when it names an account (a reply
        to a person is a post that mentions them, not a reply record)."""
        target = (reply_to or "").strip()
        if not target or target.startswith("@"):
            return None
        if target.startswith("at://"):
            return target
        match = POST_ADDRESS.match(target)
        if match is None:
            raise PermanentPublishError(
                f"it answers {target}, which is not a Bluesky post: give the post's bsky.app "
                "address (https://bsky.app/profile/…/post/…)"
            )
        actor = match["actor"]
        if not actor.startswith("did:"):
            actor = client.resolve_handle(actor).did
        return f"at://{actor}/{POST}/{match['rkey']}"

    def _embed(
        self, client: Client, images: tuple[Image, ...]
    ) -> models.AppBskyEmbedImages.Main | None:
        if not images:
            return None
        uploaded = []
        for image in images:
            # Raw bytes go as `content` (httpx's name for a raw body); the blob's type is the
            # image's, which the PDS records.
            blob = client.com.atproto.repo.upload_blob(
                None, content=image.data, headers={"Content-Type": image.mime_type}
            )
            uploaded.append(models.AppBskyEmbedImages.Image(alt=image.alt, image=blob.blob))
        return models.AppBskyEmbedImages.Main(images=uploaded)

    # --- Checking -----------------------------------------------------------------------------

    def test(self) -> str:
        try:
            _, session = self._sign_in(fresh=True)
        except (AtProtocolError, httpx.HTTPError, outbound.TargetRefused) as error:
            raise failure(error, self.pds) from error
        return f"signed in to {urlsplit(self.pds).netloc} as @{session.handle}"


def check_images(images: tuple[Image, ...]) -> None:
    """PermanentPublishError for images Bluesky would refuse, before anything is sent."""
    if len(images) > MAX_IMAGES:
        raise PermanentPublishError(
            f"Bluesky takes at most {MAX_IMAGES} images per post; this one has {len(images)}"
        )
    for number, image in enumerate(images, 1):
        if not image.mime_type.startswith("image/"):
            raise PermanentPublishError(f"attachment {number} is not an image")
        if len(image.data) > MAX_IMAGE_BYTES:
            raise PermanentPublishError(
                f"image {number} has {len(image.data):,} bytes; Bluesky takes at most "
                f"{MAX_IMAGE_BYTES:,}"
            )


def _reply_ref(uri: str, cid: str, record: Any) -> models.AppBskyFeedPost.ReplyRef:
    """Reply to `uri`: its own root when it is a reply itself, else it is the root."""
    parent = models.ComAtprotoRepoStrongRef.Main(uri=uri, cid=cid)
    reply = getattr(record, "reply", None)
    root = parent
    if reply is not None:
        root = models.ComAtprotoRepoStrongRef.Main(uri=reply.root.uri, cid=reply.root.cid)
    return models.AppBskyFeedPost.ReplyRef(parent=parent, root=root)


def _xrpc_name(error: RequestErrorBase) -> str | None:
    content = error.response.content if error.response is not None else None
    return content.error if isinstance(content, XrpcError) else None


def _detail(error: RequestErrorBase) -> str:
    """The XRPC error's name and message (a structured answer of the protocol, cut short),
    or the status alone."""
    response = error.response
    if response is None:
        return type(error).__name__
    content = response.content
    if isinstance(content, XrpcError):
        words = f"{content.error}: {content.message}" if content.message else content.error
        words = " ".join(words.split())
        return f"HTTP {response.status_code} {words[:200]}"
    return f"HTTP {response.status_code}"


def failure(error: Exception, pds: str) -> PublishError:
    """What an SDK error means for the post: retry later, fail, or reconnect the channel."""
    if isinstance(error, PublishError):
        return error
    if isinstance(error, outbound.TargetRefused):
        return PermanentPublishError(f"not sent: {error}")
    if isinstance(error, LoginRequiredError):
        return LoginRejected("the Bluesky session ended; enter the app password again")
    if isinstance(error, UnauthorizedError):
        return LoginRejected(
            f"Bluesky refused the channel's login ({_detail(error)}): enter a new app password"
        )
    if isinstance(error, RateLimitExceededError):
        wait = error.retry_after
        if wait is None and error.reset_at is not None:
            wait = max(0.0, (error.reset_at - datetime.now(UTC)).total_seconds())
        return TransientPublishError(f"Bluesky asked to try again later ({_detail(error)})", wait)
    if isinstance(error, InvokeTimeoutError):
        return TransientPublishError(f"{pds} did not answer within {outbound.TIMEOUT[1]} s")
    if isinstance(error, NetworkError):
        if error.response is not None and error.response.status_code == 413:
            return PermanentPublishError(
                f"Bluesky refused the post as too large ({_detail(error)})"
            )
        # A dropped connection or a 502: the record key makes a re-send safe.
        return TransientPublishError(f"could not reach {pds} ({_detail(error)})")
    if isinstance(error, BadRequestError):
        if _xrpc_name(error) in {"ExpiredToken", "InvalidToken", "AccountTakedown"}:
            return LoginRejected(f"Bluesky ended the channel's session ({_detail(error)})")
        return PermanentPublishError(f"Bluesky refused the post ({_detail(error)})")
    if isinstance(error, RequestErrorBase):
        status = error.response.status_code if error.response is not None else 0
        if status >= 500:
            return TransientPublishError(f"Bluesky had an error of its own ({_detail(error)})")
        if 300 <= status < 400:
            return PermanentPublishError(
                f"{pds} answered with a redirect ({_detail(error)}), which Planner does not "
                "follow: enter the server's final URL in the channel"
            )
        if status in (404, 501):
            return PermanentPublishError(
                f"{pds} does not answer as an AT Protocol server ({_detail(error)}): check the "
                "channel's URL"
            )
        return PermanentPublishError(f"Bluesky refused the request ({_detail(error)})")
    if isinstance(error, httpx.HTTPError):
        # What the SDK passes through as it is: a connection cut mid-answer, a broken answer.
        return TransientPublishError(f"could not reach {pds} ({type(error).__name__})")
    if isinstance(error, ModelError):
        # An answer the SDK cannot read. If it came after the record was written, the re-send
        # finds the record.
        return TransientPublishError(f"{pds} answered something that is not an AT Protocol answer")
    return PermanentPublishError(f"Bluesky: {type(error).__name__}")
