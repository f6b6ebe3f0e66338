"""Mastodon: POST /api/v1/statuses with a bearer token and an Idempotency-Key."""

from __future__ import annotations

from planner.publishers.base import (
    PermanentPublishError,
    Publisher,
    PublishRequest,
    PublishResult,
    register,
)
from planner.publishers.http import send


@register
class MastodonPublisher(Publisher):
    kind = "mastodon"
    description = "posts to a Mastodon instance with an access token"
    needs_url = True
    # Mastodon returns the first status for a repeated Idempotency-Key (within an hour).
    deduplicates = True

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
        response = send(
            "POST",
            f"{self.instance}/api/v1/statuses",
            deduplicates=True,
            allow_private=self.target.allow_private,
            data={"status": request.text},
            headers=headers,
        )
        status = response.json()
        return PublishResult(str(status["id"]), status.get("url"))

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
