"""`planner check` and `planner classify`: the rules engine from the command line.

Plain click commands: they read files and print, and need neither the Flask app nor a database.

    planner check PLAN.csv [--preset NAME] [--timezone TZ] [--from DATE] [--to DATE]
                           [--staffed "Mon-Fri 09:00-17:00"] [--format text|json]
    planner classify [FILE]

`check` reads a CSV with the header `scheduled_at,channel,network,category,text` and the
optional columns `reply_to` and `thread` (read by rules/plan_csv.py) and exits 0 when no
finding is an error, 1 when one is, and 2 when the input cannot be used (each problem names its
row and column). Rows are numbered from 1, the first row after the header; the findings'
`post_ids` are those row numbers.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from typing import IO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

import rules
from rules import Finding, PlanItem, RuleConfig, Severity, plan_csv
from rules.plan_csv import Guess, PlanCsvError, csv_lines
from rules.staffing import OFFICE_HOURS, StaffedHours, StaffedHoursError, parse_staffed


class UnusableInput(click.ClickException):
    """Input that cannot be checked; exits with status 2."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise click.BadParameter(f"unknown timezone {timezone!r}", param_hint="--timezone") from (
            error
        )


def _staffed(text: str | None) -> StaffedHours:
    if text is None:
        return OFFICE_HOURS
    try:
        return parse_staffed(text)
    except StaffedHoursError as error:
        raise click.BadParameter("; ".join(error.problems), param_hint="--staffed") from error


def read_text(handle: IO[bytes], name: str) -> str:
    """A file's UTF-8 text (a byte order mark is dropped); UnusableInput otherwise."""
    try:
        return handle.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = f"{name}: not UTF-8 text ({error.reason} at byte {error.start})"
        raise UnusableInput(message) from error


def read_plan(text: str, name: str, zone: ZoneInfo) -> tuple[list[PlanItem], list[Guess]]:
    """The posts of a plan CSV; UnusableInput naming the row and column of every problem."""
    try:
        return plan_csv.read_plan(text, zone)
    except PlanCsvError as error:
        raise UnusableInput("\n".join(f"{name}: {p}" for p in error.problems)) from error


def _rows(finding: Finding) -> str:
    ids = finding.post_ids
    if not ids:
        return ""
    if len(ids) == 1:
        return f"row {ids[0]}"
    if len(ids) > 8:
        return f"rows {', '.join(map(str, ids[:8]))} and {len(ids) - 8} more"
    return f"rows {', '.join(map(str, ids))}"


def text_report(findings: list[Finding], name: str) -> Iterator[str]:
    """Findings as a linter prints them: place, severity, rule, message, then the hint."""
    for finding in findings:
        first = finding.post_ids[0] if finding.post_ids else 0
        where = finding.channel or "all channels"
        window = f"{finding.window_start:%Y-%m-%d %H:%M}"
        if finding.window_end != finding.window_start:
            window += f" to {finding.window_end:%Y-%m-%d %H:%M}"
        yield (
            f"{name}:{first}: {finding.severity.value} [{finding.rule}] {where}, {window}: "
            f"{finding.message} ({_rows(finding)})"
        )
        yield f"    hint: {finding.hint}"


def _guess_note(name: str, guess: Guess) -> str:
    """What was done with a row whose category was empty."""
    suggestion = guess.suggestion
    cues = f": {', '.join(suggestion.signals[:3])}" if suggestion.signals else ""
    if suggestion.category is not None:
        return (
            f"{name}:{guess.row}: no category; using the suggestion "
            f"{suggestion.category.value} (confidence {suggestion.confidence:.2f}{cues})"
        )
    best = getattr(suggestion, "suggested", None)
    hint = f"best guess {best.value}, " if best is not None else ""
    return (
        f"{name}:{guess.row}: no category; left uncategorised (the classifier is unsure: "
        f"{hint}confidence {suggestion.confidence:.2f}{cues})"
    )


def _summary(findings: list[Finding], config: RuleConfig) -> str:
    counts = Counter(f.severity for f in findings)
    parts = [
        f"{counts[s]} {s.value}{'s' if counts[s] != 1 and s is not Severity.INFO else ''}"
        for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    ]
    total = len(findings)
    head = f"{total} finding{'s' if total != 1 else ''}" if total else "No findings"
    return f"{head}: {', '.join(parts)} (preset {config.preset}, timezone {config.timezone})"


@click.command("check")
@click.argument("plan", type=click.File("rb"))
@click.option(
    "--preset",
    type=click.Choice(list(rules.PRESETS)),
    default="balanced",
    show_default=True,
    help="Mix thresholds to check against.",
)
@click.option(
    "--timezone",
    default="UTC",
    show_default=True,
    help="IANA timezone of local days, ISO weeks and quiet hours, and of times without offset.",
)
@click.option(
    "--from",
    "start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="First local day to check (default: the plan's first post).",
)
@click.option(
    "--to",
    "end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Last local day to check, included (default: the plan's last post).",
)
@click.option(
    "--staffed",
    metavar="HOURS",
    help="When someone answers replies on every channel, in --timezone, e.g. "
    '"Mon-Fri 09:00-17:00; Sat 10:00-12:00" or none (default: Mon-Fri 09:00-17:00). '
    "A question needs 4 staffed hours after it that day.",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for scripts.",
)
def check(
    plan: IO[bytes],
    preset: str,
    timezone: str,
    start: datetime | None,
    end: datetime | None,
    staffed: str | None,
    output: str,
) -> None:
    """Check a content plan (CSV) against the balance rules, like a linter.

    PLAN.csv has the header scheduled_at,channel,network,category,text, and optionally
    reply_to (the account or post a reply answers) and thread (a key shared by the parts of a
    thread). A time without an offset is read in --timezone. An empty category is filled in
    with the classifier's suggestion, or left uncategorised when it is unsure, and the report
    says so. Exit status: 0 without errors, 1 with an error
    finding, 2 when the input cannot be used.
    """
    zone = _zone(timezone)
    hours = _staffed(staffed)
    start_on: date | None = start.date() if start else None
    end_on: date | None = end.date() if end else None
    if start_on and end_on and end_on < start_on:
        raise click.BadParameter(f"{end_on} is before --from {start_on}", param_hint="--to")
    name = getattr(plan, "name", "-")
    items, guesses = read_plan(read_text(plan, name), name, zone)
    config = RuleConfig(
        preset=preset,
        timezone=timezone,
        range_start=start_on,
        range_end=end_on,
        staffed=hours,
    )
    findings = rules.check(items, config)
    notes = [_guess_note(name, g) for g in guesses]
    if output == "json":
        for note in notes:
            click.echo(note, err=True)
        click.echo(json.dumps([f.to_json() for f in findings], ensure_ascii=False, indent=2))
    else:
        for line in (*notes, *text_report(findings, name), _summary(findings, config)):
            click.echo(line)
    if any(f.severity is Severity.ERROR for f in findings):
        sys.exit(1)


def _texts(content: str) -> Iterator[str]:
    """The posts of a classify input: a CSV's `text` column, or one post per line."""
    first_line = content.split("\n", 1)[0]
    header = next(csv.reader([first_line]), [])
    if "text" in (h.strip().lower() for h in header):
        reader = csv.DictReader(csv_lines(content))
        column = next(h for h in reader.fieldnames or [] if h.strip().lower() == "text")
        for row in reader:
            yield row.get(column) or ""
        return
    for line in content.splitlines():
        if line.strip():
            yield line


@click.command("classify")
@click.argument("source", type=click.File("rb"), default="-")
def classify(source: IO[bytes]) -> None:
    """Suggest a category for each post of FILE (or standard input).

    FILE holds one post per line, or is a CSV with a text column. Prints one JSON object per
    post: {"category": ..., "confidence": ..., "signals": [...]}. When the classifier is too
    unsure to choose, "category" is null and "suggested" holds its best guess.
    """
    content = read_text(source, getattr(source, "name", "-"))
    try:
        texts = list(_texts(content))
    except csv.Error as error:
        raise UnusableInput(f"{getattr(source, 'name', '-')}: not valid CSV ({error})") from error
    for suggestion in rules.classify_many(texts):
        click.echo(json.dumps(suggestion_json(suggestion), ensure_ascii=False))


def suggestion_json(suggestion: rules.Suggestion) -> dict[str, object]:
    """A suggestion as `planner classify` prints it."""
    if suggestion.abstained:
        return {
            "category": None,
            "suggested": suggestion.category.value,
            "confidence": suggestion.confidence,
            "signals": list(suggestion.signals),
        }
    return {
        "category": suggestion.category.value,
        "confidence": suggestion.confidence,
        "signals": list(suggestion.signals),
    }
