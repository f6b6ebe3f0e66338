"""Content rules: what a post says. They read each post's text, alone or against the other posts
of its channel.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import timedelta
from fractions import Fraction
from functools import lru_cache
from typing import Any

from rules.classifier import classify, offer_candidates, offers_in
from rules.model import TEXT_LIMITS, Category, Finding, RuleFamily, Severity, format_duration
from rules.plan import MICROSECOND, Plan
from rules.registry import rule


@lru_cache(maxsize=65_536)
def word_set(text: str) -> frozenset[str]:
    """The words of a text, case ignored (cached: a text is compared with several others)."""
    return frozenset(text.lower().split())


def _similar(first: str, second: str, at_least: Fraction) -> tuple[bool, Fraction] | None:
    """(identical but for case and spacing, share of words in common) when the texts are at
    least 3/4 as long as each other and the share is at least `at_least`; None otherwise."""
    if first == second:
        return True, Fraction(1)
    # Texts of very different lengths are not near copies; this spares reading their words.
    if min(len(first), len(second)) * 4 < max(len(first), len(second)) * 3:
        return None
    a, b = word_set(first), word_set(second)
    small, large = sorted((len(a), len(b)))
    # Words in common are at most the smaller set, words in all at least the larger one.
    if small * at_least.denominator < large * at_least.numerator:
        return None
    common = len(a & b)
    union = len(a) + len(b) - common
    if common * at_least.denominator < union * at_least.numerator:
        return None
    if common == union and first.lower().split() == second.lower().split():
        return True, Fraction(1)
    return False, Fraction(common, union)


@rule(
    id="duplicate-text",
    family=RuleFamily.CONTENT,
    severity=Severity.WARNING,
    defaults={
        "warning_within": timedelta(days=7),
        "error_within": timedelta(days=3),
        "similarity": Fraction(4, 5),
    },
)
def duplicate_text(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """The same or nearly the same text twice on one channel.

    What it does: for each post, looks at the earlier posts of its channel within 7 days that
    open or end with the same 40 characters; an identical text (ignoring case and spacing)
    within 3 days is an error, an identical or nearly identical text (lengths within a quarter
    of each other and at least 4/5 of the words in common; words are what spaces separate,
    case ignored) within 7 days a warning. Each post is reported once, against the earlier
    post that makes the strongest case.

    Why it matters: followers notice repeats and read them as automation; X and Threads
    reject or throttle identical posts from one account in a short time, and Meta's feed
    ranking demotes repeated content.

    Example: "Our spring sale ends Sunday!" on Monday and again on Wednesday on the same
    account: identical within 3 days: error.

    Known false positives: recurring formats ("Good morning! Today's opening hours: ...") that
    are meant to look alike; known false negatives: near-duplicates that differ in both their
    first and last 40 characters are not compared.
    """
    warning_us = limits["warning_within"] // MICROSECOND
    error_us = limits["error_within"] // MICROSECOND
    at_least: Fraction = limits["similarity"]
    for channel, posts in plan.channel_timelines():
        texts = list(map(plan.text.__getitem__, posts))
        stamps = list(map(plan.ts.__getitem__, posts))
        # Only posts that open or end like an earlier post within the window can match it.
        earlier_of: dict[int, list[int]] = {}
        for column in (plan.heads, plan.tails):
            keys = list(map(column.__getitem__, posts))
            counts = Counter(keys)
            if len(counts) == len(keys):
                continue
            recurring = {key for key, count in counts.items() if count > 1}
            # In time order, each post whose key recurs links to the last earlier one.
            last: dict[str, int] = {}
            previous: dict[int, int] = {}
            for position in [i for i, key in enumerate(keys) if key in recurring]:
                key = keys[position]
                earlier = last.get(key, -1)
                last[key] = position
                if earlier < 0:
                    continue
                previous[position] = earlier
                while earlier >= 0 and stamps[position] - stamps[earlier] <= warning_us:
                    earlier_of.setdefault(position, []).append(earlier)
                    earlier = previous.get(earlier, -1)
        for position in sorted(earlier_of):
            # (rank, -gap, position) picks the strongest case, then the nearest, then the
            # latest in the channel's order.
            best: tuple[int, int, int, bool, Fraction] | None = None
            for earlier_position in earlier_of[position]:
                gap = stamps[position] - stamps[earlier_position]
                similar = _similar(texts[earlier_position], texts[position], at_least)
                if similar is None:
                    continue
                identical, shared_words = similar
                rank = 2 if identical and gap <= error_us else 1
                candidate = (rank, -gap, earlier_position, identical, shared_words)
                if best is None or candidate[:3] > best[:3]:
                    best = candidate
            if best is None:
                continue
            rank, negative_gap, earlier_position, identical, shared = best
            earlier, later = posts[earlier_position], posts[position]
            gap = timedelta(microseconds=-negative_gap)
            severity = Severity.ERROR if rank == 2 else Severity.WARNING
            threshold = limits["error_within" if rank == 2 else "warning_within"]
            sameness = (
                "the same text"
                if identical
                else f"nearly the same text ({round(shared * 100)}% of words shared)"
            )
            yield plan.finding(
                "duplicate-text",
                severity,
                channel,
                (plan.at[earlier], plan.at[later]),
                (earlier, later),
                gap,
                threshold,
                f"{sameness} twice on {channel}, {format_duration(gap)} apart "
                f"({plan.moment(plan.at[earlier])} and {plan.moment(plan.at[later])}), within "
                f"{format_duration(threshold)}",
                "Rewrite one of them or space them further apart; followers notice repeats.",
            )


@rule(
    id="disguised-promotion",
    family=RuleFamily.CONTENT,
    severity=Severity.WARNING,
    defaults={"min_confidence": 0.6},
)
def disguised_promotion(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """A post not tagged promotion whose text reads as one.

    What it does: for each post with another category (or none) whose text has a currency or
    percent sign and makes an offer (a price, a percentage or money off, a discount code), and
    that the classifier suggests as `promotion` with a confidence of at least 0.6, warns and
    names the signals.

    Why it matters: the mix rules count categories, so a promotion tagged "educational" hides
    from promotion-pressure and promotion-streak, and the plan sells more than it says. Sprout
    Social Index 2016: 46 % of people unfollow brands for too many promotions.

    Example: "Three ways to style a scarf, and all scarves are 20% off with code WRAP20 this
    week", tagged educational: reads as a promotion.

    Known false positives: care posts that offer a goodwill discount after a problem, and
    curated posts quoting prices (the classifier usually places those right). Known false
    negatives: offers without a currency or percent sign ("use code SPRING", "free trial",
    "buy one, get one").
    """
    minimum: float = limits["min_confidence"]
    checked, items, at = plan.checked, plan.items, plan.at
    # Most posts make no offer; rule them out in bulk before reading any closely.
    for position in offer_candidates(plan.checked_column(plan.text)):
        post = checked[position]
        category = items[post].category
        if category is Category.PROMOTION:
            continue
        text = items[post].text
        offers = offers_in(text)
        if not offers:
            continue
        suggestion = classify(text)
        if suggestion.category is not Category.PROMOTION or suggestion.confidence < minimum:
            continue
        tagged = f"tagged {category.value}" if category is not None else "not categorised"
        cues = ", ".join(suggestion.signals[:3]) or ", ".join(s.label for s in offers)
        channel = items[post].channel
        yield plan.finding(
            "disguised-promotion",
            Severity.WARNING,
            channel,
            (at[post], at[post]),
            (post,),
            suggestion.confidence,
            minimum,
            f"post on {channel} at {plan.moment(at[post])} reads as a promotion "
            f"(confidence {suggestion.confidence:.2f}: {cues}) but is {tagged}",
            "Tag it promotion so the mix rules count it, or take the offer out.",
        )


@rule(id="too-long", family=RuleFamily.CONTENT, severity=Severity.ERROR, defaults={})
def too_long(plan: Plan, limits: Mapping[str, Any]) -> Iterator[Finding]:
    """Text longer than its network accepts.

    What it does: compares each post's length, in Unicode code points, with its network's
    limit: x 280, bluesky 300, mastodon and threads 500, instagram 2,200, linkedin 3,000,
    facebook 63,206; other networks have no limit here.

    Why it matters: the network rejects the post at publishing time, when nobody is looking.
    The composer stops long texts, but imports, API writes and moving a post to another
    channel get past it.

    Example: a 320-character post moved from a Mastodon channel to an X channel: error.

    Known false positives and negatives: X counts every link as 23 characters and some
    characters (CJK, emoji) as 2; Bluesky counts graphemes. A post with long links can be
    flagged though X would take it, and a post full of emoji can pass though X would not.
    """
    shortest = min(TEXT_LIMITS.values())
    checked, items, at = plan.checked, plan.items, plan.at
    lengths = list(map(len, plan.checked_column(plan.text)))
    for post, length in [(checked[i], n) for i, n in enumerate(lengths) if n > shortest]:
        network = items[post].network.lower()
        limit = TEXT_LIMITS.get(network)
        if limit is None or length <= limit:
            continue
        channel = items[post].channel
        yield plan.finding(
            "too-long",
            Severity.ERROR,
            channel,
            (at[post], at[post]),
            (post,),
            length,
            limit,
            f"post on {channel} at {plan.moment(at[post])} is {length:,} characters, above "
            f"{network}'s limit of {limit:,}",
            f"Shorten it by {length - limit:,} characters, or move it to a network that takes "
            "longer posts.",
        )
