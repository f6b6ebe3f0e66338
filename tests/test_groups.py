"""One post for several channels (issue 16): a group of variants reviewed in one decision and
published variant by variant."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from planner import bulk, events, tokens, workflow
from planner.models import AuditEvent, Post, PostGroup, Status
from tests.conftest import future, signed_in


def three(session, team, x_text: str = "Launch day! Read all about it."):  # type: ignore[no-untyped-def]
    texts = {
        "x": x_text,
        "mastodon": "Launch day, the long story",
        "linkedin": "Launch day (for LinkedIn)",
    }
    contents = [
        workflow.PostContent(team.channels[name], text, "brand", future())
        for name, text in texts.items()
    ]
    return workflow.create_group(session, team.user("editor"), team.workspace, contents)


def versions(posts) -> dict[int, int]:  # type: ignore[no-untyped-def]
    return {p.id: p.version for p in posts}


def fresh(session, posts):  # type: ignore[no-untyped-def]
    session.expire_all()
    return [session.get(Post, p.id) for p in posts]


def test_a_group_is_made_whole_or_not_at_all(app, session, team):
    with pytest.raises(workflow.InvalidPost) as refused:
        three(session, team, x_text="x" * 300)
    assert list(refused.value.errors) == [f"text:{team.channels['x'].id}"]
    assert "X: 300 weighted characters" in refused.value.errors[f"text:{team.channels['x'].id}"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0
    posts = three(session, team)
    assert len({p.group_id for p in posts}) == 1 and len(posts) == 3
    assert session.scalar(sa.select(sa.func.count()).select_from(PostGroup)) == 1


def test_review_acts_on_the_whole_group_in_one_decision(app, session, team):
    posts = three(session, team)
    first = posts[0]
    workflow.submit(session, team.user("editor"), first, first.version, versions(posts))
    posts = fresh(session, posts)
    assert {p.status for p in posts} == {Status.in_review}
    workflow.approve(
        session, team.user("approver"), posts[1], posts[1].version, None, versions(posts)
    )
    posts = fresh(session, posts)
    assert {p.status for p in posts} == {Status.approved}
    assert [p.approved_version for p in posts] == [p.version for p in posts]
    approvals = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "approved")).all()
    assert len(approvals) == 3


def test_a_decision_needs_the_versions_of_every_variant(app, session, team):
    posts = three(session, team)
    with pytest.raises(workflow.TransitionNotAllowed, match="one of 3 variants"):
        workflow.submit(session, team.user("editor"), posts[0], posts[0].version)
    stale = {**versions(posts), posts[2].id: posts[2].version + 5}
    with pytest.raises(workflow.StaleVersion):
        workflow.submit(session, team.user("editor"), posts[0], posts[0].version, stale)
    assert {p.status for p in fresh(session, posts)} == {Status.draft}


def test_editing_one_variant_withdraws_the_approval_of_the_group(app, session, team):
    posts = three(session, team)
    workflow.submit(session, team.user("editor"), posts[0], posts[0].version, versions(posts))
    posts = fresh(session, posts)
    workflow.approve(
        session, team.user("approver"), posts[0], posts[0].version, None, versions(posts)
    )
    x, mastodon, linkedin = fresh(session, posts)
    content = workflow.PostContent(
        mastodon.channel, "Changed after approval", "brand", mastodon.scheduled_at
    )
    workflow.edit_post(session, team.user("editor"), mastodon, mastodon.version, content)
    assert {p.status for p in fresh(session, posts)} == {Status.draft}
    revoked = session.scalars(
        sa.select(AuditEvent.post_id).where(AuditEvent.action == "approval_revoked")
    ).all()
    assert sorted(revoked) == sorted(p.id for p in posts)


def test_four_eyes_covers_every_variant(app, session, team):
    posts = three(session, team)
    workflow.submit(session, team.user("editor"), posts[0], posts[0].version, versions(posts))
    x, mastodon, linkedin = fresh(session, posts)
    # The approver rewrites one variant and submits again: they wrote text that goes out.
    content = workflow.PostContent(
        linkedin.channel, "Rewritten by April", "brand", linkedin.scheduled_at
    )
    workflow.edit_post(session, team.user("approver"), linkedin, linkedin.version, content)
    posts = fresh(session, posts)
    workflow.submit(session, team.user("editor"), posts[0], posts[0].version, versions(posts))
    posts = fresh(session, posts)
    with pytest.raises(workflow.TransitionNotAllowed, match="four eyes"):
        workflow.approve(
            session, team.user("approver"), posts[0], posts[0].version, None, versions(posts)
        )


def test_a_cancelled_variant_leaves_the_group_and_the_rest_goes_on(app, session, team):
    posts = three(session, team)
    workflow.cancel(session, team.user("editor"), posts[2], posts[2].version)
    x, mastodon, _ = fresh(session, posts)
    workflow.submit(session, team.user("editor"), x, x.version, {mastodon.id: mastodon.version})
    statuses = [p.status for p in fresh(session, posts)]
    assert statuses == [Status.in_review, Status.in_review, Status.cancelled]


def test_the_composer_writes_one_post_for_three_channels_with_one_customised(app, session, team):
    editor = signed_in(app, "editor@example.com")
    page = editor.get(f"/w/{team.workspace.slug}/posts/new").get_data(as_text=True)
    key = re.search(r'name="creation_key" type="hidden" value="([0-9a-f]{32})"', page).group(1)
    linkedin = team.channels["linkedin"]
    response = editor.client.post(
        f"/w/{team.workspace.slug}/posts/new",
        data={
            "csrf_token": editor.csrf(),
            "creation_key": key,
            "channel_ids": [str(c.id) for c in team.channels.values()],
            "text": "Our spring menu is here.",
            f"variant-{linkedin.id}": "Our spring menu is here: what our chefs learned making it.",
            "category": "brand",
            "date": future().date().isoformat(),
            "time": "10:00",
        },
    )
    assert response.status_code == 302
    posts = session.scalars(sa.select(Post).order_by(Post.id)).all()
    assert len(posts) == 3 and len({p.group_id for p in posts}) == 1
    texts = {p.channel.name: p.text for p in posts}
    assert texts["Linkedin"].startswith("Our spring menu is here: what")
    assert texts["X"] == texts["Mastodon"] == "Our spring menu is here."
    show = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "The other channels of this post" in show and "Submit all 3 for review" in show


def test_a_variant_too_long_for_its_network_is_named_and_everything_is_kept(app, session, team):
    editor = signed_in(app, "editor@example.com")
    x = team.channels["x"]
    response = editor.post(
        f"/w/{team.workspace.slug}/posts/new",
        {
            "channel_ids": [str(c.id) for c in team.channels.values()],
            "text": "Short enough for all.",
            f"variant-{x.id}": "y" * 290,
            "category": "brand",
            "date": future().date().isoformat(),
            "time": "10:00",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "X: 290 weighted characters" in page
    assert "y" * 290 in page and "Short enough for all." in page
    assert session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


def test_the_approver_approves_the_group_once_from_the_post_page(app, session, team):
    posts = three(session, team)
    workflow.submit(session, team.user("editor"), posts[0], posts[0].version, versions(posts))
    approver = signed_in(app, "approver@example.com")
    page = approver.get(f"/w/{team.workspace.slug}/posts/{posts[0].id}").get_data(as_text=True)
    assert "Approve all 3" in page
    fields = dict(re.findall(r'name="(v-\d+)" value="(\d+)"', page))
    response = approver.post(
        f"/w/{team.workspace.slug}/posts/{posts[0].id}/approve",
        {"version": str(fresh(session, posts)[0].version), **fields},
    )
    assert response.status_code == 303
    assert {p.status for p in fresh(session, posts)} == {Status.approved}


def test_the_author_sees_no_approve_button_on_their_own_post(app, session, team):
    content = workflow.PostContent(team.channels["x"], "Mine", "brand", future())
    post = workflow.create_post(session, team.user("approver"), team.workspace, content)
    workflow.submit(session, team.user("approver"), post, post.version)
    page = signed_in(app, "approver@example.com").get(f"/w/{team.workspace.slug}/posts/{post.id}")
    html = page.get_data(as_text=True)
    assert ">Approve<" not in html and "another approver signs it off" in html


def test_the_week_shows_a_group_as_one_card_and_dragging_it_moves_every_variant(app, session, team):
    posts = three(session, team)
    editor = signed_in(app, "editor@example.com")
    day = posts[0].scheduled_at.astimezone(ZoneInfo("Europe/Berlin")).date()
    page = editor.get(f"/w/{team.workspace.slug}/?date={day.isoformat()}").get_data(as_text=True)
    assert page.count('class="card ') == 1 and "Linkedin · Mastodon · X" in page
    others = ";".join(f"{p.id}:{p.version}" for p in posts[1:])
    target = (day + timedelta(days=1)).isoformat()
    body = {"version": posts[0].version, "versions": others, "date": target, "time": "15:30"}
    moved = editor.post_json(f"/w/{team.workspace.slug}/posts/{posts[0].id}/reschedule", body)
    assert moved.status_code == 200, moved.get_json()
    after = fresh(session, posts)
    assert len({p.scheduled_at for p in after}) == 1
    assert after[0].scheduled_at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") == "15:30"
    assert moved.get_json()["versions"] == ";".join(f"{p.id}:{p.version}" for p in after[1:])


def test_the_api_creates_and_approves_a_group_and_refuses_a_decision_on_one_variant(
    app, session, team
):
    _, editor_secret = tokens.create_api_token(session, team.user("editor"), team.workspace, "e")
    _, approver_secret = tokens.create_api_token(
        session, team.user("approver"), team.workspace, "a"
    )
    editor = {"Authorization": f"Bearer {editor_secret}"}
    approver = {"Authorization": f"Bearer {approver_secret}"}
    client = app.test_client()
    x, linkedin = team.channels["x"], team.channels["linkedin"]
    created = client.post(
        "/api/v1/groups",
        json={
            "channel_ids": [x.id, linkedin.id],
            "text": "Our new season starts Monday.",
            "variants": {str(linkedin.id): "Our new season starts Monday: the long version."},
            "category": "brand",
            "scheduled_at": future().isoformat(),
        },
        headers=editor,
    )
    assert created.status_code == 201, created.get_json()
    group = created.get_json()
    assert [p["channel"] for p in group["posts"]] == ["X", "Linkedin"]
    assert {p["group_id"] for p in group["posts"]} == {group["id"]}
    versions = {str(p["id"]): p["version"] for p in group["posts"]}
    submitted = client.post(
        f"/api/v1/groups/{group['id']}/submit", json={"versions": versions}, headers=editor
    ).get_json()
    assert {p["status"] for p in submitted["posts"]} == {"in_review"}
    # The single-post call cannot decide for the other variant it has not seen.
    lead = submitted["posts"][0]
    refused = client.post(
        f"/api/v1/posts/{lead['id']}/approve", json={"version": lead["version"]}, headers=approver
    )
    assert (
        refused.status_code == 409 and "one of 2 variants" in refused.get_json()["error"]["message"]
    )
    versions = {str(p["id"]): p["version"] for p in submitted["posts"]}
    approved = client.post(
        f"/api/v1/groups/{group['id']}/approve", json={"versions": versions}, headers=approver
    )
    assert approved.status_code == 200
    assert {p["status"] for p in approved.get_json()["posts"]} == {"approved"}


def test_a_csv_export_keeps_groups_and_imports_back_as_groups(app, session, team):
    three(session, team)
    workflow.create_post(
        session,
        team.user("editor"),
        team.workspace,
        workflow.PostContent(team.channels["x"], "Alone", "brand", future(5)),
    )
    exported = bulk.export_csv(session, team.workspace)
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert (
        len({r["group"] for r in rows if r["group"]}) == 1
        and sum(not r["group"] for r in rows) == 1
    )
    preview = bulk.read_import(session, team.workspace, exported)
    assert preview.errors == []
    ids = bulk.apply_import(session, team.user("editor"), team.workspace, preview.rows)
    imported = [session.get(Post, i) for i in ids]
    assert sorted(len(workflow.variants(session, p.group_id)) for p in imported) == [1, 3, 3, 3]
    twice = exported.replace("Launch day (for LinkedIn)", "x").splitlines()
    twice.append(twice[-2].replace(",Mastodon,", ",Mastodon,"))
    duplicate = bulk.read_import(session, team.workspace, "\n".join(twice) + "\n")
    assert any(e.column == "group" for e in duplicate.errors)


def test_the_workflow_tells_its_listeners_what_happened_to_a_group(app, session, team):
    heard = []
    events.listeners.append(lambda _session, event: heard.append(event))
    try:
        posts = three(session, team)
        workflow.submit(session, team.user("editor"), posts[0], posts[0].version, versions(posts))
        posts = fresh(session, posts)
        workflow.request_changes(
            session, team.user("approver"), posts[0], posts[0].version, "Shorter", versions(posts)
        )
    finally:
        events.listeners.pop()
    assert [e.kind for e in heard] == [events.SUBMITTED, events.CHANGES_REQUESTED]
    assert (
        heard[0].post_ids == tuple(p.id for p in posts)
        and heard[0].actor_id == team.user("editor").id
    )
    assert (
        heard[1].data["comment"] == "Shorter"
        and heard[1].data["author_id"] == team.user("editor").id
    )
