"""Planner as an attacker meets it: redirects, outbound requests, accounts and sessions, four
eyes on the text, links from outside, headers, the sign-in throttle, CSV formulas, and bad
input that must answer 4xx, never 500 (issue 14)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask.testing import FlaskCliRunner

from planner import accounts, bulk, tokens, workflow
from planner.cli import main
from planner.db import utcnow
from planner.models import Channel, PasswordReset, Post, Status, User
from tests.conftest import PASSWORD, Browser, future, signed_in
from tests.support.publishing import approved_post, channel, make_due
from tests.support.sink import Sink

INWARD_URLS = [
    "http://127.0.0.1:6379/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://2130706433/",
    "http://127.1/",
    "http://0.0.0.0/",
    "http://[::ffff:127.0.0.1]/",
    "http://localhost/",
    "http://10.0.0.5/hook",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "ftp://example.com/",
    "javascript:alert(1)",
    "http://user:pass@example.com/",
]


def run(app, *args: str) -> Result:  # type: ignore[no-untyped-def]
    return FlaskCliRunner(app).invoke(main, args=list(args))


# --- 1. Redirects after sign-in ---------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        # As an attacker puts them in a link: URL-encoded.
        "/%09/evil.example",
        "/%0a/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "https://evil.example/",
        "/%0d%0aLocation:%20https://evil.example",
        "/%E2%80%8B/evil.example",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
    ],
)
def test_sign_in_never_redirects_off_the_site(app, team, target):
    browser = Browser(app.test_client())
    token = browser.csrf()
    response = browser.client.post(
        f"/login?next={target}",
        data={"email": "editor@example.com", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_path_on_the_site_is_still_followed_after_sign_in(app, team):
    browser = Browser(app.test_client())
    token = browser.csrf()
    path = f"/w/{team.workspace.slug}/month"
    response = browser.client.post(
        "/login",
        query_string={"next": path},
        data={"email": "editor@example.com", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == path


# --- 2. Outbound requests ---------------------------------------------------------------------


@pytest.fixture
def guarded(app):  # type: ignore[no-untyped-def]
    app.config["PUBLISH_ALLOW_PRIVATE_TARGETS"] = False
    return app


@pytest.mark.parametrize("url", INWARD_URLS)
def test_a_channel_cannot_point_inwards(guarded, session, team, url):
    admin = signed_in(guarded, "admin@example.com")
    response = admin.post(
        f"/w/{team.workspace.slug}/channels/new",
        {"network": "x", "name": "Hook", "publisher_kind": "webhook", "target_url": url},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "URL" in page and ("private or local" in page or "http" in page)
    assert session.scalar(sa.select(Channel).where(Channel.name == "Hook")) is None


def test_the_command_line_refuses_an_inward_channel_too(guarded, session, team):
    result = run(
        guarded,
        "channel", "add", "--workspace", team.workspace.slug, "--network", "mastodon",
        "--name", "Toots", "--publisher", "mastodon", "--url", "http://169.254.169.254/",
    )  # fmt: skip
    assert result.exit_code == 1 and "private or local" in result.output


def test_an_address_that_turns_private_after_saving_is_refused_when_publishing(app, session, team):
    # Saved while private targets were allowed (as DNS may change after a check)...
    sink = Sink().start()
    try:
        hook = channel(session, team, "webhook", f"{sink.url}/hook")
        post = approved_post(app, session, team, hook)
        make_due(session, post)
        app.config["PUBLISH_ALLOW_PRIVATE_TARGETS"] = False
        with app.app_context():
            from workers.publish import publish_post

            outcome = publish_post(post.id, post.approved_version)
        session.expire_all()
        failed = session.get(Post, post.id)
        # ...the connection is checked again, and nothing reaches the private address.
        assert outcome == "failed" and "private or local" in failed.last_error
        assert sink.posts() == []
    finally:
        sink.stop()


def test_redirects_are_not_followed_and_the_targets_body_is_not_shown(app, session, team):
    sink = Sink().start()
    sink.script = [(302, {"Location": "http://127.0.0.1:6379/"}, 0.0)]
    try:
        hook = channel(session, team, "webhook", f"{sink.url}/hook")
        post = approved_post(app, session, team, hook)
        make_due(session, post)
        with app.app_context():
            from workers.publish import publish_post

            assert publish_post(post.id, post.approved_version) == "failed"
        session.expire_all()
        failed = session.get(Post, post.id)
        assert "redirect" in failed.last_error and "sink says" not in failed.last_error
        assert len(sink.posts()) == 1
    finally:
        sink.stop()


# --- 3. Passwords and sessions ----------------------------------------------------------------


def test_people_change_their_own_password_and_their_other_sessions_end(app, session, team):
    laptop = signed_in(app, "editor@example.com")
    phone = signed_in(app, "editor@example.com")
    wrong = laptop.post(
        "/account/password",
        {"current": "not it", "password": "a brand new pass", "confirm": "a brand new pass"},
    )
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(True)
    changed = laptop.post(
        "/account/password",
        {"current": PASSWORD, "password": "a brand new pass", "confirm": "a brand new pass"},
    )
    assert changed.status_code == 302
    # This browser goes on; the other device is signed out; the new password works.
    assert laptop.get(f"/w/{team.workspace.slug}/").status_code == 200
    assert phone.get(f"/w/{team.workspace.slug}/").status_code == 302
    fresh = Browser(app.test_client())
    assert fresh.login("editor@example.com", PASSWORD).status_code == 401
    assert fresh.login("editor@example.com", "a brand new pass").status_code == 302


def test_signing_out_ends_the_session_on_the_server(app, team):
    browser = signed_in(app, "editor@example.com")
    cookie = browser.client.get_cookie("session").value
    assert browser.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    response = replay.get(f"/w/{team.workspace.slug}/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_admin_issues_a_reset_link_that_works_once_within_a_day(app, session, team):
    admin = signed_in(app, "admin@example.com")
    viewer = signed_in(app, "viewer@example.com")
    membership_id = session.scalar(
        sa.select(accounts.Membership.id).where(
            accounts.Membership.user_id == team.user("viewer").id,
            accounts.Membership.workspace_id == team.workspace.id,
        )
    )
    page = admin.post(f"/w/{team.workspace.slug}/members/{membership_id}/reset")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    link = re.search(r'id="reset-link" value="http://localhost(/reset/[^"]+)"', page.get_data(True))
    assert link, page.get_data(True)
    stored = session.scalars(sa.select(PasswordReset)).one()
    assert link.group(1).rsplit("/", 1)[1] not in stored.token_hash
    reset_page = app.test_client().get(link.group(1))
    assert reset_page.status_code == 200 and reset_page.headers["Referrer-Policy"] == "no-referrer"
    setter = Browser(app.test_client())
    done = setter.post(link.group(1), {"password": "chosen by me", "confirm": "chosen by me"})
    assert done.status_code == 302
    assert setter.login("viewer@example.com", "chosen by me").status_code == 302
    # Used up; and the viewer's other session ended with the reset.
    assert app.test_client().get(link.group(1)).status_code == 404
    assert viewer.get(f"/w/{team.workspace.slug}/").status_code == 302


def test_a_reset_link_expires_after_24_hours(app, session, team):
    _, secret = accounts.issue_reset(session, None, team.user("viewer"))
    session.execute(sa.update(PasswordReset).values(expires_at=utcnow() - timedelta(minutes=1)))
    session.commit()
    assert app.test_client().get(f"/reset/{secret}").status_code == 404


def test_an_admin_cannot_take_over_someone_who_belongs_to_another_workspace(app, session, team):
    # The outsider belongs to Other Co only: Acme's admin has no say over their account.
    accounts.add_member(
        session,
        team.user("outsider"),
        team.other_workspace,
        "editor@example.com",
        accounts.Role.viewer,
    )
    with pytest.raises(accounts.AccountError, match="do not administer"):
        accounts.issue_reset(session, team.user("admin"), team.user("editor"))
    page = signed_in(app, "admin@example.com").get(f"/w/{team.workspace.slug}/members")
    assert 'Reset link<span class="visually-hidden"> for editor@example.com' not in page.get_data(
        True
    )


def test_the_operator_prints_a_reset_link(app, session, team):
    app.config["SERVER_NAME"] = "plan.example.com"
    result = run(app, "user", "reset-password", "viewer@example.com")
    assert result.exit_code == 0, result.output
    link = re.search(r"http://plan\.example\.com/reset/(\S+)", result.output)
    assert link and accounts.find_reset(session, link.group(1)) is not None


def test_adding_an_existing_person_never_shows_or_changes_their_password(app, session, team):
    before = session.get(User, team.user("outsider").id).password_hash
    admin = signed_in(app, "admin@example.com")
    response = admin.post(
        f"/w/{team.workspace.slug}/members",
        {"email": "outsider@example.com", "role": "viewer"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "outsider@example.com is now viewer" in page
    assert "/reset/" not in page and "password" not in page.lower().split("</header>")[1]
    session.expire_all()
    assert session.get(User, team.user("outsider").id).password_hash == before


# --- 4. Four eyes on the text -----------------------------------------------------------------


def submitted(session, team, text: str = "Spring is here"):  # type: ignore[no-untyped-def]
    content = workflow.PostContent(team.channels["x"], text, "brand", future())
    post = workflow.create_post(session, team.user("editor"), team.workspace, content)
    return workflow.submit(session, team.user("editor"), post, post.version)


def test_an_approver_who_rewrote_the_text_cannot_approve_it(app, session, team):
    post = submitted(session, team)
    rewrite = workflow.PostContent(
        post.channel, "Spring is here, buy now", "brand", post.scheduled_at
    )
    workflow.edit_post(session, team.user("approver"), post, post.version, rewrite)
    workflow.submit(session, team.user("editor"), post, post.version)
    with pytest.raises(workflow.TransitionNotAllowed, match="four eyes"):
        workflow.approve(session, team.user("approver"), post, post.version)
    # The admin, who wrote none of it, can.
    workflow.approve(session, team.user("admin"), post, post.version)
    assert post.status == Status.approved


def test_moving_a_post_is_not_writing_it(app, session, team):
    post = submitted(session, team)
    workflow.reschedule(session, team.user("approver"), post, post.version, future(5))
    workflow.submit(session, team.user("editor"), post, post.version)
    workflow.approve(session, team.user("approver"), post, post.version)
    assert post.status == Status.approved


def test_the_history_shows_who_wrote_the_text(app, session, team):
    post = submitted(session, team)
    rewrite = workflow.PostContent(
        post.channel, "Spring is really here", "brand", post.scheduled_at
    )
    workflow.edit_post(session, team.user("approver"), post, post.version, rewrite)
    page = signed_in(app, "viewer@example.com").get(f"/w/{team.workspace.slug}/posts/{post.id}")
    history = page.get_data(as_text=True).split("History", 1)[-1]
    assert history.count("(wrote the text)") == 2


# --- 5 and 6. Links from outside, headers -----------------------------------------------------


def test_a_publishers_javascript_url_is_shown_as_text_not_as_a_link(app, session, team):
    post = submitted(session, team)
    workflow.approve(session, team.user("approver"), post, post.version)
    assert workflow.claim(session, post.id, post.approved_version)
    workflow.mark_published(session, post.id, post.approved_version, "1", "javascript:alert(1)")
    page = signed_in(app, "viewer@example.com").get(f"/w/{team.workspace.slug}/posts/{post.id}")
    html = page.get_data(as_text=True)
    assert 'href="javascript:' not in html and "<code>javascript:alert(1)</code>" in html


def test_every_page_carries_a_strict_content_security_policy(app, team):
    response = signed_in(app, "editor@example.com").get(f"/w/{team.workspace.slug}/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.get_data(as_text=True)
    assert ' style="' not in response.get_data(as_text=True)


def test_the_session_cookie_is_secure_behind_https(database_url, tmp_path, monkeypatch):
    from planner import create_app

    monkeypatch.setenv("PREFERRED_URL_SCHEME", "https")
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k", "TESTING": True})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# --- 7. The sign-in throttle ------------------------------------------------------------------


def test_guessing_passwords_is_throttled(app, team):
    browser = Browser(app.test_client())
    answers = [browser.login("editor@example.com", f"guess {n}").status_code for n in range(14)]
    assert answers[:10] == [401] * 10 and set(answers[10:]) == {429}
    throttled = browser.login("editor@example.com", "guess again")
    assert "Too many attempts" in throttled.get_data(as_text=True)
    assert int(throttled.headers["Retry-After"]) > 0
    # Another person's sign-in from the same place is not blocked by the guesses.
    assert browser.login("viewer@example.com").status_code == 302


# --- 8. CSV formulas --------------------------------------------------------------------------


def test_exported_cells_never_run_as_formulas_and_import_back_as_written(app, session, team):
    texts = [
        '=HYPERLINK("http://evil.example","x")',
        "+1 555 0100",
        "-20% today",
        "@here hi",
        "'=quoted",
    ]
    for days, text in enumerate(texts, start=2):
        content = workflow.PostContent(team.channels["linkedin"], text, "brand", future(days))
        workflow.create_post(session, team.user("editor"), team.workspace, content)
    exported = (
        signed_in(app, "viewer@example.com")
        .get(f"/w/{team.workspace.slug}/bulk/export.csv")
        .get_data(as_text=True)
    )
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [r["text"] for r in rows] == [f"'{t}" for t in texts]
    # Importing the export gives the texts back as they were written.
    preview = bulk.read_import(session, team.workspace, exported)
    assert preview.errors == [] and [r.text for r in preview.rows] == texts


# --- 9 and 10. Bad input answers 4xx ----------------------------------------------------------


BIG = str(2**63 + 7)


def test_edge_requests_answer_4xx_not_500(app, session, team):
    slug = team.workspace.slug
    admin = signed_in(app, "admin@example.com")
    for url in (
        f"/w/{slug}/posts/{BIG}",
        f"/w/{slug}/posts/{BIG}/edit",
        f"/w/{slug}/channels/{BIG}/edit",
        f"/w/{slug}/posts/٣",
        f"/w/{slug}/?date=0001-01-01",
        f"/w/{slug}/?date=9999-12-31",
        f"/w/{slug}/month?month=9999-12",
        f"/w/{slug}/month?month=0001-01",
        f"/w/{slug}/bulk/export.csv?from=0001-01-01&to=9999-12-31",
        "/login?next=/%0d%0a",
    ):
        assert admin.get(url).status_code in (302, 400, 404), url
    # A malformed finding number is ignored: the week shows without a highlight.
    assert admin.get(f"/w/{slug}/?finding=²").status_code == 200
    for url in (
        f"/w/{slug}/posts/{BIG}/cancel",
        f"/w/{slug}/members/{BIG}/remove",
        f"/w/{slug}/feeds/{BIG}/revoke",
        f"/w/{slug}/api-tokens/{BIG}/revoke",
        f"/w/{slug}/approvals/approve",
    ):
        response = admin.post(url, {"version": "1", "post": "²:1"})
        assert response.status_code in (303, 400, 404), url
    for zone in (
        "x" * 300,
        "localtime",
        "posixrules",
        "Factory",
        "../../etc/passwd",
        "Europe/\x00",
    ):
        response = admin.post(f"/w/{slug}/settings", {"name": "Acme", "timezone": zone})
        assert response.status_code in (400, 422), zone


def test_hostile_characters_in_the_api_are_a_400(app, session, team):
    _, secret = tokens.create_api_token(session, team.user("editor"), team.workspace, "fuzz")
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    client = app.test_client()
    for text in ('"\\ud800"', '"a\\u0000b"'):
        channel_id = team.channels["x"].id
        body = f'{{"channel_id": {channel_id}, "text": {text}, "scheduled_at": "2031-03-03"}}'
        response = client.post("/api/v1/posts", data=body, headers=headers)
        assert response.status_code == 400 and response.get_json()["error"]["code"] == 400
    assert client.get(f"/api/v1/posts/{BIG}", headers=headers).status_code == 404
    assert client.get("/api/v1/posts?from=0001-01-01", headers=headers).status_code == 422


def test_a_nul_character_in_a_form_is_a_400(app, session, team):
    editor = signed_in(app, "editor@example.com")
    response = editor.post(
        f"/w/{team.workspace.slug}/posts/new",
        {"channel_id": str(team.channels["x"].id), "text": "a\x00b", "category": "brand",
         "date": future().date().isoformat(), "time": "10:00"},
    )  # fmt: skip
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)


def test_a_huge_body_is_a_413(app, team):
    editor = signed_in(app, "editor@example.com")
    response = editor.client.post(
        f"/w/{team.workspace.slug}/posts/new", data={"text": "x" * (20 * 1024 * 1024)}
    )
    assert response.status_code == 413


# --- 12. And the rest ----------------------------------------------------------------------


def test_a_form_sent_twice_creates_one_post(app, session, team):
    editor = signed_in(app, "editor@example.com")
    page = editor.get(f"/w/{team.workspace.slug}/posts/new").get_data(as_text=True)
    key = re.search(r'name="creation_key" type="hidden" value="([0-9a-f]{32})"', page)
    assert key, "the composer carries a one-time key"
    form = {
        "channel_id": str(team.channels["x"].id),
        "text": "Once only",
        "category": "brand",
        "date": future().date().isoformat(),
        "time": "10:00",
        "creation_key": key.group(1),
    }
    first, second = (
        editor.post(f"/w/{team.workspace.slug}/posts/new", form),
        editor.post(f"/w/{team.workspace.slug}/posts/new", form),
    )
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Post)) == 1


def test_the_publishing_page_does_not_name_the_installs_workers(app, session, team, redis_db):
    from rq import Worker

    from planner.queue import queues

    worker = Worker(queues(redis_db), connection=redis_db, name="secret-host.internal-42")
    worker.register_birth()
    try:
        page = (
            signed_in(app, "admin@example.com")
            .get(f"/w/{team.workspace.slug}/publishing/")
            .get_data(as_text=True)
        )
        assert "1 worker alive" in page and "secret-host" not in page
    finally:
        worker.register_death()


def test_only_admins_create_workspaces(app, team):
    viewer = signed_in(app, "viewer@example.com")
    assert viewer.get("/workspaces/new").status_code == 403
    assert viewer.post("/workspaces/new", {"name": "Mine", "timezone": "UTC"}).status_code == 403
    admin = signed_in(app, "admin@example.com")
    assert admin.post("/workspaces/new", {"name": "Mine", "timezone": "UTC"}).status_code == 302


def test_a_forged_host_header_never_becomes_the_feeds_address(app, session, team):
    from tests.support.feeds import subscribe

    path = subscribe(session, team)
    response = app.test_client().get(path, headers={"Host": "evil.example"})
    assert response.status_code == 503 and "SERVER_NAME" in response.get_data(as_text=True)
    honest = app.test_client().get(path, headers={"Host": "127.0.0.1:5000"})
    assert honest.status_code == 200 and b"evil.example" not in honest.get_data()
    again = app.test_client().get(path, headers={"Host": "evil.example"})
    assert again.status_code == 200 and b"evil.example" not in again.get_data()


def test_a_feed_answers_503_while_the_database_is_down(database_url, session, team, tmp_path):
    from planner import create_app
    from tests.support.feeds import subscribe

    path = subscribe(session, team)
    down = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k",
            "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/nowhere",
            "PLANNER_OUTBOX": str(tmp_path),
        }
    )
    response = down.test_client().get(path)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
