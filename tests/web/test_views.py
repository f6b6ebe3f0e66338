"""The calendar, composer and post pages through HTTP, as a signed-in person uses them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from planner import workflow
from planner.localtime import local
from planner.models import Post, Status
from planner.secrets_box import SecretsBox
from tests.conftest import REDIS_URL, future, signed_in


def _new_post(session, team, text="Planned post", network="x", at=None, author="editor"):  # type: ignore[no-untyped-def]
    content = workflow.PostContent(team.channels[network], text, "educational", at or future())
    return workflow.create_post(session, team.user(author), team.workspace, content)


def test_signing_in_with_a_wrong_password_says_so_and_keeps_the_email(app, team, browser):
    response = browser.login("editor@example.com", "wrong password")
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "do not match an account" in page and 'value="editor@example.com"' in page


def test_the_week_view_shows_the_posts_of_the_week_in_the_workspace_timezone(app, session, team):
    at = future(days=2, hour=8)
    post = _new_post(session, team, "Tips for brewing at home", at=at)
    editor = signed_in(app, "editor@example.com")
    day = local(at, "Europe/Berlin").date()
    page = editor.get(f"/w/{team.workspace.slug}/?date={day}").get_data(as_text=True)
    assert f'id="post-{post.id}"' in page
    assert local(at, "Europe/Berlin").strftime("%H:%M") in page
    assert "Tips for brewing at home" in page and "Europe/Berlin" in page


def test_filters_stay_in_the_url_and_hide_other_posts(app, session, team):
    at = future(days=2)
    on_x = _new_post(session, team, "On X", "x", at)
    on_mastodon = _new_post(session, team, "On Mastodon", "mastodon", at + timedelta(hours=1))
    editor = signed_in(app, "editor@example.com")
    day = local(at, "Europe/Berlin").date()
    url = f"/w/{team.workspace.slug}/?date={day}&channel={team.channels['mastodon'].id}"
    page = editor.get(url).get_data(as_text=True)
    assert f'id="post-{on_mastodon.id}"' in page and f'id="post-{on_x.id}"' not in page
    # The pager keeps the filter.
    assert (
        f"channel={team.channels['mastodon'].id}" in page.split('rel="next"')[0].split("<nav")[-1]
    )


def test_the_month_view_lists_posts_by_day(app, session, team):
    at = future(days=3)
    _new_post(session, team, "Monthly post", at=at)
    editor = signed_in(app, "editor@example.com")
    month = local(at, "Europe/Berlin").strftime("%Y-%m")
    page = editor.get(f"/w/{team.workspace.slug}/month?month={month}").get_data(as_text=True)
    assert "Monthly post" in page


def test_bad_dates_in_the_url_are_a_400_not_a_500(app, team):
    editor = signed_in(app, "editor@example.com")
    assert editor.get(f"/w/{team.workspace.slug}/?date=2026-13-45").status_code == 400
    assert editor.get(f"/w/{team.workspace.slug}/month?month=May").status_code == 400


def test_the_composer_creates_a_draft_from_local_date_and_time(app, session, team):
    editor = signed_in(app, "editor@example.com")
    day = (datetime.now(UTC) + timedelta(days=5)).date()
    response = editor.post(
        f"/w/{team.workspace.slug}/posts/new",
        {
            "channel_id": team.channels["mastodon"].id,
            "text": "How to store beans",
            "category": "educational",
            "date": day.isoformat(),
            "time": "09:30",
        },
    )
    assert response.status_code == 302
    post = session.scalars(sa.select(Post)).one()
    assert local(post.scheduled_at, "Europe/Berlin").strftime("%Y-%m-%d %H:%M") == (
        f"{day.isoformat()} 09:30"
    )
    assert post.status == Status.draft


def test_a_composer_error_keeps_everything_the_user_typed(app, session, team):
    editor = signed_in(app, "editor@example.com")
    typed = "A" * 281 + " ünïcode & <tags>"
    response = editor.post(
        f"/w/{team.workspace.slug}/posts/new",
        {
            "channel_id": team.channels["x"].id,
            "text": typed,
            "category": "curated",
            "date": "2030-03-31",
            "time": "02:30",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "accepts at most 280" in page
    assert "A" * 281 + " ünïcode &amp; &lt;tags&gt;" in page
    assert 'value="curated" checked' in page and 'value="2030-03-31"' in page
    assert session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


def test_a_time_in_the_dst_gap_is_a_field_error(app, session, team):
    editor = signed_in(app, "editor@example.com")
    response = editor.post(
        f"/w/{team.workspace.slug}/posts/new",
        {
            "channel_id": team.channels["x"].id,
            "text": "Spring forward",
            "category": "brand",
            "date": "2030-03-31",
            "time": "02:30",
        },
    )
    assert response.status_code == 422
    assert "does not exist in Europe/Berlin" in response.get_data(as_text=True)


def test_missing_fields_get_field_level_messages(app, team):
    editor = signed_in(app, "editor@example.com")
    response = editor.post(f"/w/{team.workspace.slug}/posts/new", {"text": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("Write the text of the post.", "Pick a category.", "Enter a date"):
        assert message in page


def test_dragging_a_post_to_another_day_moves_it_through_the_json_endpoint(app, session, team):
    post = _new_post(session, team, at=future(days=2, hour=9))
    editor = signed_in(app, "editor@example.com")
    target = local(post.scheduled_at, "Europe/Berlin").date() + timedelta(days=1)
    response = editor.post_json(
        f"/w/{team.workspace.slug}/posts/{post.id}/reschedule",
        {"version": 1, "date": target.isoformat(), "time": "15:45"},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["version"] == 2
    session.expire_all()
    moved = session.get(Post, post.id)
    assert local(moved.scheduled_at, "Europe/Berlin").strftime("%Y-%m-%d %H:%M") == (
        f"{target.isoformat()} 15:45"
    )


def test_a_stale_drag_gets_a_conflict_and_changes_nothing(app, session, team):
    post = _new_post(session, team, at=future(days=2))
    workflow.reschedule(
        session, team.user("editor"), post, 1, post.scheduled_at + timedelta(hours=1)
    )
    editor = signed_in(app, "approver@example.com")
    day = local(post.scheduled_at, "Europe/Berlin").date() + timedelta(days=2)
    response = editor.post_json(
        f"/w/{team.workspace.slug}/posts/{post.id}/reschedule",
        {"version": 1, "date": day.isoformat(), "time": "10:00"},
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.get_json()["error"]["message"]


def test_rescheduling_without_a_csrf_token_is_refused(app, session, team):
    post = _new_post(session, team)
    editor = signed_in(app, "editor@example.com")
    response = editor.post_json(
        f"/w/{team.workspace.slug}/posts/{post.id}/reschedule",
        {"version": 1, "date": "2030-01-01", "time": "10:00"},
        csrf=False,
    )
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Post, post.id).version == 1


def test_malformed_reschedule_bodies_are_400s(app, session, team):
    post = _new_post(session, team)
    editor = signed_in(app, "editor@example.com")
    url = f"/w/{team.workspace.slug}/posts/{post.id}/reschedule"
    for body in (
        [],
        {"version": "x", "date": "2030-01-01", "time": "10:00"},
        {"version": 1, "date": "01/01/2030", "time": "10:00"},
        {"version": 1},
    ):
        assert editor.post_json(url, body).status_code == 400


def test_the_move_form_is_the_keyboard_path(app, session, team):
    post = _new_post(session, team, at=future(days=2))
    editor = signed_in(app, "editor@example.com")
    day = local(post.scheduled_at, "Europe/Berlin").date() + timedelta(days=1)
    response = editor.post(
        f"/w/{team.workspace.slug}/posts/{post.id}/move",
        {"date": day.isoformat(), "time": "11:15", "version": 1},
    )
    assert response.status_code == 302
    session.expire_all()
    assert local(session.get(Post, post.id).scheduled_at, "Europe/Berlin").strftime("%H:%M") == (
        "11:15"
    )


def test_editing_with_a_stale_version_keeps_the_typed_text_and_shows_the_conflict(
    app, session, team
):
    post = _new_post(session, team, "Original", at=future(days=2))
    at = local(post.scheduled_at, "Europe/Berlin")
    workflow.edit_post(
        session,
        team.user("approver"),
        post,
        1,
        workflow.PostContent(post.channel, "Their change", "educational", post.scheduled_at),
    )
    editor = signed_in(app, "editor@example.com")
    response = editor.post(
        f"/w/{team.workspace.slug}/posts/{post.id}/edit",
        {
            "channel_id": post.channel_id,
            "text": "My careful rewrite",
            "category": "educational",
            "date": at.date().isoformat(),
            "time": at.strftime("%H:%M"),
            "version": 1,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "My careful rewrite" in page and "Their change" in page
    session.expire_all()
    assert session.get(Post, post.id).text == "Their change"
    # The page now carries the current version: saving again is a deliberate overwrite.
    assert 'name="version" type="hidden" value="2"' in page


def test_the_post_page_shows_text_history_and_actions(app, session, team):
    post = _new_post(session, team, "Line one\nLine two")
    editor = signed_in(app, "editor@example.com")
    page = editor.get(f"/w/{team.workspace.slug}/posts/{post.id}").get_data(as_text=True)
    assert "Line one\nLine two" in page
    assert "created" in page and "Submit for review" in page and "Duplicate" in page


def test_cancel_and_duplicate_from_the_post_page(app, session, team):
    post = _new_post(session, team, "Twice")
    editor = signed_in(app, "editor@example.com")
    response = editor.post(f"/w/{team.workspace.slug}/posts/{post.id}/duplicate")
    assert response.status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(Post)) == 2
    response = editor.post(
        f"/w/{team.workspace.slug}/posts/{post.id}/cancel", {"version": post.version}
    )
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Post, post.id).status == Status.cancelled


def test_another_workspaces_post_is_a_404(app, session, team):
    editor = signed_in(app, "editor@example.com")
    other = workflow.create_post(
        session,
        team.user("outsider"),
        team.other_workspace,
        workflow.PostContent(team.other_channel, "Secret plan", "brand", future()),
    )
    response = editor.get(f"/w/{team.workspace.slug}/posts/{other.id}")
    assert response.status_code == 404
    response = editor.get(f"/w/{team.other_workspace.slug}/posts/{other.id}")
    assert response.status_code == 404 and "Secret plan" not in response.get_data(as_text=True)


def test_channel_secrets_are_write_only(app, session, team):
    admin = signed_in(app, "admin@example.com")
    response = admin.post(
        f"/w/{team.workspace.slug}/channels/new",
        {
            "network": "mastodon",
            "name": "Toots",
            "publisher_kind": "mastodon",
            "target_url": "https://mastodon.example",
            "secret": "s3cr3t-token-value",
        },
    )
    assert response.status_code == 302
    channel = [c for c in team.workspace.channels if c.name == "Toots"]
    session.expire_all()
    from planner.models import Channel

    channel = session.scalars(sa.select(Channel).where(Channel.name == "Toots")).one()
    # Encrypted at rest, and opened only with the app's key.
    assert "s3cr3t-token-value" not in channel.publisher_secret
    assert SecretsBox.from_config(app.config).open(channel.publisher_secret) == "s3cr3t-token-value"
    page = admin.get(f"/w/{team.workspace.slug}/channels/{channel.id}/edit").get_data(as_text=True)
    assert "s3cr3t-token-value" not in page and "A secret is stored" in page
    listing = admin.get(f"/w/{team.workspace.slug}/channels/").get_data(as_text=True)
    assert "s3cr3t-token-value" not in listing


def test_a_channel_form_names_a_missing_url_with_the_other_mistakes(app, session, team):
    admin = signed_in(app, "admin@example.com")
    response = admin.post(
        f"/w/{team.workspace.slug}/channels/new",
        {"network": "mastodon", "name": "", "publisher_kind": "webhook", "target_url": ""},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Name the channel." in page
    assert "The webhook publisher needs a URL." in page


def test_admins_add_members_and_cannot_remove_the_last_admin(app, session, team):
    admin = signed_in(app, "admin@example.com")
    response = admin.post(
        f"/w/{team.workspace.slug}/members",
        {"email": "new.person@example.com", "display_name": "New", "role": "editor"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    # A new account gets a link to choose its password, shown once and never cached.
    assert response.status_code == 201 and "new.person@example.com has an account now" in page
    assert "/reset/" in page and response.headers["Cache-Control"] == "no-store"
    from planner.models import Membership, User

    mine = session.scalars(
        sa.select(Membership)
        .join(User)
        .where(User.email == "admin@example.com", Membership.workspace_id == team.workspace.id)
    ).one()
    response = admin.post(
        f"/w/{team.workspace.slug}/members/{mine.id}/remove", follow_redirects=True
    )
    assert "last admin" in response.get_data(as_text=True)


def test_a_workspace_can_be_created_with_a_timezone(app, team):
    admin = signed_in(app, "admin@example.com")
    bad = admin.post("/workspaces/new", {"name": "Mine", "timezone": "Mars/Olympus"})
    assert bad.status_code == 422 and "not a timezone we know" in bad.get_data(as_text=True)
    good = admin.post("/workspaces/new", {"name": "Mine", "timezone": "Asia/Tokyo"})
    assert good.status_code == 302 and good.headers["Location"].endswith("/w/mine/")


def test_when_redis_does_not_answer_the_app_still_works_and_says_background_work_is_paused(
    app, session, team
):
    # The app makes its Redis client once (planner.queue.redis_for): drop it with the URL.
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    app.extensions.pop("planner.redis", None)
    editor = signed_in(app, "editor@example.com")
    page = editor.get(f"/w/{team.workspace.slug}/").get_data(as_text=True)
    assert "Background work is paused" in page
    app.config["REDIS_URL"] = REDIS_URL
    app.extensions.pop("planner.redis", None)
    page = editor.get(f"/w/{team.workspace.slug}/").get_data(as_text=True)
    assert "Background work is paused" not in page


def test_the_week_of_the_spring_clock_change_shows_local_times_and_moves_keep_the_wall_clock(
    app, session, team
):
    # Europe/Berlin moves from UTC+1 to UTC+2 on Sunday 28 March 2032.
    before = datetime(2032, 3, 26, 8, 0, tzinfo=UTC)  # Friday 09:00 local
    post = _new_post(session, team, "Across the change", at=before)
    editor = signed_in(app, "editor@example.com")
    page = editor.get(f"/w/{team.workspace.slug}/?date=2032-03-26").get_data(as_text=True)
    assert ">09:00</time>" in page
    response = editor.post_json(
        f"/w/{team.workspace.slug}/posts/{post.id}/reschedule",
        {"version": 1, "date": "2032-03-29", "time": "09:00"},
    )
    assert response.status_code == 200
    session.expire_all()
    # Still 09:00 on the wall clock, which is now 07:00 UTC.
    assert session.get(Post, post.id).scheduled_at == datetime(2032, 3, 29, 7, 0, tzinfo=UTC)
    page = editor.get(f"/w/{team.workspace.slug}/?date=2032-03-29").get_data(as_text=True)
    assert 'data-date="2032-03-29"' in page and ">09:00</time>" in page


def test_a_drop_into_the_skipped_hour_is_refused_with_a_reason(app, session, team):
    post = _new_post(session, team, at=datetime(2032, 3, 26, 8, 0, tzinfo=UTC))
    editor = signed_in(app, "editor@example.com")
    response = editor.post_json(
        f"/w/{team.workspace.slug}/posts/{post.id}/reschedule",
        {"version": 1, "date": "2032-03-28", "time": "02:00"},
    )
    assert response.status_code == 422
    assert "does not exist in Europe/Berlin" in response.get_json()["error"]["message"]


def test_a_late_evening_post_sits_on_its_local_day_not_its_utc_day(app, session):
    from tests.conftest import make_team

    team = make_team(session, timezone="America/Los_Angeles")
    # 04:30 UTC on the 10th is 21:30 on the 9th in Los Angeles (UTC-7 in summer).
    post = _new_post(session, team, "Evening", at=datetime(2032, 6, 10, 4, 30, tzinfo=UTC))
    editor = signed_in(app, "editor@example.com")
    page = editor.get(f"/w/{team.workspace.slug}/?date=2032-06-09").get_data(as_text=True)
    day_section = page.split('data-date="2032-06-09"')[1].split('data-date="2032-06-10"')[0]
    assert f'id="post-{post.id}"' in day_section and ">21:30</time>" in day_section
