"""Workspace-local wall-clock times and the UTC instants we store."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones


class NonexistentLocalTime(ValueError):
    """A wall-clock time that the zone skips (inside a daylight-saving gap)."""


# Days a calendar can show or a plan can name: far enough either way for any plan, and far
# enough from date's own limits that a week or a month around them still exists.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
# In the tz database but not places: the host's own setting, a POSIX template, and a zone
# that means "not configured".
_NOT_PLACES = {"localtime", "posixrules", "Factory"}


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones() - _NOT_PLACES)


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_valid_timezone(name: str) -> bool:
    """Whether `name` is an IANA timezone of a place (Europe/Berlin, UTC), as listed by the
    tz database: no paths, no host settings, nothing that makes the lookup fail."""
    return isinstance(name, str) and name in _zones()


def timezone_names() -> list[str]:
    return sorted(_zones())


def day_in_range(day: date) -> date:
    """`day`, or ValueError when it is outside FIRST_DAY..LAST_DAY."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{day.isoformat()} is out of range ({FIRST_DAY.year}-{LAST_DAY.year})")
    return day


def to_utc(day: date, clock: time, tz_name: str) -> datetime:
    """The UTC instant of a local date and time; refuses times inside a DST gap.

    An ambiguous time (the hour repeated when clocks go back) means its first occurrence.
    """
    tz = ZoneInfo(tz_name)
    local = datetime.combine(day, clock.replace(tzinfo=None), tzinfo=tz)
    instant = local.astimezone(UTC)
    # A skipped time does not survive the round trip: 02:30 on the spring-forward night
    # comes back as 03:30.
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(
            f"{day.isoformat()} {clock.strftime('%H:%M')} does not exist in {tz_name}: "
            "the clocks skip it for daylight saving time"
        )
    return instant


def local(instant: datetime, tz_name: str) -> datetime:
    return instant.astimezone(ZoneInfo(tz_name))


def week_start(day: date) -> date:
    """The Monday of the ISO week containing `day`."""
    return day - timedelta(days=day.weekday())


def local_day_bounds(first: date, last_exclusive: date, tz_name: str) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at the start of `first` and of `last_exclusive`."""
    tz = ZoneInfo(tz_name)
    start = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last_exclusive, time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def parse_instant(value: object, tz_name: str) -> datetime:
    """An ISO 8601 date and time as a UTC instant; without an offset it is a wall-clock time
    in the workspace timezone. Raises ValueError (NonexistentLocalTime for a DST gap)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected an ISO 8601 date and time such as 2031-03-03T09:30")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise ValueError(f"{value!r} is not an ISO 8601 date and time") from error
    if not FIRST_DAY.year <= parsed.year <= LAST_DAY.year:
        raise ValueError(f"{value[:40]!r} is too far from today to plan a post")
    if parsed.tzinfo is None:
        return to_utc(parsed.date(), parsed.time(), tz_name)
    return parsed.astimezone(UTC)


def parse_day(value: str, name: str) -> date:
    """A YYYY-MM-DD date between FIRST_DAY and LAST_DAY; ValueError naming the parameter
    otherwise."""
    try:
        return day_in_range(date.fromisoformat(value))
    except ValueError as error:
        raise ValueError(f"{name}: {value[:40]!r} is not a date (YYYY-MM-DD) in range") from error
