"""The JSON API under /api/v1 (bearer tokens only) and the API tokens settings page.

The API never looks at the session cookie: a browser's cookie would otherwise let another
site's form act through an endpoint that CSRF protection does not cover. Every error is
`{"error": {"code", "message", "fields"}}` with its HTTP status.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException
from wtforms import StringField
from wtforms.validators import DataRequired, Length

import rules
from planner import api, permissions, planning, workflow
from planner.db import db
from planner.localtime import local_day_bounds
from planner.models import ApiToken, Channel, Post, Status, User
from planner.openapi import OPENAPI
from planner.web.access import workspace_access
from rules.model import Category

bp = Blueprint("api", __name__, url_prefix="/api/v1")
settings_bp = Blueprint("api_tokens", __name__, url_prefix="/w/<slug>/api-tokens")

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
# Ids are 32-bit integers on PostgreSQL; a larger number names nothing.
MAX_ID = 2**31 - 1


class ApiError(Exception):
    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields or {}


def _error(status: int, message: str, fields: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return jsonify(error={"code": status, "message": message, "fields": fields or {}}), status


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):  # type: ignore[no-untyped-def]
    response = _error(error.status, error.message, error.fields)
    if error.status == 401:
        response[0].headers["WWW-Authenticate"] = 'Bearer realm="planner"'
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):  # type: ignore[no-untyped-def]
    return _error(error.code or 500, str(error.description or error.name))


@bp.errorhandler(workflow.InvalidPost)
def _invalid(error: workflow.InvalidPost):  # type: ignore[no-untyped-def]
    return _error(422, str(error), error.errors)


@bp.errorhandler(workflow.StaleVersion)
def _stale(error: workflow.StaleVersion):  # type: ignore[no-untyped-def]
    return _error(409, str(error), {"version": f"the post is at version {error.current}"})


@bp.errorhandler(workflow.TransitionNotAllowed)
def _not_allowed(error: workflow.TransitionNotAllowed):  # type: ignore[no-untyped-def]
    return _error(409, str(error))


@bp.errorhandler(workflow.PermissionDenied)
def _denied(error: workflow.PermissionDenied):  # type: ignore[no-untyped-def]
    return _error(403, str(error))


@bp.before_request
def _authenticate() -> None:
    if request.endpoint == "api.openapi":
        return
    if any("\x00" in value for value in request.args.values()):
        raise ApiError(400, "The query contains a NUL character.")
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "Send a personal API token as 'Authorization: Bearer <token>'.")
    caller = api.authenticate(db.session, secret.strip())
    if caller is None:
        raise ApiError(401, "That token is unknown, revoked, or its owner left the workspace.")
    g.api_caller = caller


def _caller(action: str = "view") -> api.Caller:
    caller: api.Caller = g.api_caller
    permissions.require(caller.role, action)
    return caller


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "Send a JSON object (Content-Type: application/json).")
    return body


def _version(body: dict[str, Any]) -> int:
    value = body.get("version")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(422, "version is required.", {"version": "the version you last read"})
    return value


def _post(caller: api.Caller, post_id: int) -> Post:
    post = db.session.get(Post, post_id) if post_id <= MAX_ID else None
    # Another workspace's post answers like a missing one: ids leak nothing.
    if post is None or post.workspace_id != caller.workspace.id:
        raise ApiError(404, "There is no post with that id in this workspace.")
    return post


def _channel(caller: api.Caller, value: object) -> Channel:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(422, "channel_id is required.", {"channel_id": "a channel id"})
    channel = db.session.get(Channel, value) if 0 < value <= MAX_ID else None
    if channel is None or channel.workspace_id != caller.workspace.id:
        raise ApiError(422, "Pick a channel of this workspace.", {"channel_id": "unknown"})
    return channel


def _instant(caller: api.Caller, value: object) -> Any:
    try:
        return api.parse_instant(value, caller.workspace.timezone)
    except (ValueError, OverflowError) as error:  # NonexistentLocalTime included
        raise ApiError(422, str(error), {"scheduled_at": str(error)}) from error


def _text(body: dict[str, Any], name: str, default: str | None = None) -> str:
    value = body.get(name, default)
    if not isinstance(value, str):
        raise ApiError(422, f"{name} must be a string.", {name: "a string"})
    if "\x00" in value:
        raise ApiError(422, f"{name} contains a NUL character.", {name: "no NUL characters"})
    return value


def _post_response(post: Post, caller: api.Caller, status: int = 200):  # type: ignore[no-untyped-def]
    return jsonify(api.post_json(post, caller.workspace)), status


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(OPENAPI)


def _day_range(caller: api.Caller) -> tuple[Any, Any]:
    """The from/to query (local days, `to` included) as UTC bounds; either may be None."""
    tz = caller.workspace.timezone
    start = end = None
    try:
        if request.args.get("from"):
            day = api.parse_day(request.args["from"], "from")
            start = local_day_bounds(day, day, tz)[0]
        if request.args.get("to"):
            day = api.parse_day(request.args["to"], "to")
            end = local_day_bounds(day + timedelta(days=1), day, tz)[0]
    except (ValueError, OverflowError) as error:
        name = "from" if "from:" in str(error) else "to"
        raise ApiError(422, str(error), {name: "a date, YYYY-MM-DD"}) from error
    if start is not None and end is not None and end <= start:
        raise ApiError(422, "to is before from.", {"to": "on or after from"})
    return start, end


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise ApiError(422, f"{name} must be a whole number.", {name: "a number"}) from error
    if not low <= value <= high:
        raise ApiError(422, f"{name} must be from {low} to {high}.", {name: f"{low}..{high}"})
    return value


@bp.get("/posts")
def list_posts():  # type: ignore[no-untyped-def]
    caller = _caller()
    start, end = _day_range(caller)
    query = sa.select(Post).where(Post.workspace_id == caller.workspace.id)
    if start is not None:
        query = query.where(Post.scheduled_at >= start)
    if end is not None:
        query = query.where(Post.scheduled_at < end)
    if request.args.get("channel"):
        channel = request.args["channel"]
        if channel.isdigit():
            query = query.where(Post.channel_id == int(channel))
        else:
            ids = sa.select(Channel.id).where(
                Channel.workspace_id == caller.workspace.id, Channel.name == channel
            )
            query = query.where(Post.channel_id.in_(ids))
    if request.args.get("category"):
        if request.args["category"] not in {c.value for c in Category}:
            raise ApiError(422, "Unknown category.", {"category": "one of the seven categories"})
        query = query.where(Post.category == request.args["category"])
    if request.args.get("status"):
        if request.args["status"] not in {s.value for s in Status}:
            raise ApiError(422, "Unknown status.", {"status": "one of the post states"})
        query = query.where(Post.status == Status(request.args["status"]))
    limit = _int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 10**9)
    posts = list(
        db.session.scalars(
            query.order_by(Post.scheduled_at, Post.id).offset(offset).limit(limit + 1)
        )
    )
    more = len(posts) > limit
    args = {k: v for k, v in request.args.items() if k not in ("limit", "offset")}
    next_url = (
        url_for("api.list_posts", **args, limit=limit, offset=offset + limit) if more else None
    )
    return jsonify(posts=[api.post_json(p, caller.workspace) for p in posts[:limit]], next=next_url)


@bp.post("/posts")
def create_post():  # type: ignore[no-untyped-def]
    caller = _caller("create_post")
    body = _body()
    channel = _channel(caller, body.get("channel_id"))
    text = _text(body, "text")
    category = body.get("category")
    suggested = None
    if category in (None, ""):
        suggested = rules.classify(text)
        category = suggested.category.value
    if not isinstance(category, str):
        raise ApiError(422, "category must be a string.", {"category": "a category"})
    scheduled_at = _instant(caller, body.get("scheduled_at"))
    content = workflow.PostContent(channel, text, category, scheduled_at)
    post = workflow.create_post(db.session, caller.user, caller.workspace, content)
    answer = api.post_json(post, caller.workspace)
    if suggested is not None:
        answer["suggested_category"] = {
            "category": suggested.category.value,
            "confidence": round(suggested.confidence, 2),
            "signals": list(suggested.signals),
        }
    return jsonify(answer), 201


@bp.get("/posts/<int:post_id>")
def get_post(post_id: int):  # type: ignore[no-untyped-def]
    caller = _caller()
    return _post_response(_post(caller, post_id), caller)


@bp.patch("/posts/<int:post_id>")
def update_post(post_id: int):  # type: ignore[no-untyped-def]
    caller = _caller("edit_post")
    post = _post(caller, post_id)
    body = _body()
    version = _version(body)
    channel = _channel(caller, body["channel_id"]) if "channel_id" in body else post.channel
    text = _text(body, "text", post.text)
    category = _text(body, "category", post.category)
    scheduled_at = (
        _instant(caller, body["scheduled_at"]) if "scheduled_at" in body else post.scheduled_at
    )
    content = workflow.PostContent(channel, text, category, scheduled_at)
    workflow.edit_post(db.session, caller.user, post, version, content)
    return _post_response(post, caller)


@bp.post("/posts/<int:post_id>/<any(submit, cancel, approve):action>")
def transition(post_id: int, action: str):  # type: ignore[no-untyped-def]
    caller = _caller(action)
    post = _post(caller, post_id)
    body = _body()
    version = _version(body)
    if action == "approve":
        reason = body.get("override_reason")
        if reason is not None and not isinstance(reason, str):
            raise ApiError(422, "override_reason must be a string.", {"override_reason": "text"})
        try:
            workflow.approve(db.session, caller.user, post, version, reason)
        except workflow.OverrideRequired as error:
            return _error(409, str(error), {"override_reason": "required for this post"})
    elif action == "submit":
        workflow.submit(db.session, caller.user, post, version)
    else:
        workflow.cancel(db.session, caller.user, post, version)
    return _post_response(post, caller)


@bp.post("/posts/<int:post_id>/request-changes")
def request_changes(post_id: int):  # type: ignore[no-untyped-def]
    caller = _caller("request_changes")
    post = _post(caller, post_id)
    body = _body()
    version = _version(body)
    workflow.request_changes(db.session, caller.user, post, version, _text(body, "comment", ""))
    return _post_response(post, caller)


@bp.post("/posts/<int:post_id>/reschedule")
def reschedule(post_id: int):  # type: ignore[no-untyped-def]
    caller = _caller("reschedule")
    post = _post(caller, post_id)
    body = _body()
    version = _version(body)
    scheduled_at = _instant(caller, body.get("scheduled_at"))
    workflow.reschedule(db.session, caller.user, post, version, scheduled_at)
    return _post_response(post, caller)


@bp.get("/channels")
def list_channels():  # type: ignore[no-untyped-def]
    caller = _caller()
    channels = db.session.scalars(
        sa.select(Channel).where(Channel.workspace_id == caller.workspace.id).order_by(Channel.name)
    )
    return jsonify(channels=[api.channel_json(c) for c in channels])


@bp.get("/findings")
def findings():  # type: ignore[no-untyped-def]
    caller = _caller()
    start, end = _day_range(caller)
    found = planning.findings(db.session, caller.workspace)
    if start is not None or end is not None:
        low = start or min((f.window_start for f in found), default=None)
        high = end or max((f.window_end for f in found), default=None)
        found = planning.overlapping(found, low, high) if low and high else []
    return jsonify(findings=[_finding_json(f) for f in found])


def _finding_json(finding: rules.Finding) -> dict[str, Any]:
    return {**finding.to_json(), "post_ids": [int(p) for p in finding.post_ids]}


# --- The settings page ------------------------------------------------------------------------


class TokenForm(FlaskForm):
    label = StringField(
        "Label",
        validators=[DataRequired("Give the token a label."), Length(max=120)],
        description="What uses it, such as “Agency planning script”.",
    )


def _page(access, form: TokenForm, status: int = 200):  # type: ignore[no-untyped-def]
    sees_all = access.can("manage_members")
    tokens = api.visible_tokens(
        db.session, access.workspace.id, None if sees_all else current_user.id
    )
    owners = {
        u.id: u
        for u in db.session.scalars(sa.select(User).where(User.id.in_({t.user_id for t in tokens})))
    }
    return render_template(
        "api/tokens.html",
        access=access,
        workspace=access.workspace,
        form=form,
        tokens=tokens,
        owners=owners,
        sees_all=sees_all,
    ), status


@settings_bp.route("", methods=["GET", "POST"])
@login_required
def tokens(slug: str):  # type: ignore[no-untyped-def]
    """Every member makes their own tokens here; admins see and may revoke everyone's."""
    access = workspace_access(slug, "view")
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, secret = api.create_token(
                db.session, current_user, access.workspace, form.label.data or ""
            )
        except api.TokenError as error:
            form.label.errors = [*form.label.errors, str(error)]
        else:
            return render_template(
                "api/created.html",
                access=access,
                workspace=access.workspace,
                token=token,
                secret=secret,
                base_url=request.url_root.rstrip("/") + "/api/v1",
            )
    return _page(access, form, 422 if request.method == "POST" else 200)


@settings_bp.route("/<int:token_id>/revoke", methods=["POST"])
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
        return redirect(url_for("api_tokens.tokens", slug=slug)), 303
    api.revoke_token(db.session, token)
    flash(f"Revoked “{token.label}”: it no longer works.", "success")
    return redirect(url_for("api_tokens.tokens", slug=slug)), 303
