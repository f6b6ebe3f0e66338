"""Blueprints, one per area, and the error pages."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from planner import review
from planner.localtime import local


def wants_json() -> bool:
    return (
        "/api/" in request.path
        or request.is_json
        or (request.accept_mimetypes.best == "application/json")
    )


def error_response(status: int, title: str, detail: str = ""):  # type: ignore[no-untyped-def]
    if wants_json():
        return jsonify(error={"code": status, "message": detail or title, "fields": {}}), status
    return render_template("error.html", status=status, title=title, detail=detail), status


TITLES = {
    400: "That request could not be understood",
    403: "You do not have access to this",
    404: "Not found",
    405: "That action is not available here",
    409: "Someone else changed this first",
    413: "That upload is too large",
    422: "Please correct the highlighted fields",
}


def init_app(app: Flask) -> None:
    from planner import csrf
    from planner.web import (
        api,
        approvals,
        auth,
        balance,
        bulk,
        calendar,
        channels,
        feeds,
        posts,
        publishing,
        rule_settings,
        settings,
        workspaces,
    )

    blueprints = (auth, workspaces, calendar, posts, approvals, channels, settings, feeds)
    for module in (*blueprints, publishing, balance, rule_settings):
        app.register_blueprint(module.bp)
    # Bearer tokens, never cookies, authenticate the API: there is no ambient credential
    # for another site to ride on, so CSRF tokens have nothing to protect there.
    csrf.exempt(api.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(api.settings_bp)
    app.register_blueprint(bulk.bp)

    app.jinja_env.globals["word_diff"] = review.word_diff

    @app.template_filter("in_tz")
    def in_tz(value: str | datetime | None, tz_name: str) -> str:
        """An instant (or its ISO text) as '%d %b %Y %H:%M Zone' in the workspace zone."""
        if not value:
            return ""
        instant = datetime.fromisoformat(value) if isinstance(value, str) else value
        return f"{local(instant, tz_name):%d %b %Y %H:%M} {tz_name}"

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        status = error.code or 500
        detail = error.description if status not in (404, 405) else ""
        if status == 404:
            detail = "There is nothing here, or it is not shared with you."
        if status == 403:
            detail = str(error.description or "")
        return error_response(status, TITLES.get(status, error.name), detail)
