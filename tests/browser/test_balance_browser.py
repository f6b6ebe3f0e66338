"""A flagged week in the browser: the warning, its highlighted evidence, and an override."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from planner import workflow
from tests.browser.conftest import axe_violations, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_an_approver_reads_the_warning_sees_the_evidence_and_overrides(
    live_server, page, session, team
):
    slug = team.workspace.slug
    posts = []
    for n in range(4):
        at = datetime(2031, 3, 3 + n, 9, 0, tzinfo=UTC)
        content = workflow.PostContent(
            team.channels["mastodon"],
            f"Flash sale {n}: {10 + n}% off with code FLASH{n}",
            "promotion",
            at,
        )
        post = workflow.create_post(session, team.user("editor"), team.workspace, content)
        posts.append(workflow.submit(session, team.user("editor"), post, post.version))

    sign_in(page, live_server, "approver@example.com", PASSWORD)
    page.goto(f"{live_server}/w/{slug}/?date=2031-03-03")
    finding = page.locator("li.finding", has_text="promotion-pressure").first
    assert "error" in finding.inner_text()
    assert "promotion 4/4 (100%)" in page.locator(".balance").inner_text()
    finding.get_by_role("link", name="Show its 4 posts").click()
    for post in posts:
        assert "evidence" in page.locator(f"#post-{post.id}").get_attribute("class")
    page.get_by_text("4 posts highlighted").wait_for(state="attached")
    assert axe_violations(page) == []

    page.goto(f"{live_server}/w/{slug}/posts/{posts[0].id}")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("needs an override reason").wait_for()
    page.get_by_label("Override reason").fill("Our one flash sale of the year")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("Approved: it will be published at its time.").wait_for()
    assert "Our one flash sale of the year" in page.locator("ol.timeline").inner_text()
