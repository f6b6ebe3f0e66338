"""The JSON API under /api/v1 on flask-smorest: bearer tokens only, schemas in api_schemas.py.

The API never looks at the session cookie: a browser's cookie would otherwise let another
site's form act through an endpoint that CSRF protection does not cover. Every error is
`{"error": {"code", "message", "fields"}}` with its HTTP status (planner/web/__init__.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import flask_smorest
import sqlalchemy as sa
from flask import Flask, current_app, g, request, url_for
from werkzeug.exceptions import HTTPException

import rules
from planner import media, permissions, planning, tokens, workflow
from planner.db import db, utcnow
from planner.localtime import local_day_bounds, parse_instant
from planner.models import Channel, Post, Status
from planner.web import api_schemas as schemas
from planner.web.errors import TITLES, error_response, http_error, messages_to_fields
from planner.web.security import whole_number

bp = flask_smorest.Blueprint(
    "api", __name__, url_prefix="/api/v1", description="A workspace's content calendar."
)


class Api(flask_smorest.Api):
    """flask-smorest, with its errors in our envelope and its HTTP error handler (which it
    registers app-wide) answering HTML pages outside the API."""

    ERROR_SCHEMA = schemas.Error

    def handle_http_exception(self, error: HTTPException):  # type: ignore[no-untyped-def,override]
        data = getattr(error, "data", None)
        if not data:
            return http_error(error)
        # Our own aborts name fields directly; webargs nests its messages by location.
        fields = dict(data.get("errors") or messages_to_fields(data.get("messages") or {}))
        message = data.get("message")
        if message is None and fields:
            message = "Please correct: " + "; ".join(f"{k}: {v}" for k, v in fields.items())
        status = error.code or 500
        return error_response(
            status,
            TITLES.get(status, error.name),
            message,
            fields=fields,
            headers=data.get("headers"),
        )


def init_app(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Planner API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": (
                    "A workspace's content calendar. Authenticate with a personal API token "
                    "(Authorization: Bearer <token>), made on the workspace's API tokens page; "
                    "it acts with its owner's current role in that one workspace."
                )
            },
            "security": [{"bearerAuth": []}],
        },
    )
    api = Api(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(bp)


def _abort(status: int, message: str, **fields: str) -> None:
    flask_smorest.abort(status, message=message, errors=fields)


@bp.before_request
def _authenticate() -> None:
    if any("\x00" in value for value in request.args.values()):
        _abort(400, "The query contains a NUL character.")
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="planner"'}
    if scheme.lower() != "bearer" or not secret.strip():
        flask_smorest.abort(
            401,
            message="Send a personal API token as 'Authorization: Bearer <token>'.",
            headers=challenge,
        )
    caller = tokens.authenticate(db.session, secret.strip())
    if caller is None:
        flask_smorest.abort(
            401,
            message="That token is unknown, revoked, or its owner left the workspace.",
            headers=challenge,
        )
    g.api_caller = caller
    if request.endpoint == "api.post_media":
        return  # a multipart upload, not JSON
    if request.method in ("POST", "PATCH", "PUT") and not isinstance(
        request.get_json(silent=True), dict
    ):
        _abort(400, "Send a JSON object (Content-Type: application/json).")


def _caller(action: str = "view") -> tokens.Caller:
    caller: tokens.Caller = g.api_caller
    permissions.require(caller.role, action)
    return caller


def _post(caller: tokens.Caller, post_id: int) -> Post:
    post = db.session.get(Post, post_id) if 0 < post_id <= schemas.MAX_ID else None
    # Another workspace's post answers like a missing one: ids leak nothing.
    if post is None or post.workspace_id != caller.workspace.id:
        _abort(404, "There is no post with that id in this workspace.")
    assert post is not None
    return post


def _channel(caller: tokens.Caller, channel_id: int, problems: dict[str, str]) -> Channel | None:
    """The workspace's channel, or None with the problem noted (reported with the others)."""
    channel = db.session.get(Channel, channel_id) if 0 < channel_id <= schemas.MAX_ID else None
    if channel is None or channel.workspace_id != caller.workspace.id:
        problems["channel_id"] = "Pick a channel of this workspace."
        return None
    return channel


def _instant(caller: tokens.Caller, value: str, problems: dict[str, str]) -> datetime | None:
    try:
        return parse_instant(value, caller.workspace.timezone)
    except (ValueError, OverflowError) as error:  # NonexistentLocalTime included
        problems["scheduled_at"] = str(error)
        return None


def _content(
    caller: tokens.Caller, body: dict[str, Any], post: Post | None = None
) -> workflow.PostContent:
    """The post's content from a create or a patch, with every bad field reported at once:
    the channel and the time are read here, the rest is the workflow's content check."""
    problems: dict[str, str] = {}
    channel: Channel | None = post.channel if post is not None else None
    if "channel_id" in body:
        channel = _channel(caller, body["channel_id"], problems)
    scheduled_at = post.scheduled_at if post is not None else None
    if "scheduled_at" in body:
        scheduled_at = _instant(caller, body["scheduled_at"], problems)
    text = body.get("text", post.text if post is not None else "")
    # A new post without a category is the classifier's to decide (create_post).
    category = body.get("category", post.category) if post is not None else body.get("category")
    category = category if post is not None else category or None
    if problems:
        if channel is not None:
            checked = workflow.content_errors(
                channel, text, category, scheduled_at, new=post is None
            )
            problems.update({k: v for k, v in checked.items() if k not in problems})
        raise workflow.InvalidPost(problems)
    assert channel is not None and scheduled_at is not None
    return workflow.PostContent(
        channel,
        text,
        category,
        scheduled_at,
        body.get("reply_to", post.reply_to if post is not None else None),
        body.get("thread", post.thread if post is not None else None),
    )


def _bounds(caller: tokens.Caller, args: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """The from/to days (local, `to` included) as UTC bounds; either may be None."""
    tz = caller.workspace.timezone
    start = end = None
    first: date | None = args.get("start")
    last: date | None = args.get("end")
    try:
        if first is not None:
            start = local_day_bounds(first, first, tz)[0]
        if last is not None:
            end = local_day_bounds(last + timedelta(days=1), last, tz)[0]
    except (ValueError, OverflowError):
        _abort(422, "That date is out of range.", **{"from" if end is None else "to": "a date"})
    if start is not None and end is not None and end <= start:
        _abort(422, "to is before from.", to="on or after from")
    return start, end


@bp.get("/posts")
@bp.arguments(schemas.PostQuery, location="query")
@bp.response(200, schemas.PostPage)
def list_posts(args: dict[str, Any]) -> dict[str, Any]:
    """List posts in time order"""
    caller = _caller()
    start, end = _bounds(caller, args)
    query = sa.select(Post).where(Post.workspace_id == caller.workspace.id)
    if start is not None:
        query = query.where(Post.scheduled_at >= start)
    if end is not None:
        query = query.where(Post.scheduled_at < end)
    if args.get("channel"):
        channel = args["channel"]
        if channel.isdigit() and len(channel) < 11:
            query = query.where(Post.channel_id == int(channel))
        else:
            ids = sa.select(Channel.id).where(
                Channel.workspace_id == caller.workspace.id, Channel.name == channel
            )
            query = query.where(Post.channel_id.in_(ids))
    if args.get("category"):
        query = query.where(Post.category == args["category"])
    if args.get("status"):
        query = query.where(Post.status == Status(args["status"]))
    limit, offset = args["limit"], args["offset"]
    posts = list(
        db.session.scalars(
            query.order_by(Post.scheduled_at, Post.id).offset(offset).limit(limit + 1)
        )
    )
    more = len(posts) > limit
    kept = {k: v for k, v in request.args.items() if k not in ("limit", "offset")}
    next_url = url_for("api.list_posts", **kept, limit=limit, offset=offset + limit)
    return {"posts": posts[:limit], "next": next_url if more else None}


@bp.post("/posts")
@bp.arguments(schemas.PostIn)
@bp.response(201, schemas.Post)
def create_post(body: dict[str, Any]) -> Post:
    """Create a draft"""
    caller = _caller("create_post")
    content = _content(caller, body)
    suggested = None
    if not content.category:
        # The classifier's category when it is sure; uncategorised (null) when it is not.
        suggested = rules.classify(content.text)
        category = None if _abstained(suggested) else suggested.category.value
        content = replace(content, category=category)
    post = workflow.create_post(db.session, caller.user, caller.workspace, content)
    if suggested is not None:
        # Answered beside the post, once: the editor sees what was chosen for them.
        post.suggested_category = _suggestion_json(suggested)  # type: ignore[attr-defined]
    return post


def _abstained(suggested: rules.Suggestion) -> bool:
    return bool(getattr(suggested, "abstained", False))


def _suggestion_json(suggested: rules.Suggestion | None) -> dict[str, Any] | None:
    if suggested is None:
        return None
    return {
        "category": None if _abstained(suggested) else suggested.category.value,
        "suggested": suggested.category.value,
        "confidence": round(suggested.confidence, 2),
        "signals": list(suggested.signals),
    }


@bp.get("/posts/<int:post_id>")
@bp.response(200, schemas.Post)
def get_post(post_id: int) -> Post:
    """One post"""
    return _post(_caller(), post_id)


@bp.patch("/posts/<int:post_id>")
@bp.arguments(schemas.PostPatch)
@bp.response(200, schemas.Post)
def update_post(body: dict[str, Any], post_id: int) -> Post:
    """Edit a post (send the version you read)"""
    caller = _caller("edit_post")
    post = _post(caller, post_id)
    content = _content(caller, body, post)
    return workflow.edit_post(db.session, caller.user, post, body["version"], content)


@bp.post("/posts/<int:post_id>/submit")
@bp.arguments(schemas.Transition)
@bp.response(200, schemas.Post)
def submit(body: dict[str, Any], post_id: int) -> Post:
    """Submit a draft for review"""
    caller = _caller("submit")
    return workflow.submit(db.session, caller.user, _post(caller, post_id), body["version"])


@bp.post("/posts/<int:post_id>/cancel")
@bp.arguments(schemas.Transition)
@bp.response(200, schemas.Post)
def cancel(body: dict[str, Any], post_id: int) -> Post:
    """Cancel a post before it is published"""
    caller = _caller("cancel")
    return workflow.cancel(db.session, caller.user, _post(caller, post_id), body["version"])


@bp.post("/posts/<int:post_id>/approve")
@bp.arguments(schemas.Approval)
@bp.response(200, schemas.Post)
def approve(body: dict[str, Any], post_id: int) -> Post:
    """Approve a post in review"""
    caller = _caller("approve")
    post = _post(caller, post_id)
    return workflow.approve(
        db.session, caller.user, post, body["version"], body.get("override_reason")
    )


@bp.post("/posts/<int:post_id>/request-changes")
@bp.arguments(schemas.ChangesRequested)
@bp.response(200, schemas.Post)
def request_changes(body: dict[str, Any], post_id: int) -> Post:
    """Send a post back to its author with a comment"""
    caller = _caller("request_changes")
    post = _post(caller, post_id)
    return workflow.request_changes(db.session, caller.user, post, body["version"], body["comment"])


@bp.post("/posts/<int:post_id>/reschedule")
@bp.arguments(schemas.Reschedule)
@bp.response(200, schemas.Post)
def reschedule(body: dict[str, Any], post_id: int) -> Post:
    """Move a post to another time"""
    caller = _caller("reschedule")
    post = _post(caller, post_id)
    problems: dict[str, str] = {}
    scheduled_at = _instant(caller, body["scheduled_at"], problems)
    if scheduled_at is None:
        raise workflow.InvalidPost(problems)
    return workflow.reschedule(db.session, caller.user, post, body["version"], scheduled_at)


@bp.get("/channels")
@bp.response(200, schemas.Channels)
def list_channels() -> dict[str, Any]:
    """The workspace's channels"""
    caller = _caller()
    channels = db.session.scalars(
        sa.select(Channel).where(Channel.workspace_id == caller.workspace.id).order_by(Channel.name)
    )
    return {"channels": list(channels)}


@bp.get("/findings")
@bp.arguments(schemas.RangeQuery, location="query")
@bp.response(200, schemas.Findings)
def findings(args: dict[str, Any]) -> dict[str, Any]:
    """Balance findings that overlap a range of local days"""
    caller = _caller()
    start, end = _bounds(caller, args)
    found = planning.findings(db.session, caller.workspace)
    if start is not None or end is not None:
        low = start or min((f.window_start for f in found), default=None)
        high = end or max((f.window_end for f in found), default=None)
        found = planning.overlapping(found, low, high) if low and high else []
    return {"findings": [f.to_json() for f in found]}


@bp.get("/slots")
@bp.arguments(schemas.SlotsQuery, location="query")
@bp.response(200, schemas.Slots)
def slots(args: dict[str, Any]) -> dict[str, Any]:
    """The best next slots for a new post

    The next times (every 30 minutes over the next 14 days, in the workspace timezone) at
    which a post of this category on these channels adds no finding of the cadence, mix or
    coverage rules (quiet hours and staffed hours included), checked by the same rules engine
    as the calendar's findings."""
    caller = _caller()
    wanted = list(dict.fromkeys(args["channel"]))
    found = {
        c.id: c
        for c in db.session.scalars(
            sa.select(Channel).where(
                Channel.workspace_id == caller.workspace.id, Channel.id.in_(wanted)
            )
        )
    }
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        _abort(
            422,
            "Pick channels of this workspace.",
            channel=f"No channel {', '.join(missing)} in this workspace.",
        )
    chosen = [found[i] for i in wanted]
    category = args.get("category")
    at = planning.find_slots(
        db.session, caller.workspace, chosen, category, utcnow(), count=args["count"]
    )
    return {
        "slots": [
            {
                "at": moment.isoformat(),
                "date": moment.date().isoformat(),
                "time": moment.strftime("%H:%M"),
                "label": moment.strftime("%a %d %b %H:%M"),
            }
            for moment in at
        ],
        "timezone": caller.workspace.timezone,
        "channels": [c.name for c in chosen],
        "category": category,
    }


# --- Groups: one post for several channels --------------------------------------------------


@dataclass(frozen=True)
class GroupView:
    id: int
    posts: list[Post]
    suggested_category: dict[str, Any] | None = None


def _group(caller: tokens.Caller, group_id: int) -> list[Post]:
    posts = workflow.variants(db.session, group_id) if 0 < group_id <= schemas.MAX_ID else []
    if not posts or posts[0].workspace_id != caller.workspace.id:
        _abort(404, "There is no group with that id in this workspace.")
    return posts


def _decision(
    caller: tokens.Caller, group_id: int, body: dict[str, Any]
) -> tuple[Post, int, dict[int, int]]:
    """The group's first variant still in review, its version, and every variant's version."""
    posts = [p for p in _group(caller, group_id) if p.status in workflow.IN_GROUP]
    versions = {int(k): v for k, v in body["versions"].items()}
    lead = posts[0] if posts else _group(caller, group_id)[0]
    if lead.id not in versions:
        _abort(422, "Send the version of every variant.", versions=f"missing post {lead.id}")
    return lead, versions[lead.id], versions


@bp.post("/groups")
@bp.arguments(schemas.GroupIn)
@bp.response(201, schemas.Group)
def create_group(body: dict[str, Any]) -> GroupView:
    """Create a draft for several channels at once"""
    caller = _caller("create_post")
    problems: dict[str, str] = {}
    found = [_channel(caller, channel_id, problems) for channel_id in body["channel_ids"]]
    channels = [c for c in found if c is not None]
    own = {int(k): v for k, v in body["variants"].items()}
    if set(own) - set(body["channel_ids"]):
        problems["variants"] = "A variant is for a channel that is not picked."
    scheduled_at = _instant(caller, body["scheduled_at"], problems)
    if problems:
        raise workflow.InvalidPost(problems)
    assert scheduled_at is not None
    category = body.get("category")
    suggested = None
    if not category:
        suggested = rules.classify(body["text"])
        category = None if _abstained(suggested) else suggested.category.value
    contents = [
        workflow.PostContent(
            c,
            own.get(c.id, body["text"]),
            category,
            scheduled_at,
            body.get("reply_to"),
            body.get("thread"),
        )
        for c in channels
    ]
    posts = workflow.create_group(db.session, caller.user, caller.workspace, contents)
    return GroupView(posts[0].group_id, posts, _suggestion_json(suggested))


@bp.get("/groups/<int:group_id>")
@bp.response(200, schemas.Group)
def get_group(group_id: int) -> GroupView:
    """A group and its variants"""
    return GroupView(group_id, _group(_caller(), group_id))


def _decide(group_id: int, body: dict[str, Any], name: str) -> GroupView:
    """One review decision on a whole group, with the version of every variant."""
    caller = _caller(name)
    lead, version, versions = _decision(caller, group_id, body)
    if name == "approve":
        workflow.approve(
            db.session, caller.user, lead, version, body.get("override_reason"), versions
        )
    elif name == "request_changes":
        workflow.request_changes(db.session, caller.user, lead, version, body["comment"], versions)
    else:
        getattr(workflow, name)(db.session, caller.user, lead, version, versions)
    return GroupView(group_id, _group(caller, group_id))


@bp.post("/groups/<int:group_id>/submit")
@bp.arguments(schemas.GroupDecision)
@bp.response(200, schemas.Group)
def submit_group(body: dict[str, Any], group_id: int) -> GroupView:
    """Submit a whole group for review"""
    return _decide(group_id, body, "submit")


@bp.post("/groups/<int:group_id>/withdraw")
@bp.arguments(schemas.GroupDecision)
@bp.response(200, schemas.Group)
def withdraw_group(body: dict[str, Any], group_id: int) -> GroupView:
    """Take a whole group out of review"""
    return _decide(group_id, body, "withdraw")


@bp.post("/groups/<int:group_id>/approve")
@bp.arguments(schemas.GroupDecision)
@bp.response(200, schemas.Group)
def approve_group(body: dict[str, Any], group_id: int) -> GroupView:
    """Approve a whole group, in one decision"""
    return _decide(group_id, body, "approve")


@bp.post("/groups/<int:group_id>/request-changes")
@bp.arguments(schemas.GroupDecision)
@bp.response(200, schemas.Group)
def request_group_changes(body: dict[str, Any], group_id: int) -> GroupView:
    """Send a whole group back to its author with a comment"""
    return _decide(group_id, body, "request_changes")


UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "version"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "JPEG, PNG, WebP, GIF or MP4 (sniffed from the bytes).",
                    },
                    "version": {"type": "string", "description": "The version you last read."},
                    "alt_text": {"type": "string", "description": "Needed for images."},
                },
            }
        }
    },
}


@bp.post("/posts/<int:post_id>/media")
@bp.doc(requestBody=UPLOAD_BODY)
@bp.response(201, schemas.MediaItem)
def post_media(post_id: int) -> Any:
    """Attach an image or video to the post's group (multipart; an edit: it revokes the
    group's approval)"""
    caller = _caller("edit_post")
    post = _post(caller, post_id)
    problems: dict[str, str] = {}
    version = whole_number(request.form.get("version"))
    if version is None or version < 1:
        problems["version"] = "The version you last read, a whole number."
    file = request.files.get("file")
    alt_text = request.form.get("alt_text", "")
    if "\x00" in alt_text:
        problems["alt_text"] = "contains a NUL character"
    prepared = None
    if file is None or not file.filename:
        problems["file"] = "Send the file as the multipart field 'file'."
    else:
        try:
            prepared = media.prepare(file.read(), file.filename)
        except media.MediaRefused as error:
            problems["file"] = str(error)
    if problems or prepared is None or version is None:
        raise workflow.InvalidPost(problems)
    try:
        return workflow.add_media(
            db.session,
            caller.user,
            post,
            version,
            prepared,
            media.store_for(current_app.config),
            alt_text,
        )
    except workflow.InvalidPost as error:
        raise workflow.InvalidPost(
            {("file" if k == "media" else k): v for k, v in error.errors.items()}
        ) from error
