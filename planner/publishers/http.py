"""What HTTP targets have in common: timeouts, and which answers are worth a retry."""

from __future__ import annotations

import email.utils
import time

import requests
import urllib3
from requests_hardened.ip_filter import InvalidIPAddress

from planner.publishers import outbound
from planner.publishers.base import (
    LoginRejected,
    OutcomeUnknownError,
    PermanentPublishError,
    TransientPublishError,
)

TIMEOUT = outbound.TIMEOUT
TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}
# The target refused the channel's login: the channel needs reconnecting.
LOGIN_STATUSES = {401, 403}


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


# What an answer means for the person who reads it on the post.
MEANINGS = {
    400: "the target refused the post as malformed",
    401: "the target refused the channel's credentials: enter a new secret or token",
    403: "the target refused the channel's credentials: enter a new secret or token",
    404: "the target URL does not exist: check the channel's URL",
    405: "the target URL does not take posts: check the channel's URL",
    410: "the target URL is gone: check the channel's URL",
    413: "the target refused the post as too large",
    415: "the target refused the post's format",
    422: "the target refused the post's content (too long, or not allowed)",
}


def _reason(response: requests.Response) -> str:
    """What failed, from the status alone. The target's body stays out: the message is shown
    to every member of the workspace, and a body read back from an arbitrary URL is how a
    forged request leaks what it reached."""
    meaning = MEANINGS.get(response.status_code, "the target answered with an error")
    if response.status_code >= 500:
        meaning = "the target had an error of its own"
    elif response.status_code in (408, 425, 429):
        meaning = "the target asked to try again later"
    return f"{meaning} (HTTP {response.status_code})"


def send(
    method: str,
    url: str,
    *,
    deduplicates: bool,
    allow_private: bool = False,
    answered: frozenset[int] = frozenset(),
    **kwargs: object,
) -> requests.Response:
    """Send through the outbound guard and sort the outcome into success, transient,
    permanent (LoginRejected for 401 and 403) or unknown. Statuses in `answered` come back
    as responses for the caller to read."""
    try:
        outbound.check_url(url, allow_private=allow_private)
    except outbound.TargetRefused as error:
        raise PermanentPublishError(f"not sent: {error}") from error
    try:
        with outbound.session(allow_private=allow_private) as http:
            response = http.request(method, url, **kwargs)  # type: ignore[arg-type]
    except InvalidIPAddress as error:
        raise PermanentPublishError(
            "not sent: the target's address is private or local; publishing targets must be "
            "on the public internet"
        ) from error
    except requests.ConnectTimeout as error:
        raise TransientPublishError(f"could not connect to {url}: timed out") from error
    except requests.ReadTimeout as error:
        raise _unknown_or_retry(
            url, deduplicates, f"did not answer within {TIMEOUT[1]} s"
        ) from error
    except requests.ConnectionError as error:
        if _never_connected(error):
            raise TransientPublishError(f"could not connect to {url}") from error
        # The connection broke after the request went out: the post may exist.
        raise _unknown_or_retry(
            url, deduplicates, "closed the connection before answering"
        ) from error
    except requests.RequestException as error:
        raise PermanentPublishError(f"could not send to {url}: {type(error).__name__}") from error
    if response.status_code in answered:
        return response
    if response.status_code in TRANSIENT_STATUSES:
        raise TransientPublishError(_reason(response), retry_after(response))
    if response.status_code in LOGIN_STATUSES:
        raise LoginRejected(_reason(response))
    if response.status_code >= 400:
        raise PermanentPublishError(_reason(response))
    if 300 <= response.status_code < 400:
        # Redirects are not followed: they could lead anywhere, inwards included.
        raise PermanentPublishError(
            f"{_reason(response)} (a redirect); enter the final URL in the channel"
        )
    return response


def _never_connected(error: requests.ConnectionError) -> bool:
    reason = error.args[0] if error.args else None
    inner = getattr(reason, "reason", reason)
    return isinstance(inner, urllib3.exceptions.NewConnectionError | ConnectionRefusedError)


def _unknown_or_retry(url: str, deduplicates: bool, what: str) -> Exception:
    """The request went out and no answer came back (`what` says how): a deduplicating
    target is asked again with the same key; any other may have made the post."""
    if deduplicates:
        return TransientPublishError(f"{url} {what}; trying again with the same key")
    return OutcomeUnknownError(
        f"outcome unknown: {url} {what}, after the post was sent; it may have been "
        "published: check the channel before retrying"
    )
