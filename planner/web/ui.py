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


class WeekCards:
    """The week view's cards, written in Python: a busy week has a thousand of them, and a
    card through Jinja costs several times more. Markup for markup the same as a template
    would write; every value from a post goes through `escape`."""

    def __init__(  # type: ignore[no-untyped-def]
        self,
        *,
        post_url: str,
        sprite: str,
        evidence: dict[int, str],
        highlighted: set[int],
        can_move: bool,
        can_pick: bool,
        held_names: list[str],
    ) -> None:
        self.post_url = post_url
        self.sprite = escape(sprite)
        self.evidence = evidence
        self.highlighted = highlighted
        self.can_move = can_move
        self.can_pick = can_pick
        self.held = set(held_names)

    def _icon(self, name: str) -> str:
        return f'<svg class="icon" aria-hidden="true"><use href="{self.sprite}#{name}"></use></svg>'

    def __call__(self, p: Any) -> Markup:
        st, hhmm, pid = p.st, p.hhmm, p.id
        channels = escape(p.channels)
        category = escape(p.category)
        status = escape(st.value)
        classes = f"card cat-{category} st-{status}"
        if pid in self.evidence:
            classes += " flagged"
        if pid in self.highlighted:
            classes += " evidence"
        href = escape(f"{self.post_url}{pid}")
        parts = [
            f'<article class="{classes}" id="post-{pid}" '
            f'draggable="{"true" if self.can_move else "false"}" data-post-id="{pid}" '
            f'data-version="{p.version}" data-versions="{escape(p.versions)}" '
            f'data-minute="{p.local_at.minute:02d}">'
        ]
        if self.can_pick:
            parts.append(
                f'<input type="checkbox" class="pick" name="post" form="bulk-posts" '
                f'value="{escape(p.selection)}" aria-label="Select {hhmm} {channels}">'
            )
        media = ""
        if p.media:
            media = (
                f' <span class="card-media">{self._icon("image")}'
                f'<span class="visually-hidden">{escape(p.media_words)}</span></span>'
            )
        parts.append(
            f'<a class="card-link" href="{href}"><time datetime="{p.scheduled_at.isoformat()}">'
            f'{hhmm}</time> <span class="chan">{channels}</span> '
            f'<span class="words">{escape(p.words)}</span>{media}</a>'
        )
        parts.append(
            f'<span class="badges"><span class="cat cat-{category}">{category}</span> '
            f'<span class="status status-{status}">{self._icon(status)} '
            f"{escape(st.label)}</span></span>"
        )
        if pid in self.evidence:
            parts.append(
                f'<span class="flag">{self._icon("warning")} evidence for '
                f"{escape(self.evidence[pid])}</span>"
            )
        if (
            self.held
            and st.value == "approved"
            and (p.channel in self.held or any(c in self.held for c in p.other_channels))
        ):
            parts.append(
                f'<span class="flag held">{self._icon("held")} held: channel needs '
                "reconnecting</span>"
            )
        if self.can_move:
            parts.append(
                f'<a class="move" href="{href}/move">Move'
                f'<span class="visually-hidden"> post {pid}</span></a>'
            )
        parts.append("</article>")
        return Markup("\n".join(parts))


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
    app.jinja_env.globals["WeekCards"] = WeekCards
    app.jinja_env.globals["pending_undo"] = pending_undo
    app.jinja_env.globals["UNDO_OFFERED_SECONDS"] = UNDO_OFFERED_SECONDS
    app.jinja_env.filters["action_label"] = action_label
    app.jinja_env.globals["actor_label"] = actor_label
    app.jinja_env.filters["status_label"] = status_label
