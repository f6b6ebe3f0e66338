"""The import_plan job: a large CSV import, run in the background with progress.

planner/queue.py enqueues it; the progress page reads the job's meta.
"""

from __future__ import annotations

from rq import get_current_job

from planner import bulk, permissions, workflow
from planner.db import db
from planner.models import User, Workspace
from workers import job_context


def import_plan(workspace_id: int, user_id: int, text: str, submit: bool) -> dict[str, object]:
    """Check the file again (time has passed since the preview) and import it, all or
    nothing, reporting progress in the job's meta."""
    job = get_current_job()

    def report(done: int, total: int, **extra: object) -> None:
        if job is not None:
            job.meta.update(done=done, total=total, **extra)
            job.save_meta()

    with job_context():
        session = db.session
        workspace = session.get(Workspace, workspace_id)
        user = session.get(User, user_id)
        if workspace is None or user is None:
            report(0, 0, error="The workspace or the importing member no longer exists.")
            return {"imported": 0}
        preview = bulk.read_import(session, workspace, text)
        if preview.errors:
            listed = "; ".join(str(e) for e in preview.errors[:5])
            report(0, len(preview.rows), error=f"Nothing was imported: {listed}")
            return {"imported": 0}
        report(0, len(preview.rows))
        try:
            ids = bulk.apply_import(session, user, workspace, preview.rows, submit, report)
        except (workflow.WorkflowError, permissions.PermissionDenied) as error:
            report(0, len(preview.rows), error=f"Nothing was imported: {error}")
            return {"imported": 0}
        report(len(ids), len(ids), finished=True)
        return {"imported": len(ids)}
