"""The web app: blueprints, one per area, the error pages and the JSON error envelope."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from planner import review, workflow
from planner.db import db
from planner.localtime import local
from planner.models import User
from planner.web import (
    api,
    api_tokens,
    approvals,
    auth,
    balance,
    bulk,
    calendar,
    channels,
    errors,
    feeds,
    media,
    notifications,
    observability,
    posts,
    publishing,
    rule_settings,
    security,
    settings,
    ui,
    workspaces,
)
from planner.web.security import external_url, whole_number

login_manager = LoginManager()
csrf = CSRFProtect()

BLUEPRINTS = (
    observability,
    auth,
    workspaces,
    calendar,
    posts,
    media,
    approvals,
    channels,
    settings,
    feeds,
    publishing,
    balance,
    rule_settings,
    bulk,
    api_tokens,
    notifications,
)


def init_app(app: Flask) -> None:
    security.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    app.register_blueprint(media.links_bp)
    # Bearer tokens, never cookies, authenticate the API: there is no ambient credential
    # for another site to ride on, so CSRF tokens have nothing to protect there.
    csrf.exempt(api.bp)
    api.init_app(app)
    errors.init_app(app)
    ui.init_app(app)

    app.jinja_env.globals["word_diff"] = review.word_diff
    app.jinja_env.globals["text_changed"] = workflow.text_changed
    app.jinja_env.filters["external_url"] = external_url

    @app.template_filter("in_tz")
    def in_tz(value: str | datetime | None, tz_name: str) -> str:
        """An instant (or its ISO text) as '%d %b %Y %H:%M Zone' in the workspace zone."""
        if not value:
            return ""
        instant = datetime.fromisoformat(value) if isinstance(value, str) else value
        return f"{local(instant, tz_name):%d %b %Y %H:%M} {tz_name}"


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The user of a session, if the session is still current: "<id>:<session version>",
    and a sign-out, password change or reset since then raised the version."""
    user_id, _, raw_version = session_id.partition(":")
    number, version = whole_number(user_id), whole_number(raw_version)
    if number is None or version is None:
        return None
    user = db.session.get(User, number)
    if user is None or user.session_version != version:
        return None
    return user
