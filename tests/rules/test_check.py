"""rules.check: the public surface, its order and its promises."""

import json
import random
from datetime import UTC, datetime

import pytest

from rules import CATALOGUE, Category, PlanItem, RuleConfig, RuleFamily, Severity, catalogue, check

from .conftest import post, week_of

B, P, E = Category.BRAND, Category.PROMOTION, Category.EDUCATIONAL


def busy_plan() -> list[PlanItem]:
    return [
        *week_of([B, B, P, P, E, B]),
        post(7, "2025-03-03 09:10", channel="shop-x", network="x", text="x" * 300),
        post(8, "2025-03-03 23:30", P, channel="shop-x", network="x"),
        post(9, "2025-03-20 09:00", channel="shop-x", network="x"),
    ]


def test_an_empty_plan_has_no_findings() -> None:
    assert check([]) == []


def test_the_catalogue_holds_the_design_rules_grouped_by_family() -> None:
    assert [(r.family.value, r.id) for r in catalogue()] == [
        ("mix", "brand-monologue"),
        ("mix", "no-conversation"),
        ("mix", "promotion-pressure"),
        ("mix", "mix-shortfall"),
        ("mix", "promotion-streak"),
        ("cadence", "audience-overload"),
        ("cadence", "too-close"),
        ("cadence", "burst"),
        ("cadence", "quiet-channel"),
        ("cadence", "quiet-hours"),
        ("content", "duplicate-text"),
        ("content", "disguised-promotion"),
        ("content", "too-long"),
        ("coverage", "unstaffed-replies"),
    ]


@pytest.mark.parametrize("rule_id", sorted(CATALOGUE))
def test_every_rule_documents_what_why_an_example_and_its_false_positives(rule_id: str) -> None:
    doc = CATALOGUE[rule_id].doc

    for section in ("What it does:", "Why it matters:", "Example:", "Known false"):
        assert section in doc, f"{rule_id} has no {section!r} section"
    assert CATALOGUE[rule_id].summary.endswith(".")


def test_the_rule_families_are_mix_cadence_and_content() -> None:
    assert {r.family for r in catalogue()} == set(RuleFamily)


def test_findings_come_in_window_order_whatever_order_the_posts_came_in() -> None:
    items = busy_plan()
    shuffled = items[:]
    random.Random(4).shuffle(shuffled)

    findings = check(items, RuleConfig(timezone="Europe/Berlin"))

    assert findings == check(shuffled, RuleConfig(timezone="Europe/Berlin"))
    starts = [f.window_start for f in findings]
    assert starts == sorted(starts)
    assert {f.rule for f in findings} >= {"brand-monologue", "too-long", "quiet-channel"}


def test_every_finding_has_a_one_line_message_and_a_hint() -> None:
    for finding in check(busy_plan(), RuleConfig(timezone="Europe/Berlin")):
        assert finding.message and "\n" not in finding.message
        assert finding.hint and "\n" not in finding.hint
        assert finding.severity in set(Severity)


def test_severities_are_ordered() -> None:
    assert Severity.INFO < Severity.WARNING < Severity.ERROR
    assert max([Severity.WARNING, Severity.ERROR, Severity.INFO]) is Severity.ERROR
    assert sorted(["error", "info", "warning"], key=Severity) == ["info", "warning", "error"]


def test_a_finding_turns_into_plain_json() -> None:
    finding = next(f for f in check(busy_plan()) if f.rule == "brand-monologue")

    as_json = finding.to_json()

    assert list(as_json) == [
        "rule",
        "severity",
        "channel",
        "window_start",
        "window_end",
        "post_ids",
        "measured",
        "threshold",
        "message",
        "hint",
        "uncategorised",
    ]
    assert (as_json["channel"], as_json["measured"], as_json["threshold"]) == (None, "3/4", "2/3")
    assert as_json["window_start"] == "2025-03-03T00:00:00+00:00"
    json.dumps(as_json)


def test_durations_in_json_are_iso_8601() -> None:
    items = [post(1, "2025-03-04 09:00"), post(2, "2025-03-04 10:30")]

    (finding,) = [f for f in check(items) if f.rule == "too-close"]

    assert (finding.to_json()["measured"], finding.to_json()["threshold"]) == ("PT1H30M", "PT4H")


def test_a_post_without_a_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        PlanItem(1, "a", "x", datetime(2025, 3, 3, 9), Category.BRAND, "hi")


def test_a_category_given_as_text_is_read() -> None:
    item = PlanItem(1, "a", "x", datetime(2025, 3, 3, 9, tzinfo=UTC), "care", "hi")  # type: ignore[arg-type]

    assert item.category is Category.CARE


def test_post_ids_may_be_strings() -> None:
    items = [
        post(1, "2025-03-04 09:00"),
        PlanItem("b7", "shop-fb", "facebook", datetime(2025, 3, 4, 9, 30, tzinfo=UTC), E, "Hi"),
    ]

    assert [f.post_ids for f in check(items) if f.rule == "too-close"] == [(1, "b7")]
