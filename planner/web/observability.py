"""What operators and their machines read: the request id and a log line per request,
`GET /healthz` for load balancers and `GET /metrics` for Prometheus (behind a token)."""

from __future__ import annotations

import hmac
import logging
import time

from flask import Blueprint, Response, abort, current_app, g, jsonify, request

from planner import health, logs, metrics
from planner.web.feeds import HideFeedTokens

bp = Blueprint("observability", __name__)
request_log = logging.getLogger("planner.request")
# The path of a feed is its secret.
request_log.addFilter(HideFeedTokens())


@bp.before_app_request
def _start() -> None:
    g.request_id = logs.request_id_for(request.headers.get(logs.REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


@bp.after_app_request
def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers[logs.REQUEST_ID_HEADER] = request_id
        milliseconds = (time.perf_counter() - g.request_started) * 1000
        request_log.info(
            "request method=%s path=%s status=%s ms=%.1f",
            request.method,
            request.path,
            response.status_code,
            milliseconds,
        )
    return response


@bp.route("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    """200 while this web host can serve pages (the database answers, with the schema this
    code needs), else 503. Redis and the workers are reported; without them pages still work
    (background work waits), so they make the status `degraded`, not a failure; so does a
    database already migrated past this code, as in a rolling upgrade."""
    found = health.checks(current_app._get_current_object())  # type: ignore[attr-defined]
    serving = not any(c.fatal and not c.ok for c in found)
    status = "failing" if not serving else "ok" if all(c.ok for c in found) else "degraded"
    body = {
        "status": status,
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in found},
    }
    response = jsonify(body)
    response.status_code = 200 if serving else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/metrics")
def metrics_page():  # type: ignore[no-untyped-def]
    """Prometheus text: queue depths, workers, posts by status, publishing outcomes and
    lateness. Only with METRICS_TOKEN set, and only for `Authorization: Bearer <it>`."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response(
            "A metrics token is required.\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"', "Cache-Control": "no-store"},
            mimetype="text/plain",
        )
    body = metrics.exposition(current_app._get_current_object())  # type: ignore[attr-defined]
    return Response(body, 200, {"Cache-Control": "no-store"}, content_type=metrics.CONTENT_TYPE)
