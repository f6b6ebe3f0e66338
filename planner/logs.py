"""Log lines as text (our `key=value` pairs) or, with `LOG_FORMAT=json`, one JSON object per
line, each carrying the id of the request or the job it belongs to.

- A request's id comes from the `X-Request-ID` header a proxy set (when it looks like an id),
  else a new one; the response carries it back (planner/web/observability.py).
- A job enqueued during a request keeps that request's id in its meta (planner/queue.py),
  so the worker's lines about it carry the id of the click that caused them, beside the job's
  own id.
- JSON lines lift our `key=value` pairs into fields (`job=publish post=42 outcome=published`
  gives `"job": "publish", "post": 42, "outcome": "published"`), so a log store can filter
  on them without parsing.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import g, has_request_context
from flask.logging import default_handler
from rq import get_current_job

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's request id may look like: a uuid, a hex string, a trace id. Anything else
# (too long, spaces, control characters) is replaced, never echoed into logs or headers.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@-]{8,128}$")
_PAIR = re.compile(r"(?<![^\s])([a-z_]+)=(\S+)")
_RESERVED = {"time", "level", "logger", "message", "request_id", "job_id", "exception"}


def request_id_for(incoming: str | None) -> str:
    """The id of a new request: the proxy's when it looks like one, else a fresh uuid."""
    if incoming and _REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request being served, or of the request that enqueued the running job."""
    if has_request_context():
        return g.get("request_id")
    job = get_current_job()
    if job is not None:
        return job.meta.get("request_id")
    return None


class RequestContext(logging.Filter):
    """Adds `request_id` and `job_id` to every record that passes (None outside either)."""

    def filter(self, record: logging.LogRecord) -> bool:
        job = None if has_request_context() else get_current_job()
        record.request_id = current_request_id()
        record.job_id = job.id if job is not None else None
        return True


def _value(text: str) -> object:
    return int(text) if text.isdigit() and len(text) < 19 else text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, job_id, the
    message's key=value pairs as fields, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        body: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": message,
        }
        for name in ("request_id", "job_id"):
            value = getattr(record, name, None)
            if value:
                body[name] = value
        for key, value in _PAIR.findall(message):
            if key not in _RESERVED:
                body.setdefault(key, _value(value))
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False, default=str)


class _JsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so configuring twice (two apps in one process) replaces instead of doubling."""


def configure(config: Mapping[str, Any]) -> None:
    """With LOG_FORMAT=json, every line of the process is JSON on stderr: ours, RQ's (its
    worker logs through the root logger once one has a handler) and gunicorn's own. With the
    default text format, logging is left as each entry point sets it up."""
    if config.get("LOG_FORMAT") != "json":
        return
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _JsonHandler)]:
        root.removeHandler(handler)
    handler = _JsonHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContext())
    root.addHandler(handler)
    root.setLevel(str(config.get("LOG_LEVEL") or "INFO"))
    # Flask gives the app's logger ("planner") a text handler of its own when no handler is
    # set up yet: every line would then be printed twice.
    logging.getLogger("planner").removeHandler(default_handler)
    # gunicorn's loggers have handlers of their own and do not propagate: give them ours.
    for name in ("gunicorn.error", "gunicorn.access"):
        for own in logging.getLogger(name).handlers:
            own.setFormatter(JsonFormatter())
            if not any(isinstance(f, RequestContext) for f in own.filters):
                own.addFilter(RequestContext())
