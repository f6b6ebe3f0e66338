"""The bell in Chromium: its count and accessible name, the list it opens, marking read, and
the preferences table on a phone."""

from __future__ import annotations

import pytest

from planner import workflow
from tests.browser.conftest import axe_violations, sign_in
from tests.conftest import PASSWORD, future

pytestmark = pytest.mark.browser


def submitted(session, team, text: str):  # type: ignore[no-untyped-def]
    content = workflow.PostContent(team.channels["x"], text, "educational", future(3))
    post = workflow.create_post(session, team.user("editor"), team.workspace, content)
    workflow.submit(session, team.user("editor"), post, post.version)
    return post


def test_the_bell_counts_unread_opens_the_list_and_leads_to_the_post(
    live_server, page, session, team
):
    first = submitted(session, team, "Latte art class on Sunday")
    submitted(session, team, "Which beans should we roast next?")
    submitted(session, team, "Our new opening hours")
    sign_in(page, live_server, "approver@example.com", PASSWORD)
    page.goto(f"{live_server}/w/{team.workspace.slug}/")
    bell = page.get_by_role("link", name="Notifications, 3 unread")
    assert bell.locator(".pill").inner_text() == "3"
    bell.click()
    page.get_by_role("heading", name="Notifications").wait_for()
    assert page.locator(".notices li.unread").count() == 3
    page.get_by_role(
        "button", name="Mark read: Editor submitted a post for review: “Our new"
    ).click()
    page.get_by_role("link", name="Notifications, 2 unread").wait_for()
    page.get_by_role(
        "link", name="Open the post: Editor submitted a post for review: “Latte"
    ).click()
    page.wait_for_url(f"**/posts/{first.id}")
    page.get_by_role("link", name="Notifications, 1 unread").wait_for()
    page.get_by_role("link", name="Notifications, 1 unread").click()
    page.get_by_role("button", name="Mark all read").click()
    page.get_by_role("link", name="Notifications, 0 unread").wait_for()
    assert page.locator(".topbar .pill").count() == 0
    assert axe_violations(page) == []


def test_preferences_fit_a_phone_and_are_saved(live_server, chromium, session, team):
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, live_server, "editor@example.com", PASSWORD)
        page.goto(f"{live_server}/w/{team.workspace.slug}/notifications/preferences")
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        box = page.get_by_role("checkbox", name="My post is approved: in the daily digest")
        box.check()
        page.get_by_role("checkbox", name="A post is submitted for review: by e-mail").uncheck()
        page.get_by_role("button", name="Save preferences").click()
        page.get_by_text("Notification preferences saved.").wait_for()
        assert page.get_by_role(
            "checkbox", name="My post is approved: in the daily digest"
        ).is_checked()
        assert not page.get_by_role(
            "checkbox", name="A post is submitted for review: by e-mail"
        ).is_checked()
        assert axe_violations(page) == []
    finally:
        context.close()
