"""The rules engine: a linter for content calendars.

    findings = rules.check(items, rules.RuleConfig(preset="80-20", timezone="Europe/Berlin"))
    report = rules.check_change(items, before, after, config)   # the composer's check
    search = rules.find_slots(items, config, channels=[("news-x", "x")], category=None,
                              after=now)                      # "Find a time"
    suggestion = rules.classify("Use code SPRING for 20% off")  # category + signals

Pure Python: no Flask, no SQLAlchemy, no I/O, no clock. The caller decides which posts count
(the app leaves out cancelled and failed posts) and turns them into `PlanItem`s.
"""

from __future__ import annotations

from rules import cadence, content, coverage, mix  # noqa: F401  (registers the rules)
from rules.balance import UnitMix, balance
from rules.change import ChangeReport, check_change
from rules.classifier import Suggestion, classify, classify_many
from rules.config import RuleConfig, make_config
from rules.engine import check, clear_caches
from rules.length import Length, measure
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
    RuleFamily,
    Severity,
    format_measure,
    network_caps,
)
from rules.plan import Plan
from rules.presets import PRESETS, Preset
from rules.registry import CATALOGUE, Rule, catalogue
from rules.slots import SlotSearch, find_slots
from rules.staffing import OFFICE_HOURS, StaffedHours, StaffedHoursError, parse_staffed

__all__ = [
    "CATALOGUE",
    "CATEGORY_DEFINITIONS",
    "CATEGORY_FAMILY",
    "DEFAULT_NETWORK_CAPS",
    "FAMILY_DEFINITIONS",
    "NETWORK_CAPS",
    "OFFICE_HOURS",
    "PRESETS",
    "TEXT_LIMITS",
    "UnitMix",
    "balance",
    "Category",
    "ChangeReport",
    "ConfigError",
    "Family",
    "Finding",
    "Length",
    "NetworkCaps",
    "Plan",
    "PlanItem",
    "PostId",
    "Preset",
    "Rule",
    "RuleConfig",
    "RuleFamily",
    "Severity",
    "SlotSearch",
    "StaffedHours",
    "StaffedHoursError",
    "Suggestion",
    "catalogue",
    "check",
    "check_change",
    "classify",
    "classify_many",
    "clear_caches",
    "find_slots",
    "format_measure",
    "make_config",
    "measure",
    "network_caps",
    "parse_staffed",
]
