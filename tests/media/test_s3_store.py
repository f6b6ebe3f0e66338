"""The S3 media store against a local S3-compatible server (moto in server mode, over real
HTTP): the same keys, bytes and missing-file answer as the folder store, and a post's file
attached and served through it."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import requests
import sqlalchemy as sa

from planner import media, workflow
from planner.models import Media
from tests.conftest import future, signed_in
from tests.support.media import photo
from tests.support.publishing import wait_for
from tests.support.web import free_port

MOTO = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")


@pytest.fixture(scope="module")
def s3_server():  # type: ignore[no-untyped-def]
    if not Path(MOTO).exists():
        pytest.fail("moto_server is missing: pip install 'moto[server]' (dev dependency)")
    port = free_port()
    process = subprocess.Popen(
        [MOTO, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(url, timeout=1).status_code < 500
        except requests.ConnectionError:
            return False

    try:
        wait_for(up, 30, "moto's S3 server")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3_config(s3_server, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    bucket = f"planner-{free_port()}"
    boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1").create_bucket(Bucket=bucket)
    return {
        "MEDIA_STORE": "s3",
        "MEDIA_S3_BUCKET": bucket,
        "MEDIA_S3_ENDPOINT": s3_server,
        "MEDIA_S3_PREFIX": "media",
        "MEDIA_S3_REGION": "us-east-1",
        "PLANNER_INSTANCE": "/nonexistent",
    }


def test_the_s3_store_keeps_reads_and_deletes_under_its_prefix(s3_config):
    store = media.store_for(s3_config)
    assert isinstance(store, media.S3Store)
    key = media.new_key(3, "png")
    store.put(key, b"picture bytes", "image/png")
    assert store.get(key) == b"picture bytes"
    listed = boto3.client(
        "s3", endpoint_url=s3_config["MEDIA_S3_ENDPOINT"], region_name="us-east-1"
    ).list_objects_v2(Bucket=s3_config["MEDIA_S3_BUCKET"])
    [stored] = listed["Contents"]
    assert stored["Key"] == f"media/{key}"
    store.delete(key)
    with pytest.raises(media.MediaMissing):
        store.get(key)
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")
    # The sweep of pending files: only those under pending/, only when old enough.
    pending = media.new_key(3, "png", pending=True)
    store.put(pending, b"kept for a form", "image/png")
    store.put(key, b"attached", "image/png")
    assert store.delete_pending(3600) == 0
    assert store.delete_pending(-1) == 1
    with pytest.raises(media.MediaMissing):
        store.get(pending)
    assert store.get(key) == b"attached"


def test_a_post_file_goes_to_the_bucket_and_is_served_from_it(app, session, team, s3_config):
    app.config.update(s3_config)
    post = workflow.create_post(
        session,
        team.user("editor"),
        team.workspace,
        workflow.PostContent(team.channels["mastodon"], "From the bucket", "brand", future()),
    )
    editor = signed_in(app, "editor@example.com")
    response = editor.post(
        f"/w/{team.workspace.slug}/posts/{post.id}/media",
        {"version": str(post.version), "alt_text": "A square",
         "file": (io.BytesIO(photo("PNG")), "square.png")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 303
    row = session.scalars(sa.select(Media)).one()
    assert media.store_for(s3_config).get(row.key).startswith(b"\x89PNG")
    served = editor.get(f"/w/{team.workspace.slug}/posts/{post.id}/media/{row.id}/file")
    assert served.status_code == 200 and served.data.startswith(b"\x89PNG")
    assert workflow.group_media(session, post.group_id)[0].alt_text == "A square"
