"""Notifications: each event reaches the people it concerns in the app and by e-mail, once;
never the person who acted; as each member chose; daily digests; the workspace's Slack.

Real database, real Redis and RQ (an in-process burst worker), a real SMTP server (aiosmtpd on
127.0.0.1) and a local HTTP server standing in for Slack.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re
import socket
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet
from rq import Queue

from planner import accounts, events, notifications, queue, workflow
from planner.db import utcnow
from planner.models import Membership, Notification, Role, SlackMessage, Status
from planner.secrets_box import SecretsBox, derived_key
from tests.conftest import SECRET_KEY, future
from tests.support.publishing import start_worker, stop
from tests.support.sink import Sink
from tests.workers.test_publish import run_jobs
from workers.publish import sweep

BOX = SecretsBox.from_config({"SECRET_KEY": SECRET_KEY})
BOX_KEY = derived_key(SECRET_KEY).decode()


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode("utf-8"))
        )
        return "250 OK"


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    inbox = Inbox()
    # aiosmtpd's controller connects to its own port to see it is up: it needs a real one.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def pub(app, redis_db):  # type: ignore[no-untyped-def]
    return app


@pytest.fixture
def console(caplog):  # type: ignore[no-untyped-def]
    """The console mail backend's log lines, as (to, subject)."""
    caplog.set_level(logging.INFO, logger="planner.mail")

    def mails() -> list[tuple[str, str]]:
        found = []
        for record in caplog.records:
            text = record.getMessage()
            match = re.match(r"mail=console to=(\S+) subject='([^']*)'", text)
            if match:
                found.append((match.group(1), match.group(2)))
        return found

    return mails


def rows(session, kind: str | None = None) -> list[Notification]:  # type: ignore[no-untyped-def]
    session.expire_all()
    query = sa.select(Notification).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(session.scalars(query))


def who(session, notes: list[Notification]) -> set[str]:  # type: ignore[no-untyped-def]
    from planner.models import User

    return {session.get(User, n.recipient_id).email for n in notes}


def draft(app, session, team, text: str = "Our spring workshop is open"):  # type: ignore[no-untyped-def]
    with app.app_context():
        content = workflow.PostContent(team.channels["x"], text, "educational", future(2))
        return workflow.create_post(session, team.user("editor"), team.workspace, content)


def submitted(app, session, team, text: str = "Our spring workshop is open"):  # type: ignore[no-untyped-def]
    post = draft(app, session, team, text)
    with app.app_context():
        workflow.submit(session, team.user("editor"), post, post.version)
    return post


def approved(app, session, team):  # type: ignore[no-untyped-def]
    post = submitted(app, session, team)
    with app.app_context():
        workflow.approve(session, team.user("approver"), post, post.version)
    return post


def rerun(app, redis_db, key: str) -> None:  # type: ignore[no-untyped-def]
    """The delivery job of `key` once more under a fresh job id, as a retry would run it."""
    Queue("default", connection=redis_db).enqueue(queue.NOTIFY_JOB, key, None)
    run_jobs(app, redis_db)


def test_each_event_reaches_in_app_and_the_console_mail_exactly_once(
    pub, session, team, redis_db, console
):
    editor, approver, admin = (team.user(r).email for r in ("editor", "approver", "admin"))
    # Submitted: the approvers (the approver and the admin), not the editor who submitted.
    post = submitted(pub, session, team)
    # Changes requested, then approved: the author.
    with pub.app_context():
        workflow.request_changes(session, team.user("approver"), post, post.version, "Add a date")
        workflow.submit(session, team.user("editor"), post, post.version)
        workflow.approve(session, team.user("approver"), post, post.version)
        # Failed and outcome unknown: the author and the admins.
        workflow.mark_failed(
            session, post.id, post.approved_version, "HTTP 400", from_status=Status.approved
        )
        other = approved(pub, session, team)
        workflow.mark_failed(
            session,
            other.id,
            other.approved_version,
            "the worker stopped",
            from_status=Status.approved,
            outcome_unknown=True,
        )
        # A channel that needs reconnecting: the admins.
        workflow.mark_needs_reconnecting(session, team.channels["mastodon"].id, "HTTP 401")
        # A mention: the member named.
        workflow.add_comment(session, team.user("approver"), post, "@editor can you add a photo?")
    run_jobs(pub, redis_db)

    expected = {
        events.SUBMITTED: {approver, admin},
        events.CHANGES_REQUESTED: {editor},
        events.APPROVED: {editor},
        events.FAILED: {editor, admin},
        events.OUTCOME_UNKNOWN: {editor, admin},
        events.CHANNEL_NEEDS_RECONNECTING: {admin},
        events.MENTIONED: {editor},
    }
    mails = console()
    for kind, people in expected.items():
        notes = rows(session, kind)
        events_of_kind = {n.event_key for n in notes}
        # Two submits, two approvals of `post` and one of `other`.
        per_event = {events.SUBMITTED: 3, events.APPROVED: 2}.get(kind, 1)
        assert len(events_of_kind) == per_event, kind
        assert who(session, notes) == people, kind
        assert all(n.in_app and n.mail == "immediate" and n.mailed_at for n in notes), kind
        label = notifications.LABELS[kind]
        sent_to = [to for to, subject in mails if subject.endswith(label)]
        assert sorted(sent_to) == sorted(who(session, [n]).pop() for n in notes), kind
    # What they read names who did what to which post, and links to it.
    [changes] = rows(session, events.CHANGES_REQUESTED)
    assert changes.text.startswith("Approver asked for changes to “Our spring workshop is open”")
    assert changes.text.endswith("Add a date")
    assert changes.link == f"/w/{team.workspace.slug}/posts/{post.id}"

    # Every job run again: nobody gets a second mail.
    before = len(console())
    for key in {n.event_key for n in rows(session)}:
        rerun(pub, redis_db, key)
    assert len(console()) == before


def test_the_person_who_acted_is_never_told(pub, session, team, redis_db, console):
    # The admin writes and submits a post: the approver hears of it, the admin does not.
    with pub.app_context():
        content = workflow.PostContent(team.channels["x"], "Admin's own post", "brand", future(2))
        post = workflow.create_post(session, team.user("admin"), team.workspace, content)
        workflow.submit(session, team.user("admin"), post, post.version)
        # Naming oneself tells nobody.
        workflow.add_comment(session, team.user("admin"), post, "Note to self, @admin: photo")
    run_jobs(pub, redis_db)
    assert who(session, rows(session, events.SUBMITTED)) == {team.user("approver").email}
    assert rows(session, events.MENTIONED) == []
    assert team.user("admin").email not in {to for to, _ in console()}


def test_mentions_name_members_by_address_or_display_name_and_nobody_else(
    pub, session, team, redis_db
):
    post = draft(pub, session, team)
    with pub.app_context():
        workflow.add_comment(
            session,
            team.user("admin"),
            post,
            "Thanks @Editor, and @viewer. — not @outsider, nor someone@example.com or @nobody",
        )
    assert who(session, rows(session, events.MENTIONED)) == {
        team.user("editor").email,
        team.user("viewer").email,
    }
    # A display name without its spaces names its member too.
    with pub.app_context():
        workflow.add_comment(session, team.user("admin"), post, "@Approver please look")
    assert team.user("approver").email in who(session, rows(session, events.MENTIONED))
    assert notifications.mentioned(session, team.workspace.id, "@APPROVER.") == {
        team.user("approver").id
    }


def test_a_request_for_changes_that_names_someone_tells_them_and_the_author_once(
    pub, session, team, redis_db
):
    post = submitted(pub, session, team)
    with pub.app_context():
        workflow.request_changes(
            session, team.user("approver"), post, post.version, "@editor @admin: which date?"
        )
    assert who(session, rows(session, events.CHANGES_REQUESTED)) == {team.user("editor").email}
    assert who(session, rows(session, events.MENTIONED)) == {team.user("admin").email}


def test_preferences_decide_in_app_immediate_mail_digest_or_nothing(
    pub, session, team, redis_db, console
):
    editor = team.user("editor")
    notifications.save_preferences(
        session,
        editor.id,
        team.workspace.id,
        {
            events.CHANGES_REQUESTED: notifications.Preference(in_app=True, email=False),
            events.APPROVED: notifications.Preference(in_app=False, email=True),
            events.MENTIONED: notifications.Preference(in_app=False, email=False),
            events.FAILED: notifications.Preference(in_app=True, email=False, digest=True),
        },
    )
    post = submitted(pub, session, team)
    with pub.app_context():
        workflow.request_changes(session, team.user("approver"), post, post.version, "Shorter")
        workflow.add_comment(session, team.user("approver"), post, "@editor see above")
        workflow.submit(session, editor, post, post.version)
        workflow.approve(session, team.user("approver"), post, post.version)
        workflow.mark_failed(
            session, post.id, post.approved_version, "HTTP 400", from_status=Status.approved
        )
    run_jobs(pub, redis_db)
    mine = [n for n in rows(session) if n.recipient_id == editor.id]
    by_kind = {n.kind: n for n in mine}
    assert events.MENTIONED not in by_kind  # nothing at all: no row
    assert (by_kind[events.CHANGES_REQUESTED].in_app, by_kind[events.CHANGES_REQUESTED].mail) == (
        True,
        "none",
    )
    assert (by_kind[events.APPROVED].in_app, by_kind[events.APPROVED].mail) == (False, "immediate")
    assert by_kind[events.FAILED].mail == "digest" and by_kind[events.FAILED].mailed_at is None
    subjects = [s for to, s in console() if to == editor.email]
    assert subjects == [f"[Acme] {notifications.LABELS[events.APPROVED]}"]
    # The bell counts only what is shown in the app.
    assert notifications.unread_count(session, editor.id, team.workspace.id) == 2
    # The admin kept the defaults: the failure came by mail at once.
    assert any(
        to == team.user("admin").email and s.endswith(notifications.LABELS[events.FAILED])
        for to, s in console()
    )


def test_the_daily_digest_groups_the_waiting_items_in_one_mail_once_a_day(
    pub, session, team, redis_db, console, caplog
):
    editor = team.user("editor")
    notifications.save_preferences(
        session,
        editor.id,
        team.workspace.id,
        {
            kind: notifications.Preference(in_app=True, email=True, digest=True)
            for kind in events.KINDS
        },
    )
    post = submitted(pub, session, team)
    with pub.app_context():
        workflow.request_changes(session, team.user("approver"), post, post.version, "Shorter")
        workflow.add_comment(session, team.user("approver"), post, "@editor and a photo")
        workflow.submit(session, editor, post, post.version)
        workflow.approve(session, team.user("approver"), post, post.version)
    run_jobs(pub, redis_db)
    assert [s for to, s in console() if to == editor.email] == []  # nothing at once

    # Before the digest hour (in Berlin) nothing is due; after it, one digest.
    now = utcnow()
    assert notifications.due_digests(session, now, 24) == []
    pub.config["NOTIFY_DIGEST_HOUR"] = 0
    with pub.app_context():
        assert sweep()["digests"] == 1
        assert sweep()["digests"] == 0  # claimed for today
    run_jobs(pub, redis_db)
    digests = [(to, s) for to, s in console() if to == editor.email]
    assert digests == [("editor@example.com", "[Acme] Your daily digest: 3 items")]
    log_text = "\n".join(r.getMessage() for r in caplog.records)
    assert notifications.LABELS[events.CHANGES_REQUESTED] + " (1)" in log_text
    assert notifications.LABELS[events.APPROVED] + " (1)" in log_text
    assert notifications.LABELS[events.MENTIONED] + " (1)" in log_text
    assert all(n.mailed_at for n in rows(session) if n.recipient_id == editor.id)

    # A new item waits for tomorrow's digest; the same day's job run again sends nothing.
    with pub.app_context():
        workflow.add_comment(session, team.user("approver"), post, "@editor one more thing")
        assert sweep()["digests"] == 0
    membership = session.scalar(
        sa.select(Membership).where(
            Membership.user_id == editor.id, Membership.workspace_id == team.workspace.id
        )
    )
    today = notifications.due_digests(session, now + timedelta(days=1), 0)
    assert [m for m, _ in today] == [membership.id]
    Queue("default", connection=redis_db).enqueue(
        queue.DIGEST_JOB, membership.id, today[0][1].isoformat(), None
    )
    run_jobs(pub, redis_db)
    assert [s for to, s in console() if to == editor.email][-1].endswith("1 item")
    Queue("default", connection=redis_db).enqueue(
        queue.DIGEST_JOB, membership.id, today[0][1].isoformat(), None
    )
    run_jobs(pub, redis_db)
    assert len([s for to, s in console() if to == editor.email]) == 2


def test_mail_goes_through_a_real_smtp_server_once_per_person(pub, session, team, redis_db, smtp):
    inbox, port = smtp
    pub.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="Planner <p@acme.test>")
    post = submitted(pub, session, team, "Spring workshop: 12 seats left")
    run_jobs(pub, redis_db)
    assert sorted(to for _, (to,), _ in inbox.messages) == [
        "admin@example.com",
        "approver@example.com",
    ]
    mail_from, _, content = inbox.messages[0]
    assert mail_from == "p@acme.test"
    message = email.message_from_string(content, policy=email.policy.default)
    assert message["Subject"] == f"[Acme] {notifications.LABELS[events.SUBMITTED]}"
    assert message["From"] == "Planner <p@acme.test>"
    body = message.get_content()
    assert "Editor submitted a post for review: “Spring workshop: 12 seats left”" in body
    assert f"/w/{team.workspace.slug}/posts/{post.id}" in body
    assert f"/w/{team.workspace.slug}/notifications/preferences" in body
    [key] = {n.event_key for n in rows(session)}
    rerun(pub, redis_db, key)
    assert len(inbox.messages) == 2


def test_a_mail_server_that_is_down_gives_the_mail_back_for_the_retry(
    pub, session, team, redis_db, smtp
):
    inbox, port = smtp
    pub.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there
    submitted(pub, session, team)
    [key] = {n.event_key for n in rows(session)}
    with pub.app_context(), pytest.raises(notifications.DeliveryFailed, match="did not take"):
        notifications.deliver(session, pub.config, key, None)
    assert all(n.mailed_at is None for n in rows(session))
    pub.config["MAIL_PORT"] = port
    with pub.app_context():
        assert notifications.deliver(session, pub.config, key, None).mailed == 2
    assert len(inbox.messages) == 2


@pytest.fixture
def slack():  # type: ignore[no-untyped-def]
    server = Sink().start()
    yield server
    server.stop()


def test_the_workspace_slack_webhook_gets_the_chosen_events_once(
    pub, session, team, redis_db, slack
):
    workspace = team.workspace
    notifications.set_slack(
        session,
        workspace,
        BOX,
        slack.url + "/services/T0/B0/secret",
        [events.FAILED, events.SUBMITTED],
        allow_private=True,
    )
    assert workspace.slack_webhook.startswith("fernet:")
    assert "secret" not in workspace.slack_webhook
    post = submitted(pub, session, team, "Prices <today> & tomorrow")
    with pub.app_context():
        workflow.approve(session, team.user("approver"), post, post.version)  # not chosen
    run_jobs(pub, redis_db)
    assert len(slack.received) == 1
    sent = slack.received[0]
    assert sent.path == "/services/T0/B0/secret"
    body = json.loads(sent.body)
    assert set(body) == {"text"}
    assert body["text"].startswith(
        "Editor submitted a post for review: “Prices &lt;today&gt; &amp;"
    )
    [key] = {m.event_key for m in session.scalars(sa.select(SlackMessage))}
    rerun(pub, redis_db, key)
    assert len(slack.received) == 1


def test_a_slack_webhook_must_be_public_https(pub, session, team, redis_db):
    for url, said in [
        ("http://hooks.slack.com/services/x", "https://"),
        ("https://127.0.0.1/services/x", "private or local"),
        ("https://localhost:8080/x", "private or local"),
        ("https://[::1]/x", "private or local"),
        ("https://user:pw@hooks.example.com/x", "credentials"),
        ("ftp://hooks.example.com/x", "https://"),
    ]:
        with pytest.raises(notifications.SlackRefused, match=re.escape(said)):
            notifications.set_slack(session, team.workspace, BOX, url, [events.FAILED])
    session.refresh(team.workspace)
    assert team.workspace.slack_webhook is None


def test_a_slack_server_that_refuses_is_retried_not_lost(pub, session, team, redis_db, slack):
    notifications.set_slack(
        session, team.workspace, BOX, slack.url + "/hook", [events.SUBMITTED], allow_private=True
    )
    slack.script = [(500, {}, 0.0)]
    submitted(pub, session, team)
    [key] = {m.event_key for m in session.scalars(sa.select(SlackMessage))}
    with pub.app_context(), pytest.raises(notifications.DeliveryFailed, match="answered 500"):
        notifications.deliver(session, pub.config, key, None)
    session.expire_all()
    message = session.scalar(sa.select(SlackMessage))
    assert message.sent_at is None and "500" in message.last_error
    with pub.app_context():
        assert notifications.deliver(session, pub.config, key, None).slack == 1
    assert len(slack.received) == 2  # the refused one and the one that went


def test_events_recorded_outside_an_app_are_delivered_by_the_sweep(
    pub, session, team, redis_db, console
):
    # No app context: the listener writes the rows but cannot enqueue.
    content = workflow.PostContent(team.channels["x"], "Written by a script", "brand", future(2))
    post = workflow.create_post(session, team.user("editor"), team.workspace, content)
    workflow.submit(session, team.user("editor"), post, post.version)
    assert len(rows(session, events.SUBMITTED)) == 2
    session.execute(sa.update(Notification).values(created_at=utcnow() - timedelta(minutes=2)))
    session.commit()
    with pub.app_context():
        assert sweep()["notices"] == 1
    run_jobs(pub, redis_db)
    assert len(console()) == 2
    with pub.app_context():
        assert sweep()["notices"] == 0


def test_digests_are_due_after_the_digest_hour_of_each_workspace_timezone(pub, session, team):
    editor = team.user("editor")
    for workspace in (team.workspace, team.other_workspace):
        if workspace is team.other_workspace:
            accounts.add_member(
                session, team.user("outsider"), workspace, editor.email, Role.editor
            )
        notifications.save_preferences(
            session,
            editor.id,
            workspace.id,
            {events.MENTIONED: notifications.Preference(in_app=True, email=True, digest=True)},
        )
    post = draft(pub, session, team)
    workflow.add_comment(session, team.user("approver"), post, "@editor hello")
    content = workflow.PostContent(team.other_channel, "Elsewhere", "brand", future(2))
    other = workflow.create_post(session, team.user("outsider"), team.other_workspace, content)
    workflow.add_comment(session, team.user("outsider"), other, "@editor hi")
    memberships = dict(
        session.execute(
            sa.select(Membership.workspace_id, Membership.id).where(Membership.user_id == editor.id)
        ).all()
    )
    berlin, utc = memberships[team.workspace.id], memberships[team.other_workspace.id]
    # 07:30 UTC in winter is 08:30 in Berlin: Berlin's digest is due, UTC's (07:30) not yet.
    winter = datetime(2031, 1, 15, 7, 30, tzinfo=UTC)
    assert notifications.due_digests(session, winter, 8) == [(berlin, date(2031, 1, 15))]
    assert sorted(notifications.due_digests(session, winter + timedelta(hours=1), 8)) == sorted(
        [(berlin, date(2031, 1, 15)), (utc, date(2031, 1, 15))]
    )
    # 23:30 UTC is already the next day in Berlin.
    late = datetime(2031, 1, 15, 23, 30, tzinfo=UTC)
    assert (berlin, date(2031, 1, 16)) in notifications.due_digests(session, late, 0)
    assert notifications.claim_digest(session, berlin, date(2031, 1, 15))
    assert not notifications.claim_digest(session, berlin, date(2031, 1, 15))
    assert [m for m, _ in notifications.due_digests(session, winter, 8)] == []


def test_a_member_removed_since_gets_no_mail(pub, session, team, redis_db, console):
    submitted(pub, session, team)
    membership = session.scalar(
        sa.select(Membership).where(
            Membership.user_id == team.user("approver").id,
            Membership.workspace_id == team.workspace.id,
        )
    )
    accounts.remove_member(session, team.user("admin"), membership)
    run_jobs(pub, redis_db)
    assert [to for to, _ in console()] == [team.user("admin").email]


def test_a_planner_worker_process_writes_the_mail_to_its_log(
    pub, session, team, redis_db, database_url, tmp_path
):
    post = submitted(pub, session, team, "Seen by a real worker")
    worker = start_worker(database_url, tmp_path, "--burst")
    try:
        worker.wait(timeout=120)
    finally:
        stop(worker)
    [log_file] = tmp_path.glob("worker-*.log")
    written = log_file.read_text()
    for person in ("admin", "approver"):
        assert f"mail=console to={person}@example.com" in written
    assert f"/w/{team.workspace.slug}/posts/{post.id}" in written
    assert all(n.mailed_at for n in rows(session))


def test_rotating_the_secrets_keys_reseals_the_slack_webhook(pub, session, team):
    notifications.set_slack(
        session, team.workspace, BOX, "https://127.0.0.1/hook/abcd", [], allow_private=True
    )
    new_key = Fernet.generate_key().decode()
    rotated = SecretsBox.from_config(
        {"PLANNER_SECRETS_KEYS": f"{new_key},{BOX_KEY}", "SECRET_KEY": SECRET_KEY}
    )
    assert accounts.reseal_secrets(session, rotated, rotate=True) >= 1
    session.refresh(team.workspace)
    only_new = SecretsBox.from_config({"PLANNER_SECRETS_KEYS": new_key, "SECRET_KEY": "x"})
    assert only_new.open(team.workspace.slack_webhook) == "https://127.0.0.1/hook/abcd"
