"""too-long: text longer than its network accepts."""

import pytest

from .conftest import at, brief, only, post


def test_an_x_post_of_281_characters_fails() -> None:
    item = post(1, "2025-03-04 09:00", channel="shop-x", network="x", text="a" * 281)

    findings = only("too-long", [item])

    t = at("2025-03-04 09:00")
    assert [brief(f) for f in findings] == [("error", "shop-x", t, t, (1,), 281, 280)]
    assert findings[0].message == (
        "post on shop-x at 2025-03-04 09:00 UTC is 281 weighted characters, above x's limit of 280"
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


def test_a_support_reply_with_a_long_help_link_fits_on_x() -> None:
    link = "https://help.example.com/hc/en-us/articles/360001234567-" + "how-to-reset" * 20
    text = f"@sam Sorry about that! These steps fix it: {link}"

    assert len(text) > 280
    assert only("too-long", [post(1, "2025-03-04 09:00", network="x", text=text)]) == []


def test_link_heavy_x_posts_are_counted_as_x_counts_them() -> None:
    # Nine links (9 x 23 = 207), 9 spaces and 64 letters: 280 exactly; one letter more is 281.
    links = " ".join(f"https://example.com/page/{n}/{'x' * 40}" for n in range(9))
    fits = f"{links} {'a' * 64}"
    over = fits + "a"

    findings = only(
        "too-long",
        [
            post(1, "2025-03-04 09:00", channel="shop-x", network="x", text=fits),
            post(2, "2025-03-05 09:00", channel="shop-x", network="x", text=over),
        ],
    )

    assert [(f.post_ids, f.measured, f.threshold) for f in findings] == [((2,), 281, 280)]
    assert "281 weighted characters" in findings[0].message


def test_bluesky_counts_graphemes_not_code_points() -> None:
    flags = "🇩🇪" * 300

    assert only("too-long", [post(1, "2025-03-04 09:00", network="bluesky", text=flags)]) == []


def test_instagram_refuses_more_than_30_hashtags() -> None:
    text = "New colours! " + " ".join(f"#colour{n}" for n in range(31))

    findings = only("too-long", [post(1, "2025-03-04 09:00", network="instagram", text=text)])

    assert [(f.measured, f.threshold) for f in findings] == [(31, 30)]
    assert findings[0].message.endswith("cannot go out: 31 hashtags, above instagram's limit of 30")
