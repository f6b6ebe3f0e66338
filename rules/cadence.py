"""Cadence rules: how often and when posts go out. They look at exact times, per channel or
across all channels; local days and quiet hours are read in the workspace timezone.

Replies answer one person and do not land in every follower's feed: audience-overload,
too-close, burst and quiet-hours leave them out. A thread is one post for audience-overload,
burst and quiet-hours, and its parts are never too close to each other. quiet-channel counts
every post, replies included: a channel that answers people is not abandoned.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import datetime, time, timedelta
from itertools import pairwise, repeat
from operator import sub
from typing import Any, cast

from rules.model import Finding, RuleFamily, Severity, format_duration, network_caps
from rules.plan import _CHANNEL, MICROSECOND, Plan
from rules.registry import rule


def _caps_text(plan: Plan, channel: str, network: str) -> str:
    if channel in plan.config.channel_caps:
        return "this channel's cap"
    if network_caps(network) is network_caps("?"):
        return "the default cap"
    return f"{network}'s cap"


@rule(id="audience-overload", family=RuleFamily.CADENCE, severity=Severity.WARNING, defaults={})
def audience_overload(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """More posts on a channel in one local day than its network's cap.

    What it does: counts each channel's posts per local day (workspace timezone), a thread as
    one and replies not at all, and warns above the network's daily cap, failing above its
    error cap: facebook and instagram 2 / 3, linkedin 1 / 2, x and bluesky 10 / 20, threads
    and mastodon 5 / 10, tiktok 4 / 6, pinterest 10 / 25, others 10 / 20. A channel's own
    caps replace its network's.

    Why it matters: about a third of people unfollow brands that post too much (Sprout Social
    Index 2016); feed algorithms also ration reach per account, so a fourth post a day on
    Facebook mostly takes reach from the first three. The caps follow frequency studies by
    Hootsuite, HubSpot, Buffer and Socialbakers.

    Example: 4 posts on one Facebook page on Tuesday: above 3: error.

    Known false positives: live coverage of an event, or a news desk whose audience wants
    volume; raise that channel's caps.
    """
    for channel, every in plan.channel_timelines():
        network = plan.network_of(every)
        caps = plan.config.caps_for(channel, network)
        posts = plan.broadcasts_of(plan.channel_units[channel])
        per_day = Counter(map(plan.day.__getitem__, posts))
        crowded = {day for day, count in per_day.items() if count > caps.warning_above}
        if not crowded:
            continue
        for day, in_day in plan.days_of(posts):
            if day not in crowded:
                continue
            count = len(in_day)
            if count > caps.error_above:
                severity, threshold = Severity.ERROR, caps.error_above
            else:
                severity, threshold = Severity.WARNING, caps.warning_above
            yield plan.finding(
                "audience-overload",
                severity,
                channel,
                plan.day_window(day),
                in_day,
                count,
                threshold,
                f"{count} posts on {channel} on {plan.day_label(day)}, above "
                f"{_caps_text(plan, channel, network)} of {threshold} a day",
                "Move some of them to a quieter day; followers unfollow accounts that flood "
                "their feed.",
            )


@rule(id="too-close", family=RuleFamily.CADENCE, severity=Severity.WARNING, defaults={})
def too_close(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """Two posts on one channel closer than the network's minimum gap.

    What it does: for each pair of consecutive posts on a channel (replies left out, two parts
    of one thread never a pair), warns when the second comes less than the minimum gap after
    the first: 4 h on facebook and instagram, 18 h on
    linkedin, 60 min on x, threads, mastodon and bluesky, 2 h on tiktok, 30 min on pinterest
    and others. A channel's own minimum gap replaces its network's.

    Why it matters: the second post competes with the first for the same followers' attention
    and, on algorithmic feeds, for the same reach; LinkedIn in particular shows a page's
    newest post in place of the previous one for most followers. The gaps follow frequency
    studies by Hootsuite, HubSpot, Buffer and Socialbakers.

    Example: LinkedIn posts at 09:00 and 15:00 the same day: 6 h apart, closer than 18 h.

    Known false positives: a deliberate follow-up (a correction, the second half of an
    announcement); post it as a thread (the `thread` key, or within 2 minutes), move it or
    accept the warning.
    """
    head = plan.head
    for channel, every in plan.channel_timelines():
        network = plan.network_of(every)
        min_gap = plan.config.caps_for(channel, network).min_gap
        limit = min_gap // MICROSECOND
        posts = plan.broadcasts_of(every)
        stamps = list(map(plan.ts.__getitem__, posts))
        close = [i for i, gap in enumerate(map(sub, stamps[1:], stamps[:-1]), 1) if gap < limit]
        for index in close:
            first, second = posts[index - 1], posts[index]
            if head[first] == head[second]:
                continue  # parts of one thread
            gap = timedelta(microseconds=stamps[index] - stamps[index - 1])
            yield plan.finding(
                "too-close",
                Severity.WARNING,
                channel,
                (plan.at[first], plan.at[second]),
                (first, second),
                gap,
                min_gap,
                f"2 posts on {channel} {format_duration(gap)} apart "
                f"({plan.moment(plan.at[first])} and {plan.at[second]:%H:%M}), closer than "
                f"{format_duration(min_gap)}",
                f"Move one of them at least {format_duration(min_gap)} away from the other.",
            )


@rule(
    id="burst",
    family=RuleFamily.CADENCE,
    severity=Severity.WARNING,
    defaults={"above": 4, "window": timedelta(minutes=60)},
)
def burst(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """Posts across all channels crowding one hour.

    What it does: slides a 60-minute window over all posts of the workspace, whatever the
    channel (a thread as one post, replies left out), and warns where it holds more than 4;
    overlapping crowded windows are reported once, with the largest count seen.

    Why it matters: the same people follow a brand on several networks, so five posts in an
    hour across channels reach them as a burst, and schedulers that publish them together
    look automated. 4 in an hour follows the per-network gaps of the frequency studies
    (Hootsuite, HubSpot, Buffer) applied to a small multi-channel team.

    Example: posts at 09:00, 09:05, 09:10, 09:30 and 09:55 on four channels: 5 within 60
    minutes, above 4.

    Known false positives: a coordinated launch across networks, done on purpose.
    """
    above: int = limits["above"]
    span = limits["window"] // MICROSECOND
    timeline = plan.broadcasts_of(plan.units_of(plan.timeline))
    stamps = list(map(plan.ts.__getitem__, timeline))
    if len(stamps) <= above:
        return
    # The window ending at post j is crowded when the `above + 1` posts ending at j fit in it.
    crowded = [
        j
        for j, spread in enumerate(map(sub, stamps[above:], stamps[: len(stamps) - above]), above)
        if spread < span
    ]
    if not crowded:
        return
    # Where each crowded window starts; a window that does not reach back into the previous
    # crowded window starts a new cluster.
    firsts = list(map(bisect_right, repeat(stamps), [stamps[j] - span for j in crowded]))
    breaks = [k for k in range(1, len(crowded)) if firsts[k] > crowded[k - 1]]
    clusters: list[tuple[int, int, int]] = []  # (first index, last index, peak count)
    for a, b in pairwise([0, *breaks, len(crowded)]):
        peak = max(map(sub, crowded[a:b], firsts[a:b])) + 1
        clusters.append((firsts[a], crowded[b - 1], peak))
    items, at = plan.items, plan.at
    for first, last, peak in clusters:
        posts = timeline[first : last + 1]
        channels = len(set(map(_CHANNEL, map(items.__getitem__, posts))))
        yield plan.finding(
            "burst",
            Severity.WARNING,
            None,
            (at[posts[0]], at[posts[-1]]),
            posts,
            peak,
            above,
            f"{peak} posts across {channels} channel{'s' if channels != 1 else ''} within "
            f"{format_duration(limits['window'])} ({plan.moment(at[posts[0]])} to "
            f"{at[posts[-1]]:%H:%M}), above {above}",
            "Spread these posts over the day: the same people follow several of your channels.",
        )


FAST_NETWORKS = ("x", "threads", "bluesky", "mastodon")


@rule(
    id="quiet-channel",
    family=RuleFamily.CADENCE,
    severity=Severity.WARNING,
    defaults={
        "warning_above": timedelta(days=7),
        "error_above": timedelta(days=14),
        "fast_warning_above": timedelta(days=3),
        "fast_networks": FAST_NETWORKS,
    },
)
def quiet_channel(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """A channel with a long gap inside the plan.

    What it does: measures each gap between consecutive posts on a channel (replies count: a
    channel that answers people is alive), and, when the check has an explicit range, the
    gaps between its start and the channel's first post and between the channel's last post
    and its end. Warns above 7 days (3 days on the fast networks x, threads, bluesky and
    mastodon) and fails above 14 days.

    Why it matters: a profile that goes quiet looks abandoned ("undead profiles"), and it
    loses reach as much as one that posts too much; on the fast networks a timeline moves on
    within days. The gaps follow the frequency studies by Hootsuite, HubSpot and Buffer.

    Example: an Instagram account with posts on 1 March and 20 March: 19 days without a post,
    above 14: error.

    Known false positives: seasonal channels and planned breaks (holidays); with an explicit
    range, a channel that only joins the plan later shows a gap from the start of the range.
    """
    fast_networks = set(limits["fast_networks"])
    error_us = limits["error_above"] // MICROSECOND
    # The edges of an explicit range count; a plan that simply starts later or ends earlier
    # than a channel's posts says nothing about that channel.
    start_ts, end_ts = plan.range_start_ts, plan.range_end_ts
    for channel, posts in plan.channel_timelines():
        network = plan.network_of(posts)
        warning = limits["fast_warning_above" if network in fast_networks else "warning_above"]
        warning_us = warning // MICROSECOND
        stamps = list(map(plan.ts.__getitem__, posts))
        gaps = list(map(sub, stamps[1:], stamps[:-1]))
        # (gap, post before, post after); None stands for an edge of the explicit range.
        found: list[tuple[int, int | None, int | None]] = [
            (gap, posts[i - 1], posts[i]) for i, gap in enumerate(gaps, 1) if gap > warning_us
        ]
        if start_ts is not None and stamps[0] - start_ts > warning_us:
            found.insert(0, (stamps[0] - start_ts, None, posts[0]))
        if end_ts is not None and end_ts - stamps[-1] > warning_us:
            found.append((end_ts - stamps[-1], posts[-1], None))
        for gap, before, after in found:
            severity = Severity.ERROR if gap > error_us else Severity.WARNING
            threshold = limits["error_above"] if severity is Severity.ERROR else warning
            window = (
                plan.at[before] if before is not None else cast(datetime, plan.range_start),
                plan.at[after] if after is not None else cast(datetime, plan.range_end),
            )
            duration = timedelta(microseconds=gap)
            since = plan.moment(window[0]) if before is not None else "the start of the range"
            until = plan.moment(window[1]) if after is not None else "the end of the range"
            yield plan.finding(
                "quiet-channel",
                severity,
                channel,
                window,
                [p for p in (before, after) if p is not None],
                duration,
                threshold,
                f"no post on {channel} for {format_duration(duration)}, from {since} to "
                f"{until}, above {format_duration(threshold)}",
                "Schedule something in the gap, even a short tip or a curated link; a silent "
                "profile looks abandoned.",
            )


@rule(
    id="quiet-hours",
    family=RuleFamily.CADENCE,
    severity=Severity.INFO,
    defaults={"start": time(22, 0), "end": time(7, 0)},
)
def quiet_hours(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """A post while the audience sleeps (22:00 to 07:00 in the workspace timezone).

    What it does: notes each post whose local time is at or after 22:00 or before 07:00 (a
    thread once; replies, which answer someone who wrote, not at all).

    Why it matters: posts published at night sit under the morning's newer posts by the time
    people wake up; the frequency studies (Hootsuite, Buffer, Sprout Social) find engagement
    lowest between 22:00 and 07:00 local time.

    Example: a post at 23:30 Europe/Berlin: info.

    Known false positives: an audience in another timezone than the workspace (set the
    workspace timezone to the audience's), and time-critical care updates.
    """
    start: time = limits["start"]
    end: time = limits["end"]
    wraps = start > end
    window_text = f"{start:%H:%M}-{end:%H:%M}"
    at = plan.at
    head, reply = plan.head, plan.reply
    checked = [p for p in plan.checked if head[p] == p and not reply[p]]
    hours = [at[p].hour for p in checked]
    if wraps:
        # Posts in the hours strictly between the end and the start are awake; skip them.
        awake = range(end.hour + 1, start.hour)
        posts = [checked[i] for i, hour in enumerate(hours) if hour not in awake]
    else:
        posts = [checked[i] for i, hour in enumerate(hours) if start.hour <= hour <= end.hour]
    for post in posts:
        clock = at[post].time()
        quiet = (clock >= start or clock < end) if wraps else (start <= clock < end)
        if not quiet:
            continue
        channel = plan.items[post].channel
        yield plan.finding(
            "quiet-hours",
            Severity.INFO,
            channel,
            (at[post], at[post]),
            (post,),
            clock.replace(second=0, microsecond=0),
            window_text,
            f"post on {channel} at {plan.moment(at[post])}, inside quiet hours {window_text}",
            "Move it into waking hours, unless its audience lives in another timezone.",
        )
