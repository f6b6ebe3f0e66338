"""The rules engine: a linter for content calendars.

    findings = rules.check(items, rules.RuleConfig(preset="80-20", timezone="Europe/Berlin"))
    report = rules.check_change(items, before, after, config)   # the composer's check
    suggestion = rules.classify("Use code SPRING for 20% off")  # category + signals

Pure Python: no Flask, no SQLAlchemy, no I/O, no clock. The caller decides which posts count
(the app leaves out cancelled and failed posts) and turns them into `PlanItem`s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from rules import cadence, content, mix  # noqa: F401  (registers the rules)
from rules.change import ChangeReport, check_change
from rules.classify import Suggestion, classify
from rules.engine import check, clear_caches
from rules.model import (
    CATEGORY_DEFINITIONS,
    CATEGORY_FAMILY,
    DEFAULT_NETWORK_CAPS,
    FAMILY_DEFINITIONS,
    NETWORK_CAPS,
    TEXT_LIMITS,
    Category,
    ConfigError,
    Family,
    Finding,
    NetworkCaps,
    PlanItem,
    PostId,
    RuleConfig,
    RuleFamily,
    Severity,
    format_measure,
    network_caps,
)
from rules.plan import Plan
from rules.presets import PRESETS, Preset
from rules.registry import CATALOGUE, Rule, catalogue

__all__ = [
    "CATALOGUE",
    "CATEGORY_DEFINITIONS",
    "CATEGORY_FAMILY",
    "DEFAULT_NETWORK_CAPS",
    "FAMILY_DEFINITIONS",
    "NETWORK_CAPS",
    "PRESETS",
    "TEXT_LIMITS",
    "Category",
    "ChangeReport",
    "ConfigError",
    "Family",
    "Finding",
    "NetworkCaps",
    "Plan",
    "PlanItem",
    "PostId",
    "Preset",
    "Rule",
    "RuleConfig",
    "RuleFamily",
    "Severity",
    "Suggestion",
    "catalogue",
    "check",
    "check_change",
    "classify",
    "clear_caches",
    "format_measure",
    "make_config",
    "network_caps",
]


def make_config(
    preset: str = "balanced",
    timezone: str = "UTC",
    *,
    thresholds: Mapping[str, Mapping[str, Any]] | None = None,
    disabled: Iterable[str] = (),
    channel_caps: Mapping[str, NetworkCaps | Mapping[str, Any]] | None = None,
    range_start: datetime | date | None = None,
    range_end: datetime | date | None = None,
) -> RuleConfig:
    """A RuleConfig from settings as a workspace stores them (strings and numbers are fine:
    "1/4", "4h", {"min_gap": "2h"}). Raises ConfigError with a message for the settings page.

    `channel_caps` values may be NetworkCaps or partial mappings with the network's name
    under "network", e.g. {"news-x": {"network": "x", "warning_above": 15}}.
    """
    caps: dict[str, NetworkCaps] = {}
    for channel, value in (channel_caps or {}).items():
        caps[channel] = value if isinstance(value, NetworkCaps) else _caps(channel, value)
    return RuleConfig(
        preset=preset,
        timezone=timezone,
        thresholds=dict(thresholds or {}),
        disabled=frozenset(disabled),
        channel_caps=caps,
        range_start=range_start,
        range_end=range_end,
    )


def _caps(channel: str, value: Mapping[str, Any]) -> NetworkCaps:
    from rules.registry import to_duration

    unknown = set(value) - {"network", "warning_above", "error_above", "min_gap"}
    if unknown:
        raise ConfigError(f"channel_caps[{channel!r}]: unknown keys {sorted(unknown)}")
    base = network_caps(str(value.get("network", "")))
    try:
        return NetworkCaps(
            warning_above=int(value.get("warning_above", base.warning_above)),
            error_above=int(value.get("error_above", base.error_above)),
            min_gap=to_duration(value.get("min_gap", base.min_gap)),
        )
    except (TypeError, ValueError) as error:
        raise ConfigError(f"channel_caps[{channel!r}]: {error}") from error
