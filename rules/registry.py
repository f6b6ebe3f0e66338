"""The rule catalogue: the `@rule` decorator, the registered rules and their thresholds.

A rule is a small pure function `(plan, limits) -> iterable of Finding`, registered with an id,
a family, a severity and default thresholds. Adding a rule means adding one decorated function
(and its test file); the engine finds it here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeVar

from rules.model import RuleFamily, Severity

if TYPE_CHECKING:
    from rules.model import Finding

# The plan is typed as Any here: rules.plan sits above the registry in the import order.
RuleCheck = Callable[[Any, Mapping[str, Any]], Iterable["Finding"]]
Coercer = Callable[[Any], Any]
F = TypeVar("F", bound=RuleCheck)


@dataclass(frozen=True)
class Rule:
    """One registered rule. `severity` is the severity of its findings at the first threshold;
    rules with an `error_...` threshold escalate to error past it."""

    id: str
    family: RuleFamily
    severity: Severity
    defaults: Mapping[str, Any]
    check: RuleCheck
    coercers: Mapping[str, Coercer] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """The first line of the rule's docstring: what it flags."""
        return (self.check.__doc__ or "").strip().splitlines()[0]

    @property
    def doc(self) -> str:
        """The whole docstring: what it does, why it matters, an example, known problems."""
        return _dedent_doc(self.check.__doc__ or "")


CATALOGUE: dict[str, Rule] = {}


def rule(
    *,
    id: str,
    family: RuleFamily,
    severity: Severity,
    defaults: Mapping[str, Any],
    coercers: Mapping[str, Coercer] | None = None,
) -> Callable[[F], F]:
    """Register a rule function under `id`. Raises ValueError for a second rule with that id."""

    def register(check: F) -> F:
        if id in CATALOGUE:
            raise ValueError(f"rule {id!r} is registered twice")
        if not re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", id):
            raise ValueError(f"rule id {id!r} must be kebab-case")
        CATALOGUE[id] = Rule(id, family, severity, dict(defaults), check, dict(coercers or {}))
        return check

    return register


def catalogue() -> tuple[Rule, ...]:
    """Every rule, grouped by family (mix, cadence, content) in registration order."""
    order = list(RuleFamily)
    return tuple(sorted(CATALOGUE.values(), key=lambda r: order.index(r.family)))


def coerce_threshold(value: Any, *, like: Any) -> Any:
    """Turn a setting (as stored in JSON or typed on a form) into the type of its default.

    Fractions take "1/3", "0.2", 0.2 or 1; durations take a timedelta, "4h", "90min", "3d",
    "1h30m", an ISO 8601 duration ("PT4H") or a number of seconds; times take "22:00".
    Raises ValueError for a value that does not fit.
    """
    if isinstance(like, bool):
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value
    if isinstance(like, Fraction):
        return to_fraction(value)
    if isinstance(like, int):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f"expected a whole number, got {value!r}")
        number = int(value)
        if number < 0:
            raise ValueError(f"expected a number >= 0, got {value!r}")
        return number
    if isinstance(like, float):
        return float(value)
    if isinstance(like, timedelta):
        return to_duration(value)
    if isinstance(like, time):
        return to_time(value)
    if isinstance(like, tuple):
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise ValueError(f"expected a list, got {value!r}")
        return tuple(str(v).lower() for v in value)
    raise ValueError(f"cannot set a value like {like!r}")


def to_fraction(value: Any) -> Fraction:
    """An exact fraction from "1/3", "0.2", 0.2, 1 or a Fraction; between 0 and 1."""
    if isinstance(value, bool):
        raise ValueError(f"expected a share such as 1/3, got {value!r}")
    if isinstance(value, float):
        value = repr(value)  # Fraction("0.2") is 1/5; Fraction(0.2) is not.
    if not isinstance(value, Fraction | int | str):
        raise ValueError(f"expected a share such as 1/3, got {value!r}")
    share = Fraction(value)
    if not 0 <= share <= 1:
        raise ValueError(f"expected a share between 0 and 1, got {value!r}")
    return share


_DURATION_PART = re.compile(
    r"(\d+(?:\.\d+)?)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])"
)
_ISO_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
_UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}


def to_duration(value: Any) -> timedelta:
    """A duration from a timedelta, seconds, "4h", "1h30m", "3 days" or "PT4H"."""
    if isinstance(value, timedelta):
        duration = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        duration = timedelta(seconds=value)
    elif isinstance(value, str):
        text = value.strip()
        iso = _ISO_DURATION.fullmatch(text.upper())
        if iso and text.upper() not in {"P", "PT"}:
            days, hours, minutes, seconds = (int(part or 0) for part in iso.groups())
            duration = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        else:
            parts = _DURATION_PART.findall(text.lower())
            if not parts or _DURATION_PART.sub("", text.lower()).strip():
                raise ValueError(f"expected a duration such as 4h or 3d, got {value!r}")
            duration = timedelta(
                seconds=sum(float(amount) * _UNITS[unit[0]] for amount, unit in parts)
            )
    else:
        raise ValueError(f"expected a duration such as 4h or 3d, got {value!r}")
    if duration < timedelta(0):
        raise ValueError(f"expected a positive duration, got {value!r}")
    return duration


def to_time(value: Any) -> time:
    """A local time of day from a time or "HH:MM"."""
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        return time.fromisoformat(value.strip())
    raise ValueError(f"expected a time such as 22:00, got {value!r}")


def _dedent_doc(doc: str) -> str:
    lines = doc.expandtabs().splitlines()
    if not lines:
        return ""
    indents = [len(line) - len(line.lstrip()) for line in lines[1:] if line.strip()]
    indent = min(indents, default=0)
    return "\n".join([lines[0].strip(), *(line[indent:] for line in lines[1:])]).strip()
