"""What every request and response passes through: security headers, safe redirects, ids
within range, hostile characters refused, proxies trusted only when configured, and the
sign-in throttle (Flask-Limiter on the app's Redis)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from planner import queue

# Ids are 32-bit integers on PostgreSQL (and SQLite cannot bind a larger Python int): a
# larger number names nothing, and must answer 404, never 500.
MAX_ID = 2**31 - 1

# Scripts, styles and images from this site only: the templates have no inline scripts or
# style attributes, so an injected one cannot run. No framing (clickjacking).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits only, from 0 to MAX_ID; anything else is a
    404 like any other unknown id."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def whole_number(raw: object, maximum: int = MAX_ID) -> int | None:
    """A number typed by a client: ASCII digits only (str.isdigit() takes "²", which int()
    refuses) and at most `maximum`; None for anything else."""
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdecimal() or len(raw) > 12:
        return None
    value = int(raw)
    return value if value <= maximum else None


def version_pairs(values: Iterable[str]) -> list[tuple[int, int]]:
    """Form values "post_id:version", or several joined by ";" (a card of several channels),
    as pairs; malformed parts are dropped."""
    pairs = []
    for value in values:
        for part in str(value).split(";"):
            raw_id, _, raw_version = part.partition(":")
            post_id, version = whole_number(raw_id), whole_number(raw_version)
            if post_id is not None and version is not None:
                pairs.append((post_id, version))
    return pairs


def external_url(url: str | None) -> str | None:
    """A URL from outside (a publisher's answer, a channel's settings) fit to be a link:
    http(s) with a host, or None (shown as text, never as a `javascript:` link)."""
    if not url or not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(_unsafe(c) for c in url.strip()):
        return None
    return url.strip()


def safe_next(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default` (no open redirects).

    Browsers drop tabs and line breaks from URLs and read a backslash as a slash, so
    "/\\t/evil.example" or "/\\\\evil.example" would leave the site: any control or
    white-space character, a backslash, or anything that parses with a scheme or a host
    is refused.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(_unsafe(c) for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def _unsafe(character: str) -> bool:
    return character.isspace() or unicodedata.category(character) in ("Cc", "Cf", "Cs")


def hostile(value: str) -> str | None:
    """Why a text cannot be stored, or None: a NUL character (PostgreSQL refuses it) or a
    lone surrogate (not encodable as UTF-8)."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired surrogate (not valid Unicode text)"
    return None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# Routes that take media files: their bodies may be as large as MEDIA_MAX_BYTES; every other
# request keeps MAX_CONTENT_LENGTH.
UPLOAD_ENDPOINTS = frozenset({"posts.new", "media.upload", "api.post_media"})


def _upload_limit() -> None:
    # Files come multipart; any other body on these routes keeps the general limit.
    if request.endpoint in UPLOAD_ENDPOINTS and request.mimetype == "multipart/form-data":
        limit = current_app.config.get("MEDIA_MAX_BYTES")
        if limit:
            request.max_content_length = int(limit)


def _refuse_hostile_input() -> None:
    """400 for a NUL character or a lone surrogate anywhere in the query, a form or a JSON
    body: no field of Planner has a use for them, and the database refuses them."""
    values = [*request.args.values(), *request.args.keys()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += [*request.form.values(), *request.form.keys()]
    if request.is_json:
        values += list(_strings(request.get_json(silent=True)))
    for value in values:
        # A multipart part with a malformed name comes back with the name None.
        problem = hostile(value) if isinstance(value, str) else None
        if problem is not None:
            raise BadRequest(f"The request {problem}.")


def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


# Every limit's key carries the install's REDIS_PREFIX, so installs sharing a Redis count
# apart. In the key rather than flask-limiter's key_prefix: the Limiter is one object per
# process, and its key_prefix is the first app's.


def _client_address() -> str:
    return queue.redis_key(get_remote_address() or "unknown")


def login_email() -> str:
    """The e-mail address a sign-in attempt is for (throttled per address as well as per
    client, so spreading guesses over many clients does not help)."""
    return queue.redis_key("login:" + (request.form.get("email") or "").strip().lower()[:254])


limiter = Limiter(
    key_func=_client_address,
    # Redis down: counting goes on in memory rather than letting every guess through.
    in_memory_fallback_enabled=True,
)


def login_limits() -> str:
    return str(current_app.config["LOGIN_LIMIT"])


def login_limits_per_address() -> str:
    return str(current_app.config["LOGIN_LIMIT_PER_ADDRESS"])


def failed_sign_in(response: Response) -> bool:
    """Only failed sign-ins count against the limits."""
    return response.status_code == 401


def init_app(app: Flask) -> None:
    # Before any blueprint: routes take their converters when they are added.
    app.url_map.converters["int"] = IdConverter
    proxies = int(app.config.get("PLANNER_TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    # Before anything reads the body: the upload routes take files up to MEDIA_MAX_BYTES.
    app.before_request(_upload_limit)
    app.before_request(_refuse_hostile_input)
    app.after_request(_headers)
    app.config.setdefault("RATELIMIT_STORAGE_URI", str(app.config["REDIS_URL"]))
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 0.5, "socket_timeout": 1}
    )
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "planner-limits")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # A throttle that cannot reach its storage lets the request through rather than fail it.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)
