"""Rule settings: presets, per-workspace overrides as stored in JSON, channel caps, ranges."""

from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

import pytest

from rules import ConfigError, NetworkCaps, RuleConfig, make_config, network_caps
from rules.registry import coerce_threshold, to_duration

from .conftest import only, post


def test_thresholds_typed_on_a_settings_page_become_exact_values() -> None:
    config = make_config(
        "balanced",
        "Europe/Berlin",
        thresholds={
            "promotion-pressure": {"warning_above": "1/4", "error_above": 0.4},
            "quiet-channel": {"warning_above": "5d", "fast_networks": ["X", "Threads"]},
            "quiet-hours": {"start": "21:30"},
            "burst": {"above": "6", "window": "PT90M"},
        },
    )

    assert config.thresholds_for("promotion-pressure")["warning_above"] == Fraction(1, 4)
    assert config.thresholds_for("promotion-pressure")["error_above"] == Fraction(2, 5)
    assert config.thresholds_for("quiet-channel")["warning_above"] == timedelta(days=5)
    assert config.thresholds_for("quiet-channel")["fast_networks"] == ("x", "threads")
    assert config.thresholds_for("quiet-hours")["start"] == time(21, 30)
    assert config.thresholds_for("burst")["above"] == 6
    assert config.thresholds_for("burst")["window"] == timedelta(minutes=90)


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("4h", timedelta(hours=4)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("3 days", timedelta(days=3)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        (900, timedelta(minutes=15)),
    ],
)
def test_durations_read_the_way_people_write_them(text: object, duration: timedelta) -> None:
    assert to_duration(text) == duration


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        ({"no-such-rule": {}}, "unknown rule 'no-such-rule'"),
        ({"burst": {"limit": 3}}, "rule 'burst' has no threshold 'limit'"),
        ({"burst": {"above": "many"}}, "burst.above"),
        ({"promotion-pressure": {"warning_above": "3/2"}}, "between 0 and 1"),
        ({"too-close": {}, "burst": {"window": "soon"}}, "burst.window"),
    ],
)
def test_settings_that_cannot_work_are_refused_with_a_message(
    thresholds: dict[str, dict[str, object]], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        RuleConfig(thresholds=thresholds)


def test_an_unknown_timezone_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown timezone 'Mars/Olympus'"):
        RuleConfig(timezone="Mars/Olympus")


def test_a_disabled_rule_says_nothing() -> None:
    items = [post(1, "2025-03-04 09:00"), post(2, "2025-03-04 09:30")]

    assert only("too-close", items) != []
    assert only("too-close", items, RuleConfig(disabled=frozenset({"too-close"}))) == []


def test_disabling_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown rule 'too-loud'"):
        RuleConfig(disabled=frozenset({"too-loud"}))


def test_channel_caps_may_change_only_the_gap() -> None:
    config = make_config(channel_caps={"news-x": {"network": "x", "min_gap": "15min"}})

    assert config.caps_for("news-x", "x") == NetworkCaps(10, 20, timedelta(minutes=15))
    assert config.caps_for("other-x", "x") == network_caps("x")


def test_channel_caps_with_unknown_keys_are_refused() -> None:
    with pytest.raises(ConfigError, match="unknown keys"):
        make_config(channel_caps={"news-x": {"per_hour": 3}})


def test_network_caps_follow_the_design_table() -> None:
    assert network_caps("LinkedIn") == NetworkCaps(1, 2, timedelta(hours=18))
    assert network_caps("tiktok") == NetworkCaps(4, 6, timedelta(hours=2))
    assert network_caps("outbox") == NetworkCaps(10, 20, timedelta(minutes=30))


def test_a_range_of_dates_includes_the_last_day() -> None:
    items = [
        post(1, "2025-03-02 23:00"),
        post(2, "2025-03-03 09:00"),
        post(3, "2025-03-03 09:30"),
        post(4, "2025-03-09 23:00"),
        post(5, "2025-03-09 23:30"),
        post(6, "2025-03-10 00:30"),
    ]
    config = RuleConfig(range_start=date(2025, 3, 3), range_end=date(2025, 3, 9))

    assert [f.post_ids for f in only("too-close", items, config)] == [(2, 3), (4, 5)]


def test_a_range_of_instants_excludes_its_end() -> None:
    items = [post(1, "2025-03-03 09:00"), post(2, "2025-03-03 09:30")]
    end = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)

    assert only("too-close", items, RuleConfig(range_end=end)) == []


def test_a_naive_range_is_refused() -> None:
    with pytest.raises(ConfigError, match="aware"):
        RuleConfig(range_start=datetime(2025, 3, 3))


def test_a_threshold_like_an_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot set"):
        coerce_threshold(1, like=object())
