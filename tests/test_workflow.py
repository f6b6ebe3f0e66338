"""The post state machine against the real database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from planner import workflow
from planner.localtime import NonexistentLocalTime, to_utc
from planner.models import AuditEvent, Post, Status
from tests.conftest import future


def _content(team, text="Hello there", network="x", at=None, category="educational"):  # type: ignore[no-untyped-def]
    return workflow.PostContent(team.channels[network], text, category, at or future())


def _actions(session, post) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.post_id == post.id)
            .order_by(AuditEvent.id)
        )
    )


def test_an_editor_creates_a_draft_and_the_history_records_it(session, team):
    post = workflow.create_post(session, team.user("editor"), team.workspace, _content(team))
    assert (post.status, post.version, post.author_id) == (Status.draft, 1, team.user("editor").id)
    assert _actions(session, post) == ["created"]


def test_a_viewer_cannot_create_a_post(session, team):
    with pytest.raises(workflow.PermissionDenied, match="editor"):
        workflow.create_post(session, team.user("viewer"), team.workspace, _content(team))
    assert session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


def test_text_over_the_networks_limit_is_refused_with_the_count(session, team):
    with pytest.raises(workflow.InvalidPost) as raised:
        workflow.create_post(
            session, team.user("editor"), team.workspace, _content(team, "a" * 281)
        )
    assert "281 weighted characters: x accepts at most 280" in raised.value.errors["text"]
    workflow.create_post(session, team.user("editor"), team.workspace, _content(team, "a" * 280))
    workflow.create_post(
        session, team.user("editor"), team.workspace, _content(team, "a" * 500, "mastodon")
    )


def test_line_breaks_from_a_form_count_once_and_are_stored_plain(session, team):
    # A text area sends CR LF; 270 letters and 10 breaks fit X's 280, as the composer says.
    typed = "\r\n".join(["a" * 27] * 10) + "\r\n"
    post = workflow.create_post(
        session, team.user("editor"), team.workspace, _content(team, typed[:-2])
    )
    assert post.text == "\n".join(["a" * 27] * 10)
    workflow.submit(session, team.user("editor"), post, post.version)
    workflow.approve(session, team.user("approver"), post, post.version)
    # A post stored before with CR LF keeps its approval when the same text is saved again.
    session.execute(sa.update(Post).where(Post.id == post.id).values(text=typed[:-2]))
    session.commit()
    session.refresh(post)
    same = _content(team, typed[:-2], at=post.scheduled_at)
    workflow.edit_post(session, team.user("editor"), post, post.version, same)
    assert post.status == Status.approved


def test_a_new_post_in_the_past_is_refused(session, team):
    past = datetime.now(UTC) - timedelta(minutes=1)
    with pytest.raises(workflow.InvalidPost) as raised:
        workflow.create_post(session, team.user("editor"), team.workspace, _content(team, at=past))
    assert "already passed" in raised.value.errors["scheduled_at"]


def test_a_channel_of_another_workspace_is_refused(session, team):
    content = workflow.PostContent(team.other_channel, "Hi", "brand", future())
    with pytest.raises(workflow.InvalidPost):
        workflow.create_post(session, team.user("editor"), team.workspace, content)


def test_a_stale_version_is_refused_and_nothing_is_overwritten(session, team):
    editor = team.user("editor")
    post = workflow.create_post(session, editor, team.workspace, _content(team, "first"))
    workflow.edit_post(session, editor, post, 1, _content(team, "second", at=post.scheduled_at))
    with pytest.raises(workflow.StaleVersion, match="version 1, it is now version 2"):
        workflow.edit_post(session, editor, post, 1, _content(team, "third", at=post.scheduled_at))
    session.expire_all()
    assert session.get(Post, post.id).text == "second"


def test_moving_an_approved_post_revokes_its_approval(session, team):
    editor, approver = team.user("editor"), team.user("approver")
    post = workflow.create_post(session, editor, team.workspace, _content(team))
    workflow.submit(session, editor, post, post.version)
    workflow.approve(session, approver, post, post.version)
    assert post.status == Status.approved and post.approved_by_id == approver.id
    workflow.reschedule(session, editor, post, post.version, post.scheduled_at + timedelta(hours=2))
    assert post.status == Status.draft and post.approved_by_id is None
    assert _actions(session, post)[-2:] == ["rescheduled", "approval_revoked"]


def test_changing_only_the_category_keeps_the_approval(session, team):
    editor, approver = team.user("editor"), team.user("approver")
    post = workflow.create_post(session, editor, team.workspace, _content(team))
    workflow.submit(session, editor, post, post.version)
    workflow.approve(session, approver, post, post.version)
    content = _content(team, post.text, at=post.scheduled_at, category="curated")
    workflow.edit_post(session, editor, post, post.version, content)
    assert post.status == Status.approved and post.category == "curated"


def test_cancel_is_possible_before_publishing_but_not_after(session, team):
    editor = team.user("editor")
    post = workflow.create_post(session, editor, team.workspace, _content(team))
    workflow.cancel(session, editor, post, post.version)
    assert post.status == Status.cancelled
    with pytest.raises(workflow.TransitionNotAllowed, match="cancelled post cannot be"):
        workflow.cancel(session, editor, post, post.version)


def test_an_approver_cannot_approve_their_own_post_unless_the_workspace_allows_it(session, team):
    approver = team.user("approver")
    post = workflow.create_post(session, approver, team.workspace, _content(team))
    workflow.submit(session, approver, post, post.version)
    with pytest.raises(workflow.TransitionNotAllowed, match="four eyes"):
        workflow.approve(session, approver, post, post.version)
    team.workspace.allow_self_approval = True
    session.commit()
    workflow.approve(session, approver, post, post.version)
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.post_id == post.id, AuditEvent.action == "approved")
    ).one()
    assert event.note == "self-approval allowed by the workspace setting"


def test_requesting_changes_needs_a_comment(session, team):
    editor, approver = team.user("editor"), team.user("approver")
    post = workflow.create_post(session, editor, team.workspace, _content(team))
    workflow.submit(session, editor, post, post.version)
    with pytest.raises(workflow.InvalidPost):
        workflow.request_changes(session, approver, post, post.version, "   ")
    workflow.request_changes(session, approver, post, post.version, "Add the link")
    assert post.status == Status.changes_requested


def test_duplicate_makes_a_new_draft_with_the_same_text(session, team):
    editor = team.user("editor")
    post = workflow.create_post(session, editor, team.workspace, _content(team, "Copy me"))
    copy = workflow.duplicate(session, editor, post, post.scheduled_at + timedelta(days=7))
    assert copy.id != post.id and copy.text == "Copy me" and copy.status == Status.draft


def test_a_time_inside_the_spring_forward_gap_does_not_exist():
    with pytest.raises(NonexistentLocalTime, match="does not exist in Europe/Berlin"):
        to_utc(date(2027, 3, 28), time(2, 30), "Europe/Berlin")
    assert to_utc(date(2027, 3, 28), time(3, 30), "Europe/Berlin") == datetime(
        2027, 3, 28, 1, 30, tzinfo=UTC
    )


def test_an_ambiguous_autumn_time_means_its_first_occurrence():
    assert to_utc(date(2027, 10, 31), time(2, 30), "Europe/Berlin") == datetime(
        2027, 10, 31, 0, 30, tzinfo=UTC
    )
