"""A viewer subscribes to the plan from the Feeds page, copies the address, and uses it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, sign_in
from tests.conftest import PASSWORD, future
from tests.support.feeds import new_post

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_a_viewer_creates_a_subscription_copies_its_address_and_the_calendar_answers(
    live_server, chromium, session, team, width
):
    post = new_post(session, team, "Autumn menu, out on Friday", "mastodon", future(days=4))
    slug = team.workspace.slug
    context = chromium.new_context(viewport={"width": width, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    try:
        page = context.new_page()
        sign_in(page, live_server, "viewer@example.com", PASSWORD)
        page.goto(f"{live_server}/w/{slug}/")
        page.get_by_text("More", exact=True).click()  # the workspace menu
        page.get_by_role("link", name="Calendar feeds").click()
        page.get_by_role("heading", name="Calendar feeds").wait_for()
        assert axe_violations(page) == []

        page.get_by_label("Label").fill("My phone")
        page.get_by_label("Mastodon (mastodon)").check()
        page.get_by_role("button", name="Create subscription").click()
        page.get_by_role("heading", name="Subscribe to “My phone”").wait_for()
        assert axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        address = page.get_by_label("Address", exact=True).input_value()
        assert address.startswith(f"{live_server}/feeds/") and address.endswith(".ics")
        webcal = page.get_by_label("Address (webcal)").input_value()
        assert webcal == "webcal://" + address.split("://", 1)[1]
        page.get_by_role("button", name="Copy address", exact=True).click()
        page.get_by_text("Copied the address.").wait_for(state="attached")
        assert page.evaluate("navigator.clipboard.readText()") == address

        calendar = context.request.get(address)
        assert calendar.status == 200
        assert calendar.headers["content-type"] == "text/calendar; charset=utf-8; method=PUBLISH"
        assert f"UID:post-{post.id}@127.0.0.1" in calendar.text()

        # Back on the Feeds page the subscription is listed, and its address is not.
        page.get_by_role("link", name="Back to calendar feeds").click()
        row = page.locator("table.feeds tbody tr")
        assert "My phone" in row.inner_text() and "Mastodon" in row.inner_text()
        assert address.rsplit("/", 1)[1] not in page.content()
        row.get_by_role("button", name="Revoke My phone").click()
        page.get_by_text("Revoked “My phone”").wait_for()
        assert context.request.get(address).status == 404
    finally:
        context.close()
