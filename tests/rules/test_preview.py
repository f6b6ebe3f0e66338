"""The preview model: links, mentions and hashtags as each network shows them, where each folds
the text, how it crops images, when it shows a link card, and the one length counter."""

from __future__ import annotations

import grapheme
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules import measure
from rules.preview import Image, LinkCard, first_link, initials, preview, segments, shorten_link

LAUNCH = (
    "Our spring menu is here 🌸 Thanks @maria@social.coop and @beans.bsky.social for the "
    "tastings! Full list: https://www.acme-coffee.example/menus/spring-2025?utm_source=social "
    "#coffee #東京 #1"
)


def kinds(text: str, network: str) -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in segments(text, network)]


def test_x_shows_links_as_tco_display_urls():
    assert shorten_link("https://www.acme-coffee.example/menus/spring-2025", "x") == (
        "acme-coffee.example/menus…"
    )
    assert shorten_link("https://acme.example/a", "x") == "acme.example/a"
    # X also links addresses written without a scheme.
    assert ("link", "example.com/menu") in kinds("See example.com/menu today", "x")


def test_mastodon_hides_the_scheme_and_www_and_cuts_after_30():
    shown = [s for s in segments(LAUNCH, "mastodon") if s.kind == "link"]
    assert [s.text for s in shown] == ["acme-coffee.example/menus/spri…"]
    assert shown[0].target.startswith("https://www.acme-coffee.example/")
    # Mastodon links only addresses with a scheme.
    assert all(k != "link" for k, _ in kinds("See example.com/menu today", "mastodon"))


def test_bluesky_shows_the_host_and_13_characters_of_a_long_path():
    assert shorten_link("https://bsky.app/profile/acme", "bluesky") == "bsky.app/profile/acme"
    assert shorten_link("https://www.acme-coffee.example/menus/spring-2025", "bluesky") == (
        "www.acme-coffee.example/menus/spring..."
    )


def test_mentions_and_hashtags_are_highlighted_and_mastodon_shortens_remote_mentions():
    on_mastodon = kinds(LAUNCH, "mastodon")
    assert ("mention", "@maria") in on_mastodon
    assert ("mention", "@beans.bsky.social") in on_mastodon
    assert ("hashtag", "#coffee") in on_mastodon and ("hashtag", "#東京") in on_mastodon
    assert ("mention", "@maria@social.coop") in kinds(LAUNCH, "webhook")
    # A number is not a hashtag, an e-mail address is not a mention.
    assert not any(t == "#1" for k, t in on_mastodon if k == "hashtag")
    assert all(k == "text" for k, _ in kinds("Write to help@acme.example", "mastodon"))


def test_each_network_links_its_own_kind_of_mention():
    text = "Thanks @maria@social.coop, @beans.bsky.social, @acme_coffee and @a_name_longer_than_15!"

    def mentions(network: str) -> list[str]:
        return [t for k, t in kinds(text, network) if k == "mention"]

    # X: at most 15 characters, and an address with a second @ is no mention.
    assert mentions("x") == ["@beans", "@acme_coffee"]
    assert mentions("mastodon") == [
        "@maria",
        "@beans.bsky.social",
        "@acme_coffee",
        "@a_name_longer_than_15",
    ]
    # Bluesky: a handle has a dot.
    assert mentions("bluesky") == ["@beans.bsky.social"]
    assert mentions("instagram") == [
        "@maria",
        "@beans.bsky.social",
        "@acme_coffee",
        "@a_name_longer_than_15",
    ]
    # Through the API, LinkedIn and Facebook show "@name" as plain text.
    assert mentions("linkedin") == [] and mentions("facebook") == []


def test_instagram_captions_have_no_links():
    parts = kinds(LAUNCH, "instagram")
    assert all(kind != "link" for kind, _ in parts)
    assert any("https://www.acme-coffee.example/menus" in t for _, t in parts)


def test_instagram_folds_after_about_125_characters_with_more():
    p = preview(LAUNCH, "instagram", name="Acme Coffee", handle="acmecoffee")
    visible = "".join(s.text for s in p.visible)
    assert p.truncated and p.more_label == "... more"
    assert len(visible) <= 125
    # Instagram cuts where the characters run out, inside the address too (no link there).
    assert LAUNCH.startswith(visible) and visible.endswith("https://www.acme-coff")
    assert "".join(s.text for s in p.hidden).startswith("ee.example/menus")


def test_linkedin_folds_after_three_lines_even_when_short():
    text = "We are hiring.\nThree roles in Berlin.\nAll remote-friendly.\nApply by Friday."
    p = preview(text, "linkedin", name="Acme GmbH")
    assert p.truncated and p.more_label == "...see more"
    assert (
        "".join(s.text for s in p.visible)
        == "We are hiring.\nThree roles in Berlin.\nAll remote-friendly."
    )
    assert "Apply by Friday." in "".join(s.text for s in p.hidden)


def test_line_breaks_sent_by_a_form_fold_the_same():
    text = "We are hiring.\r\nThree roles in Berlin.\r\nAll remote-friendly.\r\nApply by Friday."
    p = preview(text, "linkedin", name="Acme GmbH")
    assert p.truncated
    assert "".join(s.text for s in p.visible).endswith("All remote-friendly.")


def test_linkedin_folds_long_text_near_210_characters():
    text = "Planning content for several networks takes time. " * 8
    p = preview(text, "linkedin", name="Acme GmbH")
    visible = "".join(s.text for s in p.visible)
    assert p.truncated and 195 <= len(visible) <= 210


def test_mastodon_and_bluesky_show_the_whole_text():
    for network in ("mastodon", "bluesky", "threads"):
        p = preview(LAUNCH, network, name="Acme Coffee", handle="acme")
        assert not p.truncated


def test_cjk_and_emoji_are_never_cut_inside_a_character():
    text = "東京の新しいお店🇯🇵👩‍👩‍👧がオープンしました" * 10
    p = preview(text, "instagram", name="東京カフェ")
    visible = "".join(s.text for s in p.visible)
    assert p.truncated and text.startswith(visible)
    assert visible.count("🇯🇵") == visible.count("\U0001f1ef")  # no half flags
    assert p.initials == "東"


def test_the_counter_is_the_rules_counter():
    for network in ("x", "mastodon", "bluesky", "linkedin", "instagram", "threads", "facebook"):
        p = preview(LAUNCH, network, name="Acme")
        assert p.length == measure(LAUNCH, network)
        assert p.counter == str(measure(LAUNCH, network))
    generic = preview(LAUNCH, "webhook", name="Hook")
    assert generic.length is None and generic.counter == f"{len(LAUNCH):,} characters"
    too_long = preview("a" * 301, "bluesky", name="Acme")
    assert too_long.over_limit and "above bluesky's limit of 300" in too_long.notes[0]


def test_names_handles_and_initials():
    assert preview("hi", "x", name="Acme Coffee", handle="acmecoffee").handle == "@acmecoffee"
    assert preview("hi", "mastodon", name="A", handle="@acme@social.example").handle == (
        "@acme@social.example"
    )
    assert preview("hi", "linkedin", name="Acme GmbH", handle="acme-gmbh").handle == "acme-gmbh"
    assert initials("acme coffee") == "AC"
    assert initials("élan vital co") == "ÉV"
    assert initials("") == "?"


@pytest.mark.parametrize(
    ("network", "width", "height", "crop"),
    [
        ("x", 1200, 1200, "16x9"),
        ("mastodon", 1920, 1080, ""),
        ("instagram", 1080, 1920, "4x5"),  # a phone screenshot: cut to 4:5
        ("instagram", 1080, 1350, ""),
        ("linkedin", 3000, 1000, "191x100"),
        ("bluesky", 800, 2000, "1x2"),
        ("webhook", 800, 2000, ""),
    ],
)
def test_a_single_image_is_cropped_to_the_networks_range(network, width, height, crop):
    p = preview("Look", network, name="Acme", images=[Image("/m/1.jpg", "A cup", width, height)])
    assert [v.crop for v in p.images] == [crop]


def test_several_images_are_square_tiles_and_the_extra_ones_counted():
    images = [Image(f"/m/{i}.jpg", f"photo {i}", 1600, 900) for i in range(6)]
    p = preview("Six photos", "x", name="Acme", images=images)
    assert [v.crop for v in p.images] == ["1x1"] * 4
    assert p.hidden_images == 2 and "X shows at most 4 images." in p.notes


def test_the_link_card_shows_where_the_network_builds_one_and_only_without_images():
    card = LinkCard(
        "https://www.acme-coffee.example/menus/spring-2025",
        title="Spring menu",
        site_name="Acme Coffee",
    )
    assert preview(LAUNCH, "mastodon", name="Acme", card=card).card == card
    assert preview(LAUNCH, "linkedin", name="Acme", card=card).card == card
    assert preview(LAUNCH, "instagram", name="Acme", card=card).card is None
    on_bluesky = preview(LAUNCH, "bluesky", name="Acme", card=card)
    assert on_bluesky.card is None and "attaches none" in on_bluesky.card_note
    with_image = preview(LAUNCH, "x", name="Acme", card=card, images=[Image("/m/1.jpg", "a")])
    assert with_image.card is None
    assert preview("No link here", "x", name="Acme", card=card).card is None
    assert card.host == "acme-coffee.example"


def test_the_first_link_is_the_first_http_address():
    assert (
        first_link(LAUNCH) == "https://www.acme-coffee.example/menus/spring-2025?utm_source=social"
    )
    assert first_link("see acme.example and http://127.0.0.1:6379/") == "http://127.0.0.1:6379/"
    assert first_link("no link, just acme.example") is None


def test_a_link_ends_before_the_sentence_does():
    parts = kinds(
        "Read it (https://en.wikipedia.org/wiki/Coffee_(drink)). Or https://acme.example/a!",
        "mastodon",
    )
    links = [t for k, t in parts if k == "link"]
    assert links == ["en.wikipedia.org/wiki/Coffee_(…", "acme.example/a"]


def test_a_long_x_post_shows_more_after_280_and_never_cuts_a_mention():
    text = "word " * 55 + "@somebody thanks"  # the mention crosses 280
    p = preview(text, "x", name="Acme", handle="acme")
    assert p.truncated and p.more_label == "Show more"
    assert p.hidden[0] == segments(text, "x")[1]  # the whole mention, after the fold


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8),
            st.sampled_from(
                [" ", "\n", "\r\n", "@ab", "#tag", "https://a.example/x ", "👩‍👩‍👧", "🇯🇵"]
            ),
        ),
        max_size=80,
    ).map("".join),
    st.sampled_from(["instagram", "linkedin", "facebook", "x"]),
)
def test_the_fold_loses_nothing_and_keeps_its_budget(text, network):
    p = preview(text, network, name="Acme")
    visible = "".join(s.text for s in p.visible)
    hidden = "".join(s.text for s in p.hidden)
    whole = "".join(s.text for s in segments(text, network))
    # What is shown plus what is folded away is the whole text, but for the white space
    # trimmed at the fold.
    assert whole.startswith(visible) and whole.endswith(hidden)
    assert whole[len(visible) : len(whole) - len(hidden)].strip() == ""
    style_budget = {"instagram": 125, "linkedin": 210, "facebook": 480, "x": 280}[network]
    assert grapheme.length(visible) <= style_budget
