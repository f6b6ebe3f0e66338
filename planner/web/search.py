"""The search page: a workspace's posts by words of their text or their channel's name."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import login_required

from planner import search
from planner.db import db
from planner.models import Status
from planner.web.access import workspace_access
from planner.web.security import whole_number

bp = Blueprint("search", __name__, url_prefix="/w/<slug>")
# Far past any real page; keeps OFFSET small.
MAX_PAGE = 10_000


@bp.route("/search")
@login_required
def results(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug)
    typed = request.args.get("q", "")
    raw_status = request.args.get("status", "")
    status = Status(raw_status) if raw_status in Status._value2member_map_ else None
    page = min(whole_number(request.args.get("page")) or 1, MAX_PAGE)
    error = None
    found = None
    try:
        query = search.parse(typed)
    except search.QueryError as problem:
        error, query = str(problem), None
    if query is not None and not query.empty:
        found = search.search(
            db.session, access.workspace, query, (status,) if status else (), page=page
        )
    # What the page says was searched: as typed (cleaned), cut for a very long query.
    shown = search.clean(typed)
    return access.render(
        "search/results.html",
        q=typed
        if len(typed) <= search.MAX_QUERY_LENGTH * 2
        else typed[: search.MAX_QUERY_LENGTH * 2],
        shown=shown if len(shown) <= 80 else shown[:80] + "…",
        query=query,
        status=status,
        statuses=list(Status),
        results=found,
        error=error,
        local_label=search.local_label,
    ), (422 if error else 200)
