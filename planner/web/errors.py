"""One error envelope and one exception -> status table, for pages and JSON alike.

A JSON caller (the API, the calendar's drag and drop, the composer's check) gets
`{"error": {"code", "message", "fields"}}` with the status; a browser gets the error page.
Our own exceptions map to statuses here, once: views that want to say more (a flash, a field
error) catch them first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from planner import permissions, workflow

TITLES = {
    400: "That request could not be understood",
    401: "Please sign in",
    403: "You do not have access to this",
    404: "Not found",
    405: "That action is not available here",
    409: "Someone else changed this first",
    413: "That upload is too large",
    422: "Please correct the highlighted fields",
    429: "Too many attempts",
    503: "Not available just now",
}

# Our exceptions and the status each answers with (subclasses first: the first match wins).
STATUS: tuple[tuple[type[Exception], int], ...] = (
    (workflow.InvalidPost, 422),
    (workflow.StaleVersion, 409),
    (workflow.TransitionNotAllowed, 409),
    (permissions.PermissionDenied, 403),
)


def wants_json() -> bool:
    return (
        request.path.startswith("/api/")
        or request.is_json
        or request.accept_mimetypes.best == "application/json"
    )


def error_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    fields: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
):  # type: ignore[no-untyped-def]
    """The error as JSON or as the error page, whichever the request wants."""
    if wants_json():
        return json_error(status, detail or title, fields, headers)
    page = render_template("error.html", status=status, title=title, detail=detail or "")
    return page, status, dict(headers or {})


def json_error(
    status: int,
    message: str,
    fields: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
):  # type: ignore[no-untyped-def]
    """The one JSON error envelope: {"error": {"code", "message", "fields"}}."""
    body = {"code": status, "message": message, "fields": dict(fields or {})}
    return jsonify(error=body), status, dict(headers or {})


def messages_to_fields(messages: Mapping[str, Any]) -> dict[str, str]:
    """webargs/marshmallow's nested messages ({"json": {"version": ["..."]}}) as one message
    per field."""
    fields: dict[str, str] = {}
    for location in messages.values():
        if not isinstance(location, Mapping):
            continue
        for name, problems in location.items():
            if isinstance(problems, Mapping):  # a nested schema or a dict field
                problems = [f"{k}: {v}" for k, v in messages_to_fields({"": problems}).items()]
            if isinstance(problems, list | tuple):
                problems = "; ".join(str(p) for p in problems)
            fields[str(name)] = str(problems)
    return fields


def fields_of(error: Exception) -> dict[str, str]:
    """The field messages an exception carries, for the envelope's `fields`."""
    if isinstance(error, workflow.InvalidPost):
        return dict(error.errors)
    if isinstance(error, workflow.StaleVersion):
        return {"version": f"the post is at version {error.current}"}
    if isinstance(error, workflow.OverrideRequired):
        return {"override_reason": "required for this post"}
    return {}


def status_of(error: Exception) -> int:
    return next(status for kind, status in STATUS if isinstance(error, kind))


def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
    """Werkzeug's HTTP errors (404, 405, abort(...)) as our envelope or page."""
    status = error.code or 500
    detail = error.description if status not in (404, 405) else ""
    if status == 404:
        detail = "There is nothing here, or it is not shared with you."
    if status == 413:
        limit = request.max_content_length or 0
        setting = (
            "MEDIA_MAX_BYTES"
            if limit == current_app.config.get("MEDIA_MAX_BYTES")
            else "MAX_CONTENT_LENGTH"
        )
        detail = (
            f"Planner takes at most {limit / 1_048_576:,.0f} MB in one upload (the {setting} "
            "setting). Send a smaller file, or ask an operator to raise the limit; nothing was "
            "saved."
        )
    return error_response(status, TITLES.get(status, error.name), detail)


def init_app(app: Flask) -> None:
    for kind, _ in STATUS:

        @app.errorhandler(kind)
        def _domain_error(error: Exception):  # type: ignore[no-untyped-def]
            status = status_of(error)
            return error_response(status, TITLES[status], str(error), fields=fields_of(error))

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):  # type: ignore[no-untyped-def]
        return error_response(
            400, "Your form expired or was sent from elsewhere", error.description
        )
