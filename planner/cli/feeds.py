"""`planner feed-token`: calendar feed subscriptions from the command line."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app, url_for
from flask.cli import AppGroup

from planner import feeds
from planner.cli.params import WORKSPACE
from planner.db import db
from planner.models import Channel, FeedToken, Workspace

feed_token = AppGroup("feed-token", help="Calendar feed subscriptions (secret iCal URLs).")


def _base_url(workspace: Workspace, given: str | None) -> str:
    base = (
        given
        or feeds.configured_base_url(current_app.config)
        or feeds.sticky_base_url(db.session, workspace.id)
    )
    if not base:
        raise click.ClickException(
            "the site's address is unknown: pass --base-url https://planner.example.com "
            "or set SERVER_NAME (and PREFERRED_URL_SCHEME)"
        )
    if not base.startswith(("https://", "http://")):
        raise click.ClickException("--base-url must start with https:// (or http://)")
    return base.rstrip("/")


@feed_token.command("create")
@click.option("--workspace", type=WORKSPACE, required=True, help="The workspace's slug.")
@click.option("--label", required=True, help="Who or what the subscription is for.")
@click.option(
    "--channel",
    "channel_names",
    multiple=True,
    help="Only this channel (by name); repeat for several. Default: all channels.",
)
@click.option("--approved-only", is_flag=True, help="Only approved and published posts.")
@click.option("--base-url", default=None, help="The site's address (default: SERVER_NAME).")
def create(
    workspace: Workspace,
    label: str,
    channel_names: tuple[str, ...],
    approved_only: bool,
    base_url: str | None,
) -> None:
    """Create a subscription and print its URL. The URL is shown this once only."""
    slug = workspace.slug
    base = _base_url(workspace, base_url)
    channels = {
        name: channel_id
        for channel_id, name in db.session.execute(
            sa.select(Channel.id, Channel.name).where(Channel.workspace_id == workspace.id)
        )
    }
    missing = [name for name in channel_names if name not in channels]
    if missing:
        known = ", ".join(sorted(channels)) or "none"
        raise click.ClickException(f"no channel {', '.join(missing)} in {slug} (channels: {known})")
    try:
        token, secret = feeds.create_token(
            db.session,
            workspace,
            None,
            label,
            [channels[name] for name in channel_names],
            approved_only,
        )
    except feeds.FeedError as error:
        raise click.ClickException(str(error)) from error
    with current_app.test_request_context(base_url=base):
        url = url_for("feeds.feed", token=secret, _external=True)
    links = feeds.SubscriptionLinks.for_url(url)
    shows = feeds.FeedFilter.from_json(token.filters).describe({v: k for k, v in channels.items()})
    click.echo(f"created feed token {token.id} '{token.label}' in {slug}: {shows}")
    click.echo(f"url:    {links.https}")
    click.echo(f"webcal: {links.webcal}")
    click.echo(f"google: {links.google}")
    click.echo("The URL is shown only now; anyone who has it can read the plan.")


@feed_token.command("revoke")
@click.option("--workspace", type=WORKSPACE, required=True, help="The workspace's slug.")
@click.argument("token_id", type=int)
def revoke(workspace: Workspace, token_id: int) -> None:
    """Revoke a subscription by its number (as `create` printed it)."""
    slug = workspace.slug
    token = db.session.get(FeedToken, token_id)
    if token is None or token.workspace_id != workspace.id:
        raise click.ClickException(f"no feed token {token_id} in {slug}")
    feeds.revoke_token(db.session, token)
    click.echo(f"revoked feed token {token.id} '{token.label}' in {slug}")
