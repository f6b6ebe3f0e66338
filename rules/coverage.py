"""Conversation coverage: a post that invites replies needs someone on duty to answer them.

The field's first rule is "converse, don't broadcast"; a question asked at 17:45 on a Friday
gathers replies all weekend that nobody answers until Monday, which reads as a brand that asks
and does not listen. Staffed hours (rules/staffing.py) say when each channel is answered.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rules.model import Category, Finding, RuleFamily, Severity, format_duration
from rules.plan import Plan
from rules.registry import rule
from rules.staffing import StaffedHours, day_name

# How far the hint looks for a covered time, either way.
SEARCH_DAYS = 8


def moment_text(at: datetime, zone: ZoneInfo) -> str:
    """ "Friday 17:45" """
    local = at.astimezone(zone)
    return f"{day_name(local)} {local:%H:%M}"


def nearest_covered(
    hours: StaffedHours, at: datetime, need: timedelta, zone: ZoneInfo
) -> datetime | None:
    """The covered moment nearest to `at`: the latest one before it (on its day or the days
    before) or the earliest on-duty one after it, whichever is closer (the later on a tie)."""
    day = at.astimezone(zone).date()
    before = None
    for back in range(SEARCH_DAYS):
        latest = hours.latest_covered(day - timedelta(days=back), need, zone)
        if latest is not None and latest <= at:
            before = latest
            break
    after = hours.earliest_covered(at, need, zone, horizon_days=SEARCH_DAYS)
    if before is None or after is None:
        return after or before
    return after if (after - at) <= (at - before) else before


def coverage_problem(
    hours: StaffedHours, at: datetime, need: timedelta, zone: ZoneInfo
) -> tuple[timedelta, str, str] | None:
    """Why a post at `at` inviting replies is not covered: (staffed time left on its day,
    what happens after it, the hint); None when it is covered."""
    left = hours.staffed_rest_of_day(at, zone)
    if left >= need:
        return None
    local = at.astimezone(zone)
    if hours.is_empty:
        return left, "nobody is on duty on any day", "Set staffed hours for this channel."
    if left:
        day_end = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), zone)
        later = hours.next_on_duty(day_end, zone, horizon_days=SEARCH_DAYS)
        after = f"only {format_duration(left)} on duty after it that day"
        after += f", then nobody until {moment_text(later, zone)}" if later else ""
    else:
        later = hours.next_on_duty(at, zone, horizon_days=SEARCH_DAYS)
        after = (
            f"nobody is on duty until {moment_text(later, zone)}"
            if later
            else f"nobody is on duty in the next {SEARCH_DAYS} days"
        )
    proposal = nearest_covered(hours, at, need, zone)
    if proposal is None:
        hint = f"No day has {format_duration(need)} on duty: widen the channel's staffed hours."
    else:
        hint = (
            f"Move it to {moment_text(proposal, zone)}, the nearest time with "
            f"{format_duration(need)} on duty after it that day, or widen the staffed hours."
        )
    return left, after, hint


def _categories(value: Any) -> tuple[str, ...]:
    """The categories that invite replies, from a list of names; unknown names are refused."""
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise ValueError(f"expected a list of categories, got {value!r}")
    names = tuple(str(v).strip().lower() for v in value)
    unknown = [n for n in names if n not in Category._value2member_map_]
    if unknown:
        known = ", ".join(c.value for c in Category)
        raise ValueError(f"unknown categories {', '.join(unknown)} (known: {known})")
    return names


@rule(
    id="unstaffed-replies",
    family=RuleFamily.COVERAGE,
    severity=Severity.WARNING,
    defaults={"min_staffed": timedelta(hours=4), "categories": ("engagement",)},
    coercers={"categories": _categories},
)
def unstaffed_replies(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """A post that invites replies with too little staffed time after it that day.

    What it does: for each post of a category that invites replies (engagement: questions,
    polls, contests; `categories`), a thread once, measures the staffed time of its channel
    (its staffed hours, Monday to Friday 09:00-17:00 by default, in the workspace timezone)
    from the post to the end of its local day, and warns below 4 hours (`min_staffed`). The
    hint proposes the nearest time that has enough. Replies are left out: they answer one
    person, who gets the answer, and count as care, not engagement.

    Why it matters: most replies to a post come within its first hours (Sprout Social and
    Buffer measure half of a post's engagement within a few hours on most networks), and
    people expect an answer the same day (Sprout Social Index: most expect a brand to answer
    within 24 hours, many within 4). A question nobody answers is a broadcast that looks like
    it is not listening ("converse, don't broadcast").

    Example: a question on Friday at 17:45 with staffed hours Mon-Fri 09:00-17:00: nobody is
    on duty until Monday 09:00: warning, hint "Move it to Friday 13:00".

    Known false positives: a team that answers from phones out of hours (widen its staffed
    hours), and polls that need no answer.
    """
    need: timedelta = limits["min_staffed"]
    wanted = {Category(c) for c in limits["categories"]}
    if not wanted or need <= timedelta(0):
        return
    head, reply, category = plan.head, plan.reply, plan.category
    checked = [p for p in plan.checked if category[p] in wanted and head[p] == p and not reply[p]]
    zone = plan.zone
    config = plan.config
    for post in checked:
        channel = plan.items[post].channel
        at = plan.at[post]
        problem = coverage_problem(config.staffed_for(channel), at, need, zone)
        if problem is None:
            continue
        left, after, hint = problem
        yield plan.finding(
            "unstaffed-replies",
            Severity.WARNING,
            channel,
            (at, at),
            (post,),
            left,
            need,
            f"post on {channel} asks a question at {at:%H:%M} on {day_name(at)}; {after}",
            hint,
        )
