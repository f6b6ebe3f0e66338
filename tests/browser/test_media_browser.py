"""Compose once for three channels with a picture: one variant customised, an image with alt
text, submitted, approved once, and three publish jobs (a real RQ worker in burst mode): two
targets take the post with its picture, the failing one fails alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from planner import workflow
from planner.models import Post, Status
from tests.browser.conftest import axe_violations, sign_in
from tests.conftest import PASSWORD, future
from tests.support.media import GPS_IFD, exif_of, photo
from tests.support.publishing import channel, make_due
from tests.support.sink import Sink
from tests.workers.test_publish import run_jobs

pytestmark = pytest.mark.browser


@pytest.fixture
def sinks():  # type: ignore[no-untyped-def]
    good, bad = Sink().start(), Sink().start()
    bad.script = [(400, {}, 0.0)]
    yield good, bad
    good.stop()
    bad.stop()


def fits(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_one_post_with_a_picture_for_three_channels_is_approved_once_and_fails_alone(
    app, live_server, chromium, session, team, sinks, redis_db, tmp_path
):
    good, bad = sinks
    box = channel(session, team, "outbox")
    toots = channel(session, team, "mastodon", good.url, secret="good-token")
    hook = channel(session, team, "webhook", f"{bad.url}/hook")
    picture = tmp_path / "launch.jpg"
    picture.write_bytes(photo("JPEG", size=(800, 600)))
    slug = team.workspace.slug
    editor_ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
    approver_ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        editor, approver = editor_ctx.new_page(), approver_ctx.new_page()
        for page in (editor, approver):
            page.set_default_timeout(15_000)
        sign_in(editor, live_server, "editor@example.com", PASSWORD)
        sign_in(approver, live_server, "approver@example.com", PASSWORD)

        editor.goto(f"{live_server}/w/{slug}/posts/new")
        for target in (box, toots, hook):
            editor.locator(f"#ch-{target.id}").check()
        editor.get_by_label("Text", exact=True).fill("Our new roaster arrives on Friday")
        editor.get_by_text(f"Customise for {toots.name}").click()
        editor.locator(f"#variant-{toots.id}").fill("Our new roaster arrives on Friday #coffee")
        editor.locator('input[name="category"][value="brand"]').check()
        editor.locator("#media_file").set_input_files(str(picture))
        editor.get_by_label("Alt text").fill("A red coffee roaster on a wooden counter")
        assert axe_violations(editor) == []
        editor.get_by_role("button", name="Save draft").click()
        editor.get_by_text("Saved as a draft on 3 channels").wait_for()

        # The post page: the picture's thumbnail (served to members only), its alt text.
        panel = editor.locator("#media")
        thumb = panel.locator("img")
        thumb.wait_for()
        assert thumb.get_attribute("alt") == "A red coffee roaster on a wooden counter"
        assert editor.evaluate("document.querySelector('#media img').naturalWidth") > 0
        assert "launch.jpg" in panel.inner_text()
        assert axe_violations(editor) == []
        editor.set_viewport_size({"width": 390, "height": 844})
        assert fits(editor), "the post page with media scrolls sideways on a phone"
        editor.set_viewport_size({"width": 1280, "height": 900})

        editor.get_by_role("button", name="Submit all 3 for review").click()
        editor.get_by_text("Submitted for review.").wait_for()

        lead_id = int(editor.url.rsplit("/", 1)[-1].split("#")[0])
        # The approval queue shows the picture and its alt text, on a laptop and a phone.
        approver.goto(f"{live_server}/w/{slug}/approvals/")
        queued = approver.locator(f"#review-{lead_id} .queue-media")
        assert "A red coffee roaster on a wooden counter" in queued.inner_text()
        assert axe_violations(approver) == []
        approver.set_viewport_size({"width": 390, "height": 844})
        assert fits(approver), "the approval queue with media scrolls sideways on a phone"
        approver.set_viewport_size({"width": 1280, "height": 900})
        approver.goto(f"{live_server}/w/{slug}/posts/{lead_id}")
        # The approver sees the picture and its alt text before deciding.
        seen = approver.locator("#media img")
        assert seen.get_attribute("alt") == "A red coffee roaster on a wooden counter"
        assert approver.evaluate("document.querySelector('#media img').naturalWidth") > 0
        approver.get_by_role("button", name="Approve all 3").click()
        approver.get_by_text("Approved: it will be published at its time.").wait_for()
    finally:
        editor_ctx.close()
        approver_ctx.close()

    session.expire_all()
    posts = session.scalars(
        sa.select(Post).where(Post.channel_id.in_([box.id, toots.id, hook.id])).order_by(Post.id)
    ).all()
    assert len(posts) == 3 and len({p.group_id for p in posts}) == 1
    assert {p.status for p in posts} == {Status.approved}
    assert {p.approved_by_id for p in posts} == {team.user("approver").id}
    for post in posts:
        make_due(session, post)
    run_jobs(app, redis_db)

    session.expire_all()
    by_channel = {p.channel_id: session.get(Post, p.id) for p in posts}
    assert by_channel[box.id].status == Status.published
    assert by_channel[toots.id].status == Status.published
    failed = by_channel[hook.id]
    assert failed.status == Status.failed and "(HTTP 400)" in (failed.last_error or "")

    # Mastodon: the picture first, with its alt text and without its GPS; then the status.
    [uploaded] = good.media.values()
    assert uploaded["description"] == "A red coffee roaster on a wooden counter"
    assert not exif_of(uploaded["data"]).get_ifd(GPS_IFD)
    [status] = good.statuses.values()
    assert status["content"] == "Our new roaster arrives on Friday #coffee"
    assert status["media_ids"] == ["m1"]
    # The outbox: the JSON and the picture beside it.
    folder = Path(app.config["PLANNER_OUTBOX"])
    [written] = folder.glob("*.json")
    body = json.loads(written.read_text())
    assert body["text"] == "Our new roaster arrives on Friday"
    assert (folder / body["media"][0]["file"]).read_bytes().startswith(b"\xff\xd8")
    # The webhook was asked once, with the picture described in its JSON.
    [sent] = [json.loads(r.body) for r in bad.received]
    assert sent["media"][0]["alt_text"] == "A red coffee roaster on a wooden counter"
    assert workflow.group_media(session, failed.group_id)[0].alt_text.startswith("A red")


def test_files_are_reordered_by_drag_and_by_the_arrows(
    live_server, chromium, session, team, tmp_path
):
    slug = team.workspace.slug
    post = workflow.create_post(
        session,
        team.user("editor"),
        team.workspace,
        workflow.PostContent(team.channels["linkedin"], "Two pictures", "brand", future()),
    )
    files = []
    for name, colour in (("first.png", (255, 0, 0)), ("second.png", (0, 0, 255))):
        path = tmp_path / name
        path.write_bytes(photo("PNG", size=(50, 40)))
        files.append((path, colour))
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live_server, "editor@example.com", PASSWORD)
        page.goto(f"{live_server}/w/{slug}/posts/{post.id}")
        for (path, _), alt in zip(files, ("First picture", "Second picture"), strict=True):
            page.locator("#media-upload-file").set_input_files(str(path))
            page.locator("#media-upload-alt").fill(alt)
            page.get_by_role("button", name="Attach", exact=True).click()
            page.get_by_text(f"Attached {path.name}.").wait_for()

        def names() -> list[str]:
            return page.locator("#media-list .media-facts strong a").all_inner_texts()

        assert names() == ["first.png", "second.png"]
        page.get_by_role("button", name="Move up second.png").click()
        page.wait_for_load_state()
        assert names() == ["second.png", "first.png"]
        items = page.locator("#media-list .media-item")
        with page.expect_navigation():
            items.nth(1).drag_to(items.nth(0))
        assert names() == ["first.png", "second.png"]
        assert axe_violations(page) == []
    finally:
        context.close()
    session.expire_all()
    assert [m.filename for m in workflow.group_media(session, post.group_id)] == [
        "first.png",
        "second.png",
    ]
