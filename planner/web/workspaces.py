"""The list of a person's workspaces and creating a new one."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from planner import accounts, permissions
from planner.db import db
from planner.localtime import timezone_names
from planner.models import Membership, Workspace
from planner.web.forms import WorkspaceForm

bp = Blueprint("workspaces", __name__)


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    rows = db.session.execute(
        sa.select(Workspace, Membership.role)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == current_user.id)
        .order_by(Workspace.name)
    ).all()
    if len(rows) == 1:
        return redirect(url_for("calendar.week", slug=rows[0][0].slug))
    return render_template(
        "workspaces/index.html",
        rows=rows,
        may_create=permissions.may_create_workspace(db.session, current_user),
    )


@bp.route("/workspaces/new", methods=["GET", "POST"])
@login_required
def create():  # type: ignore[no-untyped-def]
    if not permissions.may_create_workspace(db.session, current_user):
        abort(
            403,
            "Only admins of a workspace may create new ones. Ask an admin of your workspace, "
            "or your operator (`planner workspace create`).",
        )
    form = WorkspaceForm()
    if form.validate_on_submit():
        workspace = accounts.create_workspace(
            db.session, form.name.data or "", form.timezone.data or "UTC", current_user
        )
        return redirect(url_for("calendar.week", slug=workspace.slug))
    return render_template("workspaces/new.html", form=form, timezones=timezone_names()), (
        422 if form.errors else 200
    )
