"""Composer, post page, and the post's actions (edit, move, duplicate, cancel, review)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

import rules
from planner import planning, workflow
from planner.db import db, utcnow
from planner.localtime import NonexistentLocalTime, local, to_utc
from planner.models import AuditEvent, Channel, Comment, Post
from planner.web.access import (
    Access,
    channel_in,
    channels_of,
    post_in,
    workspace_access,
)
from planner.web.errors import json_error
from planner.web.forms import ActionForm, CommentForm, MoveForm, PostForm, channel_choices
from planner.web.security import safe_next, whole_number
from rules.model import CATEGORY_DEFINITIONS, TEXT_LIMITS, Category

bp = Blueprint("posts", __name__, url_prefix="/w/<slug>/posts")


def _composer(form: PostForm, access: Access, channels: list[Channel], **extra):  # type: ignore[no-untyped-def]
    return access.render(
        "posts/compose.html",
        form=form,
        channels=channels,
        limits=TEXT_LIMITS,
        definitions=CATEGORY_DEFINITIONS,
        categories=list(Category),
        **extra,
    )


def _scheduled_at(form: PostForm | MoveForm, tz: str) -> datetime | None:
    """The form's local date and time as a UTC instant, or None with a field error set."""
    try:
        return to_utc(form.date.data, form.time.data, tz)
    except NonexistentLocalTime as error:
        form.time.errors = [*form.time.errors, str(error)]
        return None


def _content(
    form: PostForm, access: Access, channels: list[Channel]
) -> workflow.PostContent | None:
    scheduled_at = _scheduled_at(form, access.workspace.timezone)
    channel = next((c for c in channels if c.id == form.channel_id.data), None)
    if channel is None:
        form.channel_id.errors = [*form.channel_id.errors, "Pick a channel of this workspace."]
    if channel is not None and scheduled_at is None:
        # Show every problem at once, not the time first and the text on the next try.
        text, category = form.text.data or "", form.category.data or ""
        errors = workflow.content_errors(channel, text, category, None, new=False)
        _show_field_errors(form, workflow.InvalidPost(errors))
    if scheduled_at is None or channel is None:
        return None
    return workflow.PostContent(
        channel, form.text.data or "", form.category.data or "", scheduled_at
    )


def _show_field_errors(form: PostForm | MoveForm, error: workflow.InvalidPost) -> None:
    fields = {"scheduled_at": "time", "channel_id": "channel_id"}
    for name, message in error.errors.items():
        field = getattr(form, fields.get(name, name), None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "create_post")
    channels = channels_of(access)
    form = PostForm()
    form.channel_id.choices = channel_choices(channels)
    if request.method == "GET":
        form.creation_key.data = uuid.uuid4().hex
        _prefill_time(form, access)
        channel_id = whole_number(request.args.get("channel"))
        if channel_id is not None:
            form.channel_id.data = channel_id
    if not channels:
        flash("Add a channel first: posts go out on a channel.", "info")
    if form.validate_on_submit():
        content = _content(form, access, channels)
        if content is not None:
            try:
                post = workflow.create_post(
                    db.session,
                    current_user,
                    access.workspace,
                    content,
                    creation_key=form.creation_key.data or None,
                )
            except workflow.InvalidPost as error:
                _show_field_errors(form, error)
            else:
                flash(f"Saved as a draft for {_when(post, access)}.", "success")
                return redirect(url_for("posts.show", slug=slug, post_id=post.id))
    status = 422 if request.method == "POST" else 200
    return _composer(form, access, channels, post=None), status


def _prefill_time(form: PostForm, access: Access) -> None:
    raw_date = request.args.get("date")
    raw_time = request.args.get("time")
    suggestion = local(utcnow() + timedelta(hours=1), access.workspace.timezone)
    try:
        form.date.data = datetime.fromisoformat(raw_date).date() if raw_date else suggestion.date()
    except ValueError:
        form.date.data = suggestion.date()
    try:
        form.time.data = (
            datetime.strptime(raw_time, "%H:%M").time()
            if raw_time
            else suggestion.time().replace(minute=0, second=0, microsecond=0)
        )
    except ValueError:
        form.time.data = suggestion.time().replace(second=0, microsecond=0)


def kept_comment() -> dict[str, object]:
    """A request-changes comment that could not be saved, to fill back in once."""
    return session.pop("kept_comment", None) or {}


def _when(post: Post, access: Access) -> str:
    at = local(post.scheduled_at, access.workspace.timezone)
    return f"{at:%a %d %b %Y %H:%M} {access.workspace.timezone}"


@bp.route("/<int:post_id>")
@login_required
def show(slug: str, post_id: int):  # type: ignore[no-untyped-def]
    access = workspace_access(slug)
    post = post_in(access, post_id)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.post_id == post.id).order_by(AuditEvent.id)
    ).all()
    comments = db.session.scalars(
        sa.select(Comment)
        .where(Comment.post_id == post.id)
        .order_by(Comment.created_at, Comment.id)
    ).all()
    return access.render(
        "posts/show.html",
        post=post,
        events=events,
        comments=comments,
        local_at=local(post.scheduled_at, access.workspace.timezone),
        action_form=ActionForm(version=post.version),
        comment_form=CommentForm(),
        kept_comment=kept_comment(),
        definitions=CATEGORY_DEFINITIONS,
        editable=post.status in workflow.EDITABLE,
        post_findings=planning.by_post(planning.findings(db.session, access.workspace)).get(
            post.id, []
        ),
    )


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, post_id: int):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "edit_post")
    post = post_in(access, post_id)
    channels = channels_of(access)
    form = PostForm()
    form.channel_id.choices = channel_choices(channels)
    conflict = None
    if request.method == "GET":
        at = local(post.scheduled_at, access.workspace.timezone)
        form.channel_id.data, form.text.data, form.category.data = (
            post.channel_id,
            post.text,
            post.category,
        )
        form.date.data, form.time.data, form.version.data = at.date(), at.time(), post.version
    elif post.status not in workflow.EDITABLE:
        flash(f"A {post.status.label} post cannot be edited.", "error")
    elif form.validate_on_submit():
        content = _content(form, access, channels)
        if content is not None:
            try:
                expected = int(form.version.data or 0)
                workflow.edit_post(db.session, current_user, post, expected, content)
            except workflow.StaleVersion as error:
                db.session.refresh(post)
                conflict = str(error)
                # Saving again is a conscious choice to replace their version with yours.
                form.version.data = post.version
            except workflow.InvalidPost as error:
                _show_field_errors(form, error)
            except (workflow.TransitionNotAllowed, workflow.PermissionDenied) as error:
                flash(str(error), "error")
            else:
                flash("Saved.", "success")
                return redirect(url_for("posts.show", slug=slug, post_id=post.id))
    status = 200 if request.method == "GET" else (409 if conflict else 422)
    return _composer(
        form,
        access,
        channels,
        post=post,
        conflict=conflict,
        at_stake=workflow.approval_at_stake(post),
    ), status


@bp.route("/<int:post_id>/move", methods=["GET", "POST"])
@login_required
def move(slug: str, post_id: int):  # type: ignore[no-untyped-def]
    """The keyboard path for dragging a post: pick a date and time."""
    access = workspace_access(slug, "reschedule")
    post = post_in(access, post_id)
    form = MoveForm()
    if request.method == "GET":
        at = local(post.scheduled_at, access.workspace.timezone)
        form.date.data, form.time.data, form.version.data = at.date(), at.time(), post.version
    elif form.validate_on_submit():
        scheduled_at = _scheduled_at(form, access.workspace.timezone)
        if scheduled_at is not None:
            try:
                workflow.reschedule(db.session, current_user, post, form.version.data, scheduled_at)
            except workflow.InvalidPost as error:
                _show_field_errors(form, error)
            except workflow.WorkflowError as error:
                db.session.refresh(post)
                flash(str(error), "error")
            else:
                flash(f"Moved to {_when(post, access)}.", "success")
                return redirect(_back_to_calendar(slug, post, access))
    status = 200 if request.method == "GET" else 422
    return access.render(
        "posts/move.html",
        form=form,
        post=post,
        at_stake=workflow.approval_at_stake(post),
    ), status


def _back_to_calendar(slug: str, post: Post, access: Access) -> str:
    day = local(post.scheduled_at, access.workspace.timezone).date()
    return url_for("calendar.week", slug=slug, date=day.isoformat()) + f"#post-{post.id}"


@bp.route("/<int:post_id>/reschedule", methods=["POST"])
@login_required
def reschedule_json(slug: str, post_id: int):  # type: ignore[no-untyped-def]
    """JSON endpoint behind drag and drop: {"version", "date": "YYYY-MM-DD", "time": "HH:MM"}."""
    access = workspace_access(slug, "reschedule")
    post = post_in(access, post_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(400, "Send a JSON object with version, date and time.")
    try:
        version = int(body["version"])
        day = datetime.strptime(str(body["date"]), "%Y-%m-%d").date()
        clock = datetime.strptime(str(body["time"]), "%H:%M").time()
    except (KeyError, TypeError, ValueError):
        return json_error(
            400, "version (a number), date (YYYY-MM-DD) and time (HH:MM) are required."
        )
    try:
        scheduled_at = to_utc(day, clock, access.workspace.timezone)
    except NonexistentLocalTime as error:
        return json_error(422, str(error), {"time": str(error)})
    # Workflow errors answer through the one table of planner/web/errors.py.
    workflow.reschedule(db.session, current_user, post, version, scheduled_at)
    return jsonify(
        id=post.id,
        version=post.version,
        status=str(post.status),
        scheduled_at=post.scheduled_at.isoformat(),
        local=_when(post, access),
        message=f"Moved to {_when(post, access)}.",
    )


@bp.route("/check-draft", methods=["POST"])
@login_required
def check_draft(slug: str):  # type: ignore[no-untyped-def]
    """The composer's live check: the category suggestion and what saving would change in
    the plan's findings. {"post_id"?, "channel_id", "text", "category"?, "date", "time"}."""
    access = workspace_access(slug, "create_post")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(400, "Send a JSON object with channel_id, text, date and time.")
    text = str(body.get("text") or "")
    suggestion = rules.classify(text) if text.strip() else None
    answer: dict[str, object] = {
        "suggestion": None
        if suggestion is None
        else {
            "category": suggestion.category.value,
            "confidence": round(suggestion.confidence, 2),
            "signals": list(suggestion.signals),
        },
        "added": [],
        "cleared": [],
    }
    try:
        channel = channel_in(access, int(body["channel_id"]))
        day = datetime.strptime(str(body["date"]), "%Y-%m-%d").date()
        clock = datetime.strptime(str(body["time"]), "%H:%M").time()
        at = to_utc(day, clock, access.workspace.timezone)
    except (KeyError, TypeError, ValueError) as error:
        # Not enough to place the post yet: the suggestion alone is still useful.
        answer["note"] = (
            str(error)
            if isinstance(error, NonexistentLocalTime)
            else "Pick a channel, date and time to see how the post changes the plan."
        )
        return jsonify(answer)
    post = None
    post_id = whole_number(str(body.get("post_id") or ""))
    if post_id is not None:
        post = post_in(access, post_id)
    item = planning.draft_item(
        post.id if post else "draft", channel, text, body.get("category"), at
    )
    report = planning.check_draft(db.session, access.workspace, post, item)
    answer["added"] = [_finding_json(f) for f in report.added]
    answer["cleared"] = [_finding_json(f) for f in report.cleared]
    return jsonify(answer)


def _finding_json(finding: rules.Finding) -> dict[str, object]:
    return {**finding.to_json(), "post_ids": [str(p) for p in finding.post_ids]}


@bp.route("/<int:post_id>/duplicate", methods=["POST"])
@login_required
def duplicate(slug: str, post_id: int):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "duplicate")
    post = post_in(access, post_id)
    try:
        copy = workflow.duplicate(db.session, current_user, post)
    except workflow.WorkflowError as error:
        flash(str(error), "error")
        return redirect(url_for("posts.show", slug=slug, post_id=post.id))
    flash(f"Copied as a new draft for {_when(copy, access)}; change what you need.", "success")
    return redirect(url_for("posts.edit", slug=slug, post_id=copy.id))


TRANSITIONS = {
    "cancel": (workflow.cancel, "Cancelled: it will not be published."),
    "submit": (workflow.submit, "Submitted for review."),
    "withdraw": (workflow.withdraw, "Withdrawn from review; it is a draft again."),
    "approve": (workflow.approve, "Approved: it will be published at its time."),
    "retry": (workflow.retry, "Sent again: it will be published as soon as a worker takes it."),
}


@bp.route("/<int:post_id>/<any(cancel, submit, withdraw, approve, retry):action>", methods=["POST"])
@login_required
def transition(slug: str, post_id: int, action: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, action)
    post = post_in(access, post_id)
    form = ActionForm()
    if not form.validate_on_submit():
        flash("That button's form was incomplete; reload the page and try again.", "error")
        return redirect(url_for("posts.show", slug=slug, post_id=post.id)), 303
    function, message = TRANSITIONS[action]
    try:
        if action == "approve":
            reason = request.form.get("override_reason")
            workflow.approve(db.session, current_user, post, form.version.data, reason)
        else:
            function(db.session, current_user, post, form.version.data)
    except workflow.WorkflowError as error:
        flash(str(error), "error")
    else:
        flash(message, "success")
    return redirect(url_for("posts.show", slug=slug, post_id=post.id)), 303


@bp.route("/<int:post_id>/request-changes", methods=["POST"])
@login_required
def request_changes(slug: str, post_id: int):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "request_changes")
    post = post_in(access, post_id)
    form = ActionForm()
    comment = request.form.get("comment", "")
    back = safe_next(request.form.get("next"), url_for("posts.show", slug=slug, post_id=post.id))
    if form.validate_on_submit():
        try:
            workflow.request_changes(db.session, current_user, post, form.version.data, comment)
        except workflow.WorkflowError as error:
            flash(f"Post #{post.id}: {error}", "error")
            # Keep what the approver wrote; the page they return to fills it back in.
            session["kept_comment"] = {"post": post.id, "text": comment}
        else:
            flash(f"Post #{post.id} went back to its author with your comment.", "success")
    return redirect(back), 303


@bp.route("/<int:post_id>/comments", methods=["POST"])
@login_required
def comment(slug: str, post_id: int):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "comment")
    post = post_in(access, post_id)
    form = CommentForm()
    if form.validate_on_submit():
        workflow.add_comment(db.session, current_user, post, form.body.data or "")
        flash("Comment added.", "success")
    else:
        flash("Write a comment first.", "error")
    return redirect(url_for("posts.show", slug=slug, post_id=post.id) + "#comments"), 303
