"""The search box, the results page and `GET /api/v1/posts?q=`: what a person and a script see."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from planner import workflow
from planner.search import MAX_QUERY_LENGTH
from tests.conftest import future, signed_in
from tests.web.test_api import assert_error, token_for


def write(session, team, text, network="x", at=None, author="editor"):  # type: ignore[no-untyped-def]
    content = workflow.PostContent(team.channels[network], text, "community", at or future(3))
    return workflow.create_post(session, team.user(author), team.workspace, content)


def page_of(app, team, role="viewer", **args) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    browser = signed_in(app, f"{role}@example.com")
    response = browser.get(f"/w/{team.workspace.slug}/search", query_string=args)
    return response.status_code, response.get_data(as_text=True)


def test_week_and_month_have_the_search_box(app, team):
    browser = signed_in(app, "viewer@example.com")
    for path in ("/", "/month"):
        html = browser.get(f"/w/{team.workspace.slug}{path}").get_data(as_text=True)
        assert 'role="search"' in html
        assert f'action="/w/{team.workspace.slug}/search"' in html


def test_results_show_local_time_channel_status_and_the_words_found(app, session, team):
    # 2031-07-01 08:30 UTC is 10:30 in Berlin (summer time).
    post = write(
        session,
        team,
        "Our summer launch party is on Friday",
        "mastodon",
        datetime(2031, 7, 1, 8, 30, tzinfo=UTC),
    )
    status, html = page_of(app, team, q="launch")
    assert status == 200
    assert "1 post matches" in html
    assert "Tue 01 Jul 2031, 10:30" in html
    assert "Mastodon" in html
    assert re.search(r'class="status status-draft">.*?</svg> draft</span>', html)
    assert "<mark>launch</mark>" in html
    assert f'href="/w/{team.workspace.slug}/posts/{post.id}"' in html


def test_an_empty_result_says_what_was_searched(app, session, team):
    write(session, team, "Tasting menu for the autumn")
    status, html = page_of(app, team, q="zeppelin", status="approved")
    assert status == 200
    assert "No post matches “zeppelin” among posts approved." in html
    assert "all statuses" in html


def test_the_status_filter_narrows_the_results(app, session, team):
    draft = write(session, team, "Launch draft")
    cancelled = write(session, team, "Launch called off")
    workflow.cancel(session, team.user("editor"), cancelled, cancelled.version)
    _, everything = page_of(app, team, q="launch")
    assert "2 posts match" in everything
    _, only = page_of(app, team, q="launch", status="cancelled")
    assert "1 post matches" in only and "called off" in only and draft.text not in only


def test_another_workspaces_posts_are_never_shown(app, session, team):
    content = workflow.PostContent(team.other_channel, "Secret launch elsewhere", None, future(3))
    workflow.create_post(session, team.user("outsider"), team.other_workspace, content)
    _, html = page_of(app, team, q="secret")
    assert "Secret launch" not in html and "No post matches" in html
    # An outsider cannot search this workspace at all.
    status, _ = page_of(app, team, role="outsider", q="launch")
    assert status == 404


def test_results_come_in_pages(app, session, team):
    for n in range(23):
        write(session, team, f"Digest number {n}", at=future(3 + n))
    _, first = page_of(app, team, q="digest")
    assert "23 posts match" in first and "Page 1 of 2" in first
    assert "</mark> number 22<" in first and "</mark> number 2<" not in first
    _, second = page_of(app, team, q="digest", page="2")
    assert "</mark> number 2<" in second and 'rel="prev"' in second
    for odd in ("0", "-1", "abc", "99999999999999", "２"):
        status, _ = page_of(app, team, q="digest", page=odd)
        assert status == 200


@pytest.mark.parametrize(
    "typed",
    ['"', "NEAR(a b)", "*", "-x", "launch\x00", "%_%", "' OR 1=1 --", "🚀", "a" * 10_000],
)
def test_odd_queries_are_answered_never_a_server_error(app, session, team, typed):
    write(session, team, "Launch day")
    status, html = page_of(app, team, q=typed)
    assert status in (200, 400, 422)  # 400: NUL in a URL, refused before any view
    if len(typed) > MAX_QUERY_LENGTH:
        assert status == 422 and f"at most {MAX_QUERY_LENGTH} characters" in html


def test_a_lone_surrogate_or_broken_utf8_in_the_url_is_answered(app, session, team):
    write(session, team, "Launch day")
    browser = signed_in(app, "viewer@example.com")
    for raw in ("q=%ED%A0%80", "q=%FF%FElaunch", "q=launch%ED%B0%80"):
        response = browser.get(f"/w/{team.workspace.slug}/search?{raw}")
        assert response.status_code in (200, 400), raw


def test_a_query_of_punctuation_explains_what_to_type(app, team):
    status, html = page_of(app, team, q="* - ()")
    assert status == 200 and "has no letters or digits" in html


# --- The API ----------------------------------------------------------------------------------


def test_the_api_searches_with_q_and_keeps_the_other_filters(app, session, team):
    write(session, team, "Spring launch on X", "x")
    write(session, team, "Spring launch on Mastodon", "mastodon")
    write(session, team, "Autumn menu", "x")
    client = app.test_client()
    headers = token_for(session, team, "viewer")
    body = client.get("/api/v1/posts?q=launch", headers=headers).get_json()
    assert sorted(p["text"] for p in body["posts"]) == [
        "Spring launch on Mastodon",
        "Spring launch on X",
    ]
    narrowed = client.get("/api/v1/posts?q=launch&channel=Mastodon", headers=headers).get_json()
    assert [p["text"] for p in narrowed["posts"]] == ["Spring launch on Mastodon"]
    by_channel = client.get("/api/v1/posts?q=masto", headers=headers).get_json()
    assert [p["text"] for p in by_channel["posts"]] == ["Spring launch on Mastodon"]
    assert client.get('/api/v1/posts?q=" * -', headers=headers).get_json()["posts"] == []


def test_the_api_refuses_a_query_too_long_with_the_field(app, session, team):
    headers = token_for(session, team, "viewer")
    error = assert_error(
        app.test_client().get(f"/api/v1/posts?q={'a' * 201}", headers=headers), 422
    )
    assert "q" in error["fields"]
    many = " ".join(f"w{n}" for n in range(13))
    error = assert_error(app.test_client().get(f"/api/v1/posts?q={many}", headers=headers), 422)
    assert "12 words" in error["fields"]["q"]


def test_the_openapi_document_describes_q(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    parameters = document["paths"]["/api/v1/posts"]["get"]["parameters"]
    q = next(p for p in parameters if p["name"] == "q")
    assert q["in"] == "query" and "phrase" in q["description"]
