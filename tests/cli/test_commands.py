"""The `planner` command, run as an operator runs it."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from planner import demo
from planner.cli import main
from planner.models import Channel, Membership, Post, Role, Status, User, Workspace
from planner.secrets_box import SecretsBox
from tests.conftest import REDIS_URL


def _run(app, *args: str):  # type: ignore[no-untyped-def]
    result = FlaskCliRunner(app).invoke(main, args=list(args))
    return result


def test_an_operator_creates_a_user_a_workspace_and_a_channel(app, session, monkeypatch):
    created = _run(app, "user", "create", "Ana@Example.com", "--name", "Ana")
    assert created.exit_code == 0, created.output
    password = created.output.split("password: ")[1].strip()
    user = session.scalars(sa.select(User).where(User.email == "ana@example.com")).one()
    assert user.check_password(password)

    result = _run(
        app,
        "workspace",
        "create",
        "Acme Roasters",
        "--timezone",
        "America/New_York",
        "--owner",
        "ana@example.com",
    )
    assert result.exit_code == 0 and "acme-roasters" in result.output
    workspace = session.scalars(sa.select(Workspace)).one()
    assert workspace.timezone == "America/New_York"
    assert session.scalars(sa.select(Membership.role)).one() == Role.admin

    monkeypatch.setenv("HOOK_SECRET", "from-the-environment")
    result = _run(
        app,
        "channel",
        "add",
        "--workspace",
        "acme-roasters",
        "--network",
        "mastodon",
        "--name",
        "Toots",
        "--publisher",
        "webhook",
        "--url",
        "http://127.0.0.1:9/h",
        "--secret-from-env",
        "HOOK_SECRET",
    )
    assert result.exit_code == 0, result.output
    assert "from-the-environment" not in result.output
    channel = session.scalars(sa.select(Channel)).one()
    # Stored encrypted; the app's key opens it.
    assert channel.network == "mastodon"
    assert "from-the-environment" not in channel.publisher_secret
    box = SecretsBox.from_config(app.config)
    assert box.open(channel.publisher_secret) == "from-the-environment"


def test_bad_input_gets_a_message_and_a_nonzero_exit(app, session):
    assert _run(app, "user", "create", "nobody").exit_code != 0
    _run(app, "user", "create", "ana@example.com", "--password", "long enough pass")
    duplicate = _run(app, "user", "create", "ana@example.com")
    assert duplicate.exit_code == 1 and "already an account" in duplicate.output
    bad_zone = _run(
        app, "workspace", "create", "X", "--timezone", "Mars/Base", "--owner", "ana@example.com"
    )
    assert bad_zone.exit_code == 1 and "IANA timezone" in bad_zone.output
    no_owner = _run(app, "workspace", "create", "X", "--owner", "ghost@example.com")
    # An unknown workspace or person is a bad value of its option: a usage error (exit 2).
    assert no_owner.exit_code == 2 and "no user ghost@example.com" in no_owner.output
    assert "--owner" in no_owner.output
    no_ws = _run(app, "channel", "add", "--workspace", "nope", "--network", "x", "--name", "X")
    assert no_ws.exit_code == 2 and "no workspace 'nope'" in no_ws.output


def test_the_demo_is_idempotent_and_prints_how_to_sign_in(app, session, tmp_path):
    app.config["PLANNER_INSTANCE"] = str(tmp_path)
    first = _run(app, "demo")
    assert first.exit_code == 0, first.output
    assert "sign in as editor@example.com with password" in first.output
    posts = session.scalar(sa.select(sa.func.count()).select_from(Post))
    second = _run(app, "demo")
    assert second.exit_code == 0 and "already exists" in second.output
    assert second.output.count("sign in as") == 3
    assert session.scalar(sa.select(sa.func.count()).select_from(Post)) == posts
    assert posts >= 35
    passwords = json.loads(demo.credentials_file(tmp_path).read_text())
    editor = session.scalars(sa.select(User).where(User.email == "editor@example.com")).one()
    assert editor.check_password(passwords["editor@example.com"])
    statuses = set(session.scalars(sa.select(Post.status)))
    assert {Status.approved, Status.in_review, Status.draft} <= statuses
    assert session.scalar(sa.select(sa.func.count()).select_from(Channel)) == 3


def test_db_upgrade_brings_a_new_database_to_the_latest_schema(tmp_path):
    from planner import create_app

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x"})
    result = _run(app, "db", "upgrade")
    assert result.exit_code == 0, result.output
    tables = set(sa.inspect(sa.create_engine(url)).get_table_names())
    assert {
        "users",
        "workspaces",
        "memberships",
        "channels",
        "posts",
        "comments",
        "audit_events",
        "feed_tokens",
        "alembic_version",
    } <= tables


def test_the_worker_runs_queued_jobs_in_burst_mode(app, redis_db):
    from rq import Queue

    queue = Queue("default", connection=redis_db)
    job = queue.enqueue("builtins.len", "four")
    app.config["REDIS_URL"] = REDIS_URL
    result = _run(app, "worker", "--burst")
    assert result.exit_code == 0, result.output
    job.refresh()
    assert job.is_finished and job.return_value() == 4


def test_the_review_workflow_from_the_command_line_obeys_the_same_rules(app, session, team):
    from planner import workflow
    from tests.conftest import future

    content = workflow.PostContent(team.channels["x"], "From the shell", "educational", future())
    post = workflow.create_post(session, team.user("editor"), team.workspace, content)
    submitted = _run(app, "post", "submit", str(post.id), "--as", "editor@example.com")
    assert submitted.exit_code == 0 and "is in review (version 2)" in submitted.output
    by_viewer = _run(app, "post", "approve", str(post.id), "--as", "viewer@example.com")
    assert by_viewer.exit_code == 1 and "needs the approver role" in by_viewer.output
    by_author = _run(app, "post", "approve", str(post.id), "--as", "editor@example.com")
    assert by_author.exit_code == 1
    sent_back = _run(
        app,
        "post",
        "request-changes",
        str(post.id),
        "--as",
        "approver@example.com",
        "--comment",
        "Add a link",
    )
    assert sent_back.exit_code == 0 and "changes requested" in sent_back.output
    _run(app, "post", "submit", str(post.id), "--as", "editor@example.com")
    approved = _run(app, "post", "approve", str(post.id), "--as", "approver@example.com")
    assert approved.exit_code == 0 and "is approved" in approved.output
    listing = _run(app, "post", "list", "--workspace", team.workspace.slug, "--status", "approved")
    assert f"{post.id}\tv" in listing.output and "From the shell" in listing.output
    missing = _run(app, "post", "cancel", "999999", "--as", "editor@example.com")
    assert missing.exit_code == 1 and "no post 999999" in missing.output
