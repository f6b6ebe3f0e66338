"""Mix rules: what a plan talks about. Shares are exact fractions; "above" means strictly above.
Weeks are ISO weeks of the local date in the workspace timezone.

What they count are units (rules/plan.py): a thread once, as its first post's category; a reply
as care. A unit without a category is uncategorised, and the mix is judged with and without
those (docs/design.md, "Replies, threads and uncategorised posts"):

- the minimum sizes count every unit, so leaving categories empty never makes a window too
  small to judge;
- a share is taken among the categorised units ("without them"), and again with the
  uncategorised counted the most charitable way (as not self, not promotion, in the group a
  floor asks for, as conversation). A finding fires on the first; its severity is what the
  second still reaches, and at least a warning. Findings say how many units were uncategorised.

Each channel-week (from 4 units) and workspace-week (from 6) is judged. A workspace-week whose
units are all on one channel is that channel's week: its finding is the channel's, at the more
severe of the two, not a second one. brand-monologue and no-conversation also judge each
channel over every 4 weeks running, and over its whole plan when it is too quiet for any 4 weeks
to be judged (`long_findings`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from rules.model import (
    CATEGORY_FAMILY,
    Category,
    Family,
    Finding,
    Measure,
    RuleFamily,
    Severity,
)
from rules.plan import WEEK, Mix, Plan, family_members, to_ts, where
from rules.registry import rule, to_fraction

SELF = family_members([Family.SELF])
CONVERSATION = family_members([Family.CONVERSATION])
PROMOTION = frozenset({Category.PROMOTION})
_FAMILY_NAMES = frozenset(f.value for f in Family)

# Below these a week is too small for a share to mean anything (docs/design.md, "Rules engine").
WEEK_MINIMUMS = {"min_channel_posts": 4, "min_workspace_posts": 6}
# The long windows of brand-monologue and no-conversation (see brand_monologue's docstring).
LONG_WINDOWS = {"window_weeks": 4, "min_window_posts": 6}


@dataclass(frozen=True)
class Verdict:
    """What a rule says about one window: the finding's numbers, its evidence and its message,
    with `{where}` and `{when}` left to fill in."""

    severity: Severity
    measured: Measure
    threshold: Measure
    evidence: tuple[int, ...]
    message: str
    uncategorised: int
    kind: str = "share"  # "share", "uncategorised" (most posts uncategorised) or "silence"


Judge = Callable[[Mix], Verdict | None]


def _percent(part: int, whole: int) -> str:
    return f"{round(Fraction(part, whole) * 100)}%"


def _share_text(part: int, mix: Mix) -> str:
    """ "3 of 5 (60%)", or "3 of 4 categorised posts (75%; 2 more uncategorised)"."""
    if not mix.uncategorised:
        return f"{part} of {mix.total} ({_percent(part, mix.total)})"
    return (
        f"{part} of {mix.total} categorised posts ({_percent(part, mix.total)}; "
        f"{mix.uncategorised} more uncategorised)"
    )


def _fraction_text(share: Fraction) -> str:
    return f"{share.numerator}/{share.denominator} ({round(share * 100)}%)"


def _above(share: Fraction, limits: Mapping[str, Any]) -> tuple[Severity, Fraction] | None:
    """(severity, threshold) when `share` is strictly above the error or warning threshold."""
    if share > limits["error_above"]:
        return Severity.ERROR, limits["error_above"]
    if share > limits["warning_above"]:
        return Severity.WARNING, limits["warning_above"]
    return None


def _too_much(
    mix: Mix, members: frozenset[Category], limits: Mapping[str, Any]
) -> tuple[Severity, Fraction, Fraction] | None:
    """(severity, share among categorised, threshold) when `members` take too much of the
    categorised units; the severity is what the share reaches with the uncategorised counted
    as not members, and at least a warning."""
    if not mix.total:
        return None
    part = mix.count(members)
    share = Fraction(part, mix.total)
    if _above(share, limits) is None:
        return None
    charitable = _above(Fraction(part, mix.size), limits)
    severity, threshold = charitable or (Severity.WARNING, limits["warning_above"])
    return severity, share, threshold


def _window_text(plan: Plan, mix: Mix) -> str:
    """ "in 2025-W14", "over the 4 weeks 2025-W11 to 2025-W14"."""
    if mix.weeks == 1:
        return f"in {plan.week_label(mix.first_week)}"
    last = mix.first_week + WEEK * (mix.weeks - 1)
    return (
        f"over the {mix.weeks} weeks {plan.week_label(mix.first_week)} to {plan.week_label(last)}"
    )


def _finding(plan: Plan, rule_id: str, mix: Mix, verdict: Verdict, hint: str) -> Finding:
    if verdict.kind == "uncategorised":
        hint = UNCATEGORISED_HINT
    start = plan.local_midnight(mix.first_week)
    end = plan.local_midnight(mix.first_week + WEEK * mix.weeks)
    return plan.finding(
        rule_id,
        verdict.severity,
        mix.channel,
        (start, end),
        verdict.evidence,
        verdict.measured,
        verdict.threshold,
        verdict.message.format(where=where(mix.channel), when=_window_text(plan, mix)),
        hint,
        verdict.uncategorised,
    )


def _weekly(
    plan: Plan, limits: Mapping[str, Any], judges: Sequence[Judge]
) -> dict[tuple[int, str | None, int], tuple[Mix, Verdict]]:
    """The verdicts on each week big enough to judge, keyed by (week, channel, judge number);
    a workspace-week whose units are all on one channel reports as that channel's week."""
    verdicts: dict[tuple[int, str | None, int], tuple[Mix, Verdict]] = {}
    workspace_weeks: list[Mix] = []
    for mix in plan.week_mixes:
        if mix.channel is None:
            workspace_weeks.append(mix)
            minimum = limits["min_workspace_posts"]
        else:
            minimum = limits["min_channel_posts"]
        if mix.size < minimum:
            continue
        for number, judge in enumerate(judges):
            verdict = judge(mix)
            if verdict is not None:
                verdicts[(mix.week, mix.channel, number)] = (mix, verdict)
    items = plan.items
    for mix in workspace_weeks:
        if not any((mix.week, None, n) in verdicts for n in range(len(judges))):
            continue
        channels = {items[p].channel for p in mix.all_posts()}
        if len(channels) != 1:
            continue
        (channel,) = channels
        for number in range(len(judges)):
            ours = verdicts.get((mix.week, None, number))
            theirs = verdicts.get((mix.week, channel, number))
            if ours is None or theirs is None:
                continue
            del verdicts[(mix.week, None, number)]
            if ours[1].severity > theirs[1].severity:
                verdicts[(mix.week, channel, number)] = (
                    theirs[0],
                    replace(theirs[1], severity=ours[1].severity, threshold=ours[1].threshold),
                )
    return verdicts


def _report(
    plan: Plan,
    rule_id: str,
    verdicts: Mapping[tuple[int, str | None, int], tuple[Mix, Verdict]],
    hint: str,
) -> Iterator[Finding]:
    """Findings of the verdicts, by week, workspace first, then channel."""
    for _, (mix, verdict) in sorted(verdicts.items(), key=_verdict_order):
        yield _finding(plan, rule_id, mix, verdict, hint)


def _verdict_order(
    entry: tuple[tuple[int, str | None, int], tuple[Mix, Verdict]],
) -> tuple[int, bool, str, int]:
    (week, channel, number), _ = entry
    return week, channel is not None, channel or "", number


# --- brand-monologue -------------------------------------------------------------------------


def _monologue(limits: Mapping[str, Any]) -> Judge:
    def judge(mix: Mix) -> Verdict | None:
        found = _too_much(mix, SELF, limits)
        part = mix.count(SELF)
        if found is not None:
            severity, share, threshold = found
            return Verdict(
                severity,
                share,
                threshold,
                mix.posts_in(SELF),
                f"self posts (brand + promotion) are {_share_text(part, mix)} {{where}} "
                f"{{when}}, above {_fraction_text(threshold)}",
                mix.uncategorised,
            )
        # Most units uncategorised: leaving categories empty must not hide a monologue.
        unknown = mix.uncategorised
        if unknown * 2 > mix.size:
            possible = Fraction(part + unknown, mix.size)
            if possible > limits["warning_above"]:
                return Verdict(
                    Severity.INFO,
                    possible,
                    limits["warning_above"],
                    mix.all_posts(),
                    f"{unknown} of {mix.size} posts {{where}} {{when}} are uncategorised; if "
                    f"they are about you, self posts are {part + unknown} of {mix.size} "
                    f"({_percent(part + unknown, mix.size)}), above "
                    f"{_fraction_text(limits['warning_above'])}",
                    unknown,
                    "uncategorised",
                )
        return None

    return judge


MONOLOGUE_HINT = (
    "Swap a brand or promotion post for a tip, a curated link or a question to your audience."
)
UNCATEGORISED_HINT = "Pick the categories of these posts so that their balance can be judged."


@rule(
    id="brand-monologue",
    family=RuleFamily.MIX,
    severity=Severity.WARNING,
    defaults={
        "warning_above": Fraction(1, 2),
        "error_above": Fraction(2, 3),
        **WEEK_MINIMUMS,
        **LONG_WINDOWS,
    },
)
def brand_monologue(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """Self posts (brand + promotion) dominate a week, a month or a quiet channel's plan.

    What it does: counts the share of brand and promotion posts among the categorised posts
    of each channel-week (from 4 posts) and workspace-week (from 6 posts); warns above 1/2 and
    fails above 2/3. Each channel is also judged over every 4 weeks running (from 6 posts):
    runs of 4-week windows above the threshold are reported once, as one stretch, unless the
    channel's weekly findings already say it all. A channel too quiet for any 4 weeks to hold
    6 posts (or planned for less than 4 weeks) is judged over its whole plan instead. A thread
    counts once, a reply as care. Uncategorised posts count toward the minimums; the severity
    is what the share still reaches if they were all about something else (at least a
    warning); a window whose posts are mostly uncategorised and could be a monologue gets an
    info finding that says so.

    Why it matters: social channels are a conversation between equals; accounts that only
    broadcast about themselves are ignored or unfollowed. The rule of thirds (Hootsuite) gives
    a third to self posts; 1/2 leaves room for a launch week, 2/3 does not. A brand that posts
    two or three times a week never fills a week to 4 posts, so the rule also reads the month a
    follower sees: 4 weeks. 6 posts is the smallest count at which one post more or less moves
    the share by one step at most (3/6 fine, 4/6 warning, 5/6 error) and the workspace-week's
    minimum already; it is 1.5 posts a week, so a channel posting less is judged over its whole
    plan.

    Example: a corporate account posting 3 announcements a week for 11 weeks: no week reaches
    4 posts, but every 4 weeks hold 12 self posts of 12: one error for the 11 weeks.

    Known false positives: launch weeks and events, when a team decides to talk about itself;
    raise the threshold for that week's range or accept the finding. A channel whose posts are
    uncategorised is flagged as a possible monologue (info) until their categories are picked.
    """
    judge = _monologue(limits)
    verdicts = _weekly(plan, limits, [judge])
    yield from _report(plan, "brand-monologue", verdicts, MONOLOGUE_HINT)
    warning: Fraction = limits["warning_above"]

    def maybe(size: int, categorised: int, part: int) -> bool:
        too_much = categorised and part * warning.denominator > warning.numerator * categorised
        return bool(too_much) or (size - categorised) * 2 > size

    yield from long_findings(
        plan, limits, "brand-monologue", judge, verdicts, MONOLOGUE_HINT, SELF, maybe
    )


# --- no-conversation -------------------------------------------------------------------------


def _silence(limits: Mapping[str, Any], *, weekly: bool) -> Judge:
    def judge(mix: Mix) -> Verdict | None:
        if not mix.total or mix.count(CONVERSATION):
            return None
        severity = Severity.WARNING
        if (
            weekly
            and not mix.uncategorised
            and mix.channel is None
            and mix.size >= limits["workspace_error_from"]
        ):
            severity = Severity.ERROR
        unknown = f"; {mix.uncategorised} of them are uncategorised" if mix.uncategorised else ""
        return Verdict(
            severity,
            0,
            1,
            mix.all_posts(),
            f"no conversation post (engagement, community, care) among {mix.size} posts "
            f"{{where}} {{when}}{unknown}",
            mix.uncategorised,
            "silence",
        )

    return judge


SILENCE_HINT = "Plan a question, a poll, a thank-you or a customer story this week."


@rule(
    id="no-conversation",
    family=RuleFamily.MIX,
    severity=Severity.WARNING,
    defaults={"workspace_error_from": 7, **WEEK_MINIMUMS, **LONG_WINDOWS},
)
def no_conversation(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """A week, a month or a quiet channel's plan with no post of the conversation family.

    What it does: warns for a channel-week (from 4 posts) and a workspace-week (from 6 posts)
    without a single engagement, community or care post among its categorised posts; a
    workspace-week of 7 posts or more without one, none of them uncategorised, is an error.
    Like brand-monologue, each channel is also judged over every 4 weeks running (from 6
    posts), or over its whole plan when it is too quiet for that, with a warning. Replies
    count as care, so a channel that answers its audience is in conversation.

    Why it matters: a channel that never asks, thanks or answers is a billboard. The rule of
    thirds (Hootsuite) gives conversation a third of the plan; a whole week without any is the
    clearest sign the plan has forgotten it, and a month without any on an account that posts
    twice a week is the same sign, spread thin. The window sizes are brand-monologue's.

    Example: 7 posts across all channels in 2025-W14: 3 brand, 2 promotion, 2 educational: error.

    Known false positives: replies and care answers written live are often not in the plan; a
    team that handles care outside the calendar may raise `min_channel_posts` and
    `min_window_posts`. Uncategorised posts might be conversation: the finding says how many.
    """
    verdicts = _weekly(plan, limits, [_silence(limits, weekly=True)])
    yield from _report(plan, "no-conversation", verdicts, SILENCE_HINT)
    long_judge = _silence(limits, weekly=False)
    yield from long_findings(
        plan,
        limits,
        "no-conversation",
        long_judge,
        verdicts,
        SILENCE_HINT,
        CONVERSATION,
        lambda size, categorised, part: categorised > 0 and part == 0,
    )


# --- long windows ----------------------------------------------------------------------------


def long_findings(
    plan: Plan,
    limits: Mapping[str, Any],
    rule_id: str,
    judge: Judge,
    weekly: Mapping[tuple[int, str | None, int], tuple[Mix, Verdict]],
    hint: str,
    members: frozenset[Category],
    maybe: Callable[[int, int, int], bool],
) -> Iterator[Finding]:
    """The findings of a rule over each channel's 4-week windows, or its whole plan.

    `maybe(units, categorised units, units in members)` rules windows out cheaply: the judge
    reads only those it lets through.

    Windows are every `window_weeks` consecutive weeks inside the channel's own first and last
    week; a run of windows with a verdict is one finding over the weeks they cover (the
    severity and measure of its worst window), dropped when each of its weeks with posts
    already has a weekly finding at least as severe. A channel none of whose windows holds
    `min_window_posts` units is judged over its whole plan, with the same proviso.
    """
    span_weeks: int = limits["window_weeks"]
    minimum: int = limits["min_window_posts"]
    if span_weeks < 1:
        return
    reach = WEEK * (span_weeks - 1)
    for channel, _ in plan.channel_timelines():
        span = plan.channel_week_span(channel)
        weeks = plan.channel_weeks(channel)
        if span is None or not weeks:
            continue
        first, last = span
        units = {monday: posts for monday, posts in weeks}
        covered = {
            week: verdict.severity
            for (week, name, _), (_, verdict) in weekly.items()
            if name == channel
        }
        # Windows end on each week from the first full one to the channel's last week.
        ends = range(first + reach, last + 1, WEEK)
        sizes = _window_sizes(units, ends, reach)
        if not any(size >= minimum for size in sizes):
            whole = plan.mix_of(
                channel,
                first,
                (last - first) // WEEK + 1,
                [p for _, posts in weeks for p in posts],
            )
            if whole.size >= minimum:
                verdict = judge(whole)
                if verdict is not None and not _covered(units, covered, whole, verdict):
                    yield _finding(plan, rule_id, whole, verdict, hint)
            continue
        stats = _week_stats(plan, channel, members)
        found: list[tuple[int, Mix, Verdict]] = []
        for end, size in zip(ends, sizes, strict=True):
            if size < minimum:
                continue
            weeks_in = [stats.get(m, (0, 0)) for m in range(end - reach, end + 1, WEEK)]
            if not maybe(size, sum(w[0] for w in weeks_in), sum(w[1] for w in weeks_in)):
                continue
            posts = [
                p for monday in range(end - reach, end + 1, WEEK) for p in units.get(monday, ())
            ]
            window = plan.mix_of(channel, end - reach, span_weeks, posts)
            verdict = judge(window)
            if verdict is not None:
                found.append((end, window, verdict))
        for run in _runs(found):
            stretch = _stretch(plan, channel, run, units, reach, span_weeks)
            if stretch is None:
                continue
            mix, verdict = stretch
            if not _covered(units, covered, mix, verdict):
                yield _finding(plan, rule_id, mix, verdict, hint)


def channel_is_dense(
    plan: Plan, channel: str, limits: Mapping[str, Any], within: tuple[int, int]
) -> bool:
    """Whether one of the channel's windows lying wholly inside `within` (instants as
    `to_ts`) holds `min_window_posts` units: then the channel is not judged over its whole
    plan, whatever lies outside. False when the plan has no such window."""
    span_weeks: int = limits["window_weeks"]
    span = plan.channel_week_span(channel)
    if span_weeks < 1 or span is None or channel not in plan.channels:
        return span_weeks < 1
    reach = WEEK * (span_weeks - 1)
    first, last = span
    units = dict(plan.channel_weeks(channel))
    low, high = within
    for end in range(first + reach, last + 1, WEEK):
        start_ts = to_ts(plan.local_midnight(end - reach))
        end_ts = to_ts(plan.local_midnight(end + WEEK))
        if low <= start_ts and end_ts <= high:
            size = sum(len(units.get(m, ())) for m in range(end - reach, end + 1, WEEK))
            if size >= limits["min_window_posts"]:
                return True
    return False


def _week_stats(
    plan: Plan, channel: str, members: frozenset[Category]
) -> dict[int, tuple[int, int]]:
    """(categorised units, units in `members`) of each of a channel's weeks."""
    return {
        week: (mix.total, mix.count(members))
        for week, mix in plan.channel_week_mixes.get(channel, {}).items()
    }


def _window_sizes(units: Mapping[int, Sequence[int]], ends: range, reach: int) -> list[int]:
    """How many units each window (ending on each of `ends`) holds, by a running sum."""
    sizes: list[int] = []
    for end in ends:
        sizes.append(sum(len(units.get(m, ())) for m in range(end - reach, end + 1, WEEK)))
    return sizes


def _runs(found: list[tuple[int, Mix, Verdict]]) -> Iterator[list[tuple[int, Mix, Verdict]]]:
    """Windows with a verdict, grouped into runs of consecutive weeks."""
    run: list[tuple[int, Mix, Verdict]] = []
    for window in found:
        if run and window[0] != run[-1][0] + WEEK:
            yield run
            run = []
        run.append(window)
    if run:
        yield run


def _stretch(
    plan: Plan,
    channel: str,
    run: list[tuple[int, Mix, Verdict]],
    units: Mapping[int, Sequence[int]],
    reach: int,
    span_weeks: int,
) -> tuple[Mix, Verdict] | None:
    """One finding's mix and verdict for a run of windows: the weeks they cover, the
    severity and measure of the worst window, the message of the whole stretch."""
    first_week = run[0][0] - reach
    last_week = run[-1][0]
    weeks = (last_week - first_week) // WEEK + 1
    posts = [p for monday in range(first_week, last_week + 1, WEEK) for p in units.get(monday, ())]
    mix = plan.mix_of(channel, first_week, weeks, posts)
    worst = max(run, key=lambda w: (w[2].severity.rank, w[2].measured))
    verdict = worst[2]
    if len(run) == 1:
        return worst[1], verdict
    # The stretch's own message: its posts over all its weeks, the worst window's measure.
    whole = _restate(worst[1], mix, verdict, span_weeks)
    return mix, whole


def _restate(window: Mix, mix: Mix, verdict: Verdict, span_weeks: int) -> Verdict:
    """The worst window's verdict, told for the whole stretch of windows around it."""
    every = f"every {span_weeks} weeks of them"
    if verdict.kind == "share":
        part = mix.count(SELF)
        message = (
            f"self posts (brand + promotion) are {_share_text(part, mix)} {{where}} {{when}}; "
            f"above the threshold in {every}, up to {_fraction_text(Fraction(verdict.measured))}"
            f", above {_fraction_text(Fraction(verdict.threshold))}"
        )
        evidence = mix.posts_in(SELF)
    elif verdict.kind == "uncategorised":
        message = (
            f"{mix.uncategorised} of {mix.size} posts {{where}} {{when}} are uncategorised; in "
            f"{every}, if they are about you, self posts are above "
            f"{_fraction_text(Fraction(verdict.threshold))}"
        )
        evidence = mix.all_posts()
    else:
        unknown = f"; {mix.uncategorised} of them are uncategorised" if mix.uncategorised else ""
        message = (
            f"no conversation post (engagement, community, care) among {mix.size} posts "
            f"{{where}} {{when}}{unknown}"
        )
        evidence = mix.all_posts()
    return replace(verdict, message=message, evidence=evidence, uncategorised=mix.uncategorised)


def _covered(
    units: Mapping[int, Sequence[int]],
    covered: Mapping[int, Severity],
    mix: Mix,
    verdict: Verdict,
) -> bool:
    """Whether weekly findings at least as severe already cover every week of the window
    that has posts: then the long window only repeats them."""
    last = mix.first_week + WEEK * (mix.weeks - 1)
    weeks = [m for m in range(mix.first_week, last + 1, WEEK) if units.get(m)]
    return all(m in covered and covered[m] >= verdict.severity for m in weeks)


# --- promotion-pressure ----------------------------------------------------------------------


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
    when promotions are above 1/5 of the categorised posts and fails above 1/3 (the severity
    is what the share still reaches with uncategorised posts counted as not promotions).

    Why it matters: in the Sprout Social Index 2016, 46 % of people said they unfollow brands
    for too many promotions. The 80/20 rule keeps selling to a fifth; above a third the channel
    reads like an advertisement.

    Example: 5 posts on a channel in one week, 2 of them promotions: 2/5 is above 1/3: error.

    Known false positives: sale events (Black Friday, a closing-down sale) where the audience
    expects offers; use a range override or the strict/80-20 presets deliberately.
    """

    def judge(mix: Mix) -> Verdict | None:
        found = _too_much(mix, PROMOTION, limits)
        if found is None:
            return None
        severity, share, threshold = found
        return Verdict(
            severity,
            share,
            threshold,
            mix.posts_in(PROMOTION),
            f"promotions are {_share_text(mix.count(PROMOTION), mix)} {{where}} {{when}}, "
            f"above {_fraction_text(threshold)}",
            mix.uncategorised,
        )

    verdicts = _weekly(plan, limits, [judge])
    yield from _report(
        plan,
        "promotion-pressure",
        verdicts,
        "Move a promotion to a lighter week, or replace it with a post that gives value.",
    )


# --- mix-shortfall ---------------------------------------------------------------------------


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
    or group (`engagement+community`) among the categorised posts is strictly below the floor.

    Why it matters: the field's rules of thumb are about what a plan should contain, not only
    what it should avoid: the rule of thirds (Hootsuite) wants value and conversation each near
    a third (warning below 1/4); 4-1-1 (Tippingpoint Labs, 2009) wants curated content at half
    (warning below 1/2); 5-3-2 (TA McCann) wants curated at 5/10 and personal posts at 2/10
    (warnings below 2/5 and 1/5).

    Example: with the 4-1-1 preset, a channel-week of 6 posts with 1 curated link: 1/6 is below
    1/2: warning.

    Known false positives: channels that by nature carry little of a family (a care-only
    support channel); pick a preset per workspace, or disable the rule. Uncategorised posts
    may belong to the group: the finding says how many there are.
    """
    floors: Mapping[str, Fraction] = limits["floors"]
    if not floors:
        return
    groups = [(group, _members(group), floors[group]) for group in sorted(floors)]

    def judge_for(group: str, members: frozenset[Category], floor: Fraction) -> Judge:
        def judge(mix: Mix) -> Verdict | None:
            if not mix.total:
                return None
            share = mix.share(members)
            if share >= floor:
                return None
            return Verdict(
                Severity.WARNING,
                share,
                floor,
                mix.posts_not_in(members),
                f"{_group_text(group)} posts are {_share_text(mix.count(members), mix)} "
                f"{{where}} {{when}}, below {_fraction_text(floor)}",
                mix.uncategorised,
            )

        return judge

    judges = [judge_for(*group) for group in groups]
    verdicts = _weekly(plan, limits, judges)
    for key, (mix, verdict) in sorted(verdicts.items(), key=_verdict_order):
        group = groups[key[2]][0]
        yield _finding(
            plan,
            "mix-shortfall",
            mix,
            verdict,
            f"Swap one of this week's other posts for a {group.replace('+', ' or ')} post.",
        )


# --- promotion-streak ------------------------------------------------------------------------


@rule(
    id="promotion-streak",
    family=RuleFamily.MIX,
    severity=Severity.WARNING,
    defaults={"warning_at": 2, "error_at": 3},
)
def promotion_streak(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """Promotions back to back on one channel.

    What it does: walks each channel's posts in time order (across weeks), a thread as one
    post and replies left out (they do not reach the followers' feed), and reports each run
    of consecutive promotions: a warning at 2 in a row, an error at 3. Uncategorised posts do
    not break a run; the severity is what the run reaches if they all did (at least a
    warning), and the finding says how many there were.

    Why it matters: a follower who sees two offers in a row from the same account stops
    reading the third; the 80/20 rule spreads selling between value posts. A streak can hide
    inside an acceptable weekly share when the promotions cluster at a week's edges.

    Example: Friday 18:00 promotion, Saturday 10:00 promotion, Monday 09:00 promotion on the
    same channel: 3 in a row, error, even though they fall in two weeks.

    Known false positives: promotions weeks apart on a quiet channel still count as a row.
    """
    warning_at: int = limits["warning_at"]
    error_at: int = limits["error_at"]
    category, at = plan.unit_category, plan.at
    promotion = Category.PROMOTION
    for channel, _ in plan.channel_timelines():
        units = plan.broadcasts_of(plan.channel_units[channel])
        runs: list[list[int]] = []  # positions in `units`: promotions, with None between
        open_run = False
        for index, post in enumerate(units):
            found = category[post]
            if found is promotion:
                if open_run:
                    runs[-1].append(index)
                else:
                    runs.append([index])
                    open_run = True
            elif found is not None:
                open_run = False
        for positions in runs:
            run = [units[i] for i in positions]
            length = len(run)
            if length < max(warning_at, 1):
                continue
            # The longest stretch with no uncategorised post between promotions.
            longest, current = 1, 1
            for a, b in zip(positions, positions[1:], strict=False):
                current = current + 1 if b == a + 1 else 1
                longest = max(longest, current)
            unknown = positions[-1] - positions[0] + 1 - length
            if longest >= error_at:
                severity, threshold = Severity.ERROR, error_at
            else:
                severity, threshold = Severity.WARNING, warning_at
            between = f", past {unknown} uncategorised" if unknown else ""
            yield plan.finding(
                "promotion-streak",
                severity,
                channel,
                (at[run[0]], at[run[-1]]),
                run,
                length,
                threshold,
                f"{length} promotions in a row on {channel}{between}, from "
                f"{plan.moment(at[run[0]])} to {plan.moment(at[run[-1]])}",
                "Put a post that gives value or starts a conversation between them, or "
                "spread the promotions out.",
                unknown,
            )
