"""Search from the calendar header, and a drag across empty hours that plans a post there,
in Chromium at a laptop's size and a phone's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from planner.localtime import local
from tests.browser.conftest import axe_violations, sign_in
from tests.browser.test_newcomer_browser import approved, draft, fits, screen  # noqa: F401
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
ZONE = "Europe/Berlin"


def test_search_from_the_week_finds_posts_with_their_status_and_opens_one(
    live_server,
    screen,  # noqa: F811
    session,
    team,
):
    size, page = screen
    wanted = approved(session, team, 4, 12, "Tasting on Friday: three new roasts")
    draft(session, team, "x", 5, 10, "A tasting note for the weekend")
    draft(session, team, "linkedin", 6, 10, "Hiring a barista")
    sign_in(page, live_server, "editor@example.com", PASSWORD)
    page.goto(f"{live_server}/w/{team.workspace.slug}/")
    box = page.get_by_role("search").get_by_label("Search posts and channels")
    box.fill("tasting")
    box.press("Enter")
    page.wait_for_url("**/search?q=tasting")
    assert "2 posts match" in page.get_by_role("status").first.inner_text()
    results = page.locator(".result")
    assert results.count() == 2
    first = results.nth(0)  # latest scheduled first
    assert "A tasting note" in first.inner_text()
    second = results.nth(1)
    badge = second.locator(".status")
    assert badge.inner_text().strip() == "approved"
    assert badge.locator("svg use").get_attribute("href").endswith("icons.svg#approved")
    assert second.locator("mark").first.inner_text() == "Tasting"
    when = local(wanted.scheduled_at, ZONE).strftime("%H:%M")
    assert when in second.inner_text() and "Mastodon" in second.inner_text()
    assert fits(page), f"the results scroll sideways at {size}"
    assert axe_violations(page) == []
    second.get_by_role("link").click()
    page.wait_for_url(f"**/posts/{wanted.id}")
    assert "three new roasts" in page.locator("main").inner_text()


def test_a_search_that_finds_nothing_says_what_was_searched(
    live_server,
    screen,  # noqa: F811
    session,
    team,
):
    _, page = screen
    draft(session, team)
    sign_in(page, live_server, "viewer@example.com", PASSWORD)
    page.goto(f"{live_server}/w/{team.workspace.slug}/month")
    box = page.get_by_role("search").get_by_label("Search posts and channels")
    box.fill('"zeppelin NEAR')
    box.press("Enter")
    page.locator(".empty-state").wait_for()
    assert 'No post matches “"zeppelin NEAR”' in page.locator(".empty-state").inner_text()


def test_dragging_across_empty_hours_opens_the_composer_at_the_first_of_them(
    live_server, page, session, team
):
    post = draft(session, team, days=3, hour=6)  # the week shows 06:00-18:00 from it
    day = local(post.scheduled_at, ZONE).date() + timedelta(days=1)
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "editor@example.com", PASSWORD)
    page.goto(f"{live_server}/w/{team.workspace.slug}/?date={day.isoformat()}")
    column = page.locator(f'section.day[data-date="{day}"]')
    top = column.locator('li.slot[data-hour="15"]')
    bottom = column.locator('li.slot[data-hour="13"]')
    top.scroll_into_view_if_needed()
    a, b = top.bounding_box(), bottom.bounding_box()
    # Upwards, from 15:00 to 13:00: the post starts at the earliest hour picked.
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] - 4, steps=4)
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=8)
    assert column.locator("li.slot.drag-range").count() == 3
    page.mouse.up()
    page.get_by_label("Date", exact=True).wait_for()
    assert page.get_by_label("Date", exact=True).input_value() == day.isoformat()
    assert page.get_by_label("Time", exact=True).input_value() == "13:00"


def test_a_click_on_an_empty_hour_still_opens_the_composer_there(live_server, page, session, team):
    post = draft(session, team, days=3, hour=6)
    day = local(post.scheduled_at, ZONE).date() + timedelta(days=1)
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "editor@example.com", PASSWORD)
    page.goto(f"{live_server}/w/{team.workspace.slug}/?date={day.isoformat()}")
    slot = page.locator(f'section.day[data-date="{day}"] li.slot[data-hour="11"]')
    slot.hover()
    slot.locator("a.add").click()
    page.get_by_label("Time", exact=True).wait_for()
    assert page.get_by_label("Time", exact=True).input_value() == "11:00"
    # Keyboard users keep the links: each empty hour has one, named for its time.
    page.go_back()
    link = page.get_by_role("link", name=f"New post on {day.strftime('%A %d %B')} at 09:00")
    assert link.count() == 1
