"""Content rules: what a post says. They read each post's text, alone or against the other posts
of its channel.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from fractions import Fraction
from functools import lru_cache
from typing import Any

from rules.classifier import classify, offer_candidates, offers_in
from rules.length import INSTAGRAM_MAX_HASHTAGS, measure, surely_fits
from rules.model import TEXT_LIMITS, Category, Finding, RuleFamily, Severity, format_duration
from rules.plan import MICROSECOND, Plan
from rules.registry import rule

# Words are runs of letters and digits: punctuation, dashes, quotes, emoji and white space
# only separate them, so texts that differ in nothing else read as the same text.
_WORD = re.compile(r"[^\W_]+")
# A text's opening key is its first 32 ASCII letters and digits, lowercased: texts with the
# same words have the same key. Bytes.translate drops everything else at C speed; only the
# opening is read (48 characters), unless it holds too few letters.
_KEY_LENGTH = 32
_KEY_SPAN = 48
_NOT_KEY = bytes(c for c in range(256) if not (chr(c).isascii() and chr(c).isalnum()))
_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
# Code points whose NFC form weighs more on X than their UTF-8 bytes (too-long's bound).
_NFC_LONGER = re.compile("[\U0001d15e-\U0001d164\U0001d1bb-\U0001d1c0]")
_SPACE_FOR_NOT_WORD = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))


@lru_cache(maxsize=65_536)
def words(text: str) -> tuple[str, ...]:
    """The words of a text in order, case ignored (cached: a text is compared with several
    others)."""
    if text.isascii():
        # The same words as the expression finds, at C speed: other bytes become spaces.
        return tuple(text.lower().encode().translate(_SPACE_FOR_NOT_WORD).decode().split())
    return tuple(_WORD.findall(text.lower()))


@lru_cache(maxsize=65_536)
def word_set(text: str) -> frozenset[str]:
    """The distinct words of a text, case ignored."""
    return frozenset(words(text))


def _keys(texts: Sequence[str]) -> tuple[list[bytes], list[str]]:
    """Each text's first 32 ASCII letters and digits, lowercased (texts that are the same but
    for punctuation, case, spacing, quotes and dashes have the same), and its last 40
    characters."""
    size, span, drop, lower = _KEY_LENGTH, _KEY_SPAN, _NOT_KEY, _LOWER

    def key(text: str) -> bytes:
        if text.isascii():
            return text.encode().translate(lower, drop)
        return text.lower().encode().translate(None, drop)

    heads = [
        (
            text.encode().translate(lower, drop)
            if text.isascii()
            else text.lower().encode().translate(None, drop)
        )[:size]
        for text in [t[:span] for t in texts]
    ]
    # An opening with too few letters and digits is read again from the whole text.
    for index in [i for i, k in enumerate(heads) if len(k) < size]:
        if len(texts[index]) > span:
            heads[index] = key(texts[index])[:size]
    # Texts with the same words have the same head key; the tail key finds near copies with
    # a new opening, and is their last 40 characters as they are.
    tails = [text[-40:] for text in texts]
    return heads, tails


def _similar(first: str, second: str, at_least: Fraction) -> tuple[bool, Fraction] | None:
    """(the same words in the same order, share of words in common) when the texts have
    lengths within a quarter of each other and the share is at least `at_least`; None
    otherwise."""
    if first == second:
        return True, Fraction(1)
    # Punctuation seldom doubles a text: this spares reading the words of most pairs.
    if min(len(first), len(second)) * 2 < max(len(first), len(second)):
        return None
    a_words, b_words = words(first), words(second)
    if a_words == b_words:
        return True, Fraction(1)
    a_length, b_length = sum(map(len, a_words)), sum(map(len, b_words))
    # Texts of very different lengths are not near copies; this spares comparing their words.
    if min(a_length, b_length) * 4 < max(a_length, b_length) * 3:
        return None
    a, b = word_set(first), word_set(second)
    small, large = sorted((len(a), len(b)))
    # Words in common are at most the smaller set, words in all at least the larger one.
    if small * at_least.denominator < large * at_least.numerator:
        return None
    common = len(a & b)
    union = len(a) + len(b) - common
    if not union or common * at_least.denominator < union * at_least.numerator:
        return None
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

    What it does: for each post that is not a reply, looks at the earlier posts of its channel
    within 7 days that open with the same 32 letters and digits or end with the same 40
    characters; the same text within
    3 days is an error, the same or nearly the same text (lengths within a quarter of each
    other and at least 4/5 of the words in common) within 7 days a warning. Texts are compared
    on their words: runs of letters and digits, case ignored, so texts that differ only in
    punctuation, dashes, quotes, emoji or white space are the same text. Each post is reported
    once, against the earlier post that makes the strongest case.

    Why it matters: followers notice repeats and read them as automation; X and Threads
    reject or throttle identical posts from one account in a short time, and Meta's feed
    ranking demotes repeated content.

    Example: "Our spring sale ends Sunday!" on Monday and again on Wednesday on the same
    account: identical within 3 days: error.

    Known false positives: recurring formats ("Good morning! Today's opening hours: ...") that
    are meant to look alike. Replies are left out: support teams answer many people with the
    same words. Known false negatives: near-duplicates that differ in both their first 32
    letters and digits (ASCII) and their last 40 characters are not compared.
    """
    warning_us = limits["warning_within"] // MICROSECOND
    error_us = limits["error_within"] // MICROSECOND
    at_least: Fraction = limits["similarity"]
    for channel, every in plan.channel_timelines():
        # Replies answer one person each; canned support wording is not a repeat.
        posts = plan.broadcasts_of(every)
        texts = list(map(plan.text.__getitem__, posts))
        stamps = list(map(plan.ts.__getitem__, posts))
        # Only posts that open or end like an earlier post within the window can match it.
        earlier_of: dict[int, list[int]] = {}
        for keys in _keys(texts):
            counts = Counter(keys)
            if len(counts) == len(keys):
                continue
            recurring = {key for key, count in counts.items() if count > 1}
            # In time order, each post whose key recurs links to the last earlier one.
            last: dict[bytes | str, int] = {}
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

    What it does: measures each post the way its network counts (rules/length.py) and fails
    when it is above the network's limit: x 280 weighted characters (every link 23, CJK and
    emoji 2), bluesky 300 graphemes, mastodon 500 characters (every link 23, `@user@domain` as
    `@user`), threads 500, instagram 2,200 (and at most 30 hashtags), linkedin 3,000, facebook
    63,206; other networks have no limit here.

    Why it matters: the network rejects the post at publishing time, when nobody is looking.
    The composer stops long texts, but imports, API writes and moving a post to another
    channel get past it.

    Example: a 320-character post moved from a Mastodon channel to an X channel: error. A
    support reply with a 90-character help link counts 23 for the link, and fits.

    Known false positives: a Mastodon server may raise its limit above 500; X Premium accounts
    may post longer texts. X leaves the @names that open a reply out of the count, where this
    rule counts them.
    """
    checked, items, at = plan.checked, plan.items, plan.at
    texts = plan.checked_column(plan.text)
    # Most posts are far below every limit: a cheap bound rules them out before any counting.
    networks = [items[p].network for p in checked]
    kind_of = {name: (name.lower(), TEXT_LIMITS.get(name.lower())) for name in set(networks)}
    # Most posts are far below their network's limit: a cheap bound rules them out in bulk.
    # Only X weighs a character more than one, and only X and Mastodon count a link as 23 (a
    # link has a dot; at least "a.co", 4 characters, or "http://a.co" on Mastodon).
    for index in [
        i
        for i, (text, network) in enumerate(zip(texts, networks, strict=True))
        if (kind := kind_of[network])[1] is not None
        and (
            len(text) > kind[1]
            or (
                kind[0] == "x"
                # (A dot before a space ends a sentence, not a domain. Outside ASCII a code
                # point weighs at most its UTF-8 bytes, but for a few musical symbols whose
                # NFC form is longer.)
                and (
                    (len(text) if text.isascii() else len(text.encode()))
                    + 19 * (text.count(".") - text.count(". "))
                    > kind[1]
                    or (not text.isascii() and _NFC_LONGER.search(text) is not None)
                )
            )
            or (kind[0] == "mastodon" and "://" in text)
            or (kind[0] == "instagram" and text.count("#") > INSTAGRAM_MAX_HASHTAGS)
        )
    ]:
        post = checked[index]
        network = items[post].network
        text = texts[index]
        if surely_fits(text, network):
            continue
        length = measure(text, network)
        if length is None or length.fits:
            continue
        channel = items[post].channel
        if length.over:
            measured, threshold = length.count, length.limit
            what = f"is {length.count:,} {length.unit}"
            hint = (
                f"Shorten it by {length.over:,} {length.unit}, or move it to a network that "
                "takes longer posts."
            )
        else:
            measured, threshold = len(length.problems), 0
            what = "cannot go out"
            hint = "Change the text so that the network takes it."
        problems = "; ".join(length.problems[1:] if length.over else length.problems)
        if length.over:
            message = (
                f"post on {channel} at {plan.moment(at[post])} {what}, above "
                f"{length.network}'s limit of {length.limit:,}"
            )
            if problems:
                message += f"; {problems}"
        else:
            if length.network == "instagram":
                measured, threshold = _hashtags(length.problems), INSTAGRAM_MAX_HASHTAGS
            message = f"post on {channel} at {plan.moment(at[post])} {what}: {problems}"
        yield plan.finding(
            "too-long",
            Severity.ERROR,
            channel,
            (at[post], at[post]),
            (post,),
            measured,
            threshold,
            message,
            hint,
        )


def _hashtags(problems: Sequence[str]) -> int:
    """The hashtag count a length problem names."""
    for problem in problems:
        if "hashtags" in problem:
            return int(problem.split()[0].replace(",", ""))
    return 0
