"""too-long: text longer than its network accepts."""

import pytest

from .conftest import at, brief, only, post


def test_an_x_post_of_281_characters_fails() -> None:
    item = post(1, "2025-03-04 09:00", channel="shop-x", network="x", text="a" * 281)

    findings = only("too-long", [item])

    t = at("2025-03-04 09:00")
    assert [brief(f) for f in findings] == [("error", "shop-x", t, t, (1,), 281, 280)]
    assert findings[0].message == (
        "post on shop-x at 2025-03-04 09:00 UTC is 281 weighted characters, above x's limit "
        "of 280"
    )
    assert findings[0].hint.startswith("Shorten it by 1 weighted characters")


@pytest.mark.parametrize(
    ("network", "limit"),
    [("x", 280), ("bluesky", 300), ("mastodon", 500), ("threads", 500), ("instagram", 2200)],
)
def test_each_network_takes_exactly_its_limit(network: str, limit: int) -> None:
    fits = post(1, "2025-03-04 09:00", network=network, text="é" * limit)
    too_long = post(2, "2025-03-05 09:00", network=network, text="é" * (limit + 1))

    assert [f.post_ids for f in only("too-long", [fits, too_long])] == [(2,)]


def test_networks_without_a_limit_take_any_length() -> None:
    item = post(1, "2025-03-04 09:00", network="webhook", text="word " * 20_000)

    assert only("too-long", [item]) == []


def test_network_names_are_read_without_case() -> None:
    item = post(1, "2025-03-04 09:00", network="LinkedIn", text="a" * 3001)

    assert [(f.measured, f.threshold) for f in only("too-long", [item])] == [(3001, 3000)]
