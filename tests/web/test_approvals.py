"""Approvers' queue, bulk approval, header counts and the revoked-approval warning."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from planner import workflow
from planner.models import Post, Status
from tests.conftest import future, signed_in


def _in_review(session, team, text, days=3):  # type: ignore[no-untyped-def]
    content = workflow.PostContent(team.channels["mastodon"], text, "educational", future(days))
    post = workflow.create_post(session, team.user("editor"), team.workspace, content)
    return workflow.submit(session, team.user("editor"), post, post.version)


def test_the_queue_lists_posts_in_review_oldest_first_with_author_and_time(app, session, team):
    first = _in_review(session, team, "Submitted first", days=9)
    second = _in_review(session, team, "Submitted second", days=2)
    approver = signed_in(app, "approver@example.com")
    page = approver.get(f"/w/{team.workspace.slug}/approvals/").get_data(as_text=True)
    assert page.index(f'id="review-{first.id}"') < page.index(f'id="review-{second.id}"')
    assert "by Editor" in page and "Europe/Berlin" in page
    assert "2 await your approval" in page


def test_the_queue_shows_what_changed_since_the_last_approval(app, session, team):
    post = _in_review(session, team, "Our beans ship on Monday")
    workflow.approve(session, team.user("approver"), post, post.version)
    edited = workflow.PostContent(
        post.channel, "Our beans ship on Tuesday", post.category, post.scheduled_at
    )
    workflow.edit_post(session, team.user("editor"), post, post.version, edited)
    workflow.submit(session, team.user("editor"), post, post.version)
    approver = signed_in(app, "approver@example.com")
    page = approver.get(f"/w/{team.workspace.slug}/approvals/").get_data(as_text=True)
    assert "Changes since the last approved version" in page
    assert "<del>Monday</del><ins>Tuesday</ins>" in page


def test_bulk_approve_approves_the_fresh_ones_and_reports_the_stale_one(app, session, team):
    fresh = _in_review(session, team, "Fresh")
    stale = _in_review(session, team, "Stale")
    approver = signed_in(app, "approver@example.com")
    response = approver.post(
        f"/w/{team.workspace.slug}/approvals/approve",
        {"post": [f"{fresh.id}:{fresh.version}", f"{stale.id}:{stale.version - 1}"]},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert f"Approved 1 post: #{fresh.id}" in page
    assert f"Post #{stale.id} was not approved" in page and "changed by someone else" in page
    session.expire_all()
    assert session.get(Post, fresh.id).status == Status.approved
    assert session.get(Post, stale.id).status == Status.in_review


def test_an_approver_cannot_approve_their_own_post_from_the_queue(app, session, team):
    content = workflow.PostContent(team.channels["x"], "Mine", "brand", future())
    own = workflow.create_post(session, team.user("approver"), team.workspace, content)
    workflow.submit(session, team.user("approver"), own, own.version)
    approver = signed_in(app, "approver@example.com")
    page = approver.get(f"/w/{team.workspace.slug}/approvals/").get_data(as_text=True)
    assert "another approver signs it off" in page
    response = approver.post(
        f"/w/{team.workspace.slug}/approvals/approve",
        {"post": f"{own.id}:{own.version}"},
        follow_redirects=True,
    )
    assert "four eyes" in response.get_data(as_text=True)


def test_requesting_changes_returns_it_to_the_author_with_the_comment(app, session, team):
    post = _in_review(session, team, "Needs work")
    approver = signed_in(app, "approver@example.com")
    response = approver.post(
        f"/w/{team.workspace.slug}/posts/{post.id}/request-changes",
        {
            "version": post.version,
            "comment": "Add the shop link",
            "next": f"/w/{team.workspace.slug}/approvals/",
        },
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/approvals/")
    editor = signed_in(app, "editor@example.com")
    page = editor.get(f"/w/{team.workspace.slug}/posts/{post.id}").get_data(as_text=True)
    assert "Add the shop link" in page and "changes requested" in page
    assert "1 of yours needs changes" in page


def test_a_failed_request_for_changes_keeps_the_typed_comment(app, session, team):
    post = _in_review(session, team, "Raced")
    seen = post.version
    workflow.withdraw(session, team.user("editor"), post, seen)
    approver = signed_in(app, "approver@example.com")
    approver.post(
        f"/w/{team.workspace.slug}/posts/{post.id}/request-changes",
        {"version": seen, "comment": "A long careful review note"},
    )
    workflow.submit(session, team.user("editor"), post, post.version)
    page = approver.get(f"/w/{team.workspace.slug}/posts/{post.id}").get_data(as_text=True)
    assert "A long careful review note</textarea>" in page


def test_the_editor_is_told_whose_approval_an_edit_withdraws(app, session, team):
    post = _in_review(session, team, "Approved text")
    workflow.approve(session, team.user("approver"), post, post.version)
    editor = signed_in(app, "editor@example.com")
    page = editor.get(f"/w/{team.workspace.slug}/posts/{post.id}/edit").get_data(as_text=True)
    assert "approved by Approver. Saving a change withdraws that approval" in page
    page = editor.get(f"/w/{team.workspace.slug}/posts/{post.id}/move").get_data(as_text=True)
    assert "withdraws that approval" in page


def test_the_history_shows_the_revoked_approval_and_a_word_diff(app, session, team):
    post = _in_review(session, team, "Coffee at nine")
    workflow.approve(session, team.user("approver"), post, post.version)
    content = workflow.PostContent(
        post.channel, "Coffee at ten", post.category, post.scheduled_at + timedelta(hours=1)
    )
    workflow.edit_post(session, team.user("editor"), post, post.version, content)
    viewer = signed_in(app, "viewer@example.com")
    page = viewer.get(f"/w/{team.workspace.slug}/posts/{post.id}").get_data(as_text=True)
    assert "approval revoked" in page and "the post was edited" in page
    assert "<del>nine</del><ins>ten</ins>" in page
    assert session.scalars(sa.select(Post.status).where(Post.id == post.id)).one() == Status.draft


def test_approving_evidence_of_an_error_needs_an_override_reason_that_history_keeps(
    app, session, team
):
    from datetime import UTC, datetime

    posts = []
    for n in range(4):
        at = datetime(2031, 3, 3 + n, 9, 0, tzinfo=UTC)
        content = workflow.PostContent(
            team.channels["mastodon"],
            f"Sale day {n}: {n * 5 + 10}% off with code SALE{n}",
            "promotion",
            at,
        )
        post = workflow.create_post(session, team.user("editor"), team.workspace, content)
        posts.append(workflow.submit(session, team.user("editor"), post, post.version))
    target = posts[0]
    approver = signed_in(app, "approver@example.com")
    page = approver.get(f"/w/{team.workspace.slug}/posts/{target.id}").get_data(as_text=True)
    assert "Balance findings this post is evidence of" in page and "Override reason" in page
    refused = approver.post(
        f"/w/{team.workspace.slug}/posts/{target.id}/approve",
        {"version": target.version},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "needs an override reason" in refused
    session.expire_all()
    assert session.get(Post, target.id).status == Status.in_review
    approver.post(
        f"/w/{team.workspace.slug}/posts/{target.id}/approve",
        {"version": target.version, "override_reason": "Spring sale agreed with the CEO"},
    )
    session.expire_all()
    assert session.get(Post, target.id).status == Status.approved
    history = approver.get(f"/w/{team.workspace.slug}/posts/{target.id}").get_data(as_text=True)
    assert "override of " in history and "promotion-pressure" in history
    assert "Spring sale agreed with the CEO" in history
    # In bulk, the posts without a reason are reported, the rest are not held up.
    response = approver.post(
        f"/w/{team.workspace.slug}/approvals/approve",
        {
            "post": [f"{p.id}:{p.version}" for p in posts[1:]],
            f"override-{posts[1].id}": "Planned sale",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert f"#{posts[1].id}" in response.split("Approved 1 post")[1].split("</p>")[0]
    assert f"Post #{posts[2].id} was not approved" in response
