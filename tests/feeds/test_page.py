"""The Feeds page: who creates, sees and revokes subscriptions; the URL shown once; the CLI."""

from __future__ import annotations

import re
from urllib.parse import quote

import sqlalchemy as sa

from planner.cli.feeds import feed_token
from planner.models import FeedToken
from tests.conftest import signed_in
from tests.support.feeds import fetch, new_post, subscribe

HTTPS_URL = re.compile(r'id="feed-https" value="(https?://[^"]+/feeds/([A-Za-z0-9_-]{43})\.ics)"')


def _create(browser, slug: str, **fields):  # type: ignore[no-untyped-def]
    data = {"label": "My phone", "scope": "planned", **fields}
    return browser.post(f"/w/{slug}/feeds", data=data)


def test_a_viewer_creates_a_subscription_and_sees_its_url_once(app, session, team):
    post = new_post(session, team)
    viewer = signed_in(app, "viewer@example.com")
    slug = team.workspace.slug
    response = _create(viewer, slug, label="Viewer's phone")
    page = response.get_data(as_text=True)
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    url, secret = HTTPS_URL.search(page).groups()
    webcal = "webcal://" + url.split("://", 1)[1]
    assert f'value="{webcal}"' in page
    assert "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe="") in page
    for client in ("Google Calendar", "Outlook", "Apple Calendar", "Thunderbird"):
        assert f"<dt>{client}</dt>" in page
    assert "shown only now" in page

    assert f"UID:post-{post.id}@".encode() in fetch(app, url.split("localhost", 1)[1]).get_data()
    # Afterwards the secret is on no page, for the viewer or for an admin.
    admin = signed_in(app, "admin@example.com")
    for who, pages in (
        (viewer, (f"/w/{slug}/feeds", f"/w/{slug}/")),
        (admin, (f"/w/{slug}/feeds",)),
    ):
        for path in pages:
            later = who.get(path).get_data(as_text=True)
            assert "Viewer&#39;s phone" in later or path.endswith(f"/w/{slug}/")
            assert secret not in later


def test_a_subscription_can_be_limited_to_channels_and_approved_posts(app, session, team):
    editor = signed_in(app, "editor@example.com")
    mastodon = team.channels["mastodon"]
    response = _create(editor, team.workspace.slug, channels=str(mastodon.id), scope="approved")
    assert response.status_code == 201
    assert "approved and published only, Mastodon" in response.get_data(as_text=True)
    token = session.scalar(sa.select(FeedToken))
    assert token.filters == {"channels": [mastodon.id], "approved_only": True}


def test_a_subscription_needs_a_label_and_channels_of_this_workspace(app, session, team):
    viewer = signed_in(app, "viewer@example.com")
    slug = team.workspace.slug
    assert _create(viewer, slug, label="   ").status_code == 422
    foreign = _create(viewer, slug, channels=str(team.other_channel.id))
    assert foreign.status_code == 422
    assert session.scalar(sa.select(sa.func.count()).select_from(FeedToken)) == 0


def test_an_admin_sees_every_subscription_and_revokes_anyones(app, session, team):
    path = subscribe(session, team, "viewer", label="Viewer's calendar")
    subscribe(session, team, "editor", label="Editor's calendar")
    admin = signed_in(app, "admin@example.com")
    slug = team.workspace.slug
    page = admin.get(f"/w/{slug}/feeds").get_data(as_text=True)
    assert "Viewer&#39;s calendar" in page and "Editor&#39;s calendar" in page
    assert "Created by" in page
    token = session.scalar(sa.select(FeedToken).where(FeedToken.label == "Viewer's calendar"))
    response = admin.post(f"/w/{slug}/feeds/{token.id}/revoke")
    assert response.status_code == 303
    session.refresh(token)
    assert token.revoked_at is not None
    assert fetch(app, path).status_code == 404


def test_a_member_sees_only_their_own_subscriptions_and_cannot_revoke_anothers(app, session, team):
    path = subscribe(session, team, "editor", label="Editor's calendar")
    subscribe(session, team, "viewer", label="Viewer's calendar")
    viewer = signed_in(app, "viewer@example.com")
    slug = team.workspace.slug
    page = viewer.get(f"/w/{slug}/feeds").get_data(as_text=True)
    assert "Viewer&#39;s calendar" in page and "Editor&#39;s calendar" not in page
    others = session.scalar(sa.select(FeedToken).where(FeedToken.label == "Editor's calendar"))
    assert viewer.post(f"/w/{slug}/feeds/{others.id}/revoke").status_code == 404
    session.refresh(others)
    assert others.revoked_at is None and fetch(app, path).status_code == 200

    own = session.scalar(sa.select(FeedToken).where(FeedToken.label == "Viewer's calendar"))
    assert viewer.post(f"/w/{slug}/feeds/{own.id}/revoke").status_code == 303
    session.refresh(own)
    assert own.revoked_at is not None


def test_people_outside_the_workspace_get_404_on_its_feeds_page(app, session, team):
    subscribe(session, team, "admin")
    token = session.scalar(sa.select(FeedToken))
    outsider = signed_in(app, "outsider@example.com")
    slug = team.workspace.slug
    assert outsider.get(f"/w/{slug}/feeds").status_code == 404
    assert outsider.post(f"/w/{slug}/feeds/{token.id}/revoke").status_code == 404
    # A token id of another workspace looks missing too.
    assert (
        signed_in(app, "outsider@example.com")
        .post(f"/w/{team.other_workspace.slug}/feeds/{token.id}/revoke")
        .status_code
        == 404
    )
    assert app.test_client().get(f"/w/{slug}/feeds").status_code == 302  # to sign in


def test_every_member_finds_the_feeds_page_in_the_navigation(app, team):
    viewer = signed_in(app, "viewer@example.com")
    page = viewer.get(f"/w/{team.workspace.slug}/").get_data(as_text=True)
    assert f'href="/w/{team.workspace.slug}/feeds"' in page


def test_the_command_line_creates_a_filtered_subscription_and_prints_its_url(app, session, team):
    app.config.update(SERVER_NAME="plan.example.com", PREFERRED_URL_SCHEME="https")
    post = new_post(session, team, "Announced", "mastodon")
    runner = app.test_cli_runner()
    result = runner.invoke(
        feed_token,
        ["create", "--workspace", team.workspace.slug, "--label", "Ops wall",
         "--channel", "Mastodon", "--channel", "X"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    url = re.search(r"^url:\s+(https://plan\.example\.com/feeds/\S+\.ics)$", result.output, re.M)
    assert url, result.output
    assert "webcal://plan.example.com/feeds/" in result.output
    assert (
        "google: https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2F" in result.output
    )
    token = session.scalar(sa.select(FeedToken))
    assert sorted(token.filters["channels"]) == sorted(
        [team.channels["mastodon"].id, team.channels["x"].id]
    )
    assert token.filters["approved_only"] is False and token.created_by_id is None
    body = fetch(app, url.group(1).removeprefix("https://plan.example.com")).get_data()
    assert f"UID:post-{post.id}@plan.example.com".encode() in body

    revoked = runner.invoke(
        feed_token, ["revoke", "--workspace", team.workspace.slug, str(token.id)]
    )
    assert revoked.exit_code == 0, revoked.output
    assert fetch(app, url.group(1).removeprefix("https://plan.example.com")).status_code == 404


def test_the_command_line_refuses_unknown_channels_and_an_unknown_address(app, session, team):
    runner = app.test_cli_runner()
    slug = team.workspace.slug
    no_address = runner.invoke(feed_token, ["create", "--workspace", slug, "--label", "Wall"])
    assert no_address.exit_code != 0 and "--base-url" in no_address.output
    unknown = runner.invoke(
        feed_token,
        ["create", "--workspace", slug, "--label", "Wall", "--channel", "Nope",
         "--base-url", "https://plan.example.com", "--approved-only"],
    )  # fmt: skip
    assert unknown.exit_code != 0 and "no channel Nope" in unknown.output
    assert session.scalar(sa.select(sa.func.count()).select_from(FeedToken)) == 0
    made = runner.invoke(
        feed_token,
        ["create", "--workspace", slug, "--label", "Wall", "--approved-only",
         "--base-url", "https://plan.example.com"],
    )  # fmt: skip
    assert made.exit_code == 0 and "approved and published only" in made.output
