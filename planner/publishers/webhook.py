"""Webhook: POST the post as JSON, signed with the channel's secret."""

from __future__ import annotations

import hashlib
import hmac
import json

from planner.publishers.base import (
    PermanentPublishError,
    Publisher,
    PublishRequest,
    PublishResult,
    register,
)
from planner.publishers.http import send


def signature(body: bytes, secret: str) -> str:
    """The X-Planner-Signature header: sha256=<HMAC-SHA256 of the body, hex>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@register
class WebhookPublisher(Publisher):
    kind = "webhook"
    description = "POSTs JSON to a URL, signed with the channel's secret"
    needs_url = True
    # A receiver may or may not honour Idempotency-Key; we cannot know, so never re-send
    # blindly after a crash or a read timeout.
    deduplicates = False

    def publish(self, request: PublishRequest) -> PublishResult:
        if not self.target.url:
            raise PermanentPublishError("the channel has no webhook URL; edit the channel")
        body = json.dumps(request.to_json(), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": request.key}
        if self.target.secret:
            headers["X-Planner-Signature"] = signature(body, self.target.secret)
        response = send(
            "POST",
            self.target.url,
            deduplicates=False,
            allow_private=self.target.allow_private,
            data=body,
            headers=headers,
        )
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        answer = answer if isinstance(answer, dict) else {}
        return PublishResult(str(answer.get("id") or request.key), answer.get("url"))

    def test(self) -> str:
        if not self.target.url:
            raise PermanentPublishError("the channel has no webhook URL")
        # Anything sent to a webhook may be taken for a post: nothing is sent.
        return "webhooks cannot be tested without posting; the URL is set"
