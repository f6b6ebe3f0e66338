"""What the pages share beyond data: words for the names the code uses, the icon sprite and
the favicon.

A person reads "changes requested by April" and "publishing failed (the publisher)", never
`changes_requested` or "failed by April": the code's names stay in the code and the audit
table, and this module is the one place that turns them into words.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, session, url_for
from markupsafe import Markup, escape

from planner import workflow
from planner.models import Status

bp = Blueprint("ui", __name__)

# The audit trail's actions as a person says them (planner/workflow.py writes the names).
ACTIONS = {
    "created": "created",
    "edited": "edited",
    "rescheduled": "moved",
    "approval_revoked": "approval revoked",
    "media_changed": "images or video changed",
    "submitted": "submitted for review",
    "withdrawn": "withdrawn from review",
    "approved": "approved",
    "changes_requested": "changes requested",
    "cancelled": "cancelled",
    "retry_requested": "publishing retried",
    "publish_attempt": "publishing started",
    "published": "published",
    "publish_retry": "publishing will be tried again",
    "publish_failed": "publishing failed",
    "outcome_unknown": "publishing outcome unknown",
    "publish_held": "held: the channel needs reconnecting",
    "undone": "undone",
}
# Actions nobody clicked: the background worker did them on the post's schedule.
BY_THE_PUBLISHER = {
    "publish_attempt",
    "published",
    "publish_retry",
    "publish_failed",
    "outcome_unknown",
    "publish_held",
}


def action_label(action: str) -> str:
    return ACTIONS.get(action, action.replace("_", " "))


def actor_label(action: str, actor_name: str | None) -> str:
    """Who did it: a person, or the publisher (a worker) for the publishing steps."""
    if action in BY_THE_PUBLISHER:
        return "the publisher (a background worker)"
    return actor_name or "Planner"


def status_label(value: str | Status | None) -> str:
    if not value:
        return ""
    try:
        return Status(str(value)).label
    except ValueError:
        return str(value).replace("_", " ")


def icon(name: str, label: str | None = None) -> Markup:
    """An icon from the sprite; decorative (hidden from screen readers) unless labelled."""
    href = escape(f"{url_for('static', filename='icons.svg')}#{name}")
    said = f'role="img" aria-label="{escape(label)}"' if label else 'aria-hidden="true"'
    return Markup(f'<svg class="icon" {said}><use href="{href}"></use></svg>')


# How long the page offers Undo; the workflow accepts a slower click (workflow.UNDO_SECONDS).
UNDO_OFFERED_SECONDS = 10


def offer_undo(slug: str, message: str, change: workflow.Change) -> None:
    """Show `message` with an Undo button on the next page (the toast), for ten seconds."""
    if change.items:
        session["undo"] = {"slug": slug, "message": message, "items": change.token}


def pending_undo() -> dict[str, Any] | None:
    """The undo to offer on this page, once."""
    return session.pop("undo", None)


@bp.route("/favicon.ico")
def favicon():  # type: ignore[no-untyped-def]
    """Browsers ask for /favicon.ico whatever the page says: answer with the SVG mark."""
    response = current_app.send_static_file("favicon.svg")
    response.mimetype = "image/svg+xml"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["icon"] = icon
    app.jinja_env.globals["pending_undo"] = pending_undo
    app.jinja_env.globals["UNDO_OFFERED_SECONDS"] = UNDO_OFFERED_SECONDS
    app.jinja_env.filters["action_label"] = action_label
    app.jinja_env.globals["actor_label"] = actor_label
    app.jinja_env.filters["status_label"] = status_label
