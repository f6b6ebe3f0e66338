"""The workspace's posts as the rules engine sees them: PlanItems, findings, balance.

The whole plan is checked at once (the rules are fast) and the findings are kept per
workspace until a post, a channel or a rule setting changes.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

import rules
import rules.model
from planner.localtime import local_day_bounds
from planner.models import Channel, Post, Status, Workspace

# Cancelled and failed posts will not go out; everything else is part of the plan.
COUNTED = [s for s in Status if s not in (Status.cancelled, Status.failed)]
FAMILIES = ("self", "value", "conversation")


def rule_config(
    workspace: Workspace, settings: Mapping[str, Any] | None = None
) -> rules.RuleConfig:
    """The workspace's rule settings (or proposed `settings`) as a RuleConfig.

    Raises rules.ConfigError with a message fit for the settings page.
    """
    stored = dict(workspace.rule_overrides or {})
    chosen = dict(settings) if settings is not None else stored
    return rules.make_config(
        str(chosen.get("preset", workspace.rule_preset) or "balanced"),
        workspace.timezone,
        thresholds=chosen.get("thresholds") or {},
        disabled=chosen.get("disabled") or (),
        channel_caps=chosen.get("channel_caps") or {},
        channel_staffed=channel_staffed(workspace),
    )


def channel_staffed(workspace: Workspace) -> dict[str, str]:
    """Each channel's own staffed hours (text form), for the channels that have them; the
    others keep the default office hours (rules.staffing.OFFICE_HOURS)."""
    return {c.name: c.staffed_hours for c in workspace.channels if c.staffed_hours is not None}


_CATEGORIES = {c.value: c for c in rules.Category}
# The columns a PlanItem is made of, in its order (one query of plain columns, no ORM rows).
ITEM_COLUMNS = (
    Post.id,
    Channel.name,
    Channel.network,
    Post.scheduled_at,
    Post.category,
    Post.text,
    Post.reply_to,
    Post.thread,
    Post.group_id,
)


def _item(
    post_id: int,
    channel: str,
    network: str,
    at: datetime,
    category: str | None,
    text: str,
    reply_to: str | None,
    thread: str | None,
    group_id: int,
) -> rules.PlanItem:
    return rules.PlanItem(
        post_id,
        channel,
        network,
        at,
        _CATEGORIES.get(category or ""),
        text,
        reply_to,
        thread,
        f"g{group_id}",
    )


def plan_items(session: Session, workspace: Workspace) -> list[rules.PlanItem]:
    """Every post that counts, as PlanItems (one query of plain columns)."""
    rows = session.execute(
        sa.select(*ITEM_COLUMNS)
        .join(Channel, Channel.id == Post.channel_id)
        .where(Post.workspace_id == workspace.id, Post.status.in_(COUNTED))
    )
    return [_item(*row) for row in rows]


class _Cache:
    """Findings per workspace, keyed by a cheap fingerprint of everything they depend on."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[int, tuple[tuple[object, ...], list[rules.Finding]]] = {}

    def get(self, workspace_id: int, key: tuple[object, ...]) -> list[rules.Finding] | None:
        with self.lock:
            entry = self.entries.get(workspace_id)
        return entry[1] if entry and entry[0] == key else None

    def put(self, workspace_id: int, key: tuple[object, ...], value: list[rules.Finding]) -> None:
        with self.lock:
            self.entries[workspace_id] = (key, value)


_cache = _Cache()


def _fingerprint(session: Session, workspace: Workspace) -> tuple[object, ...]:
    posts = session.execute(
        sa.select(sa.func.count(), sa.func.max(Post.updated_at), sa.func.sum(Post.id)).where(
            Post.workspace_id == workspace.id, Post.status.in_(COUNTED)
        )
    ).one()
    names = tuple(
        session.scalars(
            sa.select(
                Channel.name
                + ":"
                + Channel.network
                + ":"
                + sa.func.coalesce(Channel.staffed_hours, "")
            )
            .where(Channel.workspace_id == workspace.id)
            .order_by(Channel.id)
        )
    )
    settings = repr(sorted((workspace.rule_overrides or {}).items()))
    return (*posts, names, workspace.rule_preset, workspace.timezone, settings)


def findings(session: Session, workspace: Workspace) -> list[rules.Finding]:
    """All findings of the workspace's plan, computed once per change of the plan."""
    key = _fingerprint(session, workspace)
    cached = _cache.get(workspace.id, key)
    if cached is not None:
        return cached
    result = rules.check(plan_items(session, workspace), rule_config(workspace))
    _cache.put(workspace.id, key, result)
    return result


def matching(
    all_findings: Iterable[rules.Finding], rule: str = "", channel: str = "", severity: str = ""
) -> list[rules.Finding]:
    """The findings of one rule, channel ("(workspace)" for workspace-wide ones) and
    severity; an empty filter matches everything."""
    return [
        f
        for f in all_findings
        if (not rule or f.rule == rule)
        and (not channel or (f.channel or "(workspace)") == channel)
        and (not severity or f.severity.value == severity)
    ]


def overlapping(
    all_findings: Iterable[rules.Finding], start: datetime, end: datetime
) -> list[rules.Finding]:
    """The findings whose window overlaps [start, end)."""
    return [f for f in all_findings if f.window_start < end and f.window_end > start]


def between_days(
    all_findings: Iterable[rules.Finding], first: date, last_exclusive: date, tz: str
) -> list[rules.Finding]:
    start, end = local_day_bounds(first, last_exclusive, tz)
    return overlapping(all_findings, start, end)


def by_post(all_findings: Iterable[rules.Finding]) -> dict[int, list[rules.Finding]]:
    """Findings keyed by each post that is evidence of them."""
    index: dict[int, list[rules.Finding]] = defaultdict(list)
    for finding in all_findings:
        for post_id in finding.post_ids:
            index[int(post_id)].append(finding)
    return index


@dataclass(frozen=True)
class Balance:
    """One week's mix on one channel (or, channel None, the whole workspace), counted as the
    rules count: replies as care, a thread once, a group once for the workspace."""

    channel: str | None
    counts: Mapping[str, int]  # family -> posts
    promotions: int
    total: int
    uncategorised: int = 0

    def share(self, family: str) -> Fraction:
        return Fraction(self.counts.get(family, 0), self.total) if self.total else Fraction(0)

    @property
    def promotion_share(self) -> Fraction:
        return Fraction(self.promotions, self.total) if self.total else Fraction(0)

    def percent(self, family: str) -> int:
        return round(self.share(family) * 100)


def balance(mixes: Iterable[rules.UnitMix]) -> list[Balance]:
    """The bars' figures from the rules' unit mixes (workspace first, then each channel)."""
    bars = []
    for mix in mixes:
        families: Counter[str] = Counter()
        for category, count in mix.counts.items():
            families[rules.CATEGORY_FAMILY[category].value] += count
        bars.append(
            Balance(
                mix.channel,
                dict(families),
                mix.counts[rules.Category.PROMOTION],
                mix.total,
                mix.uncategorised,
            )
        )
    return bars


def draft_item(
    post_id: int | str,
    channel: Channel,
    text: str,
    category: str | None,
    at: datetime,
    *,
    reply_to: str | None = None,
    thread: str | None = None,
    group: str | None = None,
) -> rules.PlanItem:
    """A post as it would be, for the composer's check; no category means "not chosen"."""
    return rules.PlanItem(
        post_id,
        channel.name,
        channel.network,
        at,
        _CATEGORIES.get(category or ""),
        text,
        reply_to,
        thread,
        group,
    )


def check_draft(
    session: Session, workspace: Workspace, post: Post | None, after: rules.PlanItem
) -> rules.ChangeReport:
    """What saving this draft would add to and clear from the plan's findings."""
    items = plan_items(session, workspace)
    before = next((item for item in items if post is not None and item.id == post.id), None)
    return rules.check_change(items, before, after, rule_config(workspace))


def check_group(
    session: Session, workspace: Workspace, replaced: set[int], after: list[rules.PlanItem]
) -> rules.ChangeReport:
    """What saving a group of variants (new ones, or replacing the posts `replaced`) would
    add to and clear from the plan's findings. One variant goes through the composer's fast
    check; several through two whole checks (a workspace's plan is small next to the rules'
    50,000-post budget)."""
    items = plan_items(session, workspace)
    config = rule_config(workspace)
    if len(after) == 1 and len(replaced) <= 1:
        before = next((item for item in items if item.id in replaced), None)
        return rules.check_change(items, before, after[0], config)
    kept = [item for item in items if item.id not in replaced]
    old = Counter(rules.check(items, config))
    new = Counter(rules.check([*kept, *after], config))
    return rules.ChangeReport(tuple((new - old).elements()), tuple((old - new).elements()))


SLOTS_SHOWN = 3


def find_slots(
    session: Session,
    workspace: Workspace,
    channels: list[Channel],
    category: str | None,
    now: datetime,
    *,
    replaced: Iterable[int] = (),
    count: int = SLOTS_SHOWN,
) -> list[datetime]:
    """The next `count` times after `now` (aware, in the workspace timezone) at which a post
    of `category` on every one of `channels` adds no cadence, mix or coverage finding
    (rules/slots.py). `replaced` are posts the new one stands for (the post being edited),
    left out of the plan."""
    if not channels:
        return []
    skip = set(replaced)
    items = [item for item in plan_items(session, workspace) if item.id not in skip]
    search = rules.find_slots(
        items,
        rule_config(workspace),
        channels=[(c.name, c.network) for c in channels],
        category=_CATEGORIES.get(category or ""),
        after=now,
        count=count,
    )
    return list(search.slots)


def week_mixes(
    session: Session, workspace: Workspace, first: date, last_exclusive: date
) -> list[rules.UnitMix]:
    """The mix of the posts that count in the local days given, unfiltered: the balance bar
    describes the week, whatever the calendar's filters show."""
    start, end = local_day_bounds(first, last_exclusive, workspace.timezone)
    rows = session.execute(
        sa.select(*ITEM_COLUMNS)
        .join(Channel, Channel.id == Post.channel_id)
        .where(
            Post.workspace_id == workspace.id,
            Post.status.in_(COUNTED),
            Post.scheduled_at >= start,
            Post.scheduled_at < end,
        )
    )
    items = [_item(*row) for row in rows]
    return rules.balance(items, rules.RuleConfig(timezone=workspace.timezone))


EDITABLE_TYPES = (Fraction, int, float, timedelta, time)
CAP_FIELDS = ("warning_above", "error_above", "min_gap")


def setting_text(value: Any) -> str:
    """A threshold as a person types it: "1/2", "4h", "22:00", "6"."""
    if isinstance(value, timedelta):
        return rules.model.iso_duration(value).removeprefix("P").replace("T", "").lower() or "0s"
    return str(rules.model.measure_to_json(value))


def fixed_text(value: Any) -> str:
    """A threshold that the page shows but does not edit (a table or a list), in words:
    "value 1/4, conversation 1/4", never a Python repr such as `{}`."""
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {fixed_text(v)}" for k, v in value.items()) or "none"
    if isinstance(value, tuple | list | set | frozenset):
        return ", ".join(fixed_text(v) for v in value) or "none"
    if isinstance(value, EDITABLE_TYPES) and not isinstance(value, bool):
        return setting_text(value)
    return str(value)


@dataclass(frozen=True)
class SettingRow:
    """One rule on the settings page: whether it runs and its editable thresholds."""

    rule: rules.Rule
    enabled: bool
    values: dict[str, str]  # threshold name -> text as shown (or as typed)
    fixed: dict[str, str]  # thresholds shown but not editable here (lists, tables)


def settings_rows(
    workspace: Workspace,
    settings: Mapping[str, Any] | None = None,
    typed: Mapping[str, str] | None = None,
) -> list[SettingRow]:
    """The catalogue with each rule's effective thresholds under `settings` (default: the
    stored ones); `typed` form values win, so nothing typed is lost on an error."""
    try:
        config = rule_config(workspace, settings)
    except rules.ConfigError:
        # Show the preset's own values beside what was typed (or "balanced" for an unknown one).
        preset = (settings or {}).get("preset")
        config = rule_config(
            workspace, {"preset": preset if preset in rules.PRESETS else "balanced"}
        )
    disabled = set(
        (settings if settings is not None else workspace.rule_overrides or {}).get("disabled") or ()
    )
    rows = []
    for registered in rules.catalogue():
        effective = config.thresholds_for(registered.id)
        values, fixed = {}, {}
        for name, value in effective.items():
            if isinstance(value, EDITABLE_TYPES) and not isinstance(value, bool):
                key = f"t-{registered.id}-{name}"
                values[name] = (typed or {}).get(key, setting_text(value))
            else:
                fixed[name] = fixed_text(value)
        rows.append(SettingRow(registered, registered.id not in disabled, values, fixed))
    return rows


def settings_from_form(
    workspace: Workspace, form: Mapping[str, str], channels: list[Channel]
) -> dict[str, Any]:
    """Rule settings from the settings form: only what differs from the chosen preset (and
    from the networks' caps) is kept, so later changes to a default still reach this
    workspace. Values stay as typed; rule_config() validates them.

    The form shows the thresholds in force under the preset it was drawn with
    (`shown_preset`). A value left as shown is not an edit: choosing another preset then
    brings that preset's values, and only thresholds the admin typed (or overrides stored
    before) stay overrides.
    """
    preset = form.get("preset", "balanced")
    stored = dict(workspace.rule_overrides or {})
    stored_thresholds: Mapping[str, Mapping[str, Any]] = stored.get("thresholds") or {}
    shown_preset = form.get("shown_preset") or workspace.rule_preset
    try:
        shown = rule_config(workspace, {**stored, "preset": shown_preset})
    except rules.ConfigError:
        shown = None
    base = rule_config(workspace, {"preset": preset}) if preset in rules.PRESETS else None
    thresholds: dict[str, dict[str, Any]] = {}
    disabled = []
    for registered in rules.catalogue():
        if not form.get(f"enabled-{registered.id}"):
            disabled.append(registered.id)
        defaults = base.thresholds_for(registered.id) if base else registered.defaults
        for name, value in defaults.items():
            typed = form.get(f"t-{registered.id}-{name}")
            if typed is None or not isinstance(value, EDITABLE_TYPES) or isinstance(value, bool):
                continue
            typed = typed.strip()
            if shown is not None and typed == setting_text(
                shown.thresholds_for(registered.id)[name]
            ):
                earlier = stored_thresholds.get(registered.id, {}).get(name)
                if earlier is not None and str(earlier) != setting_text(value):
                    thresholds.setdefault(registered.id, {})[name] = earlier
                continue
            if typed != setting_text(value):
                thresholds.setdefault(registered.id, {})[name] = typed
    caps: dict[str, dict[str, str]] = {}
    for channel in channels:
        default = rules.network_caps(channel.network)
        for name in CAP_FIELDS:
            typed = (form.get(f"cap-{channel.id}-{name}") or "").strip()
            if typed and typed != setting_text(getattr(default, name)):
                caps.setdefault(channel.name, {"network": channel.network})[name] = typed
    return {"preset": preset, "thresholds": thresholds, "disabled": disabled, "channel_caps": caps}


def caps_rows(
    channels: list[Channel], settings: Mapping[str, Any], typed: Mapping[str, str] | None = None
) -> list[tuple[Channel, dict[str, str], dict[str, str]]]:
    """Per channel: the caps in force (as text) and its network's defaults (as text)."""
    stored = settings.get("channel_caps") or {}
    rows = []
    for channel in channels:
        default = rules.network_caps(channel.network)
        defaults = {name: setting_text(getattr(default, name)) for name in CAP_FIELDS}
        current = {
            name: (typed or {}).get(
                f"cap-{channel.id}-{name}",
                str(stored.get(channel.name, {}).get(name, defaults[name])),
            )
            for name in CAP_FIELDS
        }
        rows.append((channel, current, defaults))
    return rows


def counts_by_rule(all_findings: Iterable[rules.Finding]) -> Counter[str]:
    return Counter(f.rule for f in all_findings)


def preview(session: Session, workspace: Workspace, settings: Mapping[str, Any]) -> Counter[str]:
    """Findings per rule the current plan would have under `settings` (not saved)."""
    return counts_by_rule(
        rules.check(plan_items(session, workspace), rule_config(workspace, settings))
    )
