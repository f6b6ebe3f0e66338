"""Planner: a self-hosted content calendar for social media teams."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, render_template
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect

from planner.config import PROJECT_ROOT, from_environment
from planner.db import db as database

login_manager = LoginManager()
csrf = CSRFProtect()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints. Connects to nothing until asked."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(from_environment())
    if config:
        app.config.update(config)

    database.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"

    from planner import background, cli, jobs, web

    background.init_app(app)
    jobs.init_app(app)
    web.init_app(app)
    cli.init_app(app)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):  # type: ignore[no-untyped-def]
        return web.error_response(
            400, "Your form expired or was sent from elsewhere", error.description
        )

    return app


@login_manager.user_loader
def _load_user(user_id: str):  # type: ignore[no-untyped-def]
    from planner.models import User

    try:
        return database.session.get(User, int(user_id))
    except ValueError:
        return None


__all__ = ["create_app", "render_template"]
