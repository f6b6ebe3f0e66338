"""Search over a workspace's posts (planner/search.py) against the real database: words,
prefixes, phrases, channel names, statuses, other workspaces, and input that is not a query."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from planner import search, workflow
from planner.models import Post, Status
from tests.conftest import future


def write(session, team, text, network="x", days=3, author="editor"):  # type: ignore[no-untyped-def]
    content = workflow.PostContent(team.channels[network], text, "community", future(days))
    return workflow.create_post(session, team.user(author), team.workspace, content)


def found(session, team, text, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    results = search.search(session, team.workspace, search.parse(text), **kwargs)
    return [hit.post.text for hit in results.hits]


@pytest.fixture
def posts(session, team):  # type: ignore[no-untyped-def]
    write(session, team, "Our spring launch is on Friday #launch", "x", 3)
    write(session, team, "Tasting menu: taste the new coffee blends", "mastodon", 4)
    write(session, team, "Friday is launch day for the summer range", "linkedin", 5)
    write(session, team, "Café opening hours change next week", "x", 6)
    return team


def test_a_word_finds_the_posts_that_hold_it_whatever_the_case(session, posts):
    assert sorted(found(session, posts, "FRIDAY")) == [
        "Friday is launch day for the summer range",
        "Our spring launch is on Friday #launch",
    ]


def test_a_word_matches_the_start_of_longer_words(session, posts):
    assert found(session, posts, "tast") == ["Tasting menu: taste the new coffee blends"]


def test_every_word_must_match(session, posts):
    assert found(session, posts, "launch summer") == ["Friday is launch day for the summer range"]


def test_a_quoted_phrase_keeps_its_words_in_order(session, posts):
    assert found(session, posts, '"launch day"') == ["Friday is launch day for the summer range"]
    assert found(session, posts, '"day launch"') == []


def test_a_channel_name_finds_that_channels_posts(session, posts):
    assert found(session, posts, "mastodon") == ["Tasting menu: taste the new coffee blends"]
    # A channel word and a text word together: launch posts on LinkedIn only.
    assert found(session, posts, "linked launch") == ["Friday is launch day for the summer range"]


def test_accented_words_and_hashtags_are_found(session, posts):
    assert found(session, posts, "café") == ["Café opening hours change next week"]
    assert len(found(session, posts, "#launch")) == 2


def test_latest_scheduled_first_and_edits_are_searchable_at_once(session, posts):
    assert found(session, posts, "launch") == [
        "Friday is launch day for the summer range",
        "Our spring launch is on Friday #launch",
    ]
    post = session.scalars(sa.select(Post).where(Post.text.startswith("Tasting"))).one()
    content = workflow.PostContent(
        post.channel, "Cupping session on Monday", None, post.scheduled_at
    )
    workflow.edit_post(session, posts.user("editor"), post, post.version, content)
    assert found(session, posts, "tasting") == []
    assert found(session, posts, "cupping") == ["Cupping session on Monday"]


def test_a_new_post_is_found_and_a_deleted_one_is_not(session, posts):
    post = write(session, posts, "Brand new zeppelin ride", "x", 7)
    assert found(session, posts, "zeppelin") == ["Brand new zeppelin ride"]
    session.execute(sa.delete(Post).where(Post.id == post.id))
    session.commit()
    assert found(session, posts, "zeppelin") == []


def test_only_the_workspaces_own_posts_are_found(session, posts):
    content = workflow.PostContent(posts.other_channel, "Friday launch elsewhere", None, future(3))
    workflow.create_post(session, posts.user("outsider"), posts.other_workspace, content)
    assert "Friday launch elsewhere" not in found(session, posts, "friday")
    assert found(session, posts, "elsewhere") == []


def test_every_status_is_found_and_the_filter_narrows(session, posts):
    post = session.scalars(sa.select(Post).where(Post.text.startswith("Our spring"))).one()
    workflow.cancel(session, posts.user("editor"), post, post.version)
    assert len(found(session, posts, "launch")) == 2
    assert found(session, posts, "launch", statuses=[Status.cancelled]) == [
        "Our spring launch is on Friday #launch"
    ]
    assert found(session, posts, "launch", statuses=[Status.draft]) == [
        "Friday is launch day for the summer range"
    ]


def test_pages_of_results(session, team):
    for n in range(25):
        write(session, team, f"Weekly digest number {n}", "x", 3 + n)
    first = search.search(session, team.workspace, search.parse("digest"), per_page=10)
    last = search.search(session, team.workspace, search.parse("digest"), page=3, per_page=10)
    assert (first.total, first.pages, len(first.hits), len(last.hits)) == (25, 3, 10, 5)
    assert first.hits[0].post.text == "Weekly digest number 24"
    beyond = search.search(session, team.workspace, search.parse("digest"), page=9, per_page=10)
    assert beyond.hits == () and beyond.total == 25


HOSTILE = [
    '"',
    '"unclosed phrase',
    "*",
    "launch*",
    "NEAR(launch friday)",
    "launch NEAR friday",
    "-launch",
    "launch OR friday",
    "text:launch",
    "^launch",
    "launch AND",
    "(launch",
    "'; DROP TABLE posts; --",
    "\\",
    "a\\'b",
    "launch & | ! <-> :*",
    "\x00launch",
    "launch\ud800",
    "\udfff",
    "🚀 launch",
    "Ω≈ç√∫ 中文 العربية",
    "%_%",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_query_syntax_and_odd_characters_are_only_text(session, posts, text):
    results = search.search(session, posts.workspace, search.parse(text))
    assert results.total == len(results.hits)
    for hit in results.hits:
        assert hit.post.workspace_id == posts.workspace.id


def test_syntax_characters_around_a_word_still_find_it(session, posts):
    assert len(found(session, posts, "NEAR(launch")) == 0  # "near" is a word too: no post has it
    assert len(found(session, posts, "launch*")) == 2
    assert len(found(session, posts, "-launch")) == 2
    assert len(found(session, posts, "\x00launch\ud800")) == 2


def test_punctuation_alone_is_an_empty_query(session, posts):
    query = search.parse(' " * - () ')
    assert query.empty
    assert search.search(session, posts.workspace, query).total == 0


def test_a_query_too_long_is_refused_with_the_limit():
    with pytest.raises(search.QueryError, match="at most 200 characters"):
        search.parse("launch " * 1500)
    with pytest.raises(search.QueryError, match="at most 12 words"):
        search.parse(" ".join(f"w{n}" for n in range(13)))


def test_the_snippet_marks_the_words_found():
    query = search.parse("launch fri")
    pieces = search.snippet("Our spring launch is on Friday", query)
    assert [text for text, marked in pieces if marked] == ["launch", "Fri"]
    assert "".join(text for text, _ in pieces) == "Our spring launch is on Friday"


def test_the_snippet_of_a_long_post_starts_near_the_match():
    text = "filler " * 60 + "the zeppelin lands " + "tail " * 60
    pieces = search.snippet(text, search.parse("zeppelin"))
    joined = "".join(t for t, _ in pieces)
    assert joined.startswith("…") and joined.endswith("…") and "zeppelin" in joined
    assert len(joined) <= 170
