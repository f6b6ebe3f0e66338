"""The API tokens page: every member makes their own tokens; admins see and revoke all."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from planner import tokens
from planner.db import db
from planner.models import ApiToken
from planner.web.access import Access, owner_names, workspace_access
from planner.web.forms import TokenForm

bp = Blueprint("api_tokens", __name__, url_prefix="/w/<slug>/api-tokens")


def _page(access: Access, form: TokenForm, status: int = 200):  # type: ignore[no-untyped-def]
    sees_all = access.can("manage_members")
    shown = tokens.visible(
        db.session, ApiToken, access.workspace.id, None if sees_all else current_user.id
    )
    names = owner_names(t.user_id for t in shown)
    return access.render(
        "api_tokens/index.html",
        form=form,
        tokens=shown,
        sees_all=sees_all,
        owner_name=lambda token: names.get(token.user_id, ""),
    ), status


@bp.route("", methods=["GET", "POST"])
@login_required
def index(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "view")
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, secret = tokens.create_api_token(
                db.session, current_user, access.workspace, form.label.data or ""
            )
        except tokens.TokenError as error:
            form.label.errors = [*form.label.errors, str(error)]
        else:
            return access.render(
                "api_tokens/created.html",
                token=token,
                secret=secret,
                base_url=request.url_root.rstrip("/") + "/api/v1",
            )
    return _page(access, form, 422 if request.method == "POST" else 200)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(slug: str, token_id: int):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "view")
    token = db.session.get(ApiToken, token_id)
    mine = token is not None and token.user_id == current_user.id
    if (
        token is None
        or token.workspace_id != access.workspace.id
        or not (mine or access.can("manage_members"))
    ):
        flash("There is no such token here.", "error")
        return redirect(url_for("api_tokens.index", slug=slug)), 303
    tokens.revoke(db.session, token)
    db.session.commit()
    flash(f"Revoked “{token.label}”: it no longer works.", "success")
    return redirect(url_for("api_tokens.index", slug=slug)), 303
