"""How well and how fast the classifier suggests categories. Prints figures; asserts nothing.

    .venv/bin/python bench/classifier.py [--posts 10000] [--runs 5]

Quality, always on posts the measured model never saw:

- real brand posts (data/real-posts.csv): the recipe of scripts/train_classifier.py trained
  on the train split (organisations chosen by `split_by_group`) and the written posts, with
  its temperature and threshold calibrated on the train split alone, measured on the test
  split;
- written posts (tests/data/posts-labelled.csv): 5 folds grouped by brand, each fold's model
  trained on the other folds and every real post, with the shipped temperature and threshold.

Figures: coverage (share not abstained), category and family accuracy of the answered posts,
category accuracy counting abstentions as wrong, promotion precision (answered) and recall
(an abstention misses), expected calibration error.

Speed: `planner classify` of a CSV of `--posts` posts, end to end (a new process, the app's
start-up included), median of `--runs` runs; the in-process `classify_many` of the same posts;
one `classify` call the way the composer makes it (cold cache), median over 300 posts.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This script is bench/classifier.py: with its own folder first on the path, `import rules`
# would find bench/rules.py.
sys.path[0] = str(ROOT)

from rules.classifier import MODEL, classify, classify_many  # noqa: E402
from rules.classifier.training import (  # noqa: E402
    Quality,
    cross_validate,
    holdout,
    is_real,
    real_examples,
    split_by_group,
    written_examples,
)

REAL = ROOT / "data" / "real-posts.csv"
WRITTEN = ROOT / "tests" / "data" / "posts-labelled.csv"
PLANNER = ROOT / ".venv" / "bin" / "planner"

REAL_GOALS = {
    "coverage": (0.85, ">="),
    "accuracy": (0.75, ">="),
    "family_accuracy": (0.85, ">="),
    "promotion_precision": (0.85, ">="),
    "promotion_recall": (0.70, ">="),
    "ece": (0.10, "<="),
}
WRITTEN_GOALS = {
    "accuracy": (0.80, ">="),
    "family_accuracy": (0.90, ">="),
    "promotion_precision": (0.90, ">="),
}
LABELS = {
    "coverage": "coverage (not abstained)",
    "accuracy": "category accuracy (answered)",
    "family_accuracy": "family accuracy (answered)",
    "accuracy_counting_abstentions": "category accuracy, abstentions wrong",
    "promotion_precision": "promotion precision (answered)",
    "promotion_recall": "promotion recall",
    "ece": "expected calibration error",
}


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def print_quality(title: str, quality: Quality, goals: dict[str, tuple[float, str]]) -> None:
    print(title)
    for field, label in LABELS.items():
        value = getattr(quality, field)
        goal = goals.get(field)
        note = ""
        if goal:
            target, direction = goal
            met = value >= target if direction == ">=" else value <= target
            note = f"  (goal {direction} {target:.2f}: {'met' if met else 'NOT met'})"
        print(f"  {label:<40} {value:.3f}{note}")
    print(f"  posts measured                           {quality.count}")


def posts_for_speed(count: int) -> list[str]:
    """`count` different texts made from the real and written posts."""
    texts = [r["text"] for r in rows(REAL)] + [r["text"] for r in rows(WRITTEN)]
    rng = random.Random(2025)
    return [f"{rng.choice(texts)} #{n}" for n in range(count)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    real, written = real_examples(rows(REAL)), written_examples(rows(WRITTEN))
    train_split, test_split = split_by_group(real)
    organisations = len({e.group for e in test_split})
    started = time.perf_counter()
    quality = holdout([*train_split, *written], test_split, calibrate_on=is_real)
    print_quality(
        f"real posts, test split ({len(test_split)} posts of {organisations} organisations; "
        f"trained on {len(train_split)} real posts of other organisations and "
        f"{len(written)} written posts):",
        quality,
        REAL_GOALS,
    )
    written_quality = cross_validate(
        written, 5, also_train_on=real, calibration=(MODEL.temperature, MODEL.abstain_below)
    )
    print_quality(
        "written posts (tests/data/posts-labelled.csv), 5 folds grouped by brand:",
        written_quality,
        WRITTEN_GOALS,
    )
    print(f"training and measuring took {time.perf_counter() - started:.1f} s")

    texts = posts_for_speed(args.posts)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "posts.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text"])
            writer.writerows([t] for t in texts)
        timings = []
        for _ in range(args.runs):
            began = time.perf_counter()
            done = subprocess.run(
                [str(PLANNER), "classify", str(path)], capture_output=True, check=True
            )
            timings.append(time.perf_counter() - began)
        printed = done.stdout.decode("utf-8").count("\n")
    print(
        f"planner classify of {args.posts:,} posts (new process, {printed:,} lines printed): "
        f"median {statistics.median(timings):.2f} s, range {min(timings):.2f} to "
        f"{max(timings):.2f} s over {args.runs} runs  (target < 5 s)"
    )
    in_process = []
    for _ in range(args.runs):
        began = time.perf_counter()
        classify_many(texts)
        in_process.append(time.perf_counter() - began)
    print(
        f"classify_many of {args.posts:,} posts in process: median "
        f"{statistics.median(in_process):.2f} s"
    )
    single = []
    for text in texts[:300]:
        classify.cache_clear()
        began = time.perf_counter()
        classify(text)
        single.append(time.perf_counter() - began)
    print(
        f"one classify call (the composer, cold cache): median "
        f"{statistics.median(single) * 1e6:.0f} us, max {max(single) * 1e3:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
