"""Signed links to a file, for receivers that fetch it without signing in (a webhook's
receiver): the link names the file and expires; it is made by the worker that publishes and
opened by the web app, both with SECRET_KEY."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "planner-media-link"
# A receiver fetches the files when the post arrives; a week covers retries and slow queues.
MAX_AGE_SECONDS = 7 * 24 * 3600


def sign(secret: str, media_id: int, key: str) -> str:
    """A token for one file (its id and storage key: a replaced file's link stops working)."""
    return URLSafeTimedSerializer(secret, salt=SALT).dumps([media_id, key])


def read(secret: str, token: str, max_age: int = MAX_AGE_SECONDS) -> tuple[int, str] | None:
    """The file a token names, or None for a forged, damaged or expired token."""
    try:
        value = URLSafeTimedSerializer(secret, salt=SALT).loads(token, max_age=max_age)
    except BadSignature:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], int)
        and isinstance(value[1], str)
    ):
        return value[0], value[1]
    return None
