"""Sign in and out."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from planner.db import db
from planner.models import User
from planner.web.access import safe_next
from planner.web.forms import ActionForm, LoginForm

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("workspaces.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None and user.check_password(form.password.data or ""):
            login_user(user)
            # Only same-site paths: an open redirect after sign-in is a phishing tool.
            return redirect(safe_next(request.args.get("next"), url_for("workspaces.index")))
        form.password.errors = ["That email and password do not match an account."]
        return render_template("auth/login.html", form=form), 401
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():  # type: ignore[no-untyped-def]
    ActionForm()  # CSRF is checked by CSRFProtect before we get here
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
