"""Mastodon: POST /api/v1/statuses with a bearer token and an Idempotency-Key."""

from __future__ import annotations

from workers.publishers import PermanentPublishError, PublishRequest, PublishResult
from workers.publishers.http import send


class MastodonPublisher:
    # Mastodon returns the first status for a repeated Idempotency-Key (within an hour).
    deduplicates = True

    def __init__(self, instance: str, token: str | None) -> None:
        self.instance, self.token = instance.rstrip("/"), token

    def _headers(self) -> dict[str, str]:
        if not self.instance or not self.token:
            raise PermanentPublishError(
                "the channel needs its Mastodon instance URL and access token; edit the channel"
            )
        return {"Authorization": f"Bearer {self.token}"}

    def publish(self, request: PublishRequest) -> PublishResult:
        headers = {**self._headers(), "Idempotency-Key": request.key}
        response = send(
            "POST",
            f"{self.instance}/api/v1/statuses",
            deduplicates=True,
            data={"status": request.text},
            headers=headers,
        )
        status = response.json()
        return PublishResult(str(status["id"]), status.get("url"))

    def verify_credentials(self) -> str:
        """The account's name, or PublishError saying what is wrong (the Test connection)."""
        response = send(
            "GET",
            f"{self.instance}/api/v1/accounts/verify_credentials",
            deduplicates=True,
            headers=self._headers(),
        )
        account = response.json()
        return str(account.get("acct") or account.get("username") or "")
