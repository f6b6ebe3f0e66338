"""Mix rules: what a week talks about, per channel (from 4 posts) and across the workspace (from
6 posts). Shares are exact fractions; "above" means strictly above. Weeks are ISO weeks of the
local date in the workspace timezone. Posts without a category are left out of the mix.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Any

from rules.model import CATEGORY_FAMILY, Category, Family, Finding, RuleFamily, Severity
from rules.plan import Plan, WeekMix, family_members, where
from rules.registry import rule, to_fraction

SELF = family_members([Family.SELF])
CONVERSATION = family_members([Family.CONVERSATION])
PROMOTION = frozenset({Category.PROMOTION})
_FAMILY_NAMES = frozenset(f.value for f in Family)

# Below these a week is too small for a share to mean anything (docs/design.md, "Rules engine").
WEEK_MINIMUMS = {"min_channel_posts": 4, "min_workspace_posts": 6}


def _weeks(plan: Plan, limits: Mapping[str, Any]) -> Iterator[WeekMix]:
    """The weeks big enough to judge."""
    for mix in plan.week_mixes:
        minimum = limits["min_workspace_posts" if mix.channel is None else "min_channel_posts"]
        if mix.total >= minimum:
            yield mix


def _share_text(part: int, mix: WeekMix) -> str:
    return f"{part} of {mix.total} ({round(Fraction(part, mix.total) * 100)}%)"


def _fraction_text(share: Fraction) -> str:
    return f"{share.numerator}/{share.denominator} ({round(share * 100)}%)"


def _above(share: Fraction, limits: Mapping[str, Any]) -> tuple[Severity, Fraction] | None:
    """(severity, threshold) when `share` is strictly above the error or warning threshold."""
    if share > limits["error_above"]:
        return Severity.ERROR, limits["error_above"]
    if share > limits["warning_above"]:
        return Severity.WARNING, limits["warning_above"]
    return None


@rule(
    id="brand-monologue",
    family=RuleFamily.MIX,
    severity=Severity.WARNING,
    defaults={
        "warning_above": Fraction(1, 2),
        "error_above": Fraction(2, 3),
        **WEEK_MINIMUMS,
    },
)
def brand_monologue(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """Self posts (brand + promotion) dominate a week.

    What it does: in each channel-week (from 4 posts) and workspace-week (from 6 posts), counts
    the share of brand and promotion posts; warns above 1/2 and fails above 2/3.

    Why it matters: social channels are a conversation between equals; accounts that only
    broadcast about themselves are ignored or unfollowed. The rule of thirds (Hootsuite) gives
    a third to self posts; 1/2 leaves room for a launch week, 2/3 does not.

    Example: a channel-week with 4 announcements, 1 discount and 1 tip: self posts are 5/6,
    above 2/3: error.

    Known false positives: launch weeks and events, when a team decides to talk about itself;
    raise the threshold for that week's range or accept the finding.
    """
    for mix in _weeks(plan, limits):
        share = mix.share(SELF)
        verdict = _above(share, limits)
        if verdict is None:
            continue
        severity, threshold = verdict
        yield plan.finding(
            "brand-monologue",
            severity,
            mix.channel,
            plan.week_window(mix.week),
            mix.posts_in(SELF),
            share,
            threshold,
            f"self posts (brand + promotion) are {_share_text(mix.count(SELF), mix)} "
            f"{where(mix.channel)} in {plan.week_label(mix.week)}, "
            f"above {_fraction_text(threshold)}",
            "Swap a brand or promotion post for a tip, a curated link or a question to your "
            "audience.",
        )


@rule(
    id="no-conversation",
    family=RuleFamily.MIX,
    severity=Severity.WARNING,
    defaults={"workspace_error_from": 7, **WEEK_MINIMUMS},
)
def no_conversation(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """A week with no post of the conversation family (engagement, community, care).

    What it does: warns for a channel-week (from 4 posts) and a workspace-week (from 6 posts)
    without a single engagement, community or care post; a workspace-week of 7 posts or more
    without one is an error.

    Why it matters: a channel that never asks, thanks or answers is a billboard. The rule of
    thirds (Hootsuite) gives conversation a third of the plan; a whole week without any is the
    clearest sign the plan has forgotten it.

    Example: 7 posts across all channels in 2025-W14: 3 brand, 2 promotion, 2 educational: error.

    Known false positives: replies and care answers written live are often not in the plan; a
    team that handles care outside the calendar may disable the rule for channel-weeks by
    raising `min_channel_posts`.
    """
    for mix in _weeks(plan, limits):
        if mix.count(CONVERSATION):
            continue
        severity = Severity.WARNING
        if mix.channel is None and mix.total >= limits["workspace_error_from"]:
            severity = Severity.ERROR
        yield plan.finding(
            "no-conversation",
            severity,
            mix.channel,
            plan.week_window(mix.week),
            mix.posts,
            0,
            1,
            f"no conversation post (engagement, community, care) among {mix.total} posts "
            f"{where(mix.channel)} in {plan.week_label(mix.week)}",
            "Plan a question, a poll, a thank-you or a customer story this week.",
        )


@rule(
    id="promotion-pressure",
    family=RuleFamily.MIX,
    severity=Severity.WARNING,
    defaults={
        "warning_above": Fraction(1, 5),
        "error_above": Fraction(1, 3),
        **WEEK_MINIMUMS,
    },
)
def promotion_pressure(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """Promotions above their share of a week.

    What it does: in each channel-week (from 4 posts) and workspace-week (from 6 posts), warns
    when promotions are above 1/5 of the posts and fails above 1/3.

    Why it matters: in the Sprout Social Index 2016, 46 % of people said they unfollow brands
    for too many promotions. The 80/20 rule keeps selling to a fifth; above a third the channel
    reads like an advertisement.

    Example: 5 posts on a channel in one week, 2 of them promotions: 2/5 is above 1/3: error.

    Known false positives: sale events (Black Friday, a closing-down sale) where the audience
    expects offers; use a range override or the strict/80-20 presets deliberately.
    """
    for mix in _weeks(plan, limits):
        share = mix.share(PROMOTION)
        verdict = _above(share, limits)
        if verdict is None:
            continue
        severity, threshold = verdict
        yield plan.finding(
            "promotion-pressure",
            severity,
            mix.channel,
            plan.week_window(mix.week),
            mix.posts_in(PROMOTION),
            share,
            threshold,
            f"promotions are {_share_text(mix.count(PROMOTION), mix)} {where(mix.channel)} "
            f"in {plan.week_label(mix.week)}, above {_fraction_text(threshold)}",
            "Move a promotion to a lighter week, or replace it with a post that gives value.",
        )


def _groups(value: Any) -> dict[str, Fraction]:
    """Floors as stored: {"curated": "1/2", "engagement+community": "1/5", "value": 0.25}."""
    if not isinstance(value, Mapping):
        raise ValueError(f"expected a mapping of category or family to a share, got {value!r}")
    known = {c.value for c in Category} | {f.value for f in Family}
    floors: dict[str, Fraction] = {}
    for name, share in value.items():
        parts = str(name).lower().split("+")
        if not all(part in known for part in parts):
            raise ValueError(f"{name!r} is not a category or family (or several joined by +)")
        floors["+".join(parts)] = to_fraction(share)
    return floors


def _members(group: str) -> frozenset[Category]:
    members: set[Category] = set()
    for part in group.split("+"):
        if part in _FAMILY_NAMES:
            members |= family_members([Family(part)])
        else:
            members.add(Category(part))
    return frozenset(members)


def _group_text(group: str) -> str:
    parts = group.split("+")
    named = []
    for part in parts:
        if part in _FAMILY_NAMES:
            members = sorted(c.value for c, f in CATEGORY_FAMILY.items() if f == part)
            named.append(f"{part} ({' + '.join(members)})")
        else:
            named.append(part)
    return " + ".join(named)


@rule(
    id="mix-shortfall",
    family=RuleFamily.MIX,
    severity=Severity.WARNING,
    defaults={"floors": {}, **WEEK_MINIMUMS},
    coercers={"floors": _groups},
)
def mix_shortfall(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """A category or family below its preset's minimum share of a week.

    What it does: for each floor of the preset (none in `balanced`), in each channel-week (from
    4 posts) and workspace-week (from 6 posts), warns when the share of that category, family
    or group (`engagement+community`) is strictly below the floor.

    Why it matters: the field's rules of thumb are about what a plan should contain, not only
    what it should avoid: the rule of thirds (Hootsuite) wants value and conversation each near
    a third (warning below 1/4); 4-1-1 (Tippingpoint Labs, 2009) wants curated content at half
    (warning below 1/2); 5-3-2 (TA McCann) wants curated at 5/10 and personal posts at 2/10
    (warnings below 2/5 and 1/5).

    Example: with the 4-1-1 preset, a channel-week of 6 posts with 1 curated link: 1/6 is below
    1/2: warning.

    Known false positives: channels that by nature carry little of a family (a care-only
    support channel); pick a preset per workspace, or disable the rule.
    """
    floors: Mapping[str, Fraction] = limits["floors"]
    if not floors:
        return
    groups = [(group, _members(group), floors[group]) for group in sorted(floors)]
    for mix in _weeks(plan, limits):
        for group, members, floor in groups:
            share = mix.share(members)
            if share >= floor:
                continue
            others = mix.posts_not_in(members)
            yield plan.finding(
                "mix-shortfall",
                Severity.WARNING,
                mix.channel,
                plan.week_window(mix.week),
                others,
                share,
                floor,
                f"{_group_text(group)} posts are {_share_text(mix.count(members), mix)} "
                f"{where(mix.channel)} in {plan.week_label(mix.week)}, below "
                f"{_fraction_text(floor)}",
                f"Swap one of this week's other posts for a {group.replace('+', ' or ')} post.",
            )


@rule(
    id="promotion-streak",
    family=RuleFamily.MIX,
    severity=Severity.WARNING,
    defaults={"warning_at": 2, "error_at": 3},
)
def promotion_streak(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """Promotions back to back on one channel.

    What it does: walks each channel's posts in time order (across weeks) and reports each run
    of consecutive promotions: a warning at 2 in a row, an error at 3.

    Why it matters: a follower who sees two offers in a row from the same account stops
    reading the third; the 80/20 rule spreads selling between value posts. A streak can hide
    inside an acceptable weekly share when the promotions cluster at a week's edges.

    Example: Friday 18:00 promotion, Saturday 10:00 promotion, Monday 09:00 promotion on the
    same channel: 3 in a row, error, even though they fall in two weeks.

    Known false positives: a multi-part offer posted as a thread; a post without a category
    breaks a run, as does any post of another category.
    """
    warning_at: int = limits["warning_at"]
    error_at: int = limits["error_at"]
    category, at = plan.category, plan.at
    promotion = Category.PROMOTION
    for channel, posts in plan.channel_timelines():
        promotions = [i for i, p in enumerate(posts) if category[p] is promotion]
        runs: list[list[int]] = []
        for index in promotions:
            if runs and runs[-1][-1] == index - 1:
                runs[-1].append(index)
            else:
                runs.append([index])
        for positions in runs:
            run = [posts[i] for i in positions]
            if len(run) >= max(warning_at, 1):
                severity = Severity.ERROR if len(run) >= error_at else Severity.WARNING
                threshold = error_at if severity is Severity.ERROR else warning_at
                yield plan.finding(
                    "promotion-streak",
                    severity,
                    channel,
                    (at[run[0]], at[run[-1]]),
                    run,
                    len(run),
                    threshold,
                    f"{len(run)} promotions in a row on {channel}, from "
                    f"{plan.moment(at[run[0]])} to {plan.moment(at[run[-1]])}",
                    "Put a post that gives value or starts a conversation between them, or "
                    "spread the promotions out.",
                )
