"""The JSON API: tokens, roles, workspace isolation, conflicts and one error shape."""

from __future__ import annotations

import re

import sqlalchemy as sa

from planner import accounts, tokens, workflow
from planner.models import ApiToken, Membership, Post, Status
from tests.conftest import future, signed_in


def token_for(session, team, role: str, workspace=None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, secret = tokens.create_api_token(
        session, team.user(role), workspace or team.workspace, f"{role} script"
    )
    return {"Authorization": f"Bearer {secret}"}


def make_post(session, team, text: str = "Our spring collection is here", days: int = 3):  # type: ignore[no-untyped-def]
    content = workflow.PostContent(team.channels["x"], text, "brand", future(days))
    return workflow.create_post(session, team.user("editor"), team.workspace, content)


def assert_error(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == status
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error


def test_a_token_is_shown_once_stored_hashed_and_stops_working_when_revoked(app, session, team):
    browser = signed_in(app, "editor@example.com")
    page = browser.post(f"/w/{team.workspace.slug}/api-tokens", {"label": "Agency script"})
    assert page.status_code == 200
    secret = re.search(r'id="api-token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    stored = session.scalars(sa.select(ApiToken)).one()
    assert stored.token_hash != secret and secret not in stored.token_hash
    headers = {"Authorization": f"Bearer {secret}"}
    client = app.test_client()
    assert client.get("/api/v1/channels", headers=headers).status_code == 200
    listing = browser.get(f"/w/{team.workspace.slug}/api-tokens").get_data(as_text=True)
    assert "Agency script" in listing and secret not in listing
    revoked = browser.post(f"/w/{team.workspace.slug}/api-tokens/{stored.id}/revoke")
    assert revoked.status_code == 303
    assert_error(client.get("/api/v1/channels", headers=headers), 401)


def test_the_api_does_not_accept_a_session_cookie(app, team):
    browser = signed_in(app, "admin@example.com")
    error = assert_error(browser.get("/api/v1/posts"), 401)
    assert "Bearer" in error["message"]
    # Nor does a cookie-carrying POST without a CSRF token get anywhere.
    assert_error(browser.client.post("/api/v1/posts", json={"text": "x"}), 401)


def test_a_token_of_one_workspace_sees_nothing_of_another(app, session, team):
    post = make_post(session, team)
    outsider = token_for(session, team, "outsider", team.other_workspace)
    client = app.test_client()
    assert client.get("/api/v1/posts", headers=outsider).get_json()["posts"] == []
    assert_error(client.get(f"/api/v1/posts/{post.id}", headers=outsider), 404)
    assert_error(
        client.patch(f"/api/v1/posts/{post.id}", json={"version": 1}, headers=outsider), 404
    )
    assert_error(
        client.post(f"/api/v1/posts/{post.id}/cancel", json={"version": 1}, headers=outsider),
        404,
    )
    channels = client.get("/api/v1/channels", headers=outsider).get_json()["channels"]
    assert [c["name"] for c in channels] == ["X"]
    created = client.post(
        "/api/v1/posts",
        json={
            "channel_id": team.channels["x"].id,
            "text": "Into their workspace",
            "category": "brand",
            "scheduled_at": future().isoformat(),
        },
        headers=outsider,
    )
    assert_error(created, 422)
    assert session.scalar(sa.select(sa.func.count()).select_from(Post)) == 1


def test_tokens_act_with_the_owners_current_role(app, session, team):
    client = app.test_client()
    viewer = token_for(session, team, "viewer")
    body = {
        "channel_id": team.channels["x"].id,
        "text": "Tips for your first week",
        "category": "educational",
        "scheduled_at": future().isoformat(),
    }
    error = assert_error(client.post("/api/v1/posts", json=body, headers=viewer), 403)
    assert "editor" in error["message"]
    membership = session.scalars(
        sa.select(Membership).where(
            Membership.user_id == team.user("viewer").id,
            Membership.workspace_id == team.workspace.id,
        )
    ).one()
    accounts.change_role(session, team.user("admin"), membership, accounts.Role.editor)
    assert client.post("/api/v1/posts", json=body, headers=viewer).status_code == 201
    accounts.remove_member(session, team.user("admin"), membership)
    assert_error(client.get("/api/v1/posts", headers=viewer), 401)


def test_create_list_filter_and_page_through_posts(app, session, team):
    client = app.test_client()
    editor = token_for(session, team, "editor")
    for day in range(2, 7):
        created = client.post(
            "/api/v1/posts",
            json={
                "channel_id": team.channels["mastodon"].id,
                "text": f"What do you think of idea {day}?",
                "scheduled_at": future(day).replace(tzinfo=None).isoformat(),
            },
            headers=editor,
        )
        assert created.status_code == 201, created.get_json()
        answer = created.get_json()
        assert answer["status"] == "draft" and answer["version"] == 1
        # No category given: the classifier's suggestion is used and shown.
        assert answer["suggested_category"]["category"] == answer["category"]
    make_post(session, team)  # on x
    page = client.get("/api/v1/posts?channel=Mastodon&limit=2", headers=editor).get_json()
    assert len(page["posts"]) == 2 and page["next"]
    seen = [p["id"] for p in page["posts"]]
    while page["next"]:
        page = client.get(page["next"], headers=editor).get_json()
        seen += [p["id"] for p in page["posts"]]
    assert len(seen) == len(set(seen)) == 5
    day = future(3).date().isoformat()
    in_range = client.get(f"/api/v1/posts?from={day}&to={day}", headers=editor).get_json()
    assert {p["network"] for p in in_range["posts"]} == {"mastodon", "x"}
    by_status = client.get("/api/v1/posts?status=in_review", headers=editor).get_json()
    assert by_status["posts"] == []
    error = assert_error(client.get("/api/v1/posts?status=lost", headers=editor), 422)
    assert "status" in error["fields"]


def test_an_update_with_an_old_version_is_a_409_and_changes_nothing(app, session, team):
    post = make_post(session, team)
    client = app.test_client()
    editor = token_for(session, team, "editor")
    first = client.patch(
        f"/api/v1/posts/{post.id}", json={"version": 1, "text": "First edit"}, headers=editor
    )
    assert first.status_code == 200 and first.get_json()["version"] == 2
    second = client.patch(
        f"/api/v1/posts/{post.id}", json={"version": 1, "text": "Second edit"}, headers=editor
    )
    error = assert_error(second, 409)
    assert "version 1" in error["message"] and "version" in error["fields"]
    session.expire_all()
    assert session.get(Post, post.id).text == "First edit"


def test_the_workflow_through_the_api(app, session, team):
    post = make_post(session, team)
    client = app.test_client()
    editor, approver = token_for(session, team, "editor"), token_for(session, team, "approver")
    url = f"/api/v1/posts/{post.id}"
    assert_error(client.post(f"{url}/approve", json={"version": 1}, headers=editor), 403)
    submitted = client.post(f"{url}/submit", json={"version": 1}, headers=editor).get_json()
    assert submitted["status"] == "in_review"
    refused = assert_error(
        client.post(f"{url}/request-changes", json={"version": 2, "comment": ""}, headers=approver),
        422,
    )
    assert "comment" in refused["fields"]
    back = client.post(
        f"{url}/request-changes", json={"version": 2, "comment": "Shorter"}, headers=approver
    ).get_json()
    assert back["status"] == "changes_requested"
    again = client.post(f"{url}/submit", json={"version": 3}, headers=editor).get_json()
    approved = client.post(f"{url}/approve", json={"version": 4}, headers=approver).get_json()
    assert (again["status"], approved["status"]) == ("in_review", "approved")
    moved = client.post(
        f"{url}/reschedule",
        json={"version": 5, "scheduled_at": future(9).isoformat()},
        headers=editor,
    ).get_json()
    # Moving an approved post withdraws its approval.
    assert moved["status"] == "draft" and moved["approved_by_id"] is None
    past = client.post(
        f"{url}/reschedule", json={"version": 6, "scheduled_at": "2001-01-01T10:00"}, headers=editor
    )
    assert "scheduled_at" in assert_error(past, 422)["fields"]
    cancelled = client.post(f"{url}/cancel", json={"version": 6}, headers=editor).get_json()
    assert cancelled["status"] == "cancelled"
    assert_error(client.post(f"{url}/submit", json={"version": 7}, headers=editor), 409)
    session.expire_all()
    assert session.get(Post, post.id).status == Status.cancelled


def test_findings_for_a_range(app, session, team):
    for hour in (9, 10, 11):
        content = workflow.PostContent(
            team.channels["linkedin"],
            f"Big sale {hour}: 30% off, shop now",
            "promotion",
            future(4, hour),
        )
        workflow.create_post(session, team.user("editor"), team.workspace, content)
    client = app.test_client()
    viewer = token_for(session, team, "viewer")
    day = future(4).date().isoformat()
    found = client.get(f"/api/v1/findings?from={day}&to={day}", headers=viewer).get_json()
    rules_hit = {f["rule"] for f in found["findings"]}
    assert {"promotion-streak", "audience-overload"} <= rules_hit
    later = future(60).date().isoformat()
    empty = client.get(f"/api/v1/findings?from={later}&to={later}", headers=viewer).get_json()
    assert not [f for f in empty["findings"] if f["channel"] == "Linkedin"]


def test_every_error_under_the_api_is_json(app, session, team):
    client = app.test_client()
    editor = token_for(session, team, "editor")
    assert_error(client.get("/api/v1/nowhere", headers=editor), 404)
    assert_error(client.get("/api/v1/posts/999999", headers=editor), 404)
    assert_error(client.delete("/api/v1/posts", headers=editor), 405)
    assert_error(client.get("/api/v1/posts"), 401)
    assert_error(client.get("/api/v1/posts", headers={"Authorization": "Bearer nope"}), 401)
    assert client.get("/api/v1/posts").headers["WWW-Authenticate"].startswith("Bearer")
    post = make_post(session, team)
    assert_error(
        client.post(f"/api/v1/posts/{post.id}/submit", data="version=1", headers=editor), 400
    )
    invalid = assert_error(
        client.post(
            "/api/v1/posts",
            json={
                "channel_id": team.channels["x"].id,
                "text": "x" * 400,
                "category": "brand",
                "scheduled_at": future().isoformat(),
            },
            headers=editor,
        ),
        422,
    )
    assert "text" in invalid["fields"]
    gap = assert_error(
        client.post(
            "/api/v1/posts",
            json={
                "channel_id": team.channels["x"].id,
                "text": "Hi",
                "category": "brand",
                "scheduled_at": "2031-03-30T02:30",
            },
            headers=editor,
        ),
        422,
    )
    assert "does not exist in Europe/Berlin" in gap["fields"]["scheduled_at"]


def test_a_422_names_every_bad_field_at_once(app, session, team):
    client = app.test_client()
    editor = token_for(session, team, "editor")
    x = team.channels["x"].id
    # The schema's own checks: every missing or malformed field in one answer.
    error = assert_error(client.post("/api/v1/posts", json={"category": 7}, headers=editor), 422)
    assert {"channel_id", "text", "scheduled_at", "category"} <= set(error["fields"])
    # The workspace's checks: an unknown channel does not hide a bad time, nor a long text.
    error = assert_error(
        client.post(
            "/api/v1/posts",
            json={"channel_id": 999_999, "text": "x", "scheduled_at": "2026-13-45T10:00"},
            headers=editor,
        ),
        422,
    )
    assert {"channel_id", "scheduled_at"} <= set(error["fields"])
    error = assert_error(
        client.post(
            "/api/v1/posts",
            json={"channel_id": x, "text": "x" * 300, "category": "gossip", "scheduled_at": "soon"},
            headers=editor,
        ),
        422,
    )
    assert set(error["fields"]) == {"text", "category", "scheduled_at"}
    assert "300 weighted characters" in error["fields"]["text"]
    assert "text" in error["message"] and "scheduled_at" in error["message"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0
