"""A content plan as CSV text: rows -> PlanItems, with every problem named by row and column.

The header is `scheduled_at,channel,network,category,text`, and optionally `reply_to` (the
account or post URL a reply answers) and `thread` (a key shared by the parts of one thread), in
any order. Rows are numbered from 1, the first row after the header (0 is the header itself). A
time without an offset is a wall-clock time in the given zone; an empty category is filled in
with the classifier's suggestion, or left uncategorised when the classifier abstains, and the
suggestion is returned beside the item so that callers can say so.

Used by `planner check` (exit 2 on a problem) and by the app's CSV import, which adds its own
checks (channels of the workspace, text limits, times in the future).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rules.classifier import Suggestion, classify
from rules.model import Category, PlanItem

COLUMNS = ("scheduled_at", "channel", "network", "category", "text")
OPTIONAL_COLUMNS = ("reply_to", "thread")
# Lines as csv wants them (what io.StringIO(text, newline="") gives): split at CR, LF or CRLF
# only, never at the other characters str.splitlines() breaks on, which a post may contain.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


# Spreadsheets run a cell that starts with one of these as a formula (CSV injection); an
# export writes such cells with a leading apostrophe, which an import takes off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _formula_like(value: str) -> bool:
    return value.startswith(FORMULA_STARTS) or (value.startswith("'") and _formula_like(value[1:]))


def safe_cell(value: str) -> str:
    """A cell as an export writes it: prefixed with ' where a spreadsheet would see a
    formula (and where the text itself starts with such a prefix, so that it round-trips)."""
    return "'" + value if _formula_like(value) else value


def read_cell(value: str) -> str:
    """A cell as written by `safe_cell`, back to its text."""
    return value[1:] if value.startswith("'") and _formula_like(value[1:]) else value


def csv_lines(text: str) -> list[str]:
    """The lines of a CSV text with their line ends, for csv.reader."""
    lines = _LINE.findall(text)
    if lines and not lines[-1]:
        lines.pop()
    return lines


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a plan CSV: where (row 0 is the header) and what."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = "header" if self.row == 0 else f"row {self.row}"
        return f"{where}, column {self.column}: {self.message}"


class PlanCsvError(ValueError):
    """A plan CSV that cannot be read as it is; `problems` lists every one found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(map(str, problems)))


@dataclass(frozen=True)
class Guess:
    """A row whose category was left empty, and what the classifier suggested for it."""

    row: int
    suggestion: Suggestion


def header_of(reader: csv.DictReader[str]) -> list[str]:
    """The header's names, stripped; raises PlanCsvError when a column is missing."""
    try:
        header = [h.strip() for h in reader.fieldnames or []]
    except csv.Error as error:
        raise PlanCsvError([Problem(0, "file", f"not valid CSV ({error})")]) from error
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        message = f"missing column{plural} {', '.join(missing)}; expected {','.join(COLUMNS)}"
        raise PlanCsvError([Problem(0, ", ".join(missing), message)])
    reader.fieldnames = header
    return header


def read_row(
    row: Mapping[str, str | None], number: int, zone: ZoneInfo
) -> tuple[PlanItem, Guess | None]:
    """One data row as a PlanItem (its id is the row number) and the category guess, if
    the category was empty. Raises PlanCsvError with every problem of the row."""

    def value(column: str) -> str:
        return read_cell((row.get(column) or "").strip())

    problems: list[Problem] = []
    raw_time = value("scheduled_at")
    scheduled_at = None
    if not raw_time:
        problems.append(
            Problem(
                number, "scheduled_at", "empty; expected an ISO 8601 time such as 2025-03-03T09:30"
            )
        )
    else:
        try:
            scheduled_at = datetime.fromisoformat(raw_time)
        except ValueError as error:
            problems.append(
                Problem(
                    number,
                    "scheduled_at",
                    f"{raw_time!r} is not an ISO 8601 date and time ({error})",
                )
            )
        else:
            if scheduled_at.tzinfo is None:
                scheduled_at = scheduled_at.replace(tzinfo=zone)
    for column in ("channel", "network", "text"):
        if not value(column):
            problems.append(Problem(number, column, "empty"))
    raw_category = value("category").lower()
    category = None
    if raw_category:
        try:
            category = Category(raw_category)
        except ValueError:
            choices = ", ".join(c.value for c in Category)
            problems.append(
                Problem(
                    number,
                    "category",
                    f"{raw_category!r} is not a category (one of {choices}, or empty)",
                )
            )
    if problems or scheduled_at is None:
        raise PlanCsvError(problems)
    guess = None
    if category is None:
        suggestion = classify(value("text"))
        # None when the classifier abstains: the post stays uncategorised, never a guess.
        category = suggestion.category
        guess = Guess(number, suggestion)
    item = PlanItem(
        id=number,
        channel=value("channel"),
        network=value("network").lower(),
        scheduled_at=scheduled_at,
        category=category,
        text=read_cell(row.get("text") or ""),
        reply_to=value("reply_to") or None,
        thread=value("thread") or None,
    )
    return item, guess


def read_plan(text: str, zone: ZoneInfo) -> tuple[list[PlanItem], list[Guess]]:
    """The posts of a plan CSV, ids being data row numbers. Raises PlanCsvError listing the
    problems of every row (or the header's, which stop the reading)."""
    reader = csv.DictReader(csv_lines(text))
    header_of(reader)
    items: list[PlanItem] = []
    guesses: list[Guess] = []
    problems: list[Problem] = []
    number = 0
    try:
        for number, row in enumerate(reader, start=1):
            try:
                item, guess = read_row(row, number, zone)
            except PlanCsvError as error:
                problems.extend(error.problems)
                continue
            items.append(item)
            if guess is not None:
                guesses.append(guess)
    except csv.Error as error:
        problems.append(Problem(number + 1, "file", f"not valid CSV ({error})"))
    if problems:
        raise PlanCsvError(problems)
    return items, guesses
