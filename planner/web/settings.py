"""Workspace settings and members (admins)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user, login_required

from planner import accounts
from planner.db import db
from planner.localtime import timezone_names
from planner.models import Membership, Role, User
from planner.web.access import Access, workspace_access
from planner.web.forms import MemberForm, RoleForm, WorkspaceForm

bp = Blueprint("settings", __name__, url_prefix="/w/<slug>")


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def workspace(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "manage_workspace")
    form = WorkspaceForm(obj=access.workspace)
    if form.validate_on_submit():
        accounts.update_workspace(
            db.session,
            current_user,
            access.workspace,
            form.name.data or "",
            form.timezone.data or "",
            bool(form.allow_self_approval.data),
        )
        flash("Workspace settings saved.", "success")
        return redirect(url_for("settings.workspace", slug=slug))
    return access.render(
        "settings/workspace.html",
        form=form,
        timezones=timezone_names(),
    ), (422 if form.errors else 200)


def _memberships(access: Access) -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .join(User)
            .where(Membership.workspace_id == access.workspace.id)
            .order_by(User.display_name)
        )
    )


@bp.route("/members", methods=["GET", "POST"])
@login_required
def members(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "manage_members")
    form = MemberForm()
    if form.validate_on_submit():
        try:
            membership, password = accounts.add_member(
                db.session,
                current_user,
                access.workspace,
                form.email.data or "",
                Role[form.role.data or "viewer"],
                form.display_name.data or "",
            )
        except accounts.AccountError as error:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(error)]
        else:
            if password:
                flash(
                    f"Created an account for {membership.user.email} with the one-time password "
                    f"{password} — pass it on privately; it is not shown again.",
                    "secret",
                )
            flash(f"{membership.user.email} is now {membership.role.name}.", "success")
            return redirect(url_for("settings.members", slug=slug))
    return access.render(
        "settings/members.html",
        form=form,
        memberships=_memberships(access),
        role_form=RoleForm(),
        roles=list(Role),
    ), (422 if form.errors else 200)


def _membership(access: Access, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.workspace_id != access.workspace.id:
        abort(404)
    return membership


@bp.route("/members/<int:membership_id>/role", methods=["POST"])
@login_required
def change_role(slug: str, membership_id: int):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "manage_members")
    membership = _membership(access, membership_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            accounts.change_role(db.session, current_user, membership, Role[form.role.data])
        except accounts.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(f"{membership.user.email} is now {membership.role.name}.", "success")
    else:
        flash("Pick one of the roles.", "error")
    return redirect(url_for("settings.members", slug=slug)), 303


@bp.route("/members/<int:membership_id>/remove", methods=["POST"])
@login_required
def remove_member(slug: str, membership_id: int):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "manage_members")
    membership = _membership(access, membership_id)
    email = membership.user.email
    try:
        accounts.remove_member(db.session, current_user, membership)
    except accounts.AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(f"{email} no longer has access to {access.workspace.name}.", "success")
    return redirect(url_for("settings.members", slug=slug)), 303
