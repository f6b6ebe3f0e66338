"""Mastodon: files first (POST /api/v2/media, with the alt text as `description`), then
POST /api/v1/statuses with their `media_ids`, a bearer token and an Idempotency-Key.

A file Mastodon has to process (video, large images) is answered 202; GET /api/v1/media/:id
says 206 until it is ready and 200 after. Each media id is remembered as soon as Mastodon
gives it (`PublishRequest.remember_upload`), so a retry (a timeout of the status, a file still
processing) attaches the same upload instead of sending the file again.
"""

from __future__ import annotations

import time

from planner.publishers.base import (
    Image,
    PermanentPublishError,
    Publisher,
    PublishRequest,
    PublishResult,
    TransientPublishError,
    register,
)
from planner.publishers.http import send

# How long one attempt waits for Mastodon to process a file, and how often it asks.
PROCESSING_WAIT_SECONDS = 30.0
PROCESSING_POLL_SECONDS = 1.0


@register
class MastodonPublisher(Publisher):
    kind = "mastodon"
    description = "posts to a Mastodon instance with an access token"
    needs_url = True
    # Mastodon returns the first status for a repeated Idempotency-Key (within an hour).
    deduplicates = True
    threads = True

    @property
    def instance(self) -> str:
        return self.target.url.rstrip("/")

    def _headers(self) -> dict[str, str]:
        if not self.instance or not self.target.secret:
            raise PermanentPublishError(
                "the channel needs its Mastodon instance URL and access token; edit the channel"
            )
        return {"Authorization": f"Bearer {self.target.secret}"}

    def publish(self, request: PublishRequest) -> PublishResult:
        headers = {**self._headers(), "Idempotency-Key": request.key}
        uploads = [self._upload(request, n, image) for n, image in enumerate(request.images, 1)]
        media_ids = [media_id for media_id, _ in uploads]
        for media_id, ready in uploads:
            if not ready:
                self._wait_until_processed(media_id)
        fields: dict[str, object] = {"status": request.text}
        if request.thread_parent:
            # A thread's later part answers the part before it, so Mastodon shows them as one.
            fields["in_reply_to_id"] = request.thread_parent
        if media_ids:
            fields["media_ids[]"] = media_ids
        response = send(
            "POST",
            f"{self.instance}/api/v1/statuses",
            deduplicates=True,
            allow_private=self.target.allow_private,
            data=fields,
            headers=headers,
        )
        status = response.json()
        return PublishResult(str(status["id"]), status.get("url"))

    def _upload(self, request: PublishRequest, number: int, image: Image) -> tuple[str, bool]:
        """The Mastodon media id of a file, the one an earlier attempt got or a new upload
        (remembered at once); and whether it is known to be processed."""
        known = request.uploaded.get(image.key) if image.key else None
        if known:
            return known, False
        response = send(
            "POST",
            f"{self.instance}/api/v2/media",
            # An upload that timed out leaves at most an unattached file, which Mastodon
            # deletes itself: asking again is safe.
            deduplicates=True,
            allow_private=self.target.allow_private,
            files={"file": (f"{number}.{image.extension}", image.data, image.mime_type)},
            data={"description": image.alt} if image.alt else {},
            headers=self._headers(),
        )
        try:
            media_id = str(response.json()["id"])
        except (ValueError, KeyError, TypeError) as error:
            raise PermanentPublishError(
                f"Mastodon answered the upload of file {number} without a media id"
            ) from error
        if image.key and request.remember_upload is not None:
            request.remember_upload(image.key, media_id)
        # 200: processed already; 202: Mastodon is processing it.
        return media_id, response.status_code == 200

    def _wait_until_processed(self, media_id: str) -> None:
        """Ask until Mastodon has processed the file (200), for a while; then retry later."""
        deadline = time.monotonic() + PROCESSING_WAIT_SECONDS
        while True:
            response = send(
                "GET",
                f"{self.instance}/api/v1/media/{media_id}",
                deduplicates=True,
                allow_private=self.target.allow_private,
                headers=self._headers(),
            )
            if response.status_code == 200:
                return
            if time.monotonic() >= deadline:
                raise TransientPublishError(
                    f"Mastodon is still processing media {media_id}; trying again later"
                )
            time.sleep(PROCESSING_POLL_SECONDS)

    def verify_credentials(self) -> str:
        """The account's name, or PublishError saying what is wrong."""
        response = send(
            "GET",
            f"{self.instance}/api/v1/accounts/verify_credentials",
            deduplicates=True,
            allow_private=self.target.allow_private,
            headers=self._headers(),
        )
        account = response.json()
        return str(account.get("acct") or account.get("username") or "")

    def test(self) -> str:
        return f"signed in to {self.instance} as @{self.verify_credentials()}"
