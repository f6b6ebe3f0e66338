"""Undo of a cancel or a move: exactly the state before, only one's own, only if untouched,
only for a short while; the history keeps both steps."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from planner import workflow
from planner.db import utcnow
from planner.models import AuditEvent, Post, Status
from tests.conftest import future, signed_in


def approved_group(session, team, networks=("x", "mastodon")):  # type: ignore[no-untyped-def]
    editor, approver = team.user("editor"), team.user("approver")
    contents = [
        workflow.PostContent(team.channels[n], "Tasting on Friday", "community", future(4))
        for n in networks
    ]
    posts = workflow.create_group(session, editor, team.workspace, contents)
    lead = posts[0]
    seen = {p.id: p.version for p in posts[1:]}
    workflow.submit(session, editor, lead, lead.version, seen)
    for p in posts:
        session.refresh(p)
    workflow.approve(
        session, approver, lead, lead.version, None, {p.id: p.version for p in posts[1:]}
    )
    for p in posts:
        session.refresh(p)
    assert {p.status for p in posts} == {Status.approved}
    return posts


def actions(session, post) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.post_id == post.id)
            .order_by(AuditEvent.id)
        )
    )


def test_undoing_a_cancel_brings_back_the_approved_post_as_it_was(session, team):
    post, _ = approved_group(session, team)
    approved_version, approver_id = post.approved_version, post.approved_by_id
    editor = team.user("editor")
    with workflow.undoable(session, [post]) as change:
        workflow.cancel(session, editor, post, post.version)
    assert post.status == Status.cancelled
    assert change.items == [(post.id, post.version)]  # the other channel goes on
    workflow.undo(session, editor, team.workspace, change.items)
    session.refresh(post)
    assert post.status == Status.approved
    assert (post.approved_version, post.approved_by_id) == (approved_version, approver_id)
    assert actions(session, post)[-2:] == ["cancelled", "undone"]


def test_undoing_a_move_restores_the_time_and_the_groups_approval(session, team):
    lead, other = approved_group(session, team)
    was = lead.scheduled_at
    editor = team.user("editor")
    with workflow.undoable(session, [lead]) as change:
        workflow.reschedule(session, editor, lead, lead.version, was + timedelta(hours=3))
    session.refresh(other)
    # The move revoked the approval of both channels: the undo takes back both.
    assert (lead.status, other.status) == (Status.draft, Status.draft)
    assert {i for i, _ in change.items} == {lead.id, other.id}
    workflow.undo(session, editor, team.workspace, change.items)
    session.refresh(lead)
    session.refresh(other)
    assert lead.scheduled_at == was
    assert (lead.status, other.status) == (Status.approved, Status.approved)
    assert lead.approved_by_id == team.user("approver").id


def test_an_undo_never_overwrites_a_later_change(session, team):
    post, _ = approved_group(session, team)
    editor = team.user("editor")
    with workflow.undoable(session, [post]) as change:
        workflow.reschedule(session, editor, post, post.version, post.scheduled_at + timedelta(1))
    # Someone moves it again before the undo.
    workflow.reschedule(session, team.user("admin"), post, post.version, future(9))
    with pytest.raises(workflow.TransitionNotAllowed, match="changed since"):
        workflow.undo(session, editor, team.workspace, change.items)
    session.refresh(post)
    assert post.scheduled_at == future(9)


def test_only_ones_own_recent_cancel_or_move_can_be_undone(session, team):
    post, _ = approved_group(session, team)
    editor, admin = team.user("editor"), team.user("admin")
    with workflow.undoable(session, [post]) as change:
        workflow.cancel(session, editor, post, post.version)
    with pytest.raises(workflow.TransitionNotAllowed, match="your own"):
        workflow.undo(session, admin, team.workspace, change.items)
    later = utcnow() + timedelta(minutes=2)
    with pytest.raises(workflow.TransitionNotAllowed, match="Too late"):
        workflow.undo(session, editor, team.workspace, change.items, now=later)
    with pytest.raises(workflow.TransitionNotAllowed):
        workflow.undo(session, team.user("outsider"), team.other_workspace, change.items)
    session.refresh(post)
    assert post.status == Status.cancelled


def test_an_edit_is_not_undone_this_way(session, team):
    post, _ = approved_group(session, team)
    editor = team.user("editor")
    with workflow.undoable(session, [post]) as change:
        content = workflow.PostContent(post.channel, "Changed", post.category, post.scheduled_at)
        workflow.edit_post(session, editor, post, post.version, content)
    with pytest.raises(workflow.TransitionNotAllowed):
        workflow.undo(session, editor, team.workspace, change.items)
    assert session.get(Post, post.id).text == "Changed"


def test_the_page_offers_undo_after_a_cancel_and_it_works(app, session, team):
    post, _ = approved_group(session, team)
    browser = signed_in(app, "editor@example.com")
    slug = team.workspace.slug
    page = browser.post(f"/w/{slug}/posts/{post.id}/cancel", {"version": post.version})
    shown = browser.get(page.headers["Location"]).get_data(as_text=True)
    assert f"Post #{post.id} cancelled" in shown and "Undo" in shown
    items = f"{post.id}:{post.version + 1}"
    assert f'name="items" value="{items}"' in shown
    # Offered once: the next page does not repeat it.
    assert "Undo" not in browser.get(f"/w/{slug}/").get_data(as_text=True)
    back = browser.post(f"/w/{slug}/posts/undo", {"items": items, "next": f"/w/{slug}/"})
    assert back.status_code == 303 and back.headers["Location"].endswith(f"/w/{slug}/")
    session.expire_all()
    assert session.get(Post, post.id).status == Status.approved
    again = browser.post(f"/w/{slug}/posts/undo", {"items": items}, follow_redirects=True)
    assert "changed since" in again.get_data(as_text=True)
    # Another workspace's ids are just "nothing to undo", never a 500.
    viewer = signed_in(app, "viewer@example.com")
    refused = viewer.post(f"/w/{slug}/posts/undo", {"items": "999999:1"}, follow_redirects=True)
    assert refused.status_code == 200 and "nothing to undo" in refused.get_data(as_text=True)


def test_a_drag_answers_with_an_undo_for_the_calendar(app, session, team):
    post, _ = approved_group(session, team)
    browser = signed_in(app, "editor@example.com")
    slug = team.workspace.slug
    moved = browser.post_json(
        f"/w/{slug}/posts/{post.id}/reschedule",
        {"version": post.version, "date": "2999-01-04", "time": "09:30"},
    ).get_json()
    assert "draft again" in moved["message"]
    undo = moved["undo"]
    assert undo["seconds"] == 10 and str(post.id) in undo["items"]
    answer = browser.client.post(
        undo["url"],
        data={"items": undo["items"]},
        headers={"X-CSRFToken": browser.csrf(), "Accept": "application/json"},
    )
    assert answer.status_code == 200 and "back as they were" in answer.get_json()["message"]
    session.expire_all()
    assert session.get(Post, post.id).status == Status.approved
