"""Import and export: a plan as CSV, in and out."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    request,
    url_for,
)
from flask_login import current_user, login_required

from planner import bulk, queue, workflow
from planner.db import db
from planner.localtime import parse_day
from planner.web.access import Access, workspace_access

bp = Blueprint("bulk", __name__, url_prefix="/w/<slug>/bulk")

# A file of 10,000 rows of long posts stays well under this.
MAX_UPLOAD = 8 * 1024 * 1024


def _day(name: str) -> date | None:
    raw = request.args.get(name) or ""
    try:
        return parse_day(raw, name) if raw else None
    except ValueError as error:
        abort(400, f"{error}; use YYYY-MM-DD.")


def _page(access: Access, status: int = 200, **extra):  # type: ignore[no-untyped-def]
    return access.render(
        "bulk/index.html",
        columns=bulk.COLUMNS,
        export_columns=bulk.EXPORT_COLUMNS,
        **extra,
    ), status


@bp.get("/")
@login_required
def index(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "view")
    return _page(access)


@bp.get("/export.csv")
@login_required
def export(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "view")
    first, last = _day("from"), _day("to")
    body = bulk.export_csv(db.session, access.workspace, first, last)
    name = f"{access.workspace.slug}-{first or 'start'}-{last or 'end'}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _uploaded_text() -> str | None:
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        raw = upload.read(MAX_UPLOAD + 1)
    else:
        raw = (request.form.get("csv") or "").encode()
    if len(raw) > MAX_UPLOAD:
        flash("That file is larger than 8 MB; split it into smaller files.", "error")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        flash(f"The file is not UTF-8 text ({error.reason} at byte {error.start}).", "error")
        return None


@bp.post("/import")
@login_required
def import_plan(slug: str):  # type: ignore[no-untyped-def]
    """First a preview (nothing written); "Import" posts the same CSV back with confirm=1."""
    access = workspace_access(slug, "create_post")
    text = _uploaded_text()
    if text is None or not text.strip():
        if text is not None:
            flash("Choose a CSV file to import.", "error")
        return _page(access, 422)
    preview = bulk.read_import(db.session, access.workspace, text)
    submit = bool(request.form.get("submit_for_review")) and access.can("approve")
    if request.form.get("confirm") and preview.ok:
        if len(preview.rows) > int(current_app.config["PLANNER_IMPORT_JOB_ROWS"]):
            job_id = queue.enqueue_import(
                current_app._get_current_object(),  # type: ignore[attr-defined]
                access.workspace.id,
                current_user.id,
                text,
                submit,
            )
            if job_id is not None:
                return redirect(url_for("bulk.job", slug=slug, job_id=job_id)), 303
        try:
            ids = bulk.apply_import(
                db.session, current_user, access.workspace, preview.rows, submit
            )
        except (workflow.WorkflowError, workflow.PermissionDenied) as error:
            flash(f"Nothing was imported: {error}", "error")
        else:
            state = "submitted for review" if submit else "drafts"
            flash(f"Imported {len(ids)} post{'s' if len(ids) != 1 else ''} as {state}.", "success")
            return redirect(url_for("calendar.month", slug=slug)), 303
    return _page(
        access,
        200 if preview.ok else 422,
        preview=preview,
        csv_text=text,
        submit=submit,
    )


@bp.get("/jobs/<job_id>")
@login_required
def job(slug: str, job_id: str):  # type: ignore[no-untyped-def]
    """A large import's progress; the page reloads itself until the job is over."""
    access = workspace_access(slug, "create_post")
    progress = queue.import_progress(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        job_id,
        access.workspace.id,
    )
    if progress is None:
        abort(404)
    return access.render(
        "bulk/job.html",
        done=progress.done,
        total=progress.total,
        error=progress.error,
        finished=progress.finished,
        waiting=progress.waiting,
    )
