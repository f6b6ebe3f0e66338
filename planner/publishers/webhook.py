"""Webhook: POST the post as JSON, signed with the channel's secret.

The connection test sends `HEAD <url>` with `X-Planner-Event: check` and the signature of the
empty body: HEAD is safe by definition (RFC 9110 9.2.1), so no receiver can take the check for a
post, and one that verifies signatures can answer 401 to a wrong secret.
"""

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

# Answers to the HEAD check that show a receiver is there, though it takes only POSTs.
REACHABLE = frozenset({400, 405, 415, 422, 501})


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
        headers = {"X-Planner-Event": "check"}
        if self.target.secret:
            headers["X-Planner-Signature"] = signature(b"", self.target.secret)
        # A receiver that takes only POST answers 405 (or 400 for the missing body): it is
        # there all the same. 401/403 (a wrong secret), 404/410, 5xx and timeouts are raised
        # by `send` as for a post.
        response = send(
            "HEAD",
            self.target.url,
            deduplicates=True,  # HEAD changes nothing: a timeout is only a timeout
            allow_private=self.target.allow_private,
            answered=REACHABLE,
            headers=headers,
        )
        return f"the webhook answered a signed HEAD request (HTTP {response.status_code})"
