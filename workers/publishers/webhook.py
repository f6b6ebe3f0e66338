"""Webhook: POST the post as JSON, signed with the channel's secret."""

from __future__ import annotations

import hashlib
import hmac
import json

from workers.publishers import PermanentPublishError, PublishRequest, PublishResult
from workers.publishers.http import send


def signature(body: bytes, secret: str) -> str:
    """The X-Planner-Signature header: sha256=<HMAC-SHA256 of the body, hex>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookPublisher:
    # A receiver may or may not honour Idempotency-Key; we cannot know, so never re-send
    # blindly after a crash or a read timeout.
    deduplicates = False

    def __init__(self, url: str, secret: str | None) -> None:
        self.url, self.secret = url, secret

    def publish(self, request: PublishRequest) -> PublishResult:
        if not self.url:
            raise PermanentPublishError("the channel has no webhook URL; edit the channel")
        body = json.dumps(
            {
                "post_id": request.post_id,
                "channel": request.channel,
                "network": request.network,
                "text": request.text,
                "scheduled_at": request.scheduled_at.isoformat(),
                "key": request.key,
            },
            ensure_ascii=False,
        ).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": request.key}
        if self.secret:
            headers["X-Planner-Signature"] = signature(body, self.secret)
        response = send("POST", self.url, deduplicates=False, data=body, headers=headers)
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        answer = answer if isinstance(answer, dict) else {}
        return PublishResult(str(answer.get("id") or request.key), answer.get("url"))
