"""Week and month views of a workspace's plan."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, request
from flask_login import login_required

from planner import calendar, planning
from planner.db import db, utcnow
from planner.localtime import local, parse_day, week_start
from planner.models import Status
from planner.web.access import channels_of, workspace_access
from planner.web.security import whole_number
from rules.model import Category

bp = Blueprint("calendar", __name__, url_prefix="/w/<slug>")
# The week lists this many findings; the Balance page has them all.
FINDINGS_SHOWN = 40


def _date_arg(name: str, default: date) -> date:
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        return parse_day(raw, name)
    except ValueError as error:
        abort(400, f"{error}; use YYYY-MM-DD.")


def _context(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug)
    filters = calendar.Filters.from_args(request.args)
    channels = channels_of(access)
    today = local(utcnow(), access.workspace.timezone).date()
    return access, filters, channels, today


@bp.route("/")
@login_required
def week(slug: str):  # type: ignore[no-untyped-def]
    access, filters, channels, today = _context(slug)
    day = _date_arg("date", today)
    monday = week_start(day)
    days = calendar.week(db.session, access.workspace, day, filters)
    next_monday = monday + timedelta(days=7)
    tz = access.workspace.timezone
    # Errors first: a busy week can have hundreds of findings and the list shows the first.
    week_findings = sorted(
        planning.between_days(
            planning.findings(db.session, access.workspace), monday, next_monday, tz
        ),
        key=lambda f: -f.severity.rank,
    )
    highlighted = _highlighted(week_findings)
    full_day = request.args.get("hours") == "all"
    used = calendar.hours_used(db.session, access.workspace, monday)
    problems, problem_count = calendar.publishing_problems(db.session, access.workspace)
    return access.render(
        "calendar/week.html",
        filters=filters,
        channels=channels,
        days=days,
        today=today,
        monday=monday,
        prev_day=monday - timedelta(days=7),
        next_day=monday + timedelta(days=7),
        iso=monday.isocalendar(),
        categories=list(Category),
        statuses=list(Status),
        findings=week_findings,
        evidence={
            post_id: ", ".join(sorted({f.rule for f in found}))
            for post_id, found in planning.by_post(week_findings).items()
        },
        findings_shown=FINDINGS_SHOWN,
        highlighted=highlighted,
        balances=planning.balance(
            planning.week_mixes(db.session, access.workspace, monday, next_monday)
        ),
        families=planning.FAMILIES,
        full_day=full_day,
        hours=range(24) if full_day else used,
        used=used,
        problems=problems,
        problem_count=problem_count,
        start=calendar.getting_started(db.session, access.workspace),
        unstaffed=calendar.unstaffed_hours(channels, filters.channel_ids),
    )


def _highlighted(week_findings: list) -> set[int]:  # type: ignore[type-arg]
    """Posts to highlight when the page was opened from a finding's "show posts" link (the
    way that works without JavaScript)."""
    index = whole_number(request.args.get("finding"))
    if index is not None and index < len(week_findings):
        return {int(p) for p in week_findings[index].post_ids}
    return set()


@bp.route("/month")
@login_required
def month(slug: str):  # type: ignore[no-untyped-def]
    access, filters, channels, today = _context(slug)
    raw = request.args.get("month")
    if raw:
        try:
            first = parse_day(f"{raw}-01", "month")
        except ValueError:
            abort(400, f"'{raw[:40]}' is not a month; use YYYY-MM.")
    else:
        first = today.replace(day=1)
    weeks = calendar.month(db.session, access.workspace, first.year, first.month, filters)
    evidence = planning.by_post(planning.findings(db.session, access.workspace))
    problems, problem_count = calendar.publishing_problems(db.session, access.workspace)
    prev_first = (first - timedelta(days=1)).replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    return access.render(
        "calendar/month.html",
        filters=filters,
        channels=channels,
        weeks=weeks,
        first=first,
        today=today,
        prev_month=prev_first.strftime("%Y-%m"),
        next_month=next_first.strftime("%Y-%m"),
        categories=list(Category),
        statuses=list(Status),
        per_day=6,
        problems=problems,
        problem_count=problem_count,
        start=calendar.getting_started(db.session, access.workspace),
        month_count=sum(len(d.posts) for row in weeks for d in row if d.day.month == first.month),
        flagged={
            d.day: sorted({f.rule for p in d.posts for f in evidence.get(p.id, ())})
            for row in weeks
            for d in row
        },
    )
