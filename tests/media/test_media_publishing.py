"""Publishers upload a post's files first, once across retries: Mastodon's media API (with
the alt text, waiting while it processes), Bluesky's blobs, the webhook's JSON and the outbox
folder. Real RQ jobs and Redis; local HTTP servers stand in for the targets."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from planner import media, workflow
from planner.models import MediaUpload, Post, Status
from planner.publishers import bluesky, mastodon
from tests.conftest import future
from tests.support.media import exif_of, photo
from tests.support.pds import Pds
from tests.support.publishing import channel, make_due
from tests.workers.test_publish import publish, run_jobs

GPS_IFD = 0x8825


@pytest.fixture
def pub(app, redis_db):  # type: ignore[no-untyped-def]
    app.config.update(PUBLISH_BACKOFF_SECONDS=0.2, PUBLISH_MAX_ATTEMPTS=4)
    return app


@pytest.fixture
def quick_polls(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(mastodon, "PROCESSING_POLL_SECONDS", 0.05)


def with_images(app, session, team, target, *alts: str) -> Post:  # type: ignore[no-untyped-def]
    """A post on `target` with a photo per alt text (GPS EXIF in the originals), approved."""
    store = media.store_for(app.config)
    with app.app_context():
        content = workflow.PostContent(target, "Pictures of the launch", "brand", future(2))
        post = workflow.create_post(session, team.user("editor"), team.workspace, content)
        for n, alt in enumerate(alts, 1):
            upload = media.prepare(photo("JPEG", size=(40 + n, 30)), f"photo{n}.jpg")
            workflow.add_media(session, team.user("editor"), post, post.version, upload, store, alt)
            session.refresh(post)
        workflow.submit(session, team.user("editor"), post, post.version)
        workflow.approve(session, team.user("approver"), post, post.version)
    session.refresh(post)
    return post


def fresh(session, post):  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.get(Post, post.id)


def test_mastodon_gets_the_files_with_their_alt_text_then_the_status_with_their_ids(
    pub, session, team, sink
):
    toots = channel(session, team, "mastodon", sink.url, secret="good-token")
    post = with_images(pub, session, team, toots, "A rocket on the pad", "The crowd")
    make_due(session, post)
    assert publish(pub, post.id, post.approved_version) == "published"
    assert [m["description"] for m in sink.media.values()] == ["A rocket on the pad", "The crowd"]
    assert [m["content_type"] for m in sink.media.values()] == ["image/jpeg", "image/jpeg"]
    # What left the building has no GPS position.
    for item in sink.media.values():
        assert not exif_of(item["data"]).get_ifd(GPS_IFD)
    [status] = sink.statuses.values()
    assert status["media_ids"] == ["m1", "m2"]
    assert [r.path for r in sink.received] == ["/api/v2/media", "/api/v2/media", "/api/v1/statuses"]


def test_a_retry_after_the_status_failed_does_not_upload_the_files_again(
    pub, session, team, sink, redis_db
):
    # Both uploads pass; the status is answered 503 once, then 200.
    sink.script = [(200, {}, 0.0), (200, {}, 0.0), (503, {}, 0.0)]
    toots = channel(session, team, "mastodon", sink.url, secret="good-token")
    post = with_images(pub, session, team, toots, "One", "Two")
    make_due(session, post)
    run_jobs(pub, redis_db)
    assert "503" in fresh(session, post).last_error
    time.sleep(0.5)  # the backoff (0.2 s, with jitter)
    run_jobs(pub, redis_db)
    post = fresh(session, post)
    assert post.status == Status.published and post.attempts == 2
    assert len(sink.media) == 2
    uploads = [r.path for r in sink.received if r.path == "/api/v2/media"]
    assert len(uploads) == 2
    [status] = sink.statuses.values()
    assert status["media_ids"] == ["m1", "m2"]
    remembered = session.scalars(
        sa.select(MediaUpload.external_id).where(MediaUpload.post_id == post.id)
    ).all()
    assert sorted(remembered) == ["m1", "m2"]


def test_a_video_mastodon_is_still_processing_is_waited_for(pub, session, team, sink, quick_polls):
    sink.processing_polls = 3  # 202, then three 206 answers, then 200
    toots = channel(session, team, "mastodon", sink.url, secret="good-token")
    post = with_images(pub, session, team, toots, "A chart")
    make_due(session, post)
    assert publish(pub, post.id, post.approved_version) == "published"
    polls = [r for r in sink.received if r.path == "/api/v1/media/m1"]
    assert len(polls) == 4
    assert next(iter(sink.statuses.values()))["media_ids"] == ["m1"]


def test_a_file_still_processing_after_the_wait_is_retried_without_a_second_upload(
    pub, session, team, sink, redis_db, quick_polls, monkeypatch
):
    monkeypatch.setattr(mastodon, "PROCESSING_WAIT_SECONDS", 0.12)
    sink.processing_polls = 5
    toots = channel(session, team, "mastodon", sink.url, secret="good-token")
    post = with_images(pub, session, team, toots, "A chart")
    make_due(session, post)
    assert publish(pub, post.id, post.approved_version) == "retry"
    assert "Mastodon is still processing media m1" in fresh(session, post).last_error
    time.sleep(0.5)
    run_jobs(pub, redis_db)
    assert fresh(session, post).status == Status.published
    assert len(sink.media) == 1
    assert len([r for r in sink.received if r.path == "/api/v2/media"]) == 1


def test_new_alt_text_after_a_failure_is_a_new_upload(pub, session, team, sink):
    sink.script = [(200, {}, 0.0), (400, {}, 0.0)]  # upload fine, status refused
    toots = channel(session, team, "mastodon", sink.url, secret="good-token")
    post = with_images(pub, session, team, toots, "Old words")
    make_due(session, post)
    assert publish(pub, post.id, post.approved_version) == "failed"
    with pub.app_context():
        [row] = workflow.group_media(session, post.group_id)
        post = fresh(session, post)
        workflow.describe_media(
            session, team.user("editor"), post, post.version, {row.id: "New words"}
        )
        post = fresh(session, post)
        workflow.submit(session, team.user("editor"), post, post.version)
        workflow.approve(session, team.user("approver"), post, post.version)
    post = fresh(session, post)
    make_due(session, post)
    assert publish(pub, post.id, post.approved_version) == "published"
    assert [m["description"] for m in sink.media.values()] == ["Old words", "New words"]
    assert next(iter(sink.statuses.values()))["media_ids"] == ["m2"]


def test_the_webhook_json_names_each_file_with_a_signed_link(pub, session, team, sink):
    pub.config["SERVER_NAME"] = "planner.test"
    hook = channel(session, team, "webhook", f"{sink.url}/hook")
    post = with_images(pub, session, team, hook, "A rocket")
    make_due(session, post)
    assert publish(pub, post.id, post.approved_version) == "published"
    [body] = sink.posts()
    [item] = body["media"]
    assert item["alt_text"] == "A rocket" and item["mime_type"] == "image/jpeg"
    assert item["width"] == 41 and item["filename"] == "photo1.jpg" and len(item["sha256"]) == 64
    assert item["url"].startswith("http://planner.test/media/")
    # The link opens without signing in; a forged one does not.
    client = pub.test_client()
    path = item["url"].removeprefix("http://planner.test")
    got = client.get(path)
    assert got.status_code == 200 and got.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(got.data)).size == (41, 30)
    assert client.get(path[:-3] + "abc").status_code == 404


def test_the_outbox_writes_the_files_beside_the_json(pub, session, team):
    box = channel(session, team, "outbox")
    post = with_images(pub, session, team, box, "First", "Second")
    make_due(session, post)
    assert publish(pub, post.id, post.approved_version) == "published"
    folder = Path(pub.config["PLANNER_OUTBOX"])
    [written] = folder.glob("*.json")
    body = json.loads(written.read_text())
    names = [item["file"] for item in body["media"]]
    assert names == [f"{body['key']}-1.jpg", f"{body['key']}-2.jpg"]
    assert [item["alt_text"] for item in body["media"]] == ["First", "Second"]
    for name in names:
        assert (folder / name).read_bytes().startswith(b"\xff\xd8")


@pytest.fixture
def pds():  # type: ignore[no-untyped-def]
    bluesky.forget_sessions()
    server = Pds().start()
    yield server
    server.stop()
    bluesky.forget_sessions()


def test_bluesky_gets_the_stored_images_as_blobs_with_their_alt_text(pub, session, team, pds):
    sky = channel(session, team, "bluesky", pds.url, secret=pds.password, handle="acme.test")
    post = with_images(pub, session, team, sky, "A rocket", "The crowd")
    make_due(session, post)
    assert publish(pub, post.id, post.approved_version) == "published"
    assert pds.problems == []
    uploads = pds.calls("com.atproto.repo.uploadBlob")
    assert [u.headers["content-type"] for u in uploads] == ["image/jpeg", "image/jpeg"]
    embed = pds.posts()[0]["embed"]
    assert [i["alt"] for i in embed["images"]] == ["A rocket", "The crowd"]
