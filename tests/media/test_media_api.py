"""The API lists a post's media and takes uploads (multipart), with the same checks as the
pages; the OpenAPI document describes both."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from planner import bulk, media, tokens, workflow
from planner.models import Media, Status
from tests.conftest import future
from tests.support.media import photo


def token(session, team, role="editor"):  # type: ignore[no-untyped-def]
    _, secret = tokens.create_api_token(session, team.user(role), team.workspace, "media")
    return {"Authorization": f"Bearer {secret}"}


def test_an_upload_through_the_api_appears_on_every_variant(app, session, team):
    contents = [
        workflow.PostContent(team.channels[name], "Hello", "brand", future())
        for name in ("x", "mastodon")
    ]
    posts = workflow.create_group(session, team.user("editor"), team.workspace, contents)
    client, headers = app.test_client(), token(session, team)
    response = client.post(
        f"/api/v1/posts/{posts[0].id}/media",
        data={"version": str(posts[0].version), "alt_text": "A chart",
              "file": (io.BytesIO(photo("PNG")), "chart.png")},
        headers=headers,
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 201, response.get_json()
    assert response.json["alt_text"] == "A chart" and response.json["mime_type"] == "image/png"
    other = client.get(f"/api/v1/posts/{posts[1].id}", headers=headers).json
    assert [m["filename"] for m in other["media"]] == ["chart.png"]
    assert other["media"][0]["width"] == 64


def test_every_bad_field_of_an_upload_is_named_at_once(app, session, team):
    post = workflow.create_post(
        session,
        team.user("editor"),
        team.workspace,
        workflow.PostContent(team.channels["x"], "Hello", "brand", future()),
    )
    client, headers = app.test_client(), token(session, team)
    response = client.post(
        f"/api/v1/posts/{post.id}/media",
        data={"version": "first", "file": (io.BytesIO(b"<html>"), "cat.jpg")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"version", "file"}
    assert "cat.jpg is not an image" in response.json["error"]["fields"]["file"]
    viewer = token(session, team, "viewer")
    refused = client.post(
        f"/api/v1/posts/{post.id}/media",
        data={"version": "1", "file": (io.BytesIO(photo("PNG")), "a.png")},
        headers=viewer,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403
    assert session.scalar(sa.select(sa.func.count()).select_from(Media)) == 0


def test_an_upload_to_an_approved_post_revokes_its_approval(app, session, team):
    post = workflow.create_post(
        session,
        team.user("editor"),
        team.workspace,
        workflow.PostContent(team.channels["x"], "Hello", "brand", future()),
    )
    workflow.submit(session, team.user("editor"), post, post.version)
    workflow.approve(session, team.user("approver"), post, post.version)
    client, headers = app.test_client(), token(session, team)
    response = client.post(
        f"/api/v1/posts/{post.id}/media",
        data={"version": str(post.version), "alt_text": "x",
              "file": (io.BytesIO(photo("JPEG")), "a.jpg")},
        headers=headers,
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 201
    assert client.get(f"/api/v1/posts/{post.id}", headers=headers).json["status"] == Status.draft


def test_the_openapi_document_describes_media(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    upload = document["paths"]["/api/v1/posts/{post_id}/media"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    post = document["components"]["schemas"]["Post"]["properties"]
    assert post["media"]["type"] == "array"


def test_the_csv_export_counts_each_posts_files(app, session, team, tmp_path):
    contents = [
        workflow.PostContent(team.channels[name], "Hello", "brand", future())
        for name in ("x", "mastodon")
    ]
    posts = workflow.create_group(session, team.user("editor"), team.workspace, contents)
    workflow.create_post(
        session,
        team.user("editor"),
        team.workspace,
        workflow.PostContent(team.channels["linkedin"], "Alone", "brand", future(4)),
    )
    store = media.FolderStore(tmp_path)
    for name in ("a.png", "b.png"):
        session.refresh(posts[0])
        upload = media.prepare(photo("PNG"), name)
        workflow.add_media(session, team.user("editor"), posts[0], posts[0].version, upload, store)
    rows = list(csv.DictReader(io.StringIO(bulk.export_csv(session, team.workspace))))
    assert [(r["text"], r["media"]) for r in rows] == [
        ("Hello", "2"),
        ("Hello", "2"),
        ("Alone", "0"),
    ]
    assert "PNG" not in "".join(r["media"] for r in rows)
