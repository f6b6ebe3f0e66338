"""What the calendar and the header say about publishing problems: failed, retrying and held
posts are told apart, for every member of the workspace."""

from __future__ import annotations

from planner import workflow
from planner.localtime import local
from tests.conftest import future, signed_in


def approved(session, team, network: str, hour: int):  # type: ignore[no-untyped-def]
    content = workflow.PostContent(team.channels[network], f"At {hour}", "care", future(3, hour))
    post = workflow.create_post(session, team.user("editor"), team.workspace, content)
    workflow.submit(session, team.user("editor"), post, post.version)
    workflow.approve(session, team.user("approver"), post, post.version)
    assert workflow.claim(session, post.id, post.approved_version)
    return post


def test_failed_retrying_and_held_posts_are_told_apart(app, session, team):
    failed = approved(session, team, "x", 9)
    workflow.mark_failed(session, failed.id, failed.approved_version, "401: token expired")
    retrying = approved(session, team, "mastodon", 10)
    workflow.release_for_retry(session, retrying.id, retrying.approved_version, "HTTP 503")
    held = approved(session, team, "linkedin", 11)
    workflow.hold(session, held.id, held.approved_version, "the login was refused")
    workflow.mark_needs_reconnecting(session, team.channels["linkedin"].id, "HTTP 401")
    day = local(failed.scheduled_at, "Europe/Berlin").date()
    viewer = signed_in(app, "viewer@example.com")
    page = viewer.get(f"/w/{team.workspace.slug}/?date={day}").get_data(as_text=True)
    assert "Publishing needs attention: 2 posts" in page
    assert "1 post failed to publish" in page and "1 being tried again" in page
    assert "401: token expired" in page and "HTTP 503" in page
    # The held post is the channel's story, not a retry.
    assert "held: channel needs reconnecting" in page
    assert (
        "the login was refused"
        not in page.split('id="publishing-problems"')[1].split("</section>")[0]
    )
    month = viewer.get(f"/w/{team.workspace.slug}/month?month={day:%Y-%m}")
    assert "Publishing needs attention: 2 posts" in month.get_data(as_text=True)


def test_an_edit_clears_the_error_of_a_failed_post(app, session, team):
    post = approved(session, team, "x", 9)
    workflow.mark_failed(session, post.id, post.approved_version, "401: token expired")
    session.refresh(post)
    content = workflow.PostContent(post.channel, "Fixed", post.category, post.scheduled_at)
    workflow.edit_post(session, team.user("editor"), post, post.version, content)
    assert post.last_error is None
    page = signed_in(app, "editor@example.com").get(f"/w/{team.workspace.slug}/")
    assert "Publishing needs attention" not in page.get_data(as_text=True)
