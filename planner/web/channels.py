"""Channels of a workspace (admins add and edit them)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, url_for
from flask_login import current_user, login_required

from planner import accounts, connections
from planner.db import db
from planner.models import Channel
from planner.publishers import Settings
from planner.web.access import channel_in, channels_of, workspace_access
from planner.web.forms import ChannelForm
from rules.model import TEXT_LIMITS

bp = Blueprint("channels", __name__, url_prefix="/w/<slug>/channels")


@bp.route("/")
@login_required
def index(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug)
    channels = channels_of(access)
    return access.render(
        "channels/index.html",
        channels=channels,
        limits=TEXT_LIMITS,
    )


def _save(slug: str, channel: Channel | None):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "manage_channels")
    form = ChannelForm(obj=channel) if channel else ChannelForm()
    if channel is not None and not form.is_submitted():
        form.target_url.data = channel.publisher_settings.get("url", "")
        form.staffed_hours.data = channel.staffed_hours or ""
    if form.validate_on_submit():
        try:
            saved = accounts.save_channel(
                db.session,
                current_user,
                access.workspace,
                channel,
                network=form.network.data or "",
                name=form.name.data or "",
                handle=form.handle.data or "",
                publisher_kind=form.publisher_kind.data or "",
                target_url=form.target_url.data or "",
                secret=form.secret.data or None,
                clear_secret=bool(form.clear_secret.data),
                staffed_hours=form.staffed_hours.data or "",
                publishing=Settings.from_config(current_app.config),
            )
        except accounts.AccountError as error:
            db.session.rollback()
            fields = {
                "target_url": form.target_url,
                "handle": form.handle,
                "staffed_hours": form.staffed_hours,
            }
            field = fields.get(error.field or "", form.name)
            field.errors = [*field.errors, str(error)]
        else:
            flash(f"Channel '{saved.name}' saved.", "success")
            return redirect(url_for("channels.index", slug=slug))
    # Secrets are write-only: never send the stored value (or what was typed) back.
    form.secret.data = ""
    return access.render(
        "channels/edit.html",
        form=form,
        channel=channel,
    ), (422 if form.errors else 200)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(slug: str):  # type: ignore[no-untyped-def]
    return _save(slug, None)


@bp.route("/<int:channel_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, channel_id: int):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "manage_channels")
    return _save(slug, channel_in(access, channel_id))


@bp.route("/<int:channel_id>/test", methods=["POST"])
@login_required
def test(slug: str, channel_id: int):  # type: ignore[no-untyped-def]
    """The channel's "Test connection": checks the settings and the login, publishes nothing.
    A refused login marks the channel "needs reconnecting"; a passing test reconnects it."""
    access = workspace_access(slug, "manage_channels")
    channel = channel_in(access, channel_id)
    was_marked = channel.needs_reconnecting
    result = connections.check(
        db.session, channel, Settings.from_config(current_app.config), current_user
    )
    if result.ok:
        message = f"{channel.name}: {result.message}."
        if was_marked:
            message += (
                f" The channel is reconnected: {result.released} held "
                f"post{'' if result.released == 1 else 's'} going out now (posts held past "
                "the grace period are marked missed)."
            )
        flash(message, "success")
    elif result.login_rejected:
        flash(
            f"{channel.name}: the connection test failed: {result.message}. The channel "
            "needs reconnecting: its due posts are held until a test passes or a new secret "
            "is saved.",
            "error",
        )
    elif result.temporary:
        flash(f"{channel.name}: {result.message}. Nothing changed; try again later.", "error")
    else:
        flash(f"{channel.name}: the connection test failed: {result.message}", "error")
    return redirect(url_for("channels.edit", slug=slug, channel_id=channel.id)), 303
