"""The media pages: upload, alt text, order, removal and the files themselves, as a member
sees them and as an outsider does not."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from planner import accounts, workflow
from planner.models import Media, Post, Status
from tests.conftest import future, signed_in
from tests.support.media import exif_of, mp4, photo

GPS_IFD = 0x8825


def a_group(session, team):  # type: ignore[no-untyped-def]
    contents = [
        workflow.PostContent(team.channels[name], f"Hello {name}", "brand", future())
        for name in ("x", "mastodon")
    ]
    return workflow.create_group(session, team.user("editor"), team.workspace, contents)


def upload(editor, team, post, data: bytes, name: str, alt: str = "", version=None):  # type: ignore[no-untyped-def]
    return editor.post(
        f"/w/{team.workspace.slug}/posts/{post.id}/media",
        {
            "version": str(version or post.version),
            "alt_text": alt,
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def fresh(session, post):  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.get(Post, post.id)


def test_an_editor_attaches_a_photo_and_members_get_it_without_its_gps(app, session, team):
    posts = a_group(session, team)
    editor = signed_in(app, "editor@example.com")
    response = upload(editor, team, posts[0], photo("JPEG"), "beach.jpg", "A beach at dawn")
    assert response.status_code == 303
    page = editor.get(f"/w/{team.workspace.slug}/posts/{posts[1].id}").get_data(as_text=True)
    assert "beach.jpg" in page and "A beach at dawn" in page
    history = editor.get(f"/w/{team.workspace.slug}/posts/{posts[0].id}").get_data(as_text=True)
    assert "images or video changed" in history and "(changed what goes out)" in history
    assert "attached beach.jpg" in history
    row = session.scalars(sa.select(Media)).one()
    viewer = signed_in(app, "viewer@example.com")
    base = f"/w/{team.workspace.slug}/posts/{posts[1].id}/media/{row.id}"
    got = viewer.get(f"{base}/file")
    assert got.status_code == 200 and got.mimetype == "image/jpeg"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"].startswith("inline; filename=")
    assert "beach" not in got.headers["Content-Disposition"]
    assert not exif_of(got.data).get_ifd(GPS_IFD)
    thumb = viewer.get(f"{base}/thumbnail")
    assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.data)).size[0] <= 320


def test_an_outsider_and_another_workspace_get_404(app, session, team):
    posts = a_group(session, team)
    editor = signed_in(app, "editor@example.com")
    upload(editor, team, posts[0], photo("PNG"), "chart.png", "A chart")
    row = session.scalars(sa.select(Media)).one()
    outsider = signed_in(app, "outsider@example.com")
    url = f"/w/{team.workspace.slug}/posts/{posts[0].id}/media/{row.id}/file"
    assert outsider.get(url).status_code == 404
    # The outsider's own workspace, with this workspace's media id: not found either.
    other_post = workflow.create_post(
        session,
        team.user("outsider"),
        team.other_workspace,
        workflow.PostContent(team.other_channel, "Theirs", "brand", future()),
    )
    url = f"/w/{team.other_workspace.slug}/posts/{other_post.id}/media/{row.id}/file"
    assert outsider.get(url).status_code == 404
    removal = outsider.post(
        f"/w/{team.other_workspace.slug}/posts/{other_post.id}/media/{row.id}/remove",
        {"version": str(other_post.version)},
    )
    assert removal.status_code == 404
    assert session.scalar(sa.select(sa.func.count()).select_from(Media)) == 1
    huge = f"/w/{team.workspace.slug}/posts/{posts[0].id}/media/99999999999/file"
    assert editor.get(huge).status_code == 404


def test_a_viewer_cannot_upload(app, session, team):
    posts = a_group(session, team)
    viewer = signed_in(app, "viewer@example.com")
    response = upload(viewer, team, posts[0], photo("PNG"), "x.png")
    assert response.status_code == 403
    assert session.scalar(sa.select(sa.func.count()).select_from(Media)) == 0


def test_html_named_jpg_is_refused_beside_the_field_with_the_alt_text_kept(app, session, team):
    posts = a_group(session, team)
    editor = signed_in(app, "editor@example.com")
    response = upload(editor, team, posts[0], b"<html><body>hi</body></html>", "cat.jpg", "A cat")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="media-upload-error">cat.jpg is not an image or video', page)
    assert ">A cat</textarea>" in page
    assert session.scalar(sa.select(sa.func.count()).select_from(Media)) == 0


def test_a_video_too_long_for_x_is_refused_naming_x(app, session, team):
    posts = a_group(session, team)
    editor = signed_in(app, "editor@example.com")
    response = upload(editor, team, posts[0], mp4(seconds=300), "talk.mp4")
    assert response.status_code == 422
    assert "talk.mp4: video lasts 5 minutes; X accepts at most 2:20 min." in response.get_data(
        as_text=True
    )


def test_order_alt_text_and_removal_work_without_javascript(app, session, team):
    posts = a_group(session, team)
    editor = signed_in(app, "editor@example.com")
    upload(editor, team, posts[0], photo("PNG"), "one.png", "One")
    upload(editor, team, fresh(session, posts[0]), photo("JPEG"), "two.jpg", "Two")
    one, two = session.scalars(sa.select(Media).order_by(Media.position)).all()
    base = f"/w/{team.workspace.slug}/posts/{posts[0].id}/media"
    # Up/down without JavaScript.
    response = editor.post(
        f"{base}/{two.id}/up", {"version": str(fresh(session, posts[0]).version)}
    )
    assert response.status_code == 303
    assert [m.id for m in workflow.group_media(session, posts[0].group_id)] == [two.id, one.id]
    # Drag: JSON with the version; a stale version is a 409 that says so.
    post = fresh(session, posts[0])
    stale = editor.post_json(
        f"{base}/order", {"version": post.version - 1, "order": [one.id, two.id]}
    )
    assert stale.status_code == 409 and "changed by someone else" in stale.json["error"]["message"]
    bad = editor.post_json(f"{base}/order", {"version": "x", "order": ["a"]})
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"version", "order"}
    ok = editor.post_json(f"{base}/order", {"version": post.version, "order": [one.id, two.id]})
    assert ok.status_code == 200 and ok.json["order"] == [one.id, two.id]
    # Alt text of every file in one form; an empty one stops the submit.
    post = fresh(session, posts[0])
    editor.post(
        f"{base}/alt", {"version": str(post.version), f"alt-{one.id}": "", f"alt-{two.id}": "Two"}
    )
    post = fresh(session, posts[0])
    seen = {p.id: fresh(session, p).version for p in posts}
    submit = editor.post(
        f"/w/{team.workspace.slug}/posts/{post.id}/submit",
        {
            "version": str(post.version),
            **{f"v-{k}": str(v) for k, v in seen.items() if k != post.id},
        },
        follow_redirects=True,
    )
    page = submit.get_data(as_text=True)
    assert "Describe every image for people who cannot see it (alt text): 1. one.png." in page
    assert fresh(session, post).status == Status.draft
    response = editor.post(f"{base}/{one.id}/remove", {"version": str(post.version)})
    assert response.status_code == 303
    assert [m.id for m in workflow.group_media(session, post.group_id)] == [two.id]


def test_the_composer_keeps_a_file_when_another_field_is_wrong(app, session, team, tmp_path):
    app.config["MEDIA_FOLDER"] = str(tmp_path / "media")
    editor = signed_in(app, "editor@example.com")
    url = f"/w/{team.workspace.slug}/posts/new"
    form = {
        "channel_ids": [str(team.channels["mastodon"].id), str(team.channels["linkedin"].id)],
        "text": "With a picture",
        "category": "brand",
        "date": future().date().isoformat(),
        "time": "25:99",
        "media_alt": "A red square",
        "media_file": (io.BytesIO(photo("PNG")), "square.png"),
    }
    first = editor.post(url, form, content_type="multipart/form-data")
    page = first.get_data(as_text=True)
    assert first.status_code == 422 and "Kept: <strong>square.png</strong>" in page
    token = re.search(r'name="media_pending" value="([^"]+)"', page).group(1)
    form.update({"time": "10:00", "media_pending": token})
    del form["media_file"]
    second = editor.post(url, form, content_type="multipart/form-data")
    assert second.status_code == 302
    row = session.scalars(sa.select(Media)).one()
    assert row.filename == "square.png" and row.alt_text == "A red square"
    # The kept copy is gone once attached; the post's own file is not a pending one.
    folder = Path(app.config["MEDIA_FOLDER"])
    assert not list((folder / "pending").rglob("*.png"))
    assert not row.key.startswith("pending/")
    posts = session.scalars(sa.select(Post).where(Post.group_id == row.group_id)).all()
    assert len(posts) == 2


def test_the_composer_refuses_a_file_a_network_would_refuse_before_saving(app, session, team):
    editor = signed_in(app, "editor@example.com")
    response = editor.post(
        f"/w/{team.workspace.slug}/posts/new",
        {
            "channel_ids": [str(team.channels["x"].id)],
            "text": "A talk",
            "category": "brand",
            "date": future().date().isoformat(),
            "time": "10:00",
            "media_file": (io.BytesIO(mp4(seconds=600)), "talk.mp4"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        'id="media_file-error">talk.mp4: video lasts 10 minutes; X accepts at most 2:20 min.'
        in page
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_an_upload_over_the_limit_is_a_clear_413(app, session, team, accept):
    app.config["MEDIA_MAX_BYTES"] = 2 * 1024 * 1024
    posts = a_group(session, team)
    editor = signed_in(app, "editor@example.com")
    response = editor.client.post(
        f"/w/{team.workspace.slug}/posts/{posts[0].id}/media",
        data={"file": (io.BytesIO(b"\0" * (3 * 1024 * 1024)), "big.mp4")},
        content_type="multipart/form-data",
        headers={"Accept": accept},
    )
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "at most 2 MB in one upload (the MEDIA_MAX_BYTES setting)" in text
    if accept == "application/json":
        assert response.json["error"]["code"] == 413


def test_the_week_and_month_cards_mark_a_post_with_files(app, session, team):
    posts = a_group(session, team)
    alone = workflow.create_post(
        session,
        team.user("editor"),
        team.workspace,
        workflow.PostContent(team.channels["linkedin"], "No pictures", "brand", future(3, 11)),
    )
    editor = signed_in(app, "editor@example.com")
    upload(editor, team, posts[0], photo("PNG"), "a.png", "A")
    day = future().date().isoformat()
    for page in ("", "month"):
        html = editor.get(f"/w/{team.workspace.slug}/{page}?date={day}").get_data(as_text=True)
        assert html.count('class="card-media"') == 1, page
        assert "1 file attached" in html
        assert f"{alone.id}" in html


def test_the_previews_show_the_picture_with_its_alt_text_for_every_variant(app, session, team):
    posts = a_group(session, team)
    editor = signed_in(app, "editor@example.com")
    upload(editor, team, posts[0], photo("PNG", size=(160, 90)), "wide.png", "A wide harbour view")
    row = session.scalars(sa.select(Media)).one()
    for post in posts:
        page = editor.get(f"/w/{team.workspace.slug}/posts/{post.id}").get_data(as_text=True)
        previews = page.split("How it will look", 1)[1]
        thumb = f"/w/{team.workspace.slug}/posts/{post.id}/media/{row.id}/thumbnail"
        # One picture per network preview, each variant's own address, the alt text kept.
        assert previews.count('alt="A wide harbour view"') == len(posts)
        assert thumb in previews
        assert editor.get(thumb).status_code == 200
    post = fresh(session, posts[0])
    with app.app_context():
        versions = {p.id: fresh(session, p).version for p in posts}
        workflow.submit(session, team.user("editor"), post, post.version, versions)
    approver = signed_in(app, "approver@example.com")
    queue = approver.get(f"/w/{team.workspace.slug}/approvals/").get_data(as_text=True)
    assert queue.count('alt="A wide harbour view"') == len(posts)


def test_an_instagram_post_without_a_picture_is_warned_about_not_blocked(app, session, team):
    gram = accounts.save_channel(
        session, team.user("admin"), team.workspace, None, network="instagram", name="Gram"
    )
    post = workflow.create_post(
        session,
        team.user("editor"),
        team.workspace,
        workflow.PostContent(gram, "Words first, picture later", "brand", future()),
    )
    editor = signed_in(app, "editor@example.com")
    page = editor.get(f"/w/{team.workspace.slug}/posts/{post.id}").get_data(as_text=True)
    assert "Instagram needs an image or a video; attach one." in page
    workflow.submit(session, team.user("editor"), post, post.version)
    assert fresh(session, post).status == Status.in_review


def test_the_approval_queue_shows_the_pictures_and_their_alt_text(app, session, team):
    posts = a_group(session, team)
    editor = signed_in(app, "editor@example.com")
    upload(editor, team, posts[0], photo("PNG"), "chart.png", "Sales by month, rising")
    posts = [fresh(session, p) for p in posts]
    seen = {p.id: p.version for p in posts}
    workflow.submit(session, team.user("editor"), posts[0], posts[0].version, seen)
    approver = signed_in(app, "approver@example.com")
    page = approver.get(f"/w/{team.workspace.slug}/approvals/").get_data(as_text=True)
    assert 'class="queue-media"' in page and "Sales by month, rising" in page
    assert re.search(r'src="[^"]+/media/\d+/thumbnail"', page)


def test_a_real_image_too_large_for_bluesky_is_refused_naming_bluesky(app, session, team):
    sky = accounts.save_channel(
        session, team.user("admin"), team.workspace, None, network="bluesky", name="Sky"
    )
    post = workflow.create_post(
        session,
        team.user("editor"),
        team.workspace,
        workflow.PostContent(sky, "A noisy picture", "brand", future()),
    )
    noise = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    assert out.tell() > 1_000_000
    editor = signed_in(app, "editor@example.com")
    response = upload(editor, team, post, out.getvalue(), "noise.png", "Static")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r"noise.png: image is 1\.\d MB; Bluesky accepts at most 1\.0 MB\.", page)


def test_a_file_is_served_in_ranges_so_a_video_can_be_sought(app, session, team):
    posts = a_group(session, team)
    editor = signed_in(app, "editor@example.com")
    upload(editor, team, posts[0], mp4(seconds=3, padding=5000), "clip.mp4")
    row = session.scalars(sa.select(Media)).one()
    url = f"/w/{team.workspace.slug}/posts/{posts[0].id}/media/{row.id}/file"
    whole = editor.get(url)
    assert whole.status_code == 200 and whole.mimetype == "video/mp4"
    assert whole.headers["Cache-Control"] == "private, max-age=3600"
    part = editor.get(url, headers={"Range": "bytes=4-11"})
    assert part.status_code == 206 and part.data == b"ftypisom"
    assert part.headers["X-Content-Type-Options"] == "nosniff"
