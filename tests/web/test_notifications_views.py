"""The bell, the notifications page, each member's preferences and the workspace's Slack
settings, through HTTP as a signed-in person uses them."""

from __future__ import annotations

import re

import sqlalchemy as sa

from planner import accounts, events, notifications, workflow
from planner.models import Notification, Role
from planner.secrets_box import SecretsBox
from tests.conftest import SECRET_KEY, future, signed_in

BELL = re.compile(r'<a class="bell"[^>]*aria-label="Notifications, (\d+) unread"')


def _submitted(session, team, text="Workshop on Saturday", author="editor"):  # type: ignore[no-untyped-def]
    content = workflow.PostContent(team.channels["x"], text, "educational", future())
    post = workflow.create_post(session, team.user(author), team.workspace, content)
    workflow.submit(session, team.user(author), post, post.version)
    return post


def _bell(page: str) -> int:
    match = BELL.search(page)
    assert match, "no bell on the page"
    return int(match.group(1))


def test_the_bell_counts_unread_notifications_and_the_page_lists_them(app, session, team):
    first = _submitted(session, team, "First post")
    _submitted(session, team, "Second post")
    approver = signed_in(app, "approver@example.com")
    slug = team.workspace.slug
    week = approver.get(f"/w/{slug}/").get_data(as_text=True)
    assert _bell(week) == 2
    assert '<span class="pill" aria-hidden="true">2</span>' in week
    page = approver.get(f"/w/{slug}/notifications/").get_data(as_text=True)
    assert "Editor submitted a post for review: “First post”" in page
    assert page.index("Second post") < page.index("First post")  # newest first
    # Opening one goes to the post and counts as read.
    [row] = [n for n in _mine(session, team, "approver") if n.post_id == first.id]
    opened = approver.get(f"/w/{slug}/notifications/{row.id}")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/w/{slug}/posts/{first.id}")
    assert _bell(approver.get(f"/w/{slug}/").get_data(as_text=True)) == 1
    # The editor who submitted has nothing.
    editor = signed_in(app, "editor@example.com")
    assert _bell(editor.get(f"/w/{slug}/").get_data(as_text=True)) == 0
    assert "Nothing yet" in editor.get(f"/w/{slug}/notifications/").get_data(as_text=True)


def _mine(session, team, role: str) -> list[Notification]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(
        session.scalars(
            sa.select(Notification).where(Notification.recipient_id == team.user(role).id)
        )
    )


def test_marking_one_and_all_read(app, session, team):
    for n in range(3):
        _submitted(session, team, f"Post {n}")
    admin = signed_in(app, "admin@example.com")
    slug = team.workspace.slug
    one = _mine(session, team, "admin")[0]
    answer = admin.post(f"/w/{slug}/notifications/{one.id}/read")
    assert answer.status_code == 303
    assert _bell(admin.get(f"/w/{slug}/notifications/").get_data(as_text=True)) == 2
    answer = admin.post(f"/w/{slug}/notifications/read-all", follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "2 notifications marked read." in page and _bell(page) == 0
    assert all(n.read_at for n in _mine(session, team, "admin"))
    # The approver's are untouched.
    assert not any(n.read_at for n in _mine(session, team, "approver"))


def test_another_workspace_or_persons_notification_answers_404(app, session, team):
    _submitted(session, team)
    theirs = _mine(session, team, "approver")[0]
    # The outsider has a workspace of their own, with a notification of their own.
    accounts.add_member(
        session, team.user("outsider"), team.other_workspace, "viewer@example.com", Role.admin
    )
    content = workflow.PostContent(team.other_channel, "Elsewhere", "brand", future())
    post = workflow.create_post(session, team.user("viewer"), team.other_workspace, content)
    workflow.submit(session, team.user("viewer"), post, post.version)
    [elsewhere] = _mine(session, team, "outsider")
    admin = signed_in(app, "admin@example.com")
    slug = team.workspace.slug
    for url in (
        f"/w/{slug}/notifications/{theirs.id}",  # the approver's, same workspace
        f"/w/{slug}/notifications/{elsewhere.id}",  # another workspace's
        f"/w/{slug}/notifications/99999999999999999999",
    ):
        assert admin.get(url).status_code == 404, url
        assert admin.post(url + "/read").status_code == 404, url
    # Through the other workspace's address, the admin is not a member: 404 too.
    other = team.other_workspace.slug
    assert admin.get(f"/w/{other}/notifications/{elsewhere.id}").status_code == 404
    assert admin.get(f"/w/{other}/notifications/").status_code == 404
    session.expire_all()
    assert session.get(Notification, theirs.id).read_at is None
    assert session.get(Notification, elsewhere.id).read_at is None


def test_marking_read_needs_the_form_token(app, session, team):
    _submitted(session, team)
    row = _mine(session, team, "admin")[0]
    admin = signed_in(app, "admin@example.com")
    answer = admin.client.post(f"/w/{team.workspace.slug}/notifications/{row.id}/read")
    assert answer.status_code == 400
    session.expire_all()
    assert session.get(Notification, row.id).read_at is None


def test_preferences_are_a_table_of_checkboxes_that_a_member_saves(app, session, team):
    editor = signed_in(app, "editor@example.com")
    url = f"/w/{team.workspace.slug}/notifications/preferences"
    page = editor.get(url).get_data(as_text=True)
    assert '<div class="table-wrap"' in page
    for kind in events.KINDS:
        assert notifications.LABELS[kind] in page
        assert f'name="in_app-{kind}" id="in_app-{kind}"' in page
    assert page.count("checked") == 2 * len(events.KINDS)  # in-app and e-mail by default
    assert "@editor" in page  # how others mention you
    form = {f"in_app-{k}": "on" for k in events.KINDS}
    form.update({f"digest-{events.APPROVED}": "on", f"email-{events.SUBMITTED}": "on"})
    answer = editor.post(url, form, follow_redirects=True)
    assert "Notification preferences saved." in answer.get_data(as_text=True)
    chosen = notifications.preferences(session, team.user("editor").id, team.workspace.id)
    assert chosen[events.APPROVED] == notifications.Preference(True, False, True)
    assert chosen[events.APPROVED].mail == "digest"
    assert chosen[events.CHANGES_REQUESTED].mail == "none"
    assert chosen[events.SUBMITTED].mail == "immediate"
    # Another member's preferences are their own.
    approver = notifications.preferences(session, team.user("approver").id, team.workspace.id)
    assert approver[events.APPROVED] == notifications.DEFAULT


def test_only_admins_set_the_slack_webhook_and_it_is_never_shown_back(app, session, team):
    url = f"/w/{team.workspace.slug}/notifications/slack"
    assert signed_in(app, "approver@example.com").get(url).status_code == 403
    admin = signed_in(app, "admin@example.com")
    page = admin.get(url).get_data(as_text=True)
    for kind in notifications.SLACK_DEFAULTS:
        assert f'id="kind-{kind}" checked' in page
    hook = "http://127.0.0.1:9/services/T000/B000/XXXXsecretXXXXtail"
    answer = admin.post(url, {"url": hook, f"kind-{events.FAILED}": "on"}, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "Slack settings saved." in page
    assert "XXXXsecret" not in page and hook not in page
    assert "127.0.0.1:9/…tail" in page
    session.expire_all()
    workspace = session.get(type(team.workspace), team.workspace.id)
    box = SecretsBox.from_config({"SECRET_KEY": SECRET_KEY})
    assert box.open(workspace.slack_webhook) == hook
    assert workspace.slack_events == [events.FAILED]
    # Saving without a URL keeps the stored one and changes the kinds.
    admin.post(url, {"url": "", f"kind-{events.SUBMITTED}": "on"})
    session.expire_all()
    workspace = session.get(type(team.workspace), team.workspace.id)
    assert box.open(workspace.slack_webhook) == hook
    assert workspace.slack_events == [events.SUBMITTED]
    # Removing it.
    admin.post(url, {"remove": "1"})
    session.expire_all()
    assert session.get(type(team.workspace), team.workspace.id).slack_webhook is None


def test_a_slack_address_that_points_inwards_is_refused_and_the_form_kept(app, session, team):
    app.config["PUBLISH_ALLOW_PRIVATE_TARGETS"] = False
    admin = signed_in(app, "admin@example.com")
    url = f"/w/{team.workspace.slug}/notifications/slack"
    for hook, said in [
        ("https://169.254.169.254/latest", "private or local"),
        ("http://hooks.slack.com/services/x", "https://"),
        ("https://ünïcode\u202e.invalid/x", "cannot be found"),
    ]:
        answer = admin.post(url, {"url": hook, f"kind-{events.MENTIONED}": "on"})
        page = answer.get_data(as_text=True)
        assert answer.status_code == 422, hook
        assert "Planner will not post there" in page and said in page, hook
        assert f'id="kind-{events.MENTIONED}" checked' in page
        assert f'id="kind-{events.FAILED}" checked' not in page
    answer = admin.post(url, {"url": ""})
    assert answer.status_code == 422
    assert "Paste the incoming webhook" in answer.get_data(as_text=True)
    session.expire_all()
    assert session.get(type(team.workspace), team.workspace.id).slack_webhook is None
