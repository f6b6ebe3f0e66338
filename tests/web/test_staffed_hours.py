"""Admins set a channel's staffed hours; the rules read them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from planner import accounts, planning, workflow
from planner.models import Channel
from tests.conftest import signed_in


def _edit(admin, team, channel, staffed):  # type: ignore[no-untyped-def]
    return admin.post(
        f"/w/{team.workspace.slug}/channels/{channel.id}/edit",
        {
            "network": channel.network,
            "name": channel.name,
            "publisher_kind": channel.publisher_kind,
            "staffed_hours": staffed,
        },
    )


def test_an_admin_sets_staffed_hours_and_sees_them_canonical(app, session, team):
    admin = signed_in(app, "admin@example.com")
    channel = team.channels["x"]

    response = _edit(admin, team, channel, "mon-fri 9:00-17:00;sat 10:00 - 12:00")

    assert response.status_code == 302
    session.expire_all()
    assert session.get(Channel, channel.id).staffed_hours == "Mon-Fri 09:00-17:00; Sat 10:00-12:00"
    page = admin.get(f"/w/{team.workspace.slug}/channels/{channel.id}/edit").get_data(as_text=True)
    assert 'value="Mon-Fri 09:00-17:00; Sat 10:00-12:00"' in page
    assert "Europe/Berlin" in page


def test_every_bad_part_is_named_and_what_was_typed_is_kept(app, session, team):
    admin = signed_in(app, "admin@example.com")
    channel = team.channels["x"]

    response = _edit(admin, team, channel, "Mnday 09:00-17:00; Fri 22:00-02:00")

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "&#39;Mnday&#39; is not a day" in page
    assert "&#39;22:00-02:00&#39; crosses midnight" in page
    assert 'value="Mnday 09:00-17:00; Fri 22:00-02:00"' in page
    session.expire_all()
    assert session.get(Channel, channel.id).staffed_hours is None


def test_emptying_the_field_returns_to_office_hours(app, session, team):
    admin = signed_in(app, "admin@example.com")
    channel = team.channels["x"]
    _edit(admin, team, channel, "Mon-Sun 08:00-20:00")

    _edit(admin, team, channel, "")

    session.expire_all()
    assert session.get(Channel, channel.id).staffed_hours is None


def test_editors_cannot_change_staffed_hours(app, session, team):
    editor = signed_in(app, "editor@example.com")
    channel = team.channels["x"]

    response = _edit(editor, team, channel, "Mon-Sun 00:00-24:00")

    assert response.status_code == 403


def test_the_workspace_findings_use_each_channels_staffed_hours(app, session, team):
    berlin = ZoneInfo("Europe/Berlin")
    friday_evening = datetime(2030, 3, 8, 17, 45, tzinfo=berlin)  # a Friday
    for name in ("x", "mastodon"):
        workflow.create_post(
            session,
            team.user("editor"),
            team.workspace,
            workflow.PostContent(
                team.channels[name],
                f"What is your favourite walk? ({name})",
                "engagement",
                friday_evening,
            ),
        )
    accounts.save_channel(
        session,
        team.user("admin"),
        team.workspace,
        team.channels["x"],
        network="x",
        name="X",
        staffed_hours="Mon-Sun 09:00-22:00",
    )

    found = planning.findings(session, team.workspace)

    flagged = [f.channel for f in found if f.rule == "unstaffed-replies"]
    assert flagged == ["Mastodon"]
    x_id = team.channels["x"].id
    assert session.scalar(sa.select(Channel.staffed_hours).where(Channel.id == x_id)) == (
        "Mon-Sun 09:00-22:00"
    )


def test_the_rule_settings_page_shows_the_coverage_rule_and_each_channels_hours(app, session, team):
    admin = signed_in(app, "admin@example.com")
    _edit(admin, team, team.channels["x"], "Mon-Sun 08:00-20:00")

    page = admin.get(f"/w/{team.workspace.slug}/rules/").get_data(as_text=True)

    assert "unstaffed-replies" in page
    assert 'name="t-unstaffed-replies-min_staffed" value="4h"' in page
    assert "Mon-Sun 08:00-20:00" in page
    assert "Mon-Fri 09:00-17:00 (office hours, the default)" in page


def _shaded(page: str, day: str) -> list[str]:
    """The hours shaded as unstaffed in one day's column of the week page."""
    import re

    column = page.split(f'data-date="{day}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'class="slot[^"]*unstaffed[^"]*" data-hour="(\d\d)"', column)


def test_the_week_view_shades_hours_no_channel_shown_staffs(app, session, team):
    admin = signed_in(app, "admin@example.com")
    _edit(admin, team, team.channels["x"], "Mon-Fri 07:00-12:00; Sat 10:00-12:00")
    _edit(admin, team, team.channels["mastodon"], "Mon-Fri 12:00-20:00")
    _edit(admin, team, team.channels["linkedin"], "none")
    url = f"/w/{team.workspace.slug}/?date=2030-03-04&hours=all"  # Monday 4 March 2030

    every = admin.get(url).get_data(as_text=True)
    only_x = admin.get(url + f"&channel={team.channels['x'].id}").get_data(as_text=True)

    assert "Shaded hours: nobody is on duty" in every
    monday = [f"{h:02d}" for h in (*range(7), *range(20, 24))]
    assert _shaded(every, "2030-03-04") == monday
    assert _shaded(every, "2030-03-09") == [f"{h:02d}" for h in (*range(10), *range(12, 24))]
    assert _shaded(every, "2030-03-10") == [f"{h:02d}" for h in range(24)]
    assert _shaded(only_x, "2030-03-04") == [f"{h:02d}" for h in (*range(7), *range(12, 24))]


def test_channels_made_before_staffed_hours_keep_office_hours_after_the_upgrade(tmp_path):
    from planner import migrate

    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0010")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO workspaces (name, slug, timezone, rule_preset, rule_overrides, "
                "allow_self_approval, publishing_paused, created_at) "
                "VALUES ('A', 'a', 'UTC', 'balanced', '{}', 0, 0, '2026-01-01')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO channels (workspace_id, network, name, handle, publisher_kind, "
                "publisher_settings, created_at) VALUES (1, 'x', 'X', '', 'outbox', '{}', "
                "'2026-01-01')"
            )
        )

    migrate.upgrade(url)

    with engine.begin() as connection:
        rows = connection.execute(sa.text("SELECT name, staffed_hours FROM channels")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("X", None)]
