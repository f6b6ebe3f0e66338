"""The approval queue: posts in review, oldest first, approved one by one or in bulk."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from planner import planning, previews, review, workflow
from planner.db import db
from planner.web.access import workspace_access
from planner.web.posts import kept_comment
from planner.web.security import version_pairs

bp = Blueprint("approvals", __name__, url_prefix="/w/<slug>/approvals")


@bp.route("/")
@login_required
def queue(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "approve")
    entries = review.queue(db.session, access.workspace)
    return access.render(
        "approvals/queue.html",
        entries=entries,
        blocked={
            e.post.group_id
            for e in entries
            if not workflow.may_approve(db.session, current_user, e.post)
        },
        evidence=planning.by_post(planning.findings(db.session, access.workspace)),
        kept_comment=kept_comment(),
        # Every variant as its network shows it: the approver signs off what readers see.
        previews=previews.for_posts(
            db.session, access.workspace, [v for e in entries for v in e.variants]
        ),
    )


@bp.route("/approve", methods=["POST"])
@login_required
def approve(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "approve")
    selection = version_pairs(request.form.getlist("post"))
    if not selection:
        flash("Select at least one post to approve.", "error")
        return redirect(url_for("approvals.queue", slug=slug)), 303
    reasons = {
        post_id: request.form.get(f"override-{post_id}", "")
        for post_id, _ in selection
        if request.form.get(f"override-{post_id}", "").strip()
    }
    outcomes = workflow.bulk_approve(db.session, current_user, access.workspace, selection, reasons)
    approved = [o for o in outcomes if o.ok]
    if approved:
        ids = ", ".join(f"#{o.post_id}" for o in approved)
        flash(
            f"Approved {len(approved)} post{'s' if len(approved) != 1 else ''}: {ids}.", "success"
        )
    for outcome in outcomes:
        if not outcome.ok:
            flash(f"Post #{outcome.post_id} was not approved: {outcome.message}", "error")
    return redirect(url_for("approvals.queue", slug=slug)), 303
