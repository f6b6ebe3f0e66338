"""The bell's pages: a member's notifications, their preferences, and (admins) the
workspace's Slack webhook. The logic lives in planner/notifications.py."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from planner import events, notifications
from planner.db import db
from planner.secrets_box import SecretsBox
from planner.web.access import workspace_access
from planner.web.forms import Form, SlackForm

bp = Blueprint("notifications", __name__, url_prefix="/w/<slug>/notifications")

# The page lists the newest ones; older ones stay in the database.
LIMIT = 100
CHANNELS = (("in_app", "In the app"), ("email", "By e-mail"), ("digest", "In the daily digest"))


@bp.route("/")
@login_required
def index(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug)
    return access.render(
        "notifications/index.html",
        items=notifications.listing(db.session, current_user.id, access.workspace.id, LIMIT),
        limit=LIMIT,
    )


def _own(slug: str, notification_id: int):  # type: ignore[no-untyped-def]
    access = workspace_access(slug)
    row = notifications.find(db.session, current_user.id, access.workspace.id, notification_id)
    if row is None:
        abort(404)  # another person's or workspace's id looks like a missing one
    return access, row


@bp.route("/<int:notification_id>")
@login_required
def open_one(slug: str, notification_id: int):  # type: ignore[no-untyped-def]
    """Follow a notification's link; it counts as read."""
    access, row = _own(slug, notification_id)
    notifications.mark_read(db.session, current_user.id, access.workspace.id, row.id)
    return redirect(row.link or url_for("notifications.index", slug=slug))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read_one(slug: str, notification_id: int):  # type: ignore[no-untyped-def]
    access, row = _own(slug, notification_id)
    if not Form().validate_on_submit():
        abort(400)
    notifications.mark_read(db.session, current_user.id, access.workspace.id, row.id)
    return redirect(url_for("notifications.index", slug=slug)), 303


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug)
    if not Form().validate_on_submit():
        abort(400)
    count = notifications.mark_read(db.session, current_user.id, access.workspace.id)
    flash(f"{count} notification{'' if count == 1 else 's'} marked read.", "success")
    return redirect(url_for("notifications.index", slug=slug)), 303


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug)
    form = Form()
    if form.validate_on_submit():
        chosen = {
            kind: notifications.Preference(
                in_app=request.form.get(f"in_app-{kind}") == "on",
                email=request.form.get(f"email-{kind}") == "on",
                digest=request.form.get(f"digest-{kind}") == "on",
            )
            for kind in events.KINDS
        }
        notifications.save_preferences(db.session, current_user.id, access.workspace.id, chosen)
        flash("Notification preferences saved.", "success")
        return redirect(url_for("notifications.preferences", slug=slug)), 303
    return access.render(
        "notifications/preferences.html",
        form=form,
        kinds=[(kind, notifications.LABELS[kind]) for kind in events.KINDS],
        chosen=notifications.preferences(db.session, current_user.id, access.workspace.id),
        channels=CHANNELS,
    )


@bp.route("/slack", methods=["GET", "POST"])
@login_required
def slack(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "manage_workspace")
    workspace = access.workspace
    box = SecretsBox.from_config(current_app.config)
    form = SlackForm()
    status = 200
    if request.method == "POST" and request.form.get("remove"):
        if not form.validate_on_submit() and form.csrf_token.errors:
            abort(400)
        notifications.remove_slack(db.session, workspace)
        flash("The Slack webhook is removed; nothing is posted there any more.", "success")
        return redirect(url_for("notifications.slack", slug=slug)), 303
    if form.validate_on_submit():
        kinds = [k for k in events.KINDS if request.form.get(f"kind-{k}") == "on"]
        url = (form.url.data or "").strip()
        if not url and not workspace.slack_webhook:
            form.url.errors = ["Paste the incoming webhook's address."]
        else:
            try:
                notifications.set_slack(
                    db.session,
                    workspace,
                    box,
                    url,
                    kinds,
                    allow_private=bool(current_app.config.get("PUBLISH_ALLOW_PRIVATE_TARGETS")),
                )
            except notifications.SlackRefused as error:
                db.session.rollback()
                form.url.errors = [f"Planner will not post there: {error}."]
            else:
                flash("Slack settings saved.", "success")
                return redirect(url_for("notifications.slack", slug=slug)), 303
    if request.method == "POST" and (form.errors or form.url.errors):
        status = 422
    # What the admin ticked stays ticked on a refused form; otherwise what is stored (the
    # defaults before the first save).
    if request.method == "POST":
        chosen = {k for k in events.KINDS if request.form.get(f"kind-{k}") == "on"}
    elif workspace.slack_webhook:
        chosen = set(workspace.slack_events or [])
    else:
        chosen = set(notifications.SLACK_DEFAULTS)
    return access.render(
        "notifications/slack.html",
        form=form,
        hint=notifications.slack_hint(box, workspace.slack_webhook),
        kinds=[(kind, notifications.TEAM_LABELS[kind]) for kind in events.KINDS],
        chosen=chosen,
    ), status
