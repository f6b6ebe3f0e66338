"""A post's images and video: upload, alt text, order, removal, and the files themselves.

Every change goes through planner/workflow.py (it is an edit: the group's approval is
revoked). The forms are plain multipart forms that work without JavaScript; planner/static/
media.js adds drag to reorder. Files are served to members of the workspace only, with their
sniffed type, `nosniff` and an attachment-safe Content-Disposition.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from planner import media, workflow
from planner.db import db
from planner.models import Media, Post
from planner.web.access import Access, post_in, workspace_access
from planner.web.errors import fields_of, json_error, status_of
from planner.web.posts import show_page
from planner.web.security import whole_number

bp = Blueprint("media", __name__, url_prefix="/w/<slug>/posts/<int:post_id>/media")


def store() -> media.MediaStore:
    return media.store_for(current_app.config)


def _version() -> int | None:
    return whole_number(request.form.get("version"))


def _back(slug: str, post: Post) -> str:
    return url_for("posts.show", slug=slug, post_id=post.id) + "#media"


def _row(post: Post, media_id: int) -> Media:
    row = workflow.media_of(db.session, post, media_id)
    if row is None:
        abort(404)
    return row


def _kept_alt() -> dict[int, str]:
    kept = {}
    for name, value in request.form.items():
        if name.startswith("alt-"):
            number = whole_number(name.removeprefix("alt-"))
            if number is not None:
                kept[number] = value
    return kept


def _again(access: Access, post: Post, error: Exception, **kept):  # type: ignore[no-untyped-def]
    """The post page again with the problem beside the field and what was typed kept."""
    db.session.rollback()
    db.session.refresh(post)
    if isinstance(error, workflow.InvalidPost):
        problems = dict(error.errors)
    else:
        problems = {"media": str(error)}
    status = status_of(error) if not isinstance(error, media.MediaRefused) else 422
    return show_page(access, post, status, media_problems=problems, **kept)


@bp.route("", methods=["POST"])
@login_required
def upload(slug: str, post_id: int):  # type: ignore[no-untyped-def]
    """Attach one file (with its alt text) to the post's group."""
    access = workspace_access(slug, "edit_post")
    post = post_in(access, post_id)
    alt_text = request.form.get("alt_text", "")
    version = _version()
    file = request.files.get("file")
    try:
        if version is None:
            raise workflow.InvalidPost({"upload": "The form was incomplete; reload the page."})
        if file is None or not file.filename:
            raise workflow.InvalidPost({"upload": "Choose a file to attach."})
        prepared = media.prepare(file.read(), file.filename)
        row = workflow.add_media(
            db.session, current_user, post, version, prepared, store(), alt_text
        )
    except media.MediaRefused as error:
        return _again(
            access, post, workflow.InvalidPost({"upload": str(error)}), kept_upload_alt=alt_text
        )
    except workflow.InvalidPost as error:
        problems = {("upload" if k == "media" else k): v for k, v in error.errors.items()}
        return _again(access, post, workflow.InvalidPost(problems), kept_upload_alt=alt_text)
    except workflow.WorkflowError as error:
        return _again(access, post, error, kept_upload_alt=alt_text)
    flash(f"Attached {row.label}.", "success")
    return redirect(_back(slug, post), 303)


@bp.route("/alt", methods=["POST"])
@login_required
def alt_texts(slug: str, post_id: int):  # type: ignore[no-untyped-def]
    """Save the alt text of every file of the post (one form)."""
    access = workspace_access(slug, "edit_post")
    post = post_in(access, post_id)
    kept = _kept_alt()
    try:
        version = _version()
        if version is None:
            raise workflow.InvalidPost({"media": "The form was incomplete; reload the page."})
        workflow.describe_media(db.session, current_user, post, version, kept)
    except workflow.WorkflowError as error:
        return _again(access, post, error, kept_alt=kept)
    flash("Alt text saved.", "success")
    return redirect(_back(slug, post), 303)


@bp.route("/<int:media_id>/remove", methods=["POST"])
@login_required
def remove(slug: str, post_id: int, media_id: int):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "edit_post")
    post = post_in(access, post_id)
    row = _row(post, media_id)
    label = row.label
    try:
        version = _version()
        if version is None:
            raise workflow.InvalidPost({"media": "The form was incomplete; reload the page."})
        workflow.remove_media(db.session, current_user, post, version, row, store())
    except workflow.WorkflowError as error:
        return _again(access, post, error)
    flash(f"Removed {label}.", "success")
    return redirect(_back(slug, post), 303)


@bp.route("/<int:media_id>/<any(up, down):direction>", methods=["POST"])
@login_required
def move(slug: str, post_id: int, media_id: int, direction: str):  # type: ignore[no-untyped-def]
    """Up or down by one: the path without JavaScript (and the keyboard's) for a drag."""
    access = workspace_access(slug, "edit_post")
    post = post_in(access, post_id)
    row = _row(post, media_id)
    try:
        version = _version()
        if version is None:
            raise workflow.InvalidPost({"media": "The form was incomplete; reload the page."})
        step = -1 if direction == "up" else 1
        workflow.move_media(db.session, current_user, post, version, row.id, step)
    except workflow.WorkflowError as error:
        return _again(access, post, error)
    return redirect(_back(slug, post), 303)


@bp.route("/order", methods=["POST"])
@login_required
def order(slug: str, post_id: int):  # type: ignore[no-untyped-def]
    """The order after a drag, as JSON: {"version": n, "order": [media ids]}."""
    access = workspace_access(slug, "edit_post")
    post = post_in(access, post_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(400, 'Send JSON: {"version": n, "order": [ids]}.')
    version, ids = body.get("version"), body.get("order")
    fields = {}
    if not isinstance(version, int) or isinstance(version, bool):
        fields["version"] = "the post's version, a whole number"
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        fields["order"] = "a list of the media ids, each once"
    if fields:
        return json_error(422, "Please correct the highlighted fields", fields)
    try:
        workflow.reorder_media(db.session, current_user, post, version, ids)
    except workflow.WorkflowError as error:
        return json_error(status_of(error), str(error), fields_of(error))
    db.session.refresh(post)
    return jsonify(
        version=post.version, order=[m.id for m in workflow.group_media(db.session, post.group_id)]
    )


@bp.route("/<int:media_id>/<any(file, thumbnail):which>")
@login_required
def serve(slug: str, post_id: int, media_id: int, which: str):  # type: ignore[no-untyped-def]
    """The file or its thumbnail, for members of the workspace only."""
    access = workspace_access(slug)
    post = post_in(access, post_id)
    row = _row(post, media_id)
    key, mime_type = row.key, row.mime_type
    if which == "thumbnail":
        if not row.thumbnail_key:
            abort(404)
        key = row.thumbnail_key
        mime_type = "image/png" if key.endswith(".png") else "image/jpeg"
    name = f"{row.id}.{media.files.EXTENSIONS[row.mime_type]}"
    if which == "thumbnail":
        name = f"{row.id}-thumbnail.{key.rsplit('.', 1)[-1]}"
    return _file_response(key, mime_type, name)


def _file_response(key: str, mime_type: str, name: str) -> Response:
    """A stored file as the browser should take it: its sniffed type, never sniffed again,
    shown inline under a name of ours (never the uploaded one), sandboxed, cached privately.
    From the folder store it is sent from disk with Range requests (a video can be sought
    without being read into memory); from S3 its bytes are read."""
    files = store()
    try:
        if isinstance(files, media.FolderStore):
            response = send_file(files.path(key), mimetype=mime_type, conditional=True)
        else:
            response = Response(files.get(key), mimetype=mime_type)
    except media.MediaMissing:
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = (
        f"inline; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


links_bp = Blueprint("media_links", __name__, url_prefix="/media")


@links_bp.route("/<token>")
def fetch(token: str):  # type: ignore[no-untyped-def]
    """A file by the signed link a webhook's JSON carries (no sign-in: the link is the key;
    it expires after a week and stops working when the file is removed)."""
    named = media.links.read(str(current_app.config["SECRET_KEY"]), token)
    if named is None:
        abort(404)
    row = db.session.get(Media, named[0])
    if row is None or row.key != named[1]:
        abort(404)
    response = _file_response(
        row.key, row.mime_type, f"{row.id}.{media.files.EXTENSIONS[row.mime_type]}"
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
