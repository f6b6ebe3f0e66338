"""Several posts at once from the calendar: submit, move (keeping times and the days between
them), cancel; one refused post does not stop the rest; moves and cancels can be undone."""

from __future__ import annotations

from datetime import date, timedelta

from planner import workflow
from planner.localtime import local
from planner.models import Post, Status
from tests.conftest import future, signed_in

ZONE = "Europe/Berlin"


def draft(session, team, network: str, days: int, hour: int = 10):  # type: ignore[no-untyped-def]
    content = workflow.PostContent(
        team.channels[network], "Plan item", "educational", future(days, hour)
    )
    return workflow.create_post(session, team.user("editor"), team.workspace, content)


def card(*posts) -> str:  # type: ignore[no-untyped-def]
    return ";".join(f"{p.id}:{p.version}" for p in posts)


def act(browser, slug, action, cards, **extra):  # type: ignore[no-untyped-def]
    data = {"action": action, "post": cards, "next": f"/w/{slug}/", **extra}
    return browser.post(f"/w/{slug}/posts/bulk", data)


def test_moving_a_selection_keeps_each_time_of_day_and_the_gaps(app, session, team):
    first, second = draft(session, team, "x", 3, 9), draft(session, team, "mastodon", 5, 14)
    before = [local(p.scheduled_at, ZONE) for p in (first, second)]
    target = before[0].date() + timedelta(days=14)
    browser = signed_in(app, "editor@example.com")
    slug = team.workspace.slug
    response = act(browser, slug, "move", [card(first), card(second)], to=target.isoformat())
    assert response.status_code == 303
    session.expire_all()
    after = [local(session.get(Post, p.id).scheduled_at, ZONE) for p in (first, second)]
    assert after[0].date() == target
    assert [a.time() for a in after] == [b.time() for b in before]
    assert after[1] - after[0] == before[1] - before[0]
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 posts moved." in page and "Undo" in page


def test_submitting_a_selection_reports_what_was_refused(app, session, team):
    ready, stale = draft(session, team, "x", 3), draft(session, team, "mastodon", 4)
    seen = card(stale)
    workflow.edit_post(
        session,
        team.user("admin"),
        stale,
        stale.version,
        workflow.PostContent(stale.channel, "Edited meanwhile", "educational", stale.scheduled_at),
    )
    browser = signed_in(app, "editor@example.com")
    slug = team.workspace.slug
    response = act(browser, slug, "submit", [card(ready), seen, "999999:1"])
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 post submitted for review." in page
    assert f"#{stale.id}: " in page and "#999999: No such post in this workspace." in page
    session.expire_all()
    assert session.get(Post, ready.id).status == Status.in_review
    assert session.get(Post, stale.id).status == Status.draft


def test_cancelling_a_selection_asks_first_and_can_be_undone(app, session, team):
    one, two = draft(session, team, "x", 3), draft(session, team, "linkedin", 6)
    browser = signed_in(app, "editor@example.com")
    slug = team.workspace.slug
    week = browser.get(f"/w/{slug}/?date={local(one.scheduled_at, ZONE).date()}")
    html = week.get_data(as_text=True)
    assert 'id="bulk-posts"' in html and 'class="pick"' in html
    assert 'value="cancel" class="danger" data-confirm="Cancel the selected posts?' in html
    response = act(browser, slug, "cancel", [card(one), card(two)])
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 posts cancelled." in page
    items = page.split('name="items" value="')[1].split('"')[0]
    browser.post(f"/w/{slug}/posts/undo", {"items": items})
    session.expire_all()
    assert {session.get(Post, p.id).status for p in (one, two)} == {Status.draft}


def test_a_viewer_has_no_selection_and_cannot_post_one(app, session, team):
    post = draft(session, team, "x", 3)
    viewer = signed_in(app, "viewer@example.com")
    slug = team.workspace.slug
    html = viewer.get(f"/w/{slug}/?date={local(post.scheduled_at, ZONE).date()}").get_data(
        as_text=True
    )
    assert 'id="bulk-posts"' not in html and 'class="pick"' not in html
    assert act(viewer, slug, "cancel", [card(post)]).status_code == 403
    session.expire_all()
    assert session.get(Post, post.id).status == Status.draft


def test_bad_selections_answer_with_a_message(app, session, team):
    post = draft(session, team, "x", 3)
    browser = signed_in(app, "editor@example.com")
    slug = team.workspace.slug
    assert act(browser, slug, "explode", [card(post)]).status_code == 400
    nothing = act(browser, slug, "submit", ["garbage"])
    assert "Select at least one post" in browser.get(nothing.headers["Location"]).get_data(
        as_text=True
    )
    for bad_day in ("", "tomorrow", "1899-12-31"):
        response = act(browser, slug, "move", [card(post)], to=bad_day)
        page = browser.get(response.headers["Location"]).get_data(as_text=True)
        assert "Not moved:" in page
    past = act(browser, slug, "move", [card(post)], to=date(2001, 1, 1).isoformat())
    assert "already passed" in browser.get(past.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert session.get(Post, post.id).scheduled_at == post.scheduled_at
