"""The `planner` command: a Flask CLI group, one module per command group.

`planner worker` comes from workers/cli.py through Flask's `flask.commands` entry point, so
this package never imports `workers/`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import IO, Any

import click
import sqlalchemy as sa
from flask import Flask, current_app, url_for
from flask.cli import AppGroup, FlaskGroup, NoAppException, with_appcontext

from planner import accounts, connections, create_app, demo, migrate
from planner.cli import bulk, check, feeds, health, posts
from planner.cli.params import USER, WORKSPACE
from planner.config import ConfigurationError
from planner.db import db
from planner.feeds import configured_base_url
from planner.models import Channel, Role, User, Workspace
from planner.publishers import Settings
from planner.secrets_box import SecretsBox, SecretUnreadable


class SettingMissing(NoAppException):
    """A setting production needs is missing: the message alone, exit code 1. (Flask's
    command list prints a traceback for any other error while loading the app.)"""

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True, file=file)


def _app() -> Flask:
    try:
        return create_app()
    except ConfigurationError as error:
        raise SettingMissing(str(error)) from error


@click.group(cls=FlaskGroup, create_app=_app, add_default_commands=True)
def main() -> None:
    """Planner: a content calendar for social media teams."""


@main.group("db", cls=AppGroup)
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or migrate the database to the latest schema."""
    url = str(current_app.config["DATABASE_URL"])
    migrate.upgrade(url, revision)
    click.echo(
        f"database is at {revision}: {sa.make_url(url).render_as_string(hide_password=True)}"
    )
    if revision == "head":
        # Secrets stored before they were encrypted are sealed now.
        sealed = accounts.reseal_secrets(db.session, SecretsBox.from_config(current_app.config))
        if sealed:
            click.echo(f"encrypted {sealed} publisher secret(s) stored in plain text")


@main.group("secrets", cls=AppGroup)
def secrets_group() -> None:
    """Publisher secrets at rest."""


@secrets_group.command("reencrypt")
def secrets_reencrypt() -> None:
    """Seal every publisher secret with the newest key of PLANNER_SECRETS_KEYS (after putting
    a new key first); then the old key can be dropped."""
    box = SecretsBox.from_config(current_app.config)
    try:
        count = accounts.reseal_secrets(db.session, box, rotate=True)
    except SecretUnreadable as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"re-encrypted {count} publisher secret(s) with the newest key")


@main.group("user", cls=AppGroup)
def user_group() -> None:
    """Accounts."""


@user_group.command("create")
@click.argument("email")
@click.option("--name", default="", help="Display name (default: the part before @).")
@click.option("--password", default=None, help="Default: a generated one, printed once.")
def user_create(email: str, name: str, password: str | None) -> None:
    """Create an account."""
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        user = accounts.create_user(db.session, email, name, password)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created user {user.email}")
    if generated:
        click.echo(f"password: {password}")


@user_group.command("reset-password")
@click.argument("user", type=USER)
@click.option("--base-url", default=None, help="The site's address (default: SERVER_NAME).")
def user_reset_password(user: User, base_url: str | None) -> None:
    """Print a one-time link (valid 24 hours) for USER to set a new password."""
    base = base_url or configured_base_url(current_app.config)
    if not base or not base.startswith(("https://", "http://")):
        raise click.ClickException(
            "the site's address is unknown: pass --base-url https://planner.example.com "
            "or set SERVER_NAME (and PREFERRED_URL_SCHEME)"
        )
    _, secret = accounts.issue_reset(db.session, None, user)
    with current_app.test_request_context(base_url=base.rstrip("/")):
        link = url_for("auth.reset_password", token=secret, _external=True)
    click.echo(f"reset link for {user.email} (valid 24 hours, works once):")
    click.echo(link)


@main.group("workspace", cls=AppGroup)
def workspace_group() -> None:
    """Workspaces (one per brand)."""


@workspace_group.command("create")
@click.argument("name")
@click.option("--timezone", "timezone", default="UTC", show_default=True)
@click.option("--owner", type=USER, required=True, help="Email of an existing user; becomes admin.")
def workspace_create(name: str, timezone: str, owner: User) -> None:
    """Create a workspace with OWNER as its admin."""
    try:
        workspace = accounts.create_workspace(db.session, name, timezone, owner)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created workspace {workspace.slug} ({workspace.timezone})")


@workspace_group.command("add-member")
@click.option("--workspace", type=WORKSPACE, required=True)
@click.option("--email", required=True)
@click.option("--role", type=click.Choice([r.name for r in Role]), default="editor")
def workspace_add_member(workspace: Workspace, email: str, role: str) -> None:
    """Add a person to a workspace (a new account gets a printed one-time password)."""
    try:
        _, password = accounts.add_member(db.session, None, workspace, email, Role[role])
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{email} is {role} in {workspace.slug}")
    if password:
        click.echo(f"password: {password}")


@main.group("channel", cls=AppGroup)
def channel_group() -> None:
    """Channels of a workspace."""


@channel_group.command("add")
@click.option("--workspace", type=WORKSPACE, required=True)
@click.option("--network", required=True)
@click.option("--name", required=True)
@click.option("--handle", default="")
@click.option("--publisher", default="outbox", show_default=True)
@click.option(
    "--url",
    "target_url",
    default="",
    help="Webhook URL, Mastodon instance or Bluesky server (empty: https://bsky.social).",
)
@click.option("--secret-from-env", default=None, help="Read the secret from this variable.")
def channel_add(
    workspace: Workspace,
    network: str,
    name: str,
    handle: str,
    publisher: str,
    target_url: str,
    secret_from_env: str | None,
) -> None:
    """Add a channel. Secrets come from the environment, never from the command line."""
    secret = os.environ.get(secret_from_env) if secret_from_env else None
    try:
        channel = accounts.save_channel(
            db.session,
            None,
            workspace,
            None,
            network=network,
            name=name,
            handle=handle,
            publisher_kind=publisher,
            target_url=target_url,
            secret=secret,
            publishing=Settings.from_config(current_app.config),
        )
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"added channel {channel.name} ({channel.network}) to {workspace.slug}")


@channel_group.command("check")
@click.option("--workspace", type=WORKSPACE, required=True)
@click.argument("name")
def channel_check(workspace: Workspace, name: str) -> None:
    """Test a channel's connection now, as its "Test connection" button does: a refused
    login marks it "needs reconnecting", a pass reconnects it. Exits 1 when it fails."""
    channel = db.session.scalar(
        sa.select(Channel).where(Channel.workspace_id == workspace.id, Channel.name == name)
    )
    if channel is None:
        raise click.ClickException(f"{workspace.slug} has no channel called '{name}'")
    result = connections.check(db.session, channel, Settings.from_config(current_app.config))
    click.echo(f"{channel.name}: {result.outcome}: {result.message}")
    if result.released:
        click.echo(f"reconnected: {result.released} held post(s) going out")
    if not result.ok:
        raise SystemExit(1)


@main.command("demo")
@with_appcontext
def demo_command() -> None:
    """Seed a demo workspace (idempotent) and print how to sign in."""
    demo.seed(db.session, Path(current_app.config["PLANNER_INSTANCE"]), echo=click.echo)


for _command in (
    check.check,
    check.classify,
    feeds.feed_token,
    health.health_command,
    bulk.export_command,
    bulk.import_command,
    posts.post_group,
):
    main.add_command(_command)
