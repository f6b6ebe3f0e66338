"""rules.length: a post's length as each network counts it."""

from hypothesis import given, settings
from hypothesis import strategies as st
from twitter_text import parse_tweet

from rules.length import Length, measure, surely_fits, weighted_length

HELP_LINK = "https://help.example.com/hc/en-us/articles/360001234567-Resetting-your-password"


def test_x_counts_every_link_as_23() -> None:
    text = f"@sam Sorry about that! These steps fix it: {HELP_LINK}"

    length = measure(text, "x")

    assert length == Length(66, 280, "weighted characters", "x")  # 43 + 23
    assert str(length) == "66/280 weighted characters"
    assert len(text) == 43 + len(HELP_LINK) > 120


def test_x_counts_cjk_and_emoji_twice_and_an_emoji_sequence_once() -> None:
    assert weighted_length("日本語") == 6
    assert weighted_length("ok 👍🏽") == 5  # a skin-toned thumb is one emoji
    assert weighted_length("👨\u200d👩\u200d👧") == 2  # a family of three is one emoji
    assert weighted_length("…") == 2  # the ellipsis is outside the light ranges


def test_a_text_over_the_limit_names_the_problem() -> None:
    length = measure("a" * 281, "x")

    assert length is not None
    assert (length.over, length.fits) == (1, False)
    assert length.problems == ("281 weighted characters, above x's limit of 280",)


def test_bluesky_counts_graphemes() -> None:
    flags = "🇩🇪" * 300  # 600 code points, 300 flags

    assert measure(flags, "bluesky") == Length(300, 300, "graphemes", "bluesky")
    assert measure(flags + "!", "bluesky").over == 1  # type: ignore[union-attr]


def test_mastodon_counts_links_as_23_and_mentions_without_their_domain() -> None:
    text = f"@alice@example.social have a look: https://example.com/{'a' * 200}"

    # "@alice have a look: " is 20, the link 23.
    assert measure(text, "mastodon") == Length(43, 500, "characters", "mastodon")


def test_instagram_takes_at_most_30_hashtags() -> None:
    text = " ".join(f"#tag{n}" for n in range(31))

    length = measure(text, "instagram")

    assert length is not None
    assert length.problems == ("31 hashtags, above instagram's limit of 30",)
    assert measure(" ".join(f"#tag{n}" for n in range(30)), "instagram").fits  # type: ignore[union-attr]


def test_networks_without_a_limit_measure_nothing() -> None:
    assert measure("word " * 20_000, "webhook") is None
    assert surely_fits("word " * 20_000, "webhook")


PIECES = [
    "hello",
    " ",
    "world.",
    ". Next",
    "https://example.com/path?q=1",
    "example.com",
    "a.co",
    "http://t.co/abc123",
    "日本語",
    "한국어",
    "😷",
    "👨\u200d👩\u200d👧",
    "👍🏽",
    "🇩🇪",
    "1\ufe0f\u20e3",
    "©",
    "®",
    "™",
    "…",
    "—",
    "“quoted”",
    "e\u0301",
    "\r\n",
    "\n",
    "münchen.de",
    "@user",
    "#tag",
    "\ufeff",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_the_fast_x_counter_equals_twitter_text_and_the_bound_holds(text: str) -> None:
    expected = parse_tweet(text).weightedLength

    assert weighted_length(text) == expected
    assert surely_fits(text, "x") is False or expected <= 280
