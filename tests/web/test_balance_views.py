"""The balance rules in the calendar: bars, findings with hints, highlighted evidence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from planner import workflow
from tests.conftest import signed_in

MONDAY = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def _plan(session, team, categories, network="mastodon"):  # type: ignore[no-untyped-def]
    posts = []
    for n, category in enumerate(categories):
        at = MONDAY + timedelta(days=n % 7, hours=n // 7 * 3)
        content = workflow.PostContent(team.channels[network], f"Post {n} {category}", category, at)
        posts.append(workflow.create_post(session, team.user("editor"), team.workspace, content))
    return posts


def test_a_week_of_promotions_shows_the_pressure_and_its_evidence(app, session, team):
    posts = _plan(session, team, ["promotion"] * 4 + ["brand", "educational"])
    editor = signed_in(app, "editor@example.com")
    page = editor.get(f"/w/{team.workspace.slug}/?date=2031-03-03").get_data(as_text=True)
    assert "Balance this week" in page
    assert "promotion-pressure" in page and "brand-monologue" in page
    assert "promotion 4/6 (67%)" in page
    assert "evidence for" in page and 'class="card cat-promotion st-draft flagged' in page
    index = page.split('class="findings"')[1].split("promotion-pressure")[0].count("<li")
    highlighted = editor.get(
        f"/w/{team.workspace.slug}/?date=2031-03-03&finding={index - 1}"
    ).get_data(as_text=True)
    assert highlighted.count(' evidence"') >= 4
    assert all(f'id="post-{p.id}"' in highlighted for p in posts)


def test_a_balanced_week_has_no_mix_findings(app, session, team):
    _plan(session, team, ["educational", "engagement", "community", "curated", "brand", "care"])
    editor = signed_in(app, "editor@example.com")
    page = editor.get(f"/w/{team.workspace.slug}/?date=2031-03-03").get_data(as_text=True)
    for rule in ("promotion-pressure", "brand-monologue", "no-conversation"):
        assert rule not in page
    assert "conversation 3" in page


def test_the_month_view_marks_days_with_findings(app, session, team):
    _plan(session, team, ["promotion"] * 4 + ["brand", "educational"])
    editor = signed_in(app, "editor@example.com")
    page = editor.get(f"/w/{team.workspace.slug}/month?month=2031-03").get_data(as_text=True)
    assert page.count('class="day-flag"') >= 4 and "promotion-pressure" in page


def test_the_balance_page_lists_and_filters_findings(app, session, team):
    _plan(session, team, ["promotion"] * 4 + ["brand", "educational"])
    viewer = signed_in(app, "viewer@example.com")
    page = viewer.get(f"/w/{team.workspace.slug}/balance/").get_data(as_text=True)
    assert "promotion-pressure" in page and "brand-monologue" in page and "Open the week" in page
    only = viewer.get(
        f"/w/{team.workspace.slug}/balance/?rule=promotion-pressure&severity=error"
    ).get_data(as_text=True)
    assert "brand-monologue</strong>" not in only and "promotion-pressure</strong>" in only


def test_check_draft_suggests_a_category_and_tells_what_the_post_adds(app, session, team):
    _plan(session, team, ["promotion", "promotion", "brand", "educational", "community"])
    editor = signed_in(app, "editor@example.com")
    response = editor.post_json(
        f"/w/{team.workspace.slug}/posts/check-draft",
        {
            "channel_id": team.channels["mastodon"].id,
            "category": "promotion",
            "text": "20% off all beans with code SPRING20 until Sunday. Shop now!",
            "date": "2031-03-08",
            "time": "10:00",
        },
    )
    answer = response.get_json()
    assert response.status_code == 200
    assert answer["suggestion"]["category"] == "promotion"
    assert "mentions a discount code" in answer["suggestion"]["signals"]
    assert any(f["rule"] == "promotion-pressure" for f in answer["added"])


def test_check_draft_without_a_time_still_suggests_and_says_what_is_missing(app, team):
    editor = signed_in(app, "editor@example.com")
    answer = editor.post_json(
        f"/w/{team.workspace.slug}/posts/check-draft",
        {"channel_id": team.channels["x"].id, "text": "What is your favourite brew method?"},
    ).get_json()
    assert answer["suggestion"]["category"] == "engagement"
    assert "Pick a channel, date and time" in answer["note"] and answer["added"] == []


def test_admins_tune_the_rules_preview_the_effect_and_bad_values_are_kept_and_explained(
    app, session, team
):
    _plan(session, team, ["promotion"] * 4 + ["brand", "educational"])
    admin = signed_in(app, "admin@example.com")
    url = f"/w/{team.workspace.slug}/rules/"
    page = admin.get(url).get_data(as_text=True)
    assert 'name="t-promotion-pressure-warning_above" value="1/5"' in page
    form = {k: v for k, v in _form_values(page).items()}
    form["t-promotion-pressure-warning_above"] = "two thirds"
    bad = admin.post(url, {**form, "action": "save"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Not saved" in text and 'value="two thirds"' in text
    form["t-promotion-pressure-warning_above"] = "9/10"
    form["t-promotion-pressure-error_above"] = "19/20"
    form.pop("enabled-quiet-hours", None)
    preview = admin.post(url, {**form, "action": "preview"}).get_data(as_text=True)
    assert "With these settings" in preview
    admin.post(url, {**form, "action": "save"})
    session.expire_all()
    from planner.models import Workspace

    stored = session.get(Workspace, team.workspace.id).rule_overrides
    assert stored["thresholds"]["promotion-pressure"] == {
        "warning_above": "9/10",
        "error_above": "19/20",
    }
    assert "quiet-hours" in stored["disabled"]
    week = admin.get(f"/w/{team.workspace.slug}/?date=2031-03-03").get_data(as_text=True)
    assert "promotion-pressure</strong>" not in week


def test_choosing_a_preset_applies_it_and_keeps_only_what_the_admin_typed(app, session, team):
    from planner import planning
    from planner.models import Workspace

    admin = signed_in(app, "admin@example.com")
    url = f"/w/{team.workspace.slug}/rules/"
    form = _form_values(admin.get(url).get_data(as_text=True))
    form["preset"] = "80-20"
    assert admin.post(url, {**form, "action": "save"}).status_code == 302
    session.expire_all()
    workspace = session.get(Workspace, team.workspace.id)
    # The balanced values the form showed are not saved as overrides of 80-20.
    assert workspace.rule_preset == "80-20" and workspace.rule_overrides["thresholds"] == {}
    config = planning.rule_config(workspace)
    assert str(config.thresholds_for("promotion-pressure")["error_above"]) == "3/10"
    page = admin.get(url).get_data(as_text=True)
    assert 'name="t-promotion-pressure-error_above" value="3/10"' in page
    # A threshold the admin typed stays theirs when they choose yet another preset.
    form = _form_values(page)
    form["t-burst-above"] = "7"
    admin.post(url, {**form, "action": "save"})
    form = _form_values(admin.get(url).get_data(as_text=True))
    form["preset"] = "strict"
    admin.post(url, {**form, "action": "save"})
    session.expire_all()
    workspace = session.get(Workspace, team.workspace.id)
    assert workspace.rule_preset == "strict"
    assert workspace.rule_overrides["thresholds"] == {"burst": {"above": "7"}}


def _form_values(page: str) -> dict[str, str]:
    """The form's current values, as a browser would submit them."""
    import re

    values = dict(re.findall(r'<input name="([^"]+)" value="([^"]*)"', page))
    values.update(re.findall(r'<input type="hidden" name="(shown_preset)" value="([^"]*)"', page))
    values.update(
        {
            name: "on"
            for name in re.findall(
                r'<input type="checkbox" name="([^"]+)" value="on"[^>]*checked', page
            )
        }
    )
    preset = re.search(r'name="preset" value="([^"]+)" checked', page)
    values["preset"] = preset.group(1) if preset else "balanced"
    return values
