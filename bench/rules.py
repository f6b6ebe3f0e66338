"""How fast the rules engine checks a big plan. Prints figures; asserts nothing.

    .venv/bin/python bench/rules.py [--posts 50000] [--channels 25] [--days 365] [--runs 5]

The plan: 50,000 posts on 25 channels of mixed networks over 365 days, Europe/Berlin, texts
made from sentences of the labelled posts (tests/data/posts-labelled.csv) so that they read
like real posts and are nearly all different; a text too long for its network is shortened by
what the network counts (rules/length.py), but for 0.3 % left as slips. Figures:

- full check: median of `rules.check` over the whole plan, with the engine's text caches
  emptied before each run ("cold": every text read for the first time), and again with warm
  caches (what a web process that already checked the plan sees);
- floor: one pass over the same posts that buckets them by channel and local day, the least
  any check must do; the ratio is full check (cold) / floor;
- composer: median of `rules.check_change` for one changed post (moved within its week,
  recategorised, or its text edited) on the same plan;
- peak memory of a full check (tracemalloc, in a separate run, since tracing slows it down).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import random
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
# This script is bench/rules.py: with its own folder first on the path, `import rules` would
# import the script itself.
sys.path[0] = str(ROOT)

import rules  # noqa: E402
from rules import Category, PlanItem, RuleConfig  # noqa: E402
from rules.length import measure  # noqa: E402

TIMEZONE = "Europe/Berlin"
# (network, channels, posts a day on each): volumes near what each network takes.
NETWORKS = [
    ("x", 6, 8.5),
    ("bluesky", 3, 8.5),
    ("mastodon", 2, 4.0),
    ("threads", 2, 4.0),
    ("facebook", 3, 1.8),
    ("instagram", 3, 1.8),
    ("linkedin", 2, 0.9),
    ("tiktok", 1, 3.5),
    ("pinterest", 2, 8.5),
    ("webhook", 1, 8.5),
]
MIX = {
    Category.BRAND: 14,
    Category.PROMOTION: 17,
    Category.EDUCATIONAL: 20,
    Category.CURATED: 17,
    Category.ENGAGEMENT: 12,
    Category.COMMUNITY: 10,
    Category.CARE: 10,
}


def sentences_by_category() -> dict[Category, list[str]]:
    """Sentences of the labelled posts, per category."""
    path = ROOT / "tests" / "data" / "posts-labelled.csv"
    pool: dict[Category, list[str]] = {c: [] for c in Category}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            parts = [p.strip() for p in row["text"].replace("\n", " ").split(". ") if p.strip()]
            pool[Category(row["category"])].extend(parts)
    return pool


def make_plan(posts: int, channels: int, days: int, seed: int = 2025) -> list[PlanItem]:
    """A plan of `posts` posts on `channels` channels over `days` days, scheduled the way a
    team using the calendar would: each channel near its network's daily volume, posts spaced
    by about the network's minimum gap from the morning on, with a few slips (a post too close,
    a crowded day, a late evening, a repost)."""
    rng = random.Random(seed)
    pool = sentences_by_category()
    zone = ZoneInfo(TIMEZONE)
    lineup = [
        (f"{network}-{number + 1}", network, per_day)
        for network, count, per_day in NETWORKS
        for number in range(count)
    ][:channels]
    scale = posts * 1.03 / (days * sum(per_day for _, _, per_day in lineup))
    categories, weights = list(MIX), list(MIX.values())
    start = datetime(2026, 1, 5, tzinfo=zone)
    drafts: list[tuple[str, str, datetime, Category, str]] = []
    for channel, network, per_day in lineup:
        caps = rules.network_caps(network)
        rate = per_day * scale
        recent: list[str] = []
        for day in range(days):
            count = int(rate) + (rng.random() < rate - int(rate))
            if rng.random() < 0.03:
                count += 1  # a crowded day
            minute = rng.randrange(7 * 60, 10 * 60)
            for _ in range(count):
                local = start + timedelta(days=day, minutes=minute)
                category = rng.choices(categories, weights)[0]
                if recent and rng.random() < 0.01:
                    text = rng.choice(recent)  # a repost
                else:
                    first, second = rng.sample(pool[category], 2)
                    text = f"{first}. {second}. #{channel.replace('-', '')}d{day}"
                    length = measure(text, network)
                    if length is not None and length.over and rng.random() > 0.003:
                        # Shortened as the composer would make the team do: by what the
                        # network counts (X weighs "…" 2), word by word.
                        text = text[: length.limit - 1].rsplit(" ", 1)[0] + "…"
                        while measure(text, network).over:  # type: ignore[union-attr]
                            text = text[:-1].rsplit(" ", 1)[0] + "…"
                recent = [*recent[-20:], text]
                drafts.append((channel, network, local, category, text))
                spacing = caps.min_gap.total_seconds() / 60
                factor = rng.uniform(0.5, 0.95) if rng.random() < 0.02 else rng.uniform(1.0, 1.5)
                minute += max(5, int(spacing * factor))
    chosen = sorted(rng.sample(range(len(drafts)), min(posts, len(drafts))))
    return [
        PlanItem(number, channel, network, local.astimezone(UTC), category, text)
        for number, (channel, network, local, category, text) in enumerate(
            (drafts[i] for i in chosen), start=1
        )
    ]


def floor(items: list[PlanItem], zone: ZoneInfo) -> dict[tuple[str, int], list[PlanItem]]:
    """One pass: bucket the posts by channel and local day."""
    buckets: dict[tuple[str, int], list[PlanItem]] = {}
    for item in items:
        key = (item.channel, item.scheduled_at.astimezone(zone).toordinal())
        bucket = buckets.get(key)
        if bucket is None:
            buckets[key] = [item]
        else:
            bucket.append(item)
    return buckets


def seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def changes(plan: list[PlanItem], count: int, seed: int = 7) -> list[tuple[PlanItem, PlanItem]]:
    """(before, after) pairs: a move within a few days, a new category, a text edit."""
    rng = random.Random(seed)
    first = min(p.scheduled_at for p in plan)
    last = max(p.scheduled_at for p in plan)
    pairs = []
    while len(pairs) < count:
        before = rng.choice(plan)
        kind = len(pairs) % 3
        if kind == 0:
            moved = before.scheduled_at + timedelta(minutes=rng.randrange(-3 * 1440, 3 * 1440))
            if not first < moved < last:
                continue
            after = dataclasses.replace(before, scheduled_at=moved)
        elif kind == 1:
            after = dataclasses.replace(before, category=rng.choice(list(Category)))
        else:
            after = dataclasses.replace(before, text=before.text + " Edited.")
        pairs.append((before, after))
    return pairs


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--channels", type=int, default=25)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--changes", type=int, default=60)
    options = parser.parse_args(argv)

    plan = make_plan(options.posts, options.channels, options.days)
    config = RuleConfig(timezone=TIMEZONE)
    zone = config.zone
    print(
        f"plan: {len(plan):,} posts, {len({p.channel for p in plan})} channels, "
        f"{options.days} days, {TIMEZONE}"
    )

    findings = rules.check(plan, config)
    counts = Counter(f.rule for f in findings)
    print(f"findings: {len(findings):,} ({', '.join(f'{r} {n}' for r, n in counts.most_common())})")

    # Rounds of floor, cold check, warm check, so that a busy moment on a shared machine
    # weighs on all three alike.
    colds, warms, bases = [], [], []
    for _ in range(options.runs):
        bases.append(seconds(lambda: floor(plan, zone)))
        rules.clear_caches()
        colds.append(seconds(lambda: rules.check(plan, config)))
        warms.append(seconds(lambda: rules.check(plan, config)))
    cold, warm, base = map(statistics.median, (colds, warms, bases))
    print(f"full check, cold caches: median {cold:.3f} s  (target <= 0.5 s)")
    print(f"full check, warm caches: median {warm:.3f} s")
    print(f"floor (bucket by channel and local day): median {base:.3f} s")
    ratios = sorted(c / b for c, b in zip(colds, bases, strict=True))
    print(
        f"ratio full check (cold) / floor: median {statistics.median(ratios):.1f}, "
        f"range {ratios[0]:.1f} to {ratios[-1]:.1f} over {len(ratios)} rounds  (target <= 10)"
    )

    pairs = changes(plan, options.changes)
    times = []
    moved = 0
    for before, after in pairs:
        started = time.perf_counter()
        report = rules.check_change(plan, before, after, config)
        times.append(time.perf_counter() - started)
        moved += len(report.added) + len(report.cleared)
    print(
        f"composer check of one changed post: median {statistics.median(times) * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms over {len(times)} changes "
        f"({moved / len(times):.1f} findings added or cleared on average)  (target <= 20 ms)"
    )

    rules.clear_caches()
    tracemalloc.start()
    rules.check(plan, config)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory of a full check (tracemalloc): {peak / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
