"""Composer, post page, and the post's actions (edit, move, duplicate, cancel, review)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import redis
import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer

import rules
from planner import link_previews, media, planning, previews, queue, workflow
from planner.db import db, utcnow
from planner.localtime import NonexistentLocalTime, local, parse_day, to_utc
from planner.models import AuditEvent, Channel, Comment, Media, Post, Status
from planner.web.access import (
    Access,
    channel_in,
    channels_of,
    post_in,
    workspace_access,
)
from planner.web.errors import json_error
from planner.web.forms import (
    ActionForm,
    CommentForm,
    ComposeForm,
    MoveForm,
    PostFields,
    PostForm,
    channel_choices,
)
from planner.web.security import safe_next, version_pairs, whole_number
from planner.web.ui import UNDO_OFFERED_SECONDS, offer_undo
from rules.model import CATEGORY_DEFINITIONS, TEXT_LIMITS, Category
from rules.preview import first_link

bp = Blueprint("posts", __name__, url_prefix="/w/<slug>/posts")


def _composer(form: PostForm | ComposeForm, access: Access, channels: list[Channel], **extra):  # type: ignore[no-untyped-def]
    variant_texts = extra.pop("variant_texts", {})
    post = extra.get("post")
    if isinstance(form, ComposeForm):
        chosen = [c for c in channels if c.id in (form.channel_ids.data or [])]
        pairs = [(c, variant_texts.get(c.id) or form.text.data or "") for c in chosen]
    else:
        chosen = [c for c in channels if c.id == form.channel_id.data]
        pairs = [(c, form.text.data or "") for c in chosen]
    return access.render(
        "posts/compose.html",
        form=form,
        channels=channels,
        limits=TEXT_LIMITS,
        definitions=CATEGORY_DEFINITIONS,
        categories=list(Category),
        variant_texts=variant_texts,
        variant_errors=extra.pop("variant_errors", {}),
        previews=_preview_items(access, pairs, post),
        **extra,
    )


def _preview_items(
    access: Access, pairs: list[tuple[Channel, str]], post: Post | None = None
) -> list[dict[str, object]]:
    """Each (channel, text)'s network preview, with the Refetch address of a saved post's
    link card for those who may edit it."""
    refetch = (
        url_for("posts.refetch_link", slug=access.workspace.slug, post_id=post.id)
        if post is not None and access.can("edit_post")
        else None
    )
    shown = previews.for_texts(db.session, access.workspace, pairs)
    return [{"preview": p, "refetch_url": refetch} for p in shown]


def media_url(access: Access) -> previews.MediaUrl:
    """Where the pages show a post's files (members only: planner/web/media.py)."""
    slug = access.workspace.slug

    def url(post: Post, row: Media, which: str) -> str:
        return url_for("media.serve", slug=slug, post_id=post.id, media_id=row.id, which=which)

    return url


def post_previews(access: Access, posts: list[Post]) -> list[dict[str, object]]:
    """The network previews of saved posts (a group's variants), with each one's Refetch."""
    shown = previews.for_posts(db.session, access.workspace, posts, media_url(access))
    may_edit = access.can("edit_post")
    return [
        {
            "preview": shown[p.id],
            "post": p,
            "refetch_url": url_for("posts.refetch_link", slug=access.workspace.slug, post_id=p.id)
            if may_edit
            else None,
        }
        for p in posts
    ]


def _scheduled_at(form: PostFields | MoveForm, tz: str) -> datetime | None:
    """The form's local date and time as a UTC instant, or None with a field error set."""
    try:
        return to_utc(form.date.data, form.time.data, tz)
    except NonexistentLocalTime as error:
        form.time.errors = [*form.time.errors, str(error)]
        return None


def _category(form: PostFields) -> str:
    """The category chosen, or the classifier's when the editor left it empty and the
    classifier is sure (the composer shows and pre-selects it); otherwise "" with the
    editor asked to pick one."""
    if form.category.data:
        return form.category.data
    suggestion = rules.classify(form.text.data or "") if (form.text.data or "").strip() else None
    if suggestion is None or getattr(suggestion, "abstained", False):
        if "Pick a category." not in form.category.errors:
            form.category.errors = [*form.category.errors, "Pick a category."]
        return ""
    return suggestion.category.value


def _content(
    form: PostForm, access: Access, channels: list[Channel]
) -> workflow.PostContent | None:
    scheduled_at = _scheduled_at(form, access.workspace.timezone)
    channel = next((c for c in channels if c.id == form.channel_id.data), None)
    if channel is None:
        form.channel_id.errors = [*form.channel_id.errors, "Pick a channel of this workspace."]
    category = _category(form)
    if channel is not None and scheduled_at is None:
        # Show every problem at once, not the time first and the text on the next try.
        errors = workflow.content_errors(channel, form.text.data or "", category, None, new=False)
        _show_field_errors(form, workflow.InvalidPost(errors))
    if scheduled_at is None or channel is None:
        return None
    return workflow.PostContent(
        channel,
        form.text.data or "",
        category,
        scheduled_at,
        (form.reply_to.data or "").strip() or None,
        (form.thread.data or "").strip() or None,
    )


def _variant_texts(channel_ids: list[int]) -> dict[int, str]:
    """The texts of their own that the editor gave some channels (empty: the shared text)."""
    texts = {}
    for channel_id in channel_ids:
        own = request.form.get(f"variant-{channel_id}", "")
        if own.strip():
            texts[channel_id] = own
    return texts


def _group_contents(
    form: ComposeForm, access: Access, channels: list[Channel]
) -> tuple[list[workflow.PostContent] | None, dict[int, str], dict[int, str]]:
    """A PostContent per chosen channel (its own text or the shared one), or None with the
    problems set on the form; the texts of their own, to fill back in; and the problems of
    each channel's text."""
    chosen = [c for c in channels if c.id in (form.channel_ids.data or [])]
    own = _variant_texts([c.id for c in chosen])
    if not chosen:
        form.channel_ids.errors = [*form.channel_ids.errors, "Pick at least one channel."]
    scheduled_at = _scheduled_at(form, access.workspace.timezone)
    category = _category(form)
    reply_to = (form.reply_to.data or "").strip() or None
    thread = (form.thread.data or "").strip() or None
    contents = [
        workflow.PostContent(
            c, own.get(c.id, form.text.data or ""), category, scheduled_at, reply_to, thread
        )
        for c in chosen
    ]
    if scheduled_at is None or not chosen:
        # Show every problem at once, not the time first and the text on the next try.
        problems: dict[str, str] = {}
        for content in contents:
            errors = workflow.content_errors(
                content.channel, content.text, category, None, new=False
            )
            for name, message in errors.items():
                key = name if len(contents) == 1 else f"{name}:{content.channel.id}"
                problems[key] = (
                    message if len(contents) == 1 else f"{content.channel.name}: {message}"
                )
        return None, own, _show_field_errors(form, workflow.InvalidPost(problems))
    return contents, own, {}


def _show_field_errors(form: PostFields | MoveForm, error: workflow.InvalidPost) -> dict[int, str]:
    """Field errors onto the form; those of one channel's variant ("text:<channel id>")
    are returned by channel id, for the composer to show beside that variant."""
    fields = {"scheduled_at": "time", "channel_id": "channel_id"}
    by_channel: dict[int, str] = {}
    for name, message in error.errors.items():
        field_name, _, channel_id = name.partition(":")
        if channel_id.isdecimal():
            if field_name == "text":
                by_channel[int(channel_id)] = message
                continue
            # Shared by every variant (category, time): said once, without the channel.
            message = message.split(": ", 1)[-1]
        if field_name == "channel_id" and isinstance(form, ComposeForm):
            field_name = "channel_ids"
        field = getattr(form, fields.get(field_name, field_name), None)
        if field is not None:
            if message not in field.errors:
                field.errors = [*field.errors, message]
        else:
            flash(message, "error")
    return by_channel


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(slug: str):  # type: ignore[no-untyped-def]
    """The composer: one post for one or several channels (a group), each channel's text the
    shared one unless the editor customises it."""
    access = workspace_access(slug, "create_post")
    channels = channels_of(access)
    formdata = request.form.copy() if request.method == "POST" else None
    if formdata is not None and "channel_ids" not in formdata and formdata.get("channel_id"):
        # One channel, as the composer sent it before groups (and scripts may still).
        formdata.setlist("channel_ids", [formdata["channel_id"]])
    form = ComposeForm(formdata=formdata)
    form.channel_ids.choices = channel_choices(channels)
    variant_texts: dict[int, str] = {}
    variant_errors: dict[int, str] = {}
    if request.method == "GET":
        form.creation_key.data = uuid.uuid4().hex
        _prefill_time(form, access)
        channel_id = whole_number(request.args.get("channel"))
        if channel_id is not None:
            form.channel_ids.data = [channel_id]
        elif len(channels) == 1:
            form.channel_ids.data = [channels[0].id]
    if not channels:
        flash("Add a channel first: posts go out on a channel.", "info")
    attachment = Attachment.from_request(access) if request.method == "POST" else Attachment()
    if request.method == "POST" and _finding_a_time():
        variant_texts = _variant_texts(list(form.channel_ids.data or []))
        proposals = _find_or_take_slot(form, access, channels, list(form.channel_ids.data or []))
        return _composer(
            form,
            access,
            channels,
            post=None,
            variant_texts=variant_texts,
            variant_errors={},
            proposals=proposals,
            find_time_done=True,
            attachment=attachment,
        ), 200
    if request.method == "POST" and request.form.get("action") == "preview":
        # Without JavaScript, "Show previews" renders the composer again with its previews.
        form.validate()
        variant_texts = _variant_texts(list(form.channel_ids.data or []))
        return _composer(
            form, access, channels, post=None, variant_texts=variant_texts, attachment=attachment
        )
    if form.validate_on_submit():
        contents, variant_texts, variant_errors = _group_contents(form, access, channels)
        if contents is not None and attachment.problem is None:
            attachment.check([c.channel.network for c in contents])
        if contents is not None and attachment.problem is None:
            try:
                posts = workflow.create_group(
                    db.session,
                    current_user,
                    access.workspace,
                    contents,
                    creation_key=form.creation_key.data or None,
                )
            except workflow.InvalidPost as error:
                variant_errors = _show_field_errors(form, error)
            else:
                where = "" if len(posts) == 1 else f" on {len(posts)} channels"
                attachment.attach(posts[0])
                flash(f"Saved as a draft{where} for {_when(posts[0], access)}.", "success")
                return redirect(url_for("posts.show", slug=slug, post_id=posts[0].id))
    elif request.method == "POST":
        variant_texts = _variant_texts(list(form.channel_ids.data or []))
        _category(form)
    status = 422 if request.method == "POST" else 200
    return _composer(
        form,
        access,
        channels,
        post=None,
        variant_texts=variant_texts,
        variant_errors=variant_errors,
        attachment=attachment,
    ), status


class Attachment:
    """The file the composer sends with a new post, and its alt text. A file that came with
    a form shown again (another field had a problem) is kept in the media store under a
    signed token, so the editor does not choose it again; it is attached once the post is
    saved."""

    SALT = "planner-media-pending"
    MAX_AGE = 24 * 3600

    def __init__(self) -> None:
        self.alt_text = ""
        self.problem: str | None = None
        self.token: str | None = None
        self.pending: dict[str, object] | None = None

    @classmethod
    def from_request(cls, access: Access) -> Attachment:
        self = cls()
        self.alt_text = request.form.get("media_alt", "")
        signer = URLSafeTimedSerializer(current_app.secret_key or "", salt=cls.SALT)
        file = request.files.get("media_file")
        if file is not None and file.filename:
            try:
                prepared = media.prepare(file.read(), file.filename)
            except media.MediaRefused as error:
                self.problem = str(error)
                return self
            store = media.store_for(current_app.config)
            key = media.new_key(access.workspace.id, prepared.extension, pending=True)
            store.put(key, prepared.data, prepared.mime_type)
            thumbnail = None
            if prepared.thumbnail is not None:
                extension = "png" if prepared.thumbnail_type == "image/png" else "jpg"
                thumbnail = media.new_key(
                    access.workspace.id, extension, thumbnail=True, pending=True
                )
                store.put(thumbnail, prepared.thumbnail, prepared.thumbnail_type or "")
            self.pending = {
                "w": access.workspace.id,
                "key": key,
                "thumbnail": thumbnail,
                "mime_type": prepared.mime_type,
                "kind": prepared.kind,
                "width": prepared.width,
                "height": prepared.height,
                "duration_ms": prepared.duration_ms,
                "filename": prepared.filename,
                "thumbnail_type": prepared.thumbnail_type,
            }
            self.token = signer.dumps(self.pending)
            return self
        token = request.form.get("media_pending", "")
        if token:
            try:
                pending = signer.loads(token, max_age=cls.MAX_AGE)
            except BadSignature:
                self.problem = "The file chosen earlier has expired; choose it again."
                return self
            if isinstance(pending, dict) and pending.get("w") == access.workspace.id:
                self.pending, self.token = pending, token
        return self

    @property
    def filename(self) -> str:
        return str((self.pending or {}).get("filename") or "")

    def _prepared(self) -> media.Prepared | None:
        if not self.pending:
            return None
        store = media.store_for(current_app.config)
        try:
            data = store.get(str(self.pending["key"]))
            thumbnail = (
                store.get(str(self.pending["thumbnail"])) if self.pending["thumbnail"] else None
            )
        except (media.MediaMissing, ValueError):
            self.problem = "The file chosen earlier is gone; choose it again."
            return None
        p = self.pending
        return media.Prepared(
            data,
            str(p["mime_type"]),
            str(p["kind"]),
            p["width"],  # type: ignore[arg-type]
            p["height"],  # type: ignore[arg-type]
            p["duration_ms"],  # type: ignore[arg-type]
            thumbnail,
            p.get("thumbnail_type"),  # type: ignore[arg-type]
            self.filename,
        )

    def check(self, networks: list[str]) -> None:
        """Say now (beside the field) what a network would refuse, before the post is made."""
        prepared = self._prepared()
        if prepared is None:
            return
        label = prepared.filename or prepared.kind
        item = media.Item(
            label, prepared.kind, prepared.mime_type, prepared.size,
            prepared.width, prepared.height, prepared.duration_ms,
        )  # fmt: skip
        problems = media.item_problems(item, networks)
        if len(self.alt_text.strip()) > workflow.ALT_TEXT_MAX:
            problems.append(f"Keep alt text within {workflow.ALT_TEXT_MAX:,} characters.")
        if problems:
            self.problem = " ".join(problems)

    def attach(self, post: Post) -> None:
        """Attach the kept file to the new post; a problem is flashed (the post is saved)."""
        prepared = self._prepared()
        if prepared is None:
            return
        store = media.store_for(current_app.config)
        try:
            workflow.add_media(
                db.session, current_user, post, post.version, prepared, store, self.alt_text
            )
        except workflow.WorkflowError as error:
            flash(f"The post is saved, without its file: {error}", "error")
            return
        for key in (self.pending or {}).get("key"), (self.pending or {}).get("thumbnail"):
            if key:
                store.delete(str(key))


def _prefill_time(form: PostFields, access: Access) -> None:
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


def _group_others(post: Post) -> list[Post]:
    """The other variants of the post's group still in review or publishing."""
    return [
        p
        for p in workflow.variants(db.session, post.group_id)
        if p.id != post.id and p.status in workflow.IN_GROUP
    ]


def _seen_versions() -> dict[int, int]:
    """The versions of the other variants the form showed ("v-<post id>")."""
    seen = {}
    for name, value in request.form.items():
        post_id = whole_number(name.removeprefix("v-")) if name.startswith("v-") else None
        version = whole_number(value)
        if post_id is not None and version is not None:
            seen[post_id] = version
    return seen


def _when(post: Post, access: Access) -> str:
    at = local(post.scheduled_at, access.workspace.timezone)
    return f"{at:%a %d %b %Y %H:%M} {access.workspace.timezone}"


@bp.route("/<int:post_id>")
@login_required
def show(slug: str, post_id: int):  # type: ignore[no-untyped-def]
    access = workspace_access(slug)
    post = post_in(access, post_id)
    return show_page(access, post)


def show_page(access: Access, post: Post, status: int = 200, **extra):  # type: ignore[no-untyped-def]
    """The post page; `extra` carries what a media form sent back (its problems, the alt
    texts typed) when it is shown again with them."""
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.post_id == post.id).order_by(AuditEvent.id)
    ).all()
    comments = db.session.scalars(
        sa.select(Comment)
        .where(Comment.post_id == post.id)
        .order_by(Comment.created_at, Comment.id)
    ).all()
    kept = session.pop("media_problem", None) or {}
    if kept.get("post") == post.id and "media_problems" not in extra:
        extra["media_problems"] = {"media": kept.get("text", "")}
    page = access.render(
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
        group_others=_group_others(post),
        previews=post_previews(access, [post, *_group_others(post)]),
        may_approve=workflow.may_approve(db.session, current_user, post),
        post_findings=planning.by_post(planning.findings(db.session, access.workspace)).get(
            post.id, []
        ),
        media=workflow.group_media(db.session, post.group_id),
        media_problems=extra.pop("media_problems", {}),
        media_notes=workflow.media_notes(db.session, post),
        kept_alt=extra.pop("kept_alt", {}),
        kept_upload_alt=extra.pop("kept_upload_alt", ""),
        **extra,
    )
    return page, status


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, post_id: int):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "edit_post")
    post = post_in(access, post_id)
    channels = channels_of(access)
    form = PostForm()
    form.channel_id.choices = channel_choices(channels)
    conflict = None

    def again(**extra):  # type: ignore[no-untyped-def]
        """The edit page as sent, with what is at stake and the group's other variants."""
        return _composer(
            form,
            access,
            channels,
            post=post,
            at_stake=workflow.approval_at_stake(post),
            group_others=_group_others(post),
            **extra,
        )

    if request.method == "GET":
        at = local(post.scheduled_at, access.workspace.timezone)
        form.channel_id.data, form.text.data, form.category.data = (
            post.channel_id,
            post.text,
            post.category,
        )
        form.reply_to.data, form.thread.data = post.reply_to or "", post.thread or ""
        form.date.data, form.time.data, form.version.data = at.date(), at.time(), post.version
    elif _finding_a_time():
        chosen = [form.channel_id.data] if form.channel_id.data else []
        proposals = _find_or_take_slot(form, access, channels, chosen, {post.id})
        return again(proposals=proposals, find_time_done=True), 200
    elif post.status not in workflow.EDITABLE:
        flash(f"A {post.status.label} post cannot be edited.", "error")
    elif request.form.get("action") == "preview":
        form.validate()
        return again()
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
    return again(conflict=conflict), status


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
                with workflow.undoable(db.session, [post]) as change:
                    workflow.reschedule(
                        db.session, current_user, post, form.version.data, scheduled_at
                    )
            except workflow.InvalidPost as error:
                _show_field_errors(form, error)
            except workflow.WorkflowError as error:
                db.session.refresh(post)
                flash(str(error), "error")
            else:
                offer_undo(slug, _moved(post, access), change)
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
    others = dict(version_pairs([str(body.get("versions") or "")]))
    # Workflow errors answer through the one table of planner/web/errors.py.
    with workflow.undoable(db.session, [post]) as change:
        moved = workflow.reschedule_together(
            db.session, current_user, post, version, scheduled_at, others
        )
    return jsonify(
        id=post.id,
        version=post.version,
        versions=";".join(f"{p.id}:{p.version}" for p in moved[1:]),
        status=str(post.status),
        scheduled_at=post.scheduled_at.isoformat(),
        local=_when(post, access),
        message=_moved(post, access),
        undo={
            "url": url_for("posts.undo", slug=slug),
            "items": change.token,
            "seconds": UNDO_OFFERED_SECONDS,
        },
    )


def _moved(post: Post, access: Access) -> str:
    again = " It is a draft again: submit it for review." if post.status == Status.draft else ""
    return f"Moved to {_when(post, access)}.{again}"


BULK = {"submit": "submit", "cancel": "cancel", "move": "reschedule"}
BULK_DONE = {"submit": "submitted for review", "cancel": "cancelled", "move": "moved"}


@bp.route("/bulk", methods=["POST"])
@login_required
def bulk(slug: str):  # type: ignore[no-untyped-def]
    """The calendar's selection: submit, move or cancel several posts at once."""
    action = request.form.get("action", "")
    if action not in BULK:
        abort(400, "Pick submit, move or cancel.")
    access = workspace_access(slug, BULK[action])
    back = safe_next(request.form.get("next"), url_for("calendar.week", slug=slug))
    cards = [version_pairs([value]) for value in request.form.getlist("post")]
    cards = [card for card in cards if card]
    if not cards:
        flash("Select at least one post first (the box on each post).", "error")
        return redirect(back), 303
    to_day = None
    if action == "move":
        try:
            to_day = parse_day(request.form.get("to") or "", "the day to move to")
        except ValueError as error:
            flash(f"Not moved: {error}.", "error")
            return redirect(back), 303
    outcomes, change = workflow.bulk_change(
        db.session, current_user, access.workspace, action, cards, to_day
    )
    done = [o for o in outcomes if o.ok]
    refused = [o for o in outcomes if not o.ok]
    summary = f"{len(done)} post{'' if len(done) == 1 else 's'} {BULK_DONE[action]}."
    if refused:
        flash(
            f"Not {BULK_DONE[action]}: " + "; ".join(f"#{o.post_id}: {o.message}" for o in refused),
            "error",
        )
    if done and change.items and action in ("cancel", "move"):
        offer_undo(slug, summary, change)
    elif done:
        flash(summary, "success")
    return redirect(back), 303


@bp.route("/undo", methods=["POST"])
@login_required
def undo(slug: str):  # type: ignore[no-untyped-def]
    """Take back a cancel or a move (the toast's Undo button, or calendar.js after a drag)."""
    access = workspace_access(slug)
    items = version_pairs([request.form.get("items") or ""])
    wants_json = request.accept_mimetypes.best == "application/json"
    if not items:
        if wants_json:
            return json_error(400, "Nothing to undo.")
        flash("Nothing to undo.", "error")
        return redirect(url_for("calendar.week", slug=slug)), 303
    try:
        posts = workflow.undo(db.session, current_user, access.workspace, items)
    except workflow.WorkflowError as error:
        if wants_json:
            return json_error(409, str(error))
        flash(str(error), "error")
    else:
        message = "Undone: " + (
            f"post #{posts[0].id} is {posts[0].status.label} again, {_when(posts[0], access)}."
            if len(posts) == 1
            else f"{len(posts)} posts are back as they were."
        )
        if wants_json:
            return jsonify(message=message)
        flash(message, "success")
    return redirect(safe_next(request.form.get("next"), url_for("calendar.week", slug=slug))), 303


@bp.route("/check-draft", methods=["POST"])
@login_required
def check_draft(slug: str):  # type: ignore[no-untyped-def]
    """The composer's live check: the category suggestion, each channel's length as its
    network counts it, and what saving would change in the plan's findings.
    {"post_id"?, "channel_ids" (or "channel_id"), "variants"?: {channel id: text}, "text",
    "category"?, "date", "time"}."""
    access = workspace_access(slug, "create_post")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(400, "Send a JSON object with channel_ids, text, date and time.")
    text = str(body.get("text") or "")
    suggestion = rules.classify(text) if text.strip() else None
    answer: dict[str, object] = {
        "suggestion": None
        if suggestion is None
        else {
            "category": suggestion.category.value,
            "confidence": round(suggestion.confidence, 2),
            "signals": list(suggestion.signals),
            "abstained": bool(getattr(suggestion, "abstained", False)),
        },
        "lengths": {},
        "added": [],
        "cleared": [],
    }
    raw_ids = body.get("channel_ids")
    if raw_ids is None and body.get("channel_id") is not None:
        raw_ids = [body.get("channel_id")]
    wanted = [whole_number(str(v)) for v in raw_ids] if isinstance(raw_ids, list) else []
    channels = [channel_in(access, i) for i in wanted if i is not None]
    own = body.get("variants") if isinstance(body.get("variants"), dict) else {}
    texts = {c.id: str(own.get(str(c.id)) or own.get(c.id) or text) for c in channels}
    # Each network's own count (the counter the rules and saving use).
    measured = {c.id: rules.measure(texts[c.id], c.network) for c in channels}
    answer["lengths"] = {
        str(channel_id): {"count": m.count, "limit": m.limit, "unit": m.unit}
        for channel_id, m in measured.items()
        if m is not None
    }
    try:
        day = datetime.strptime(str(body["date"]), "%Y-%m-%d").date()
        clock = datetime.strptime(str(body["time"]), "%H:%M").time()
        at = to_utc(day, clock, access.workspace.timezone)
        if not channels:
            raise ValueError("no channel")
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
    category = body.get("category")
    if category is None and suggestion is not None and not answer["suggestion"]["abstained"]:  # type: ignore[index]
        category = suggestion.category.value
    items = [
        planning.draft_item(post.id if post else f"draft-{c.id}", c, texts[c.id], category, at)
        for c in channels
    ]
    report = planning.check_group(db.session, access.workspace, {post.id} if post else set(), items)
    answer["added"] = [_finding_json(f) for f in report.added]
    answer["cleared"] = [_finding_json(f) for f in report.cleared]
    return jsonify(answer)


def slot_json(at: datetime) -> dict[str, str]:
    """A proposed slot: its instant, its local date and time (what the composer's fields
    take) and a label such as "Mon 10 Mar 09:00"."""
    return {
        "at": at.isoformat(),
        "date": at.date().isoformat(),
        "time": at.strftime("%H:%M"),
        "label": at.strftime("%a %d %b %H:%M"),
    }


def _slot_request(
    access: Access, channels: list[Channel], raw_ids: list[str], category: str
) -> tuple[list[Channel], dict[str, str]]:
    """The chosen channels of this workspace and the problems of the request."""
    problems: dict[str, str] = {}
    by_id = {c.id: c for c in channels}
    ids = [whole_number(raw) for raw in raw_ids]
    chosen = [by_id[i] for i in ids if i is not None and i in by_id]
    if not raw_ids:
        problems["channel"] = "Pick at least one channel."
    elif len(chosen) != len(raw_ids):
        problems["channel"] = "Pick channels of this workspace."
    if category and category not in {c.value for c in Category}:
        problems["category"] = f"Pick one of {', '.join(c.value for c in Category)}."
    return chosen, problems


@bp.route("/slots")
@login_required
def slots(slug: str):  # type: ignore[no-untyped-def]
    """The composer's "Find a time": the next three times on the chosen channels that add no
    finding. ?channel=<id> (repeated), category=<category>, post_id=<the post edited>."""
    access = workspace_access(slug, "create_post")
    raw_ids = request.args.getlist("channel")[:50]
    category = request.args.get("category", "")
    chosen, problems = _slot_request(access, channels_of(access), raw_ids, category)
    post_id = whole_number(request.args.get("post_id") or "")
    if problems:
        return json_error(422, "Please correct: " + "; ".join(problems.values()), problems)
    replaced = {post_id} if post_id is not None else set()
    found = planning.find_slots(
        db.session, access.workspace, chosen, category or None, utcnow(), replaced=replaced
    )
    return jsonify(
        slots=[slot_json(at) for at in found],
        timezone=access.workspace.timezone,
        channels=[c.name for c in chosen],
        category=category or None,
    )


def _finding_a_time() -> bool:
    """Whether the composer was sent to find a time or to take one found, not to save."""
    return "find_time" in request.form or "use_slot" in request.form


def _find_or_take_slot(
    form: ComposeForm | PostForm,
    access: Access,
    channels: list[Channel],
    channel_ids: list[int],
    replaced: set[int] | None = None,
) -> list[dict[str, str]]:
    """The composer without JavaScript: "Find a time" posts the form, which comes back with
    what was typed and the proposals, each a button ("use_slot") that posts it again with
    that date and time filled in. Nothing is saved either way."""
    picked = request.form.get("use_slot", "")
    if not picked:
        return _find_time(form, access, channels, channel_ids, replaced or set())
    try:
        chosen_at = datetime.fromisoformat(picked)
    except ValueError:
        form.time.errors = ["That proposal cannot be read; pick a time."]
        return []
    form.date.data, form.time.data = chosen_at.date(), chosen_at.time()
    # The fields show what was sent unless told otherwise.
    form.date.raw_data = [chosen_at.date().isoformat()]
    form.time.raw_data = [chosen_at.strftime("%H:%M")]
    return []


def _find_time(
    form: ComposeForm | PostForm,
    access: Access,
    channels: list[Channel],
    channel_ids: list[int],
    replaced: set[int],
) -> list[dict[str, str]]:
    raw = [str(i) for i in channel_ids]
    chosen, problems = _slot_request(access, channels, raw, form.category.data or "")
    if problems:
        field = form.channel_ids if isinstance(form, ComposeForm) else form.channel_id
        for message in problems.values():
            field.errors = [*field.errors, message]
        return []
    found = planning.find_slots(
        db.session,
        access.workspace,
        chosen,
        form.category.data or None,
        utcnow(),
        replaced=replaced,
    )
    if not found:
        flash("No time in the next 14 days adds no finding on these channels.", "info")
    return [slot_json(at) for at in found]


# Longer than any network takes (Facebook's 63,206): a preview of more only costs time.
PREVIEW_MAX = 70_000


@bp.route("/previews", methods=["POST"])
@login_required
def previews_json(slug: str):  # type: ignore[no-untyped-def]
    """The composer's live previews: {"channel_ids", "text", "variants"?: {channel id: text},
    "post_id"?} -> {"html": each chosen channel's preview, "counters": {channel id: "12/500
    characters"}, "lengths": as the draft check gives them}. Reads the link preview cache;
    never fetches."""
    access = workspace_access(slug, "create_post")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("channel_ids", []), list):
        return json_error(400, "Send a JSON object with channel_ids (a list) and text.")
    text = str(body.get("text") or "")
    wanted = [whole_number(str(v)) for v in body.get("channel_ids") or []]
    channels = [channel_in(access, i) for i in dict.fromkeys(wanted) if i is not None]
    own = body.get("variants") if isinstance(body.get("variants"), dict) else {}
    pairs = []
    for channel in channels:
        variant = str(own.get(str(channel.id)) or "")
        pairs.append((channel, variant if variant.strip() else text))
    too_long = {
        ("text" if t is text else f"variants.{c.id}"): f"At most {PREVIEW_MAX:,} characters."
        for c, t in pairs
        if len(t) > PREVIEW_MAX
    }
    if too_long or len(text) > PREVIEW_MAX:
        too_long.setdefault("text", f"At most {PREVIEW_MAX:,} characters.")
        return json_error(422, "The text is too long to preview.", too_long)
    post = None
    post_id = whole_number(str(body.get("post_id") or ""))
    if post_id is not None:
        post = post_in(access, post_id)
    items = _preview_items(access, pairs, post)
    html = render_template("posts/_preview_list.html", previews=items)
    lengths = {
        str(c.id): {"count": m.count, "limit": m.limit, "unit": m.unit}
        for c, item in zip(channels, items, strict=True)
        if (m := item["preview"].length) is not None  # type: ignore[attr-defined]
    }
    return jsonify(
        html=html,
        lengths=lengths,
        counters={
            str(c.id): item["preview"].counter for c, item in zip(channels, items, strict=True)
        },  # type: ignore[attr-defined]
    )


@bp.route("/<int:post_id>/link-preview", methods=["POST"])
@login_required
def refetch_link(slug: str, post_id: int):  # type: ignore[no-untyped-def]
    """Refetch: fetch the post's first link's preview again, in the background."""
    access = workspace_access(slug, "edit_post")
    post = post_in(access, post_id)
    back = safe_next(request.form.get("next"), url_for("posts.show", slug=slug, post_id=post.id))
    link = first_link(post.text)
    if link is None:
        flash("This post has no link to preview.", "error")
        return redirect(back), 303
    if not link_previews.ask_again(db.session, access.workspace.id, link):
        flash("The link preview is being fetched already; it shows here in a moment.", "info")
        return redirect(back), 303
    try:
        queue.enqueue_link_preview(queue.redis_for(), access.workspace.id, link, force=True)
    except redis.RedisError:
        flash(
            "The preview could not be asked for right now: background work is paused. "
            "Try again later.",
            "error",
        )
    else:
        flash("Fetching the link preview again; it shows here in a moment.", "success")
    return redirect(back), 303


def _finding_json(finding: rules.Finding) -> dict[str, object]:
    return {**finding.to_json(), "post_ids": [str(p) for p in finding.post_ids]}


@bp.route("/<int:post_id>/duplicate", methods=["POST"])
@login_required
def duplicate(slug: str, post_id: int):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "duplicate")
    post = post_in(access, post_id)
    try:
        copy = workflow.duplicate(
            db.session, current_user, post, store=media.store_for(current_app.config)
        )
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
    seen = _seen_versions()
    try:
        if action == "cancel":
            with workflow.undoable(db.session, [post]) as change:
                workflow.cancel(db.session, current_user, post, form.version.data)
            offer_undo(slug, f"Post #{post.id} cancelled: it will not be published.", change)
            return redirect(url_for("posts.show", slug=slug, post_id=post.id)), 303
        if action == "approve":
            reason = request.form.get("override_reason")
            workflow.approve(db.session, current_user, post, form.version.data, reason, seen)
        elif action in ("submit", "withdraw"):
            function(db.session, current_user, post, form.version.data, seen)
        else:
            function(db.session, current_user, post, form.version.data)
    except workflow.InvalidPost as error:
        # Said beside the media too (alt text missing, a file a network refuses).
        problem = " ".join(error.errors.values())
        if "media" in error.errors:
            session["media_problem"] = {"post": post.id, "text": error.errors["media"]}
        flash(problem, "error")
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
            workflow.request_changes(
                db.session, current_user, post, form.version.data, comment, _seen_versions()
            )
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
