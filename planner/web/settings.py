"""Workspace settings and members (admins)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, url_for
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
                # A new account: the person sets their own password through a link, shown
                # here once (never put in a cookie, as a flashed message would be).
                _, secret = accounts.issue_reset(db.session, current_user, membership.user)
                return _members_page(
                    access,
                    MemberForm(formdata=None),
                    201,
                    invited=membership.user,
                    link=_reset_link(secret),
                )
            flash(f"{membership.user.email} is now {membership.role.name}.", "success")
            return redirect(url_for("settings.members", slug=slug))
    return _members_page(access, form, 422 if form.errors else 200)


def _reset_link(secret: str) -> str:
    # The admin's own request names the address they reached Planner at.
    return url_for("auth.reset_password", token=secret, _external=True)


def _members_page(access: Access, form: MemberForm, status: int, **extra: object):  # type: ignore[no-untyped-def]
    page = access.render(
        "settings/members.html",
        form=form,
        memberships=_memberships(access),
        role_form=RoleForm(),
        roles=list(Role),
        may_reset={
            m.id: accounts.may_issue_reset(db.session, current_user, m.user)
            for m in _memberships(access)
        },
        **extra,
    )
    response = current_app.response_class(page, status)
    if extra:
        # The page carries a one-time secret link.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/members/<int:membership_id>/reset", methods=["POST"])
@login_required
def issue_reset(slug: str, membership_id: int):  # type: ignore[no-untyped-def]
    """A one-time link for a member to set a new password, shown once to the admin."""
    access = workspace_access(slug, "manage_members")
    membership = _membership(access, membership_id)
    try:
        _, secret = accounts.issue_reset(db.session, current_user, membership.user)
    except accounts.AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("settings.members", slug=slug)), 303
    return _members_page(
        access, MemberForm(formdata=None), 200, reset_for=membership.user, link=_reset_link(secret)
    )


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
