"""Sign in and out, change your password, and set a new one with a reset link."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from planner import accounts
from planner.db import db
from planner.web.forms import ActionForm, LoginForm, PasswordChangeForm, PasswordResetForm
from planner.web.security import (
    failed_sign_in,
    limiter,
    login_email,
    login_limits,
    login_limits_per_address,
    safe_next,
)

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limits_per_address, methods=["POST"], deduct_when=failed_sign_in)
@limiter.limit(login_limits, key_func=login_email, methods=["POST"], deduct_when=failed_sign_in)
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("workspaces.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is not None:
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
    # The cookie alone proves nothing after this: the session version it carries is gone.
    accounts.end_sessions(db.session, current_user._get_current_object())  # type: ignore[attr-defined]
    logout_user()
    flash("You are signed out, on every device.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():  # type: ignore[no-untyped-def]
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()  # type: ignore[attr-defined]
        try:
            accounts.change_password(
                db.session, user, form.current.data or "", form.password.data or ""
            )
        except accounts.AccountError as error:
            db.session.rollback()
            field = form.current if error.field == "current" else form.password
            field.errors = [*field.errors, str(error)]
        else:
            # Every other session ended with the old version; this one goes on.
            login_user(user)
            flash("Your password is changed; you are signed out on your other devices.", "success")
            return redirect(url_for("workspaces.index"))
    return render_template("auth/password.html", form=form), (422 if form.errors else 200)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):  # type: ignore[no-untyped-def]
    """The page a reset link opens: set a new password, once, within 24 hours."""
    reset = accounts.find_reset(db.session, token)
    if reset is None:
        page = render_template("auth/reset_invalid.html")
        return _private(current_app.response_class(page, 404))
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            user = accounts.complete_reset(db.session, token, form.password.data or "")
        except accounts.AccountError as error:
            db.session.rollback()
            form.password.errors = [*form.password.errors, str(error)]
        else:
            if current_user.is_authenticated:
                logout_user()
            flash(f"Your new password is set, {user.display_name}; sign in with it.", "success")
            return redirect(url_for("auth.login"))
    page = render_template("auth/reset.html", form=form, email=reset.user.email)
    return _private(current_app.response_class(page, 422 if form.errors else 200))


def _private(response):  # type: ignore[no-untyped-def]
    # The URL is the secret: not cached, and not sent on to the next site as a Referer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
