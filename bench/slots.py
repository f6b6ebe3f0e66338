"""How fast "Find a time" answers. Prints figures; asserts nothing.

    .venv/bin/python bench/slots.py [--posts 5000] [--channels 25] [--days 365] [--searches 60]

The plan is bench/rules.py's (posts near each network's volume, Europe/Berlin), 5,000 planned
posts by default: the issue's "workspace with 5,000 planned posts". Each search asks
`rules.slots.find_slots` for the next three slots (every 30 minutes over 14 days, 2 hours
apart) for one channel, or a group of two, and one category, from a moment inside the plan;
searches cycle through channels, categories and moments. Figures: the median and 90th
percentile time of a search, and how many candidates were stepped over and checked by the
engine on average. Goal: median under 50 ms.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from rules import Category, RuleConfig  # noqa: E402
from rules.slots import find_slots  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_rules", ROOT / "bench" / "rules.py")
assert _spec is not None and _spec.loader is not None
bench_rules = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_rules)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5_000)
    parser.add_argument("--channels", type=int, default=25)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--searches", type=int, default=60)
    options = parser.parse_args(argv)

    plan = bench_rules.make_plan(options.posts, options.channels, options.days)
    config = RuleConfig(timezone=bench_rules.TIMEZONE)
    plan.sort(key=lambda item: item.scheduled_at)
    channels = sorted({(item.channel, item.network) for item in plan})
    rng = random.Random(17)
    print(f"plan: {len(plan):,} posts, {len(channels)} channels, {options.days} days")
    find_slots(plan, config, channels=channels[:1], category=None, after=plan[0].scheduled_at)
    times, cpu, candidates, checked, found = [], [], [], [], []
    slowest: list[tuple[float, str]] = []
    for number in range(options.searches):
        now = plan[rng.randrange(len(plan) // 10, len(plan) * 9 // 10)].scheduled_at
        chosen = [channels[number % len(channels)]]
        if number % 4 == 3:
            chosen.append(channels[(number * 7 + 3) % len(channels)])
        category = list(Category)[number % len(Category)]
        began, began_cpu = time.perf_counter(), time.process_time()
        search = find_slots(plan, config, channels=chosen, category=category, after=now)
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
        slowest.append(
            (
                times[-1],
                f"{'+'.join(c for c, _ in chosen)} {category.value}: {search.checked} checks, "
                f"{len(search.slots)} slots",
            )
        )
        candidates.append(search.candidates)
        checked.append(search.checked)
        found.append(len(search.slots))
    times.sort()
    # Wall time suffers from other processes on a shared machine; CPU time much less.
    print(
        f"find_slots CPU time: median {statistics.median(cpu):.1f} ms "
        f"(the process's own, whatever else the machine runs)"
    )
    for took, what in sorted(slowest, reverse=True)[:3]:
        print(f"  slow: {took:.0f} ms {what}")
    print(
        f"find_slots: median {statistics.median(times):.1f} ms, "
        f"p90 {times[int(len(times) * 0.9) - 1]:.1f} ms over {len(times)} searches "
        f"(candidates {statistics.mean(candidates):.0f}, engine checks "
        f"{statistics.mean(checked):.1f}, slots found {statistics.mean(found):.1f} on average)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
