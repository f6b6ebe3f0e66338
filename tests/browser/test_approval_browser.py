"""An editor and an approver, each in their own browser, around one post."""

from __future__ import annotations

import pytest

from planner import workflow
from tests.browser.conftest import axe_violations, sign_in
from tests.conftest import PASSWORD, future

pytestmark = pytest.mark.browser


def test_submit_approve_edit_revokes_and_the_diff_reaches_the_approver(
    live_server, chromium, session, team
):
    slug = team.workspace.slug
    content = workflow.PostContent(
        team.channels["mastodon"], "Our cold brew is back on Friday", "brand", future(4)
    )
    post = workflow.create_post(session, team.user("editor"), team.workspace, content)
    editor_ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
    approver_ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        editor, approver = editor_ctx.new_page(), approver_ctx.new_page()
        sign_in(editor, live_server, "editor@example.com", PASSWORD)
        sign_in(approver, live_server, "approver@example.com", PASSWORD)

        editor.goto(f"{live_server}/w/{slug}/posts/{post.id}")
        editor.get_by_role("button", name="Submit for review").click()
        editor.get_by_text("Submitted for review.").wait_for()

        approver.goto(f"{live_server}/w/{slug}/approvals/")
        approver.get_by_text("1 awaits your approval").wait_for()
        item = approver.locator(f"#review-{post.id}")
        assert "Our cold brew is back on Friday" in item.inner_text()
        assert axe_violations(approver) == []
        item.get_by_role("button", name=f"Approve post {post.id}").click()
        approver.get_by_text(f"Approved 1 post: #{post.id}").wait_for()

        editor.goto(f"{live_server}/w/{slug}/posts/{post.id}/edit")
        editor.get_by_text("approved by Approver. Saving a change withdraws").wait_for()
        editor.get_by_label("Text", exact=True).fill("Our cold brew is back on Saturday")
        editor.get_by_role("button", name="Save changes").click()
        editor.get_by_text("Saved.").wait_for()
        history = editor.locator("ol.timeline").inner_text()
        assert "approval revoked" in history
        editor.get_by_role("button", name="Submit for review").click()
        editor.get_by_text("Submitted for review.").wait_for()

        approver.goto(f"{live_server}/w/{slug}/approvals/")
        item = approver.locator(f"#review-{post.id}")
        assert item.locator("del").inner_text() == "Friday"
        assert item.locator("ins").inner_text() == "Saturday"
    finally:
        editor_ctx.close()
        approver_ctx.close()
