"""A person plans a post in a real browser: composer, week view, drag, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from planner.localtime import local
from planner.models import Post
from tests.browser.conftest import axe_violations, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _compose(page, base, slug, channel, text, day, time):  # type: ignore[no-untyped-def]
    page.goto(f"{base}/w/{slug}/posts/new")
    page.get_by_role("group", name="Channels").get_by_label(channel).check()
    page.get_by_label("Text", exact=True).fill(text)
    page.locator("input[name=category][value=educational]").check()
    page.get_by_label("Date", exact=True).fill(day)
    page.get_by_label("Time", exact=True).fill(time)
    page.get_by_role("button", name="Save draft").click()


def test_an_editor_plans_a_post_and_drags_it_to_another_day(live_server, page, session, team):
    slug, tz = team.workspace.slug, team.workspace.timezone
    sign_in(page, live_server, "editor@example.com", PASSWORD)
    day = (local(datetime.now(UTC), tz) + timedelta(days=2)).date()
    # Pick the Monday-to-Saturday part of a week so "the next day" is in the same week view.
    if day.weekday() == 6:
        day += timedelta(days=1)
    _compose(
        page,
        live_server,
        slug,
        "Mastodon (mastodon)",
        "Five tips for cold brew",
        day.isoformat(),
        "09:30",
    )
    page.get_by_text("Saved as a draft").wait_for()

    page.goto(f"{live_server}/w/{slug}/?date={day.isoformat()}")
    card = page.locator("article.card", has_text="Five tips for cold brew")
    assert card.locator("time").inner_text() == "09:30"
    assert card.locator("xpath=ancestor::section[1]").get_attribute("data-date") == day.isoformat()
    assert axe_violations(page) == []

    target_day = day + timedelta(days=1)
    target_slot = page.locator(
        f'section.day[data-date="{target_day.isoformat()}"] li.slot[data-hour="14"]'
    )
    card.drag_to(target_slot)
    page.get_by_text("Moved to").first.wait_for()
    page.reload()
    card = page.locator("article.card", has_text="Five tips for cold brew")
    assert (
        card.locator("xpath=ancestor::section[1]").get_attribute("data-date")
        == target_day.isoformat()
    )
    assert card.locator("time").inner_text() == "14:30"
    session.expire_all()
    post = session.scalars(sa.select(Post)).one()
    assert (
        local(post.scheduled_at, tz).strftime("%Y-%m-%d %H:%M") == f"{target_day.isoformat()} 14:30"
    )


def test_a_form_with_an_error_keeps_the_typed_text(live_server, page, team):
    sign_in(page, live_server, "editor@example.com", PASSWORD)
    typed = "This is far too long for X. " * 12
    _compose(page, live_server, team.workspace.slug, "X (x)", typed, "2031-05-05", "10:00")
    page.get_by_text("accepts at most 280").wait_for()
    assert page.get_by_label("Text", exact=True).input_value() == typed
    assert page.locator("input[name=category][value=educational]").is_checked()
    assert page.get_by_label("Date", exact=True).input_value() == "2031-05-05"
    # The live counters tell the editor before they save, too: which channel, by how much.
    assert "too long for X" in page.locator("#text-counter").inner_text()
    x_id = team.channels["x"].id
    assert "56 too many" in page.locator(f"[data-counter-for='{x_id}']").inner_text()
    assert axe_violations(page) == []


def test_the_demo_weeks_show_on_the_calendar_at_desktop_and_phone_width(
    live_server, page, session, tmp_path
):
    from planner import demo

    demo.seed(session, tmp_path, echo=lambda _line: None)
    passwords = __import__("json").loads(demo.credentials_file(tmp_path).read_text())
    sign_in(page, live_server, "editor@example.com", passwords["editor@example.com"])
    page.goto(f"{live_server}/w/{demo.SLUG}/")
    assert page.locator("article.card").count() >= 6
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    # At phone width the days stack and nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live_server}/w/{demo.SLUG}/month")
    assert page.locator("ul.mini li").count() >= 6
