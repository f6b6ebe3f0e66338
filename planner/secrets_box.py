"""Publisher secrets at rest: encrypted with Fernet (the `cryptography` package).

A stored secret is `fernet:<token>`. The keys come from PLANNER_SECRETS_KEYS (Fernet keys,
comma-separated, newest first) or, when that is empty, from a key derived from SECRET_KEY.
Rotation: put a new key first, run `planner secrets reencrypt` (which re-seals every secret
with the newest key), then drop the old key. A value without the prefix is a secret stored
before encryption: it is still read, and `planner db upgrade` re-seals it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "fernet:"


class SecretUnreadable(ValueError):
    """A stored secret that none of the configured keys opens."""


def derived_key(secret_key: str) -> bytes:
    """A Fernet key derived from SECRET_KEY (a separate purpose, so the two never coincide)."""
    digest = hashlib.sha256(b"planner publisher secrets\x00" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest)


class SecretsBox:
    """Seals and opens publisher secrets with the configured keys."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SecretsBox:
        listed = [k.strip() for k in str(config.get("PLANNER_SECRETS_KEYS") or "").split(",")]
        keys = [k.encode() for k in listed if k]
        return cls(keys or [derived_key(str(config["SECRET_KEY"]))])

    def seal(self, plain: str | None) -> str | None:
        if not plain:
            return None
        return PREFIX + self._fernet.encrypt(plain.encode()).decode()

    def open(self, stored: str | None) -> str | None:
        """The plain secret; SecretUnreadable when no configured key opens it."""
        if not stored:
            return None
        if not stored.startswith(PREFIX):
            return stored  # stored before encryption; re-sealed by `planner db upgrade`
        try:
            return self._fernet.decrypt(stored.removeprefix(PREFIX).encode()).decode()
        except InvalidToken as error:
            raise SecretUnreadable(
                "the channel's secret cannot be read with the configured keys "
                "(PLANNER_SECRETS_KEYS or SECRET_KEY changed); enter it again"
            ) from error

    def reseal(self, stored: str | None) -> str | None:
        """The secret sealed with the newest key (plain legacy values included)."""
        if not stored:
            return None
        if not stored.startswith(PREFIX):
            return self.seal(stored)
        return PREFIX + self._fernet.rotate(stored.removeprefix(PREFIX).encode()).decode()
