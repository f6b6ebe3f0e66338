"""The `planner` command: a Flask CLI group."""

from __future__ import annotations

import logging
import secrets
import sys
import threading
from urllib.parse import urlsplit, urlunsplit

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from planner import accounts, migrate
from planner.config import instance_path
from planner.db import db
from planner.models import Role, User, Workspace


def _create_app():  # type: ignore[no-untyped-def]
    from planner import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Planner: a content calendar for social media teams."""


@click.group("db", cls=AppGroup)
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


@click.group("user", cls=AppGroup)
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


@click.group("workspace", cls=AppGroup)
def workspace_group() -> None:
    """Workspaces (one per brand)."""


@workspace_group.command("create")
@click.argument("name")
@click.option("--timezone", "timezone", default="UTC", show_default=True)
@click.option("--owner", required=True, help="Email of an existing user; becomes admin.")
def workspace_create(name: str, timezone: str, owner: str) -> None:
    """Create a workspace with OWNER as its admin."""
    user = db.session.scalar(sa.select(User).where(User.email == accounts.normalise_email(owner)))
    if user is None:
        raise click.ClickException(f"no user {owner}; create it with 'planner user create'")
    try:
        workspace = accounts.create_workspace(db.session, name, timezone, user)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created workspace {workspace.slug} ({workspace.timezone})")


@workspace_group.command("add-member")
@click.option("--workspace", "slug", required=True)
@click.option("--email", required=True)
@click.option("--role", type=click.Choice([r.name for r in Role]), default="editor")
def workspace_add_member(slug: str, email: str, role: str) -> None:
    """Add a person to a workspace (a new account gets a printed one-time password)."""
    workspace = _workspace(slug)
    try:
        _, password = accounts.add_member(db.session, None, workspace, email, Role[role])
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{email} is {role} in {slug}")
    if password:
        click.echo(f"password: {password}")


def _workspace(slug: str) -> Workspace:
    workspace = db.session.scalar(sa.select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        raise click.ClickException(f"no workspace '{slug}'")
    return workspace


@click.group("channel", cls=AppGroup)
def channel_group() -> None:
    """Channels of a workspace."""


@channel_group.command("add")
@click.option("--workspace", "slug", required=True)
@click.option("--network", required=True)
@click.option("--name", required=True)
@click.option("--handle", default="")
@click.option("--publisher", default="outbox", show_default=True)
@click.option("--url", "target_url", default="", help="Webhook URL or Mastodon instance.")
@click.option("--secret-from-env", default=None, help="Read the secret from this variable.")
def channel_add(
    slug: str,
    network: str,
    name: str,
    handle: str,
    publisher: str,
    target_url: str,
    secret_from_env: str | None,
) -> None:
    """Add a channel. Secrets come from the environment, never from the command line."""
    import os

    secret = os.environ.get(secret_from_env) if secret_from_env else None
    try:
        channel = accounts.save_channel(
            db.session,
            None,
            _workspace(slug),
            None,
            network=network,
            name=name,
            handle=handle,
            publisher_kind=publisher,
            target_url=target_url,
            secret=secret,
        )
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"added channel {channel.name} ({channel.network}) to {slug}")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Seed a demo workspace (idempotent) and print how to sign in."""
    from planner import demo

    demo.seed(db.session, instance_path(), echo=click.echo)


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option(
    "--fork/--no-fork",
    default=False,
    show_default=True,
    help="Run each job in a forked work horse (isolation, about 6 times slower here) or in "
    "the worker itself.",
)
def worker_command(burst: bool, fork: bool) -> None:
    """Run an RQ worker (with RQ's scheduler) on the publish, feeds and default queues.

    Waits for Redis if it does not answer yet, so `make run` works before Redis is up.
    """
    import time

    import redis
    from rq import SimpleWorker, Worker

    from workers.queues import connect, queues

    # Our jobs log key=value lines (job=publish post=42 outcome=...) beside RQ's own.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    url = str(current_app.config["REDIS_URL"])
    connection = connect(url)
    while True:
        try:
            connection.ping()
            break
        except redis.RedisError as error:
            if burst:
                raise click.ClickException(f"Redis does not answer: {error}") from error
            click.echo(f"worker: waiting for Redis ({error}); retrying in 5 s", err=True)
            time.sleep(5)
    names = ", ".join(q.name for q in queues(connection))
    click.echo(f"worker: listening on {names} at {_hide_password(url)}")
    # Jobs run in the worker itself by default: a fork per job cost about 100 ms here, and
    # 1,000 posts due in one minute then took two workers 2 minutes instead of 20 s
    # (bench/publish.py). Either way a crash mid-job is safe: the sweeper's lease settles it.
    worker_class = Worker if fork else SimpleWorker
    worker = worker_class(queues(connection), connection=connection)
    stop = threading.Event()
    if not burst:
        from workers.publish import sweep_forever

        app = current_app._get_current_object()  # type: ignore[attr-defined]
        threading.Thread(target=sweep_forever, args=(app, stop), daemon=True).start()
    try:
        ok = worker.work(with_scheduler=True, burst=burst)
    finally:
        stop.set()
    sys.exit(0 if ok or burst else 1)


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _commands() -> list[click.Command]:
    from planner import cli_bulk, cli_feeds, cli_posts, cli_rules

    return [
        db_group,
        user_group,
        workspace_group,
        channel_group,
        demo_command,
        worker_command,
        cli_rules.check,
        cli_rules.classify,
        cli_feeds.feed_token,
        cli_bulk.export_command,
        cli_bulk.import_command,
        cli_posts.post_group,
    ]


for _command in _commands():
    main.add_command(_command)


def init_app(app: Flask) -> None:
    """Make the same commands available as `flask --app wsgi ...`."""
    for command in _commands():
        app.cli.add_command(command)
