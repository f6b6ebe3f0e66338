"""The Publishing page (admins): workers, queues, what is due, what failed; pause and resume."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user, login_required

from planner import queue, workflow
from planner.db import db
from planner.web.access import workspace_access

bp = Blueprint("publishing", __name__, url_prefix="/w/<slug>/publishing")


@bp.route("/")
@login_required
def status(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "pause_publishing")
    return access.render(
        "publishing/status.html",
        overview=queue.overview(db.session, access.workspace),
    )


@bp.route("/<any(pause, resume):action>", methods=["POST"])
@login_required
def toggle(slug: str, action: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "pause_publishing")
    if action == "pause":
        workflow.pause_publishing(db.session, current_user, access.workspace)
        flash("Publishing is paused: nothing goes out until you resume it.", "success")
    else:
        workflow.resume_publishing(db.session, current_user, access.workspace)
        flash(
            "Publishing resumed. Posts whose time passed meanwhile go out if they are less "
            "than the grace period late; older ones are marked missed for you to decide.",
            "success",
        )
    return redirect(url_for("publishing.status", slug=slug)), 303
