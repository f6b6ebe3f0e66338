"""Planner: a self-hosted content calendar for social media teams."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from planner import queue, web
from planner.config import from_environment
from planner.db import db


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, database, web, background work. Connects to nothing until
    asked."""
    # templates/, static/ and migrations/ live inside the package, so an installed wheel
    # carries them (docs/design.md, "Layout").
    app = Flask(__name__)
    app.config.update(from_environment())
    if config:
        app.config.update(config)
    db.init_app(app)
    web.init_app(app)
    queue.init_app(app)
    return app


__all__ = ["create_app"]
