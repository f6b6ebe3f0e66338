"""Find a time: the composer's button, its fallback without JavaScript, and the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from planner import accounts, planning
from planner.db import utcnow
from planner.models import Post
from rules.slots import _new_findings
from tests.conftest import future, signed_in

from .test_api import assert_error, make_post, token_for


def _no_new_finding(session, team, channels, category, at):  # type: ignore[no-untyped-def]
    items = [
        planning.draft_item(f"draft-{c.id}", c, "", category, at, group="draft") for c in channels
    ]
    report = planning.check_group(session, team.workspace, set(), items)
    return _new_findings(report.added, report.cleared) == []


def test_find_a_time_answers_three_slots_that_add_no_finding(app, session, team):
    make_post(session, team, days=2)
    editor = signed_in(app, "editor@example.com")
    x = team.channels["x"]

    answer = editor.get(
        f"/w/{team.workspace.slug}/posts/slots?channel={x.id}&category=educational"
    ).get_json()

    assert answer["timezone"] == "Europe/Berlin" and answer["channels"] == ["X"]
    assert len(answer["slots"]) == 3
    now = utcnow().replace(tzinfo=UTC)
    for slot in answer["slots"]:
        at = datetime.fromisoformat(slot["at"])
        assert now < at < now + timedelta(days=15)
        assert at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") == slot["time"]
        assert 7 <= at.astimezone(ZoneInfo("Europe/Berlin")).hour < 22
        assert _no_new_finding(session, team, [x], "educational", at)


def test_a_question_on_a_channel_nobody_staffs_gets_no_slot(app, session, team):
    x = team.channels["x"]
    accounts.save_channel(
        session, team.user("admin"), team.workspace, x, network="x", name="X", staffed_hours="none"
    )
    editor = signed_in(app, "editor@example.com")

    question = editor.get(
        f"/w/{team.workspace.slug}/posts/slots?channel={x.id}&category=engagement"
    )
    tip = editor.get(f"/w/{team.workspace.slug}/posts/slots?channel={x.id}&category=educational")

    assert question.get_json()["slots"] == []
    assert len(tip.get_json()["slots"]) == 3


def test_bad_requests_name_every_field_and_other_workspaces_channels_are_refused(
    app, session, team
):
    editor = signed_in(app, "editor@example.com")
    url = f"/w/{team.workspace.slug}/posts/slots"

    both = editor.get(f"{url}?channel=abc&category=spam")
    foreign = editor.get(f"{url}?channel={team.other_channel.id}")
    viewer = signed_in(app, "viewer@example.com").get(f"{url}?channel={team.channels['x'].id}")

    error = assert_error(both, 422)
    assert set(error["fields"]) == {"channel", "category"}
    assert assert_error(foreign, 422)["fields"] == {"channel": "Pick channels of this workspace."}
    assert viewer.status_code == 403


def test_without_javascript_find_a_time_keeps_the_text_and_a_proposal_fills_the_time(
    app, session, team
):
    editor = signed_in(app, "editor@example.com")
    x = team.channels["x"]
    typed = {
        "channel_ids": str(x.id),
        "text": "Which trail should we clean next? Tell us below!",
        "category": "engagement",
        "date": future(1).date().isoformat(),
        "time": "18:30",
    }

    found = editor.post(f"/w/{team.workspace.slug}/posts/new", {**typed, "find_time": "1"})

    page = found.get_data(as_text=True)
    assert found.status_code == 200
    assert "Which trail should we clean next? Tell us below!" in page
    values = re.findall(r'name="use_slot" value="([^"]+)"', page)
    assert len(values) == 3
    picked = editor.post(f"/w/{team.workspace.slug}/posts/new", {**typed, "use_slot": values[0]})
    again = picked.get_data(as_text=True)
    day, clock = values[0].split("T")
    assert f'value="{day}"' in again and f'value="{clock}"' in again
    assert "Which trail should we clean next?" in again
    # Neither step saved anything.
    assert session.scalars(sa.select(Post)).first() is None


def test_the_api_answers_slots_and_documents_them(app, session, team):
    client = app.test_client()
    headers = token_for(session, team, "viewer")
    x, mastodon = team.channels["x"], team.channels["mastodon"]

    answer = client.get(
        f"/api/v1/slots?channel={x.id}&channel={mastodon.id}&category=curated&count=2",
        headers=headers,
    )

    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["channels"] == ["X", "Mastodon"] and len(body["slots"]) == 2
    for slot in body["slots"]:
        at = datetime.fromisoformat(slot["at"])
        assert _no_new_finding(session, team, [x, mastodon], "curated", at)
    spec = client.get("/api/v1/openapi.json").get_json()
    parameters = {p["name"] for p in spec["paths"]["/api/v1/slots"]["get"]["parameters"]}
    assert {"channel", "category", "count"} <= parameters


def test_the_api_refuses_bad_parameters_and_other_workspaces_channels(app, session, team):
    client = app.test_client()
    headers = token_for(session, team, "viewer")

    bad = client.get("/api/v1/slots?channel=abc&category=spam&count=99", headers=headers)
    missing = client.get("/api/v1/slots", headers=headers)
    huge = client.get("/api/v1/slots?channel=99999999999", headers=headers)
    foreign = client.get(f"/api/v1/slots?channel={team.other_channel.id}", headers=headers)

    assert set(assert_error(bad, 422)["fields"]) >= {"channel", "category", "count"}
    assert "channel" in assert_error(missing, 422)["fields"]
    assert "channel" in assert_error(huge, 422)["fields"]
    assert assert_error(foreign, 422)["fields"] == {
        "channel": f"No channel {team.other_channel.id} in this workspace."
    }


def test_editing_a_post_finds_a_time_without_its_own_old_time_in_the_way(app, session, team):
    post = make_post(session, team, text="Our spring collection is here", days=2)
    editor = signed_in(app, "editor@example.com")
    form = {
        "channel_id": str(post.channel_id),
        "text": post.text,
        "category": "brand",
        "date": "2031-01-01",
        "time": "10:00",
        "version": str(post.version),
    }

    found = editor.post(
        f"/w/{team.workspace.slug}/posts/{post.id}/edit", {**form, "find_time": "1"}
    )
    as_json = editor.get(
        f"/w/{team.workspace.slug}/posts/slots?channel={post.channel_id}&category=brand"
        f"&post_id={post.id}"
    ).get_json()

    page = found.get_data(as_text=True)
    assert found.status_code == 200
    assert len(re.findall(r'name="use_slot" value="([^"]+)"', page)) == 3
    assert len(as_json["slots"]) == 3
    session.refresh(post)
    assert post.version == int(form["version"])
