"""Staffed hours: when someone is on duty to answer replies on a channel.

Staffed hours are data: for each weekday (Monday first) a tuple of `(start, end)` intervals in
minutes after local midnight, 0 <= start < end <= 1440 (1440 is 24:00, the end of the day), in
the workspace timezone. An interval never crosses midnight: a night shift is written as two,
`Fri 22:00-24:00; Sat 00:00-02:00`, so each local day's hours are its own (what the coverage
rule measures is staffed time left on the post's own day).

The text form, what admins type and `planner check --staffed` takes:

    Mon-Fri 09:00-17:00; Sat 10:00-12:00
    Mon,Wed 08:00-12:00, 13:00-17:00; Sun 24h
    none

Entries are separated by ";" or new lines; each names days (a day, a range such as `Mon-Fri`
or `Fri-Mon`, or a comma-separated list of either) and then one or more intervals (`HH:MM-HH:MM`,
separated by commas or spaces, or `24h` for the whole day). A day named twice gets both
entries' intervals; overlapping intervals are joined. `none` (or an empty text) is a channel
nobody staffs.

Durations are measured in real time, not wall-clock time: on the day clocks go forward an
interval 00:00-06:00 is 5 hours long (`staffed_between` converts each end to UTC first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rules.model import ConfigError

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FULL_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_LOOKUP = {
    **{name.lower(): k for k, name in enumerate(DAY_NAMES)},
    **{name.lower(): k for k, name in enumerate(FULL_DAY_NAMES)},
    "tues": 1,
    "wednes": 2,
    "thur": 3,
    "thurs": 3,
}
DAY_MINUTES = 1440
Interval = tuple[int, int]
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


class StaffedHoursError(ConfigError):
    """Staffed hours that cannot be read; `problems` names every bad part at once."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True, slots=True)
class StaffedHours:
    """Who is on duty when: for each weekday (Monday = 0), its intervals in minutes after
    local midnight, sorted and not overlapping."""

    days: tuple[tuple[Interval, ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise StaffedHoursError(["staffed hours need 7 weekdays, Monday first"])
        problems: list[str] = []
        cleaned = []
        for k, intervals in enumerate(self.days):
            for start, end in intervals:
                if not (0 <= start < end <= DAY_MINUTES):
                    problems.append(
                        f"{DAY_NAMES[k]} {clock(start)}-{clock(end)}: the start must come "
                        "before the end, within one day (00:00 to 24:00)"
                    )
            cleaned.append(_joined(tuple((int(a), int(b)) for a, b in intervals)))
        if problems:
            raise StaffedHoursError(problems)
        object.__setattr__(self, "days", tuple(cleaned))

    @classmethod
    def parse(cls, text: str) -> StaffedHours:
        """Read the text form ("Mon-Fri 09:00-17:00; Sat 10:00-12:00"). Raises
        StaffedHoursError naming every bad part."""
        return parse_staffed(text)

    @property
    def is_empty(self) -> bool:
        """True when nobody is ever on duty."""
        return not any(self.days)

    def weekly_minutes(self) -> int:
        """Staffed minutes in a week (wall-clock)."""
        return sum(end - start for intervals in self.days for start, end in intervals)

    def __str__(self) -> str:
        return format_staffed(self)

    def to_json(self) -> dict[str, list[list[str]]]:
        """{"Mon": [["09:00", "17:00"]], ...} with every weekday."""
        return {
            DAY_NAMES[k]: [[clock(a), clock(b)] for a, b in intervals]
            for k, intervals in enumerate(self.days)
        }

    def intervals_on(self, day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
        """The staffed intervals of one local day as aware datetimes in `zone` (24:00 is the
        next day's midnight)."""
        return [
            (_local(day, start, zone), _local(day, end, zone))
            for start, end in self.days[day.weekday()]
        ]

    def staffed_between(self, start: datetime, end: datetime, zone: ZoneInfo) -> timedelta:
        """Real time staffed in [start, end) (aware datetimes)."""
        total = timedelta(0)
        if end <= start:
            return total
        first = start.astimezone(zone).date()
        last = end.astimezone(zone).date()
        day = first
        begin_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
        while day <= last:
            for a, b in self.intervals_on(day, zone):
                low = max(a.astimezone(UTC), begin_utc)
                high = min(b.astimezone(UTC), end_utc)
                if high > low:
                    total += high - low
            day += timedelta(days=1)
        return total

    def staffed_rest_of_day(self, at: datetime, zone: ZoneInfo) -> timedelta:
        """Real time staffed from `at` to the end of its local day."""
        day = at.astimezone(zone).date()
        return self.staffed_between(at, _local(day, DAY_MINUTES, zone), zone)

    def on_duty(self, at: datetime, zone: ZoneInfo) -> bool:
        """Whether someone is on duty at `at`."""
        local = at.astimezone(zone)
        return any(
            a.astimezone(UTC) <= at.astimezone(UTC) < b.astimezone(UTC)
            for a, b in self.intervals_on(local.date(), zone)
        )

    def next_on_duty(
        self, at: datetime, zone: ZoneInfo, *, horizon_days: int = 8
    ) -> datetime | None:
        """The first moment at or after `at` when someone is on duty (in `zone`); None when
        nobody is within `horizon_days`."""
        moment = at.astimezone(UTC)
        day = at.astimezone(zone).date()
        for offset in range(horizon_days + 1):
            for a, b in self.intervals_on(day + timedelta(days=offset), zone):
                if b.astimezone(UTC) > moment:
                    return max(a.astimezone(UTC), moment).astimezone(zone)
        return None

    def latest_covered(self, day: date, need: timedelta, zone: ZoneInfo) -> datetime | None:
        """The latest moment of a local day that still has `need` staffed time after it
        that day (None when the day has less than that in all)."""
        intervals = [
            (a.astimezone(UTC), b.astimezone(UTC)) for a, b in self.intervals_on(day, zone)
        ]
        remaining = need
        # Walk back from the day's last interval: the answer lies in the interval where the
        # staffed time after it reaches `need`.
        for low, high in reversed(intervals):
            length = high - low
            if length >= remaining:
                return (high - remaining).astimezone(zone)
            remaining -= length
        return None

    def earliest_covered(
        self, at: datetime, need: timedelta, zone: ZoneInfo, *, horizon_days: int = 8
    ) -> datetime | None:
        """The first moment at or after `at`, when someone is on duty, that has `need` staffed
        time after it on its own local day (None within `horizon_days`)."""
        moment = at.astimezone(UTC)
        day = at.astimezone(zone).date()
        for offset in range(horizon_days + 1):
            current = day + timedelta(days=offset)
            latest = self.latest_covered(current, need, zone)
            if latest is None or latest.astimezone(UTC) < moment:
                continue
            for a, b in self.intervals_on(current, zone):
                low, high = a.astimezone(UTC), b.astimezone(UTC)
                if high <= moment:
                    continue
                candidate = max(low, moment)
                if candidate <= latest.astimezone(UTC):
                    return candidate.astimezone(zone)
        return None


def _joined(intervals: tuple[Interval, ...]) -> tuple[Interval, ...]:
    joined: list[Interval] = []
    for start, end in sorted(intervals):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return tuple(joined)


def _local(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    if minutes >= DAY_MINUTES:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)


def clock(minutes: int) -> str:
    """Minutes after midnight as "HH:MM" (1440 is "24:00")."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def weekly(intervals_by_day: Iterable[Iterable[Interval]]) -> StaffedHours:
    """StaffedHours from 7 lists of (start, end) minutes."""
    return StaffedHours(tuple(tuple(day) for day in intervals_by_day))


OFFICE_HOURS = weekly([[(540, 1020)]] * 5 + [[], []])
"""The default: Monday to Friday, 09:00 to 17:00."""
NOBODY = weekly([[]] * 7)


def _clock_minutes(text: str) -> int | None:
    match = _CLOCK.fullmatch(text)
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def _days(text: str) -> tuple[list[int], list[str]]:
    """The weekdays a day part names, and its problems."""
    found: list[int] = []
    problems: list[str] = []
    for piece in text.split(","):
        piece = piece.strip()
        if not piece:
            continue
        ends = [end.strip().lower().rstrip(".") for end in piece.split("-")]
        if len(ends) > 2 or any(end not in _DAY_LOOKUP for end in ends):
            problems.append(
                f"{piece!r} is not a day or a range of days (write Mon, Tue, Wed, Thu, Fri, "
                "Sat, Sun, or a range such as Mon-Fri)"
            )
            continue
        first, last = _DAY_LOOKUP[ends[0]], _DAY_LOOKUP[ends[-1]]
        k = first
        while True:
            found.append(k)
            if k == last:
                break
            k = (k + 1) % 7
    return found, problems


def _intervals(text: str, days: str, named: list[int]) -> tuple[list[Interval], list[str]]:
    found: list[Interval] = []
    problems: list[str] = []
    pieces = [p for p in re.split(r"[,\s]+", text) if p]
    # "09:00 - 17:00" with spaces around the dash reads as one interval.
    joined: list[str] = []
    for piece in pieces:
        if joined and (piece == "-" or joined[-1].endswith("-") or piece.startswith("-")):
            joined[-1] += piece
        else:
            joined.append(piece)
    for piece in joined:
        if piece.lower() in {"24h", "all-day", "allday"}:
            found.append((0, DAY_MINUTES))
            continue
        parts = piece.replace("\u2013", "-").replace("\u2014", "-").split("-")
        if len(parts) != 2:
            problems.append(f"{piece!r} is not a time range such as 09:00-17:00")
            continue
        start, end = (_clock_minutes(part.strip()) for part in parts)
        bad = [part for part, value in zip(parts, (start, end), strict=True) if value is None]
        if bad or start is None or end is None:
            problems.extend(f"{part!r} is not a time (HH:MM, 00:00 to 24:00)" for part in bad)
            continue
        if start == end:
            problems.append(f"{piece!r} is empty: the start and the end are the same")
        elif end < start:
            after = DAY_NAMES[(named[0] + 1) % 7] if len(named) == 1 else "<next day>"
            problems.append(
                f"{piece!r} crosses midnight: split it at midnight, e.g. "
                f"'{days} {clock(start)}-24:00; {after} 00:00-{clock(end)}'"
            )
        else:
            found.append((start, end))
    if not joined:
        problems.append(f"{days!r} has no hours: add a time range such as 09:00-17:00")
    return found, problems


def parse_staffed(text: str) -> StaffedHours:
    """Staffed hours from the text form; raises StaffedHoursError naming every bad part."""
    if len(text) > 2000:
        raise StaffedHoursError(["staffed hours are too long (at most 2000 characters)"])
    entries = [e.strip() for e in re.split(r"[;\n]+", text) if e.strip()]
    if not entries or (len(entries) == 1 and entries[0].lower() in {"none", "nobody", "-"}):
        return NOBODY
    days: list[list[Interval]] = [[] for _ in range(7)]
    problems: list[str] = []
    for entry in entries:
        # The day part runs up to the first digit (or "24h").
        match = re.match(r"([^\d]*?)\s*(?=\d|$)", entry)
        day_text = (match.group(1) if match else "").strip()
        rest = entry[len(match.group(0)) if match else 0 :].strip()
        if not day_text:
            problems.append(f"{entry!r} names no day: start it with one, e.g. 'Mon-Fri {entry}'")
            continue
        named, day_problems = _days(day_text)
        problems.extend(day_problems)
        if day_problems:
            continue
        intervals, interval_problems = _intervals(rest, day_text, named)
        problems.extend(interval_problems)
        for k in named:
            days[k].extend(intervals)
    if problems:
        raise StaffedHoursError(problems)
    return weekly(days)


def format_staffed(hours: StaffedHours) -> str:
    """The text form, consecutive days with the same hours as one range: "Mon-Fri
    09:00-17:00; Sat 10:00-12:00" ("none" for nobody)."""
    parts: list[str] = []
    k = 0
    days = hours.days
    while k < 7:
        if not days[k]:
            k += 1
            continue
        last = k
        while last + 1 < 7 and days[last + 1] == days[k]:
            last += 1
        name = DAY_NAMES[k] if last == k else f"{DAY_NAMES[k]}-{DAY_NAMES[last]}"
        spans = ", ".join(f"{clock(a)}-{clock(b)}" for a, b in days[k])
        parts.append(f"{name} {spans}")
        k = last + 1
    return "; ".join(parts) if parts else "none"


def from_json(value: object) -> StaffedHours:
    """StaffedHours from `to_json`'s form or the text form. Raises StaffedHoursError."""
    if isinstance(value, StaffedHours):
        return value
    if isinstance(value, str):
        return parse_staffed(value)
    if isinstance(value, dict):
        problems: list[str] = []
        days: list[list[Interval]] = [[] for _ in range(7)]
        for key, spans in value.items():
            k = _DAY_LOOKUP.get(str(key).lower())
            if k is None or not isinstance(spans, list):
                problems.append(f"{key!r} is not a weekday with a list of hours")
                continue
            for span in spans:
                ends = (
                    [_clock_minutes(str(e)) for e in span] if isinstance(span, list | tuple) else []
                )
                if len(ends) != 2 or None in ends:
                    problems.append(f"{key}: {span!r} is not a pair of HH:MM times")
                    continue
                start, end = ends
                assert start is not None and end is not None
                days[k].append((start, end))
        if problems:
            raise StaffedHoursError(problems)
        return weekly(days)
    raise StaffedHoursError([f"staffed hours must be text or a table by weekday, got {value!r}"])


def day_name(moment: datetime) -> str:
    """ "Friday" """
    return FULL_DAY_NAMES[moment.weekday()]


def unstaffed_hours(hours: Iterable[StaffedHours], weekday: int) -> Iterator[tuple[int, int]]:
    """The (start, end) minutes of a weekday that none of the schedules staffs."""
    staffed = _joined(tuple(span for h in hours for span in h.days[weekday]))
    cursor = 0
    for start, end in staffed:
        if start > cursor:
            yield cursor, start
        cursor = max(cursor, end)
    if cursor < DAY_MINUTES:
        yield cursor, DAY_MINUTES
