"""Planner: a self-hosted content calendar for social media teams."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from planner import logs, notifications, queue, web
from planner.config import from_environment, settle_secret_key
from planner.db import db


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, database, web, background work. Connects to nothing until
    asked.

    Raises planner.config.ConfigurationError when a setting production needs is missing
    (SECRET_KEY outside PLANNER_ENV=development, debug and testing).
    """
    settings = from_environment()
    if config:
        settings.update(config)
    # templates/, static/ and migrations/ live inside the package, so an installed wheel
    # carries them; local state goes to the instance folder, never beside the package
    # (docs/design.md, "Layout").
    app = Flask(__name__, instance_path=str(settings["PLANNER_INSTANCE"]))
    app.config.update(settings)
    settle_secret_key(app.config)
    logs.configure(app.config)
    db.init_app(app)
    web.init_app(app)
    queue.init_app(app)
    notifications.init_app()
    return app


__all__ = ["create_app"]
