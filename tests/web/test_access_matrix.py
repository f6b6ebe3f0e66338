"""Every route with every role: who may do what, in one table."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from planner import workflow
from planner.models import Membership, Post, User
from tests.conftest import PASSWORD, Browser, future

ROLES = ("anonymous", "outsider", "viewer", "editor", "approver", "admin")
RANK = {"viewer": 1, "editor": 2, "approver": 3, "admin": 4}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # {slug}, {post}, {channel}, {member} are filled in per case
    least_role: str
    data: dict | None = None
    json: dict | None = None


ROUTES = (
    Route("GET", "/w/{slug}/", "viewer"),
    Route("GET", "/w/{slug}/month", "viewer"),
    Route("GET", "/w/{slug}/channels/", "viewer"),
    Route("GET", "/w/{slug}/posts/{post}", "viewer"),
    Route("GET", "/w/{slug}/posts/new", "editor"),
    Route("POST", "/w/{slug}/posts/new", "editor", data={"text": ""}),
    Route("GET", "/w/{slug}/posts/{post}/edit", "editor"),
    Route("POST", "/w/{slug}/posts/{post}/edit", "editor", data={"text": "x"}),
    Route("GET", "/w/{slug}/posts/{post}/move", "editor"),
    Route("POST", "/w/{slug}/posts/{post}/move", "editor", data={"date": "x"}),
    Route(
        "POST",
        "/w/{slug}/posts/{post}/reschedule",
        "editor",
        json={"version": 1, "date": "2031-01-02", "time": "10:00"},
    ),
    Route("POST", "/w/{slug}/posts/{post}/duplicate", "editor", data={}),
    Route("POST", "/w/{slug}/posts/{post}/submit", "editor", data={"version": 1}),
    Route("POST", "/w/{slug}/posts/{post}/withdraw", "editor", data={"version": 1}),
    Route("POST", "/w/{slug}/posts/{post}/cancel", "editor", data={"version": 1}),
    Route("POST", "/w/{slug}/posts/{post}/comments", "editor", data={"body": "Looks good"}),
    Route("POST", "/w/{slug}/posts/{post}/approve", "approver", data={"version": 1}),
    Route(
        "POST",
        "/w/{slug}/posts/{post}/request-changes",
        "approver",
        data={"version": 1, "comment": "Shorter"},
    ),
    Route("POST", "/w/{slug}/posts/{post}/retry", "approver", data={"version": 1}),
    Route("GET", "/w/{slug}/approvals/", "approver"),
    Route("POST", "/w/{slug}/approvals/approve", "approver", data={"post": "1:1"}),
    Route("GET", "/w/{slug}/publishing/", "admin"),
    Route("POST", "/w/{slug}/publishing/resume", "admin", data={}),
    Route("GET", "/w/{slug}/balance/", "viewer"),
    Route("POST", "/w/{slug}/posts/check-draft", "editor", json={"text": "Hello"}),
    Route("GET", "/w/{slug}/rules/", "admin"),
    Route("POST", "/w/{slug}/rules/", "admin", data={"preset": "nope"}),
    Route("GET", "/w/{slug}/channels/new", "admin"),
    Route("POST", "/w/{slug}/channels/new", "admin", data={"network": "x", "name": ""}),
    Route("GET", "/w/{slug}/channels/{channel}/edit", "admin"),
    Route("GET", "/w/{slug}/settings", "admin"),
    Route("POST", "/w/{slug}/settings", "admin", data={"name": "Acme", "timezone": "Nowhere"}),
    Route("GET", "/w/{slug}/members", "admin"),
    Route("POST", "/w/{slug}/members", "admin", data={"email": "not-an-email"}),
    Route("POST", "/w/{slug}/members/{member}/role", "admin", data={"role": "editor"}),
    Route("POST", "/w/{slug}/members/{member}/remove", "admin", data={}),
    Route("GET", "/w/{slug}/api-tokens", "viewer"),
    Route("POST", "/w/{slug}/api-tokens", "viewer", data={"label": ""}),
    Route("POST", "/w/{slug}/api-tokens/999999/revoke", "viewer", data={}),
    Route("GET", "/w/{slug}/bulk/", "viewer"),
    Route("GET", "/w/{slug}/bulk/export.csv", "viewer"),
    Route("POST", "/w/{slug}/bulk/import", "editor", data={"csv": ""}),
    Route("GET", "/w/{slug}/notifications/", "viewer"),
    Route("POST", "/w/{slug}/notifications/read-all", "viewer", data={}),
    Route("GET", "/w/{slug}/notifications/preferences", "viewer"),
    Route("POST", "/w/{slug}/notifications/preferences", "viewer", data={}),
    Route("GET", "/w/{slug}/notifications/slack", "admin"),
    Route("POST", "/w/{slug}/notifications/slack", "admin", data={"url": ""}),
)


def _expected(role: str, route: Route) -> str:
    if role == "anonymous":
        return "sign-in"
    if role == "outsider":
        return "not-found"
    return "allowed" if RANK[role] >= RANK[route.least_role] else "forbidden"


def _outcome(status: int, location: str) -> str:
    if status in (302, 303) and "/login" in location:
        return "sign-in"
    if status == 404:
        return "not-found"
    if status == 403:
        return "forbidden"
    if status >= 500:
        return f"error {status}"
    return "allowed"


def _fresh_post(session, team) -> Post:  # type: ignore[no-untyped-def]
    content = workflow.PostContent(team.channels["x"], "Matrix post", "brand", future())
    return workflow.create_post(session, team.user("editor"), team.workspace, content)


@pytest.mark.parametrize("role", ROLES)
def test_every_route_obeys_the_role_table(app, session, team, role):
    client = Browser(app.test_client())
    if role != "anonymous":
        assert client.login(f"{role}@example.com", PASSWORD).status_code == 302
    viewer_membership = session.scalars(
        sa.select(Membership)
        .join(User)
        .where(User.email == "viewer@example.com", Membership.workspace_id == team.workspace.id)
    ).one()
    wrong: list[str] = []
    for route in ROUTES:
        post = _fresh_post(session, team)
        path = route.path.format(
            slug=team.workspace.slug,
            post=post.id,
            channel=team.channels["x"].id,
            member=viewer_membership.id,
        )
        if route.json is not None:
            response = client.post_json(path, route.json)
        elif route.method == "POST":
            response = client.post(path, route.data)
        else:
            response = client.get(path)
        got = _outcome(response.status_code, response.headers.get("Location", ""))
        want = _expected(role, route)
        if got != want:
            wrong.append(
                f"{route.method} {route.path}: {got} ({response.status_code}), want {want}"
            )
    assert wrong == []


def test_a_forbidden_page_says_which_role_is_needed(app, team):
    client = Browser(app.test_client())
    client.login("viewer@example.com", PASSWORD)
    response = client.get(f"/w/{team.workspace.slug}/posts/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "needs the editor role in Acme; you are viewer" in page


def test_unknown_ids_are_404s(app, team):
    client = Browser(app.test_client())
    client.login("admin@example.com", PASSWORD)
    for path in (
        "/w/nope/",
        f"/w/{team.workspace.slug}/posts/999999",
        f"/w/{team.workspace.slug}/channels/999999/edit",
        f"/w/{team.workspace.slug}/channels/{team.other_channel.id}/edit",
    ):
        assert client.get(path).status_code == 404, path


def test_a_post_without_a_csrf_token_is_refused(app, session, team):
    client = Browser(app.test_client())
    client.login("editor@example.com", PASSWORD)
    post = _fresh_post(session, team)
    response = client.client.post(
        f"/w/{team.workspace.slug}/posts/{post.id}/cancel", data={"version": post.version}
    )
    assert response.status_code == 400
    assert "expired or was sent from elsewhere" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Post, post.id).status.value == "draft"
