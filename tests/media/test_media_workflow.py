"""Media changes are edits: they revoke the group's approval, need the editor role, and
submitting needs alt text on every image."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from planner import media, workflow
from planner.models import AuditEvent, Media, Post, Status
from tests.conftest import future
from tests.support.media import mp4, photo


def three(session, team):  # type: ignore[no-untyped-def]
    contents = [
        workflow.PostContent(team.channels[name], f"Launch on {name}", "brand", future())
        for name in ("x", "mastodon", "linkedin")
    ]
    return workflow.create_group(session, team.user("editor"), team.workspace, contents)


def fresh(session, posts):  # type: ignore[no-untyped-def]
    session.expire_all()
    return [session.get(Post, p.id) for p in posts]


@pytest.fixture
def store(tmp_path):  # type: ignore[no-untyped-def]
    return media.FolderStore(tmp_path / "media")


def attach(session, team, post, store, alt="A red square", name="red.jpg"):  # type: ignore[no-untyped-def]
    upload = media.prepare(photo("JPEG"), name)
    return workflow.add_media(
        session, team.user("editor"), post, post.version, upload, store, alt_text=alt
    )


def approve_all(session, team, posts):  # type: ignore[no-untyped-def]
    seen = {p.id: p.version for p in posts}
    workflow.submit(session, team.user("editor"), posts[0], posts[0].version, seen)
    posts = fresh(session, posts)
    seen = {p.id: p.version for p in posts}
    workflow.approve(session, team.user("approver"), posts[0], posts[0].version, None, seen)
    return fresh(session, posts)


def test_attaching_an_image_to_an_approved_group_revokes_its_approval(app, session, team, store):
    posts = approve_all(session, team, three(session, team))
    assert {p.status for p in posts} == {Status.approved}
    row = attach(session, team, posts[0], store)
    posts = fresh(session, posts)
    assert {p.status for p in posts} == {Status.draft}
    assert store.get(row.key).startswith(b"\xff\xd8") and row.thumbnail_key
    actions = session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.post_id == posts[0].id)
    ).all()
    assert actions[-2:] == ["media_changed", "approval_revoked"]
    revoked = session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.post_id == posts[1].id, AuditEvent.action == "approval_revoked"
        )
    ).one()
    assert revoked.note == "the media of the group changed"


@pytest.mark.parametrize("change", ["alt", "remove", "reorder"])
def test_every_media_change_revokes_the_approval(app, session, team, store, change):
    posts = three(session, team)
    first = attach(session, team, posts[0], store)
    posts = fresh(session, posts)
    second = attach(session, team, posts[0], store, name="blue.jpg")
    posts = approve_all(session, team, fresh(session, posts))
    editor, post = team.user("editor"), posts[2]
    if change == "alt":
        workflow.describe_media(session, editor, post, post.version, {first.id: "Another text"})
    elif change == "remove":
        workflow.remove_media(session, editor, post, post.version, first, store)
        with pytest.raises(media.MediaMissing):
            store.get(first.key)
    else:
        workflow.move_media(session, editor, post, post.version, second.id, -1)
        assert [m.id for m in workflow.group_media(session, post.group_id)] == [second.id, first.id]
    assert {p.status for p in fresh(session, posts)} == {Status.draft}


def test_an_unchanged_alt_text_changes_nothing(app, session, team, store):
    posts = three(session, team)
    row = attach(session, team, posts[0], store)
    post = fresh(session, posts)[0]
    version = post.version
    workflow.describe_media(session, team.user("editor"), post, version, {row.id: "A red square"})
    assert fresh(session, [post])[0].version == version


def test_submitting_needs_alt_text_on_every_image(app, session, team, store):
    posts = three(session, team)
    attach(session, team, posts[0], store, alt="", name="holiday.jpg")
    posts = fresh(session, posts)
    with pytest.raises(workflow.InvalidPost) as refused:
        workflow.submit(
            session, team.user("editor"), posts[0], posts[0].version,
            {p.id: p.version for p in posts},
        )  # fmt: skip
    message = refused.value.errors["media"]
    assert "alt text" in message and "1. holiday.jpg" in message
    assert {p.status for p in fresh(session, posts)} == {Status.draft}


def test_a_video_too_long_for_x_is_refused_naming_the_limit(app, session, team, store):
    posts = three(session, team)
    upload = media.prepare(mp4(seconds=200), "talk.mp4")
    with pytest.raises(workflow.InvalidPost) as refused:
        workflow.add_media(session, team.user("editor"), posts[0], posts[0].version, upload, store)
    assert (
        "talk.mp4: video lasts 3:20 min; X accepts at most 2:20 min."
        in (refused.value.errors["media"])
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(Media)) == 0
    assert not list(store.root.rglob("*.mp4"))


def test_a_viewer_cannot_attach_and_a_stale_version_is_refused(app, session, team, store):
    posts = three(session, team)
    upload = media.prepare(photo("PNG"), "x.png")
    with pytest.raises(workflow.PermissionDenied):
        workflow.add_media(session, team.user("viewer"), posts[0], posts[0].version, upload, store)
    with pytest.raises(workflow.StaleVersion):
        workflow.add_media(
            session, team.user("editor"), posts[0], posts[0].version - 1 or 99, upload, store
        )


def test_media_of_another_group_is_not_found(app, session, team, store):
    posts = three(session, team)
    row = attach(session, team, posts[0], store)
    other = workflow.create_post(
        session,
        team.user("editor"),
        team.workspace,
        workflow.PostContent(team.channels["x"], "Another", "brand", future()),
    )
    assert workflow.media_of(session, other, row.id) is None
    assert workflow.media_of(session, posts[1], row.id) is not None


def test_an_approver_who_attached_an_image_cannot_approve_it(app, session, team, store):
    posts = three(session, team)
    upload = media.prepare(photo("PNG"), "chart.png")
    workflow.add_media(
        session, team.user("approver"), posts[0], posts[0].version, upload, store, "A chart"
    )
    posts = fresh(session, posts)
    seen = {p.id: p.version for p in posts}
    workflow.submit(session, team.user("editor"), posts[0], posts[0].version, seen)
    posts = fresh(session, posts)
    seen = {p.id: p.version for p in posts}
    with pytest.raises(workflow.TransitionNotAllowed, match="four eyes"):
        workflow.approve(session, team.user("approver"), posts[0], posts[0].version, None, seen)


def test_the_upload_memory_of_a_post_keeps_the_first_id(app, session, team):
    posts = three(session, team)
    workflow.remember_upload(session, posts[0].id, "m1", "111")
    workflow.remember_upload(session, posts[0].id, "m1", "222")
    assert workflow.uploads_of(session, posts[0].id) == {"m1": "111"}
    assert workflow.uploads_of(session, posts[1].id) == {}


def test_a_duplicate_carries_copies_of_the_files(app, session, team, store):
    posts = three(session, team)
    row = attach(session, team, posts[0], store, alt="A red square")
    copy = workflow.duplicate(session, team.user("editor"), fresh(session, posts)[0], store=store)
    [copied] = workflow.group_media(session, copy.group_id)
    assert copied.key != row.key and copied.alt_text == "A red square"
    assert store.get(copied.key) == store.get(row.key)
    # Removing the original's file leaves the copy's alone.
    post = fresh(session, posts)[0]
    workflow.remove_media(session, team.user("editor"), post, post.version, row, store)
    assert store.get(copied.key).startswith(b"\xff\xd8")
