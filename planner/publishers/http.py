"""What HTTP targets have in common: timeouts, and which answers are worth a retry."""

from __future__ import annotations

import email.utils
import time

import requests
import urllib3

from planner.publishers.base import (
    OutcomeUnknownError,
    PermanentPublishError,
    TransientPublishError,
)

TIMEOUT = (5, 10)  # seconds to connect, seconds to read the answer
TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}


def retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds, from either of its two forms (seconds or an HTTP date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _reason(response: requests.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        text = body["error"]
    return (
        f"{response.status_code} {response.reason}: {text[:300]}"
        if text
        else (f"{response.status_code} {response.reason}")
    )


def send(method: str, url: str, *, deduplicates: bool, **kwargs: object) -> requests.Response:
    """Send and sort the outcome into success, transient, permanent or unknown."""
    try:
        response = requests.request(method, url, timeout=TIMEOUT, **kwargs)  # type: ignore[arg-type]
    except requests.ConnectTimeout as error:
        raise TransientPublishError(f"could not connect to {url}: timed out") from error
    except requests.ReadTimeout as error:
        raise _unknown_or_retry(url, deduplicates) from error
    except requests.ConnectionError as error:
        if _never_connected(error):
            raise TransientPublishError(f"could not connect to {url}") from error
        # The connection broke after the request went out: the post may exist.
        raise _unknown_or_retry(url, deduplicates) from error
    except requests.RequestException as error:
        raise PermanentPublishError(f"bad request to {url}: {error}") from error
    if response.status_code in TRANSIENT_STATUSES:
        raise TransientPublishError(_reason(response), retry_after(response))
    if response.status_code >= 400:
        raise PermanentPublishError(_reason(response))
    return response


def _never_connected(error: requests.ConnectionError) -> bool:
    reason = error.args[0] if error.args else None
    inner = getattr(reason, "reason", reason)
    return isinstance(inner, urllib3.exceptions.NewConnectionError | ConnectionRefusedError)


def _unknown_or_retry(url: str, deduplicates: bool) -> Exception:
    if deduplicates:
        return TransientPublishError(f"{url} did not answer within {TIMEOUT[1]} s")
    return OutcomeUnknownError(
        f"outcome unknown: {url} did not answer within {TIMEOUT[1]} s; "
        "check the channel before retrying"
    )
