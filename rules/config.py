"""The rule settings of one workspace: `RuleConfig`, and how its thresholds resolve.

A rule's effective thresholds are its registered defaults, then its preset's, then the
workspace's own overrides, each coerced to the type of the default. `make_config` builds a
RuleConfig from settings as a workspace stores them (JSON: strings and numbers).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rules.model import ConfigError, NetworkCaps, network_caps
from rules.presets import PRESETS
from rules.registry import CATALOGUE, Rule, coerce_threshold, to_duration
from rules.staffing import OFFICE_HOURS, StaffedHours, from_json


@dataclass(frozen=True)
class RuleConfig:
    """The rule settings of one workspace.

    - `preset`: one of `rules.presets.PRESETS` ("balanced" by default).
    - `timezone`: IANA name; local days, ISO weeks and quiet hours are read in it.
    - `thresholds`: per-rule overrides on top of the preset, e.g.
      `{"promotion-pressure": {"warning_above": "1/4"}}`; values are coerced to the type of
      the rule's default (see `rules.registry.coerce_threshold`).
    - `disabled`: rule ids that do not run.
    - `channel_caps`: per-channel `NetworkCaps` replacing the network's defaults.
    - `staffed`: when someone answers replies (rules/staffing.py), Monday to Friday 09:00 to
      17:00 by default; `channel_staffed` replaces it per channel.
    - `range_start` / `range_end`: what is checked. An aware datetime is an instant (the end
      is exclusive); a date is a local day (the end date is included). By default the range
      runs from the plan's first post to its last. Posts outside the range are not checked.

    Raises ConfigError for an unknown timezone, preset, rule id or threshold.
    """

    preset: str = "balanced"
    timezone: str = "UTC"
    thresholds: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()
    channel_caps: Mapping[str, NetworkCaps] = field(default_factory=dict)
    range_start: datetime | date | None = None
    range_end: datetime | date | None = None
    staffed: StaffedHours = OFFICE_HOURS
    channel_staffed: Mapping[str, StaffedHours] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
            raise ConfigError(f"unknown timezone {self.timezone!r}") from error
        object.__setattr__(self, "_zone", zone)
        disabled: Iterable[str] = self.disabled
        object.__setattr__(self, "disabled", frozenset(disabled))
        for bound in (self.range_start, self.range_end):
            if isinstance(bound, datetime) and bound.utcoffset() is None:
                raise ConfigError("range_start and range_end must be aware datetimes or dates")
        for channel, caps in self.channel_caps.items():
            if not isinstance(caps, NetworkCaps):
                raise ConfigError(f"channel_caps[{channel!r}] must be a NetworkCaps")
        if not isinstance(self.staffed, StaffedHours):
            raise ConfigError("staffed must be a StaffedHours")
        for channel, hours in self.channel_staffed.items():
            if not isinstance(hours, StaffedHours):
                raise ConfigError(f"channel_staffed[{channel!r}] must be a StaffedHours")
        object.__setattr__(self, "_resolved", resolve_thresholds(self))

    @property
    def zone(self) -> ZoneInfo:
        """The workspace timezone."""
        zone: ZoneInfo = object.__getattribute__(self, "_zone")
        return zone

    def thresholds_for(self, rule_id: str) -> Mapping[str, Any]:
        """The effective thresholds of one rule: its defaults, the preset, then overrides."""
        resolved: Mapping[str, Mapping[str, Any]] = object.__getattribute__(self, "_resolved")
        return resolved[rule_id]

    def caps_for(self, channel: str, network: str) -> NetworkCaps:
        """The caps of one channel: its override if any, else its network's defaults."""
        return self.channel_caps.get(channel) or network_caps(network)

    def staffed_for(self, channel: str) -> StaffedHours:
        """When someone answers replies on one channel: its own hours, else the default."""
        own = self.channel_staffed.get(channel)
        return self.staffed if own is None else own

    def is_enabled(self, rule_id: str) -> bool:
        """False when the rule is in `disabled`."""
        return rule_id not in self.disabled


def resolve_thresholds(config: RuleConfig) -> dict[str, dict[str, Any]]:
    """Each rule's effective thresholds: its defaults, then the preset, then the overrides.

    Raises ConfigError for an unknown preset, rule id or threshold name, or a bad value.
    """
    preset = PRESETS.get(config.preset)
    if preset is None:
        raise ConfigError(f"unknown preset {config.preset!r}; one of {', '.join(PRESETS)}")
    for rule_id in (*config.thresholds, *config.disabled):
        if rule_id not in CATALOGUE:
            raise ConfigError(f"unknown rule {rule_id!r}")
    resolved: dict[str, dict[str, Any]] = {}
    for registered in CATALOGUE.values():
        limits = dict(registered.defaults)
        for layer in (preset.thresholds, config.thresholds):
            for name, value in layer.get(registered.id, {}).items():
                limits[name] = _coerce(registered, name, value)
        resolved[registered.id] = limits
    return resolved


def _coerce(registered: Rule, name: str, value: Any) -> Any:
    if name not in registered.defaults:
        known = ", ".join(registered.defaults)
        raise ConfigError(f"rule {registered.id!r} has no threshold {name!r} (it has {known})")
    coercer = registered.coercers.get(name)
    try:
        if coercer is not None:
            return coercer(value)
        return coerce_threshold(value, like=registered.defaults[name])
    except (TypeError, ValueError, ZeroDivisionError) as error:
        raise ConfigError(f"{registered.id}.{name}: {error}") from error


def make_config(
    preset: str = "balanced",
    timezone: str = "UTC",
    *,
    thresholds: Mapping[str, Mapping[str, Any]] | None = None,
    disabled: Iterable[str] = (),
    channel_caps: Mapping[str, NetworkCaps | Mapping[str, Any]] | None = None,
    range_start: datetime | date | None = None,
    range_end: datetime | date | None = None,
    staffed: StaffedHours | str | Mapping[str, Any] | None = None,
    channel_staffed: Mapping[str, StaffedHours | str | Mapping[str, Any]] | None = None,
) -> RuleConfig:
    """A RuleConfig from settings as a workspace stores them (strings and numbers are fine:
    "1/4", "4h", {"min_gap": "2h"}). Raises ConfigError with a message for the settings page.

    `channel_caps` values may be NetworkCaps or partial mappings with the network's name
    under "network", e.g. {"news-x": {"network": "x", "warning_above": 15}}. `staffed` and
    `channel_staffed` values may be StaffedHours, their text form ("Mon-Fri 09:00-17:00") or
    their JSON form; None keeps office hours.
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
        staffed=OFFICE_HOURS if staffed is None else from_json(staffed),
        channel_staffed={name: from_json(value) for name, value in (channel_staffed or {}).items()},
    )


def _caps(channel: str, value: Mapping[str, Any]) -> NetworkCaps:
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
