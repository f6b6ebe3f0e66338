"""Users, workspaces, members and channels: the admin side, shared by views and the CLI."""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from planner import models, secrets_box, tokens, workflow
from planner.db import utcnow
from planner.localtime import is_valid_timezone
from planner.models import (
    NETWORKS,
    AuditEvent,
    Channel,
    Membership,
    PasswordReset,
    Role,
    User,
    Workspace,
)
from planner.publishers import PUBLISHERS, Settings
from planner.publishers.outbound import TargetRefused, check_url
from planner.secrets_box import SecretsBox
from rules.staffing import StaffedHoursError, format_staffed, parse_staffed

log = logging.getLogger(__name__)


class AccountError(ValueError):
    """A request about users, members or channels that cannot be carried out as asked;
    `field` names the form field it is about, when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().lower()


PASSWORD_MIN = 8
# Long enough for any passphrase; longer ones only make hashing a denial of service.
PASSWORD_MAX = 256
RESET_VALID = timedelta(hours=24)


def check_new_password(password: str, email: str = "") -> None:
    """AccountError saying what is wrong with a new password, if anything."""
    if len(password) < PASSWORD_MIN:
        raise AccountError(f"A password needs at least {PASSWORD_MIN} characters.", "password")
    if len(password) > PASSWORD_MAX:
        raise AccountError(f"Keep the password under {PASSWORD_MAX} characters.", "password")
    if email and password.strip().lower() == email.strip().lower():
        raise AccountError("Do not use your e-mail address as your password.", "password")


def create_user(session: Session, email: str, display_name: str, password: str) -> User:
    email = normalise_email(email)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", email) or len(email) > 254:
        raise AccountError(f"'{email[:254]}' is not an email address.")
    if session.scalar(sa.select(User.id).where(User.email == email)):
        raise AccountError(f"There is already an account for {email}.")
    check_new_password(password, email)
    user = User(email=email, display_name=display_name.strip() or email.split("@")[0])
    user.set_password(password)
    session.add(user)
    session.commit()
    return user


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "workspace"


def _unique_slug(session: Session, name: str) -> str:
    base = slugify(name)[:70]
    slug, n = base, 1
    while session.scalar(sa.select(Workspace.id).where(Workspace.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_workspace(session: Session, name: str, timezone: str, owner: User) -> Workspace:
    """A new workspace whose creator is its first admin."""
    if not name.strip():
        raise AccountError("Give the workspace a name.")
    if not is_valid_timezone(timezone):
        raise AccountError(f"'{timezone}' is not an IANA timezone such as Europe/Berlin.")
    workspace = Workspace(name=name.strip(), slug=_unique_slug(session, name), timezone=timezone)
    session.add(workspace)
    session.flush()
    session.add(Membership(user_id=owner.id, workspace_id=workspace.id, role=Role.admin))
    _audit(session, workspace, owner, "workspace_created", {"name": workspace.name})
    session.commit()
    return workspace


def update_workspace(
    session: Session,
    actor: User,
    workspace: Workspace,
    name: str,
    timezone: str,
    allow_self_approval: bool,
) -> None:
    if not is_valid_timezone(timezone):
        raise AccountError(f"'{timezone}' is not an IANA timezone such as Europe/Berlin.")
    before = {
        "name": workspace.name,
        "timezone": workspace.timezone,
        "allow_self_approval": workspace.allow_self_approval,
    }
    workspace.name, workspace.timezone = name.strip(), timezone
    workspace.allow_self_approval = allow_self_approval
    after = {
        "name": workspace.name,
        "timezone": workspace.timezone,
        "allow_self_approval": workspace.allow_self_approval,
    }
    _audit(session, workspace, actor, "workspace_updated", after, before)
    session.commit()


def _audit(
    session: Session,
    workspace: Workspace,
    actor: User | None,
    action: str,
    after: dict[str, Any],
    before: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            workspace_id=workspace.id,
            actor_id=actor.id if actor else None,
            action=action,
            before=before,
            after=after,
        )
    )


def add_member(
    session: Session,
    actor: User | None,
    workspace: Workspace,
    email: str,
    role: Role,
    display_name: str = "",
) -> tuple[Membership, str | None]:
    """Add a person by email. A new account gets a one-time password, returned to show once."""
    email = normalise_email(email)
    user = session.scalar(sa.select(User).where(User.email == email))
    password = None
    if user is None:
        password = secrets.token_urlsafe(12)
        user = create_user(session, email, display_name, password)
    existing = session.scalar(
        sa.select(Membership).where(
            Membership.user_id == user.id, Membership.workspace_id == workspace.id
        )
    )
    if existing is not None:
        raise AccountError(f"{email} is already a member ({existing.role.name}).")
    membership = Membership(user_id=user.id, workspace_id=workspace.id, role=role)
    session.add(membership)
    _audit(session, workspace, actor, "member_added", {"email": email, "role": role.name})
    session.commit()
    return membership, password


def _admins(session: Session, workspace: Workspace) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count()).where(
                Membership.workspace_id == workspace.id, Membership.role == Role.admin
            )
        )
        or 0
    )


def change_role(session: Session, actor: User, membership: Membership, role: Role) -> None:
    workspace = membership.workspace
    if membership.role == Role.admin and role != Role.admin and _admins(session, workspace) <= 1:
        raise AccountError("A workspace needs at least one admin; make someone else admin first.")
    before = {"email": membership.user.email, "role": membership.role.name}
    membership.role = role
    _audit(
        session,
        workspace,
        actor,
        "member_role_changed",
        {"email": membership.user.email, "role": role.name},
        before,
    )
    session.commit()


def remove_member(session: Session, actor: User, membership: Membership) -> None:
    workspace = membership.workspace
    if membership.role == Role.admin and _admins(session, workspace) <= 1:
        raise AccountError("You cannot remove the last admin of a workspace.")
    _audit(session, workspace, actor, "member_removed", {"email": membership.user.email})
    removed = membership.user
    session.delete(membership)
    # Pages open in their browser stop working at once, not at their next sign-in.
    end_sessions(session, removed)


def save_channel(
    session: Session,
    actor: User | None,
    workspace: Workspace,
    channel: Channel | None,
    *,
    network: str,
    name: str,
    handle: str = "",
    publisher_kind: str = "outbox",
    target_url: str = "",
    secret: str | None = None,
    clear_secret: bool = False,
    publishing: Settings | None = None,
    staffed_hours: str | None = None,
) -> Channel:
    """Create a channel (channel=None) or update one. An empty secret keeps the stored one.

    `publishing` (the app's publisher settings) seals the secret and says whether private
    target addresses are allowed; it is needed whenever a secret or a URL is given.

    A channel that needs reconnecting is reconnected by a change of how it signs in (a new
    secret, handle, URL or publisher): its held posts go out, or are marked missed when held
    past the grace period (workflow.channel_reconnected).
    """
    if network not in NETWORKS:
        raise AccountError(f"Unknown network '{network}'; choose one of {', '.join(NETWORKS)}.")
    publisher = PUBLISHERS.get(publisher_kind)
    if publisher is None:
        raise AccountError(f"Unknown publisher '{publisher_kind}'.")
    name = name.strip()
    if not name:
        raise AccountError("Name the channel.")
    target_url = target_url.strip()
    if (secret or target_url) and publishing is None:
        raise ValueError("publisher settings are needed to store a secret or a URL")
    if target_url and publishing is not None:
        try:
            check_url(target_url, allow_private=publishing.allow_private)
        except TargetRefused as error:
            raise AccountError(f"That URL cannot be used: {error}.", "target_url") from error
    elif publisher.needs_url:
        raise AccountError(f"The {publisher_kind} publisher needs a URL.", "target_url")
    handle = handle.strip()
    if publisher.needs_handle and not handle:
        raise AccountError(
            f"The {publisher_kind} publisher signs in as the channel's handle: enter the "
            "account's handle (for example acme.bsky.social).",
            "handle",
        )
    staffed: str | None = None
    if staffed_hours is not None and staffed_hours.strip():
        try:
            staffed = format_staffed(parse_staffed(staffed_hours))
        except StaffedHoursError as error:
            raise AccountError(
                f"Staffed hours: {'; '.join(error.problems)}.", "staffed_hours"
            ) from error
    clash = session.scalar(
        sa.select(Channel.id).where(Channel.workspace_id == workspace.id, Channel.name == name)
    )
    if clash and (channel is None or clash != channel.id):
        raise AccountError(f"This workspace already has a channel called '{name}'.")
    created = channel is None
    if channel is None:
        channel = Channel(workspace_id=workspace.id)
        session.add(channel)
    sign_in_before = (
        channel.publisher_kind,
        channel.handle,
        (channel.publisher_settings or {}).get("url", ""),
    )
    channel.network, channel.name, channel.handle = network, name, handle
    channel.publisher_kind = publisher_kind
    if staffed_hours is not None:
        channel.staffed_hours = staffed
    channel.publisher_settings = {"url": target_url} if target_url else {}
    if clear_secret:
        channel.publisher_secret = None
    elif secret and publishing is not None:
        channel.publisher_secret = publishing.box.seal(secret)
    reconnects = bool(secret) or sign_in_before != (publisher_kind, handle, target_url)
    session.flush()
    # The secret itself never goes into the audit trail, only whether one is set.
    _audit(
        session,
        workspace,
        actor,
        "channel_created" if created else "channel_updated",
        {
            "channel": name,
            "network": network,
            "publisher": publisher_kind,
            "has_secret": channel.has_secret,
            "staffed_hours": channel.staffed_hours or "office hours",
        },
    )
    session.commit()
    if not created and reconnects and channel.needs_reconnecting:
        grace = publishing.grace if publishing is not None else Settings.grace
        workflow.channel_reconnected(
            session, channel, actor, grace, "the channel's sign-in settings were changed"
        )
    return channel


def reseal_secrets(session: Session, box: SecretsBox, rotate: bool = False) -> int:
    """Encrypt the publisher secrets stored in plain text (all of them with `rotate`, with
    the newest key); returns how many were written."""
    count = 0
    for channel in session.scalars(sa.select(Channel).where(Channel.publisher_secret.is_not(None))):
        stored = channel.publisher_secret
        if rotate or not (stored or "").startswith(secrets_box.PREFIX):
            channel.publisher_secret = box.reseal(stored)
            count += 1
    # A workspace's Slack webhook URL is a secret too (planner/notifications.py).
    for workspace in session.scalars(
        sa.select(Workspace).where(Workspace.slack_webhook.is_not(None))
    ):
        if rotate:
            workspace.slack_webhook = box.reseal(workspace.slack_webhook)
            count += 1
    session.commit()
    return count


def update_rule_settings(
    session: Session, actor: User, workspace: Workspace, settings: dict[str, Any]
) -> None:
    """Store validated rule settings (preset, thresholds, disabled rules, channel caps)."""
    before = {"preset": workspace.rule_preset, **(workspace.rule_overrides or {})}
    workspace.rule_preset = settings["preset"]
    workspace.rule_overrides = {k: v for k, v in settings.items() if k != "preset"}
    _audit(session, workspace, actor, "rules_updated", settings, before)
    session.commit()


# --- Signing in, passwords and sessions ---------------------------------------------------------

_DUMMY_HASHES: dict[str, str] = {}


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The account with this e-mail and password, or None. An unknown e-mail costs the same
    password hashing as a known one, so the answer time does not tell them apart."""
    user = session.scalar(sa.select(User).where(User.email == normalise_email(email)[:254]))
    if user is None:
        method = models.PASSWORD_HASH_METHOD
        if method not in _DUMMY_HASHES:
            _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(8), method=method)
        check_password_hash(_DUMMY_HASHES[method], password)
        return None
    return user if user.check_password(password) else None


def end_sessions(session: Session, user: User) -> None:
    """End every session of the user, on every device (sign-out, a new password)."""
    user.session_version = (user.session_version or 0) + 1
    session.commit()


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Set a new password, the current one being given; every other session ends."""
    if not user.check_password(current):
        raise AccountError("That is not your current password.", "current")
    check_new_password(new, user.email)
    user.set_password(new)
    log.info("account=password_changed user=%s", user.id)
    end_sessions(session, user)


def may_issue_reset(session: Session, actor: User, user: User) -> bool:
    """An admin may issue a reset link for someone only when they administer every workspace
    that person belongs to: otherwise the admin of a small workspace could take over the
    account of an admin of a larger one."""
    if actor.id == user.id:
        return False
    theirs = set(
        session.scalars(sa.select(Membership.workspace_id).where(Membership.user_id == user.id))
    )
    ruled = set(
        session.scalars(
            sa.select(Membership.workspace_id).where(
                Membership.user_id == actor.id, Membership.role == Role.admin
            )
        )
    )
    return bool(theirs) and theirs <= ruled


def issue_reset(
    session: Session, actor: User | None, user: User, now: datetime | None = None
) -> tuple[PasswordReset, str]:
    """A one-time link secret to set a new password, valid RESET_VALID; earlier unused links
    of the person stop working. `actor` None: an operator on the command line."""
    if actor is not None and not may_issue_reset(session, actor, user):
        raise AccountError(
            f"You cannot issue a reset link for {user.email}: they belong to a workspace you "
            "do not administer. An operator can, with `planner user reset-password`."
        )
    now = now or utcnow()
    session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(revoked_at=now)
    )
    secret, digest = tokens.new_secret()
    reset = PasswordReset(
        user_id=user.id,
        token_hash=digest,
        created_by_id=actor.id if actor else None,
        created_at=now,
        expires_at=now + RESET_VALID,
    )
    session.add(reset)
    session.commit()
    return reset, secret


def find_reset(session: Session, secret: str, now: datetime | None = None) -> PasswordReset | None:
    """The live reset of this secret, or None (unknown, used, revoked or expired alike)."""
    reset = session.scalar(
        sa.select(PasswordReset).where(PasswordReset.token_hash == tokens.hash_of(secret))
    )
    if reset is None or not tokens.is_active(reset, secret) or reset.used_at is not None:
        return None
    return reset if reset.expires_at > (now or utcnow()) else None


def complete_reset(session: Session, secret: str, password: str) -> User:
    """Set the new password of a live reset link; the link is used up and every session of
    the person ends."""
    reset = find_reset(session, secret)
    if reset is None:
        raise AccountError("This link is no longer valid; ask an admin for a new one.")
    user = reset.user
    check_new_password(password, user.email)
    user.set_password(password)
    reset.used_at = utcnow()
    log.info("account=password_reset user=%s reset=%s", user.id, reset.id)
    end_sessions(session, user)
    return user
