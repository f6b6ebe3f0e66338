"""Users, workspaces, members and channels: the admin side, shared by views and the CLI."""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from planner.localtime import is_valid_timezone
from planner.models import (
    NETWORKS,
    AuditEvent,
    Channel,
    Membership,
    Role,
    User,
    Workspace,
)
from planner.publishers import PUBLISHERS


class AccountError(ValueError):
    """A request about users, members or channels that cannot be carried out as asked."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(session: Session, email: str, display_name: str, password: str) -> User:
    email = normalise_email(email)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", email):
        raise AccountError(f"'{email}' is not an email address.")
    if session.scalar(sa.select(User.id).where(User.email == email)):
        raise AccountError(f"There is already an account for {email}.")
    if len(password) < 8:
        raise AccountError("A password needs at least 8 characters.")
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
    session.delete(membership)
    session.commit()


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
) -> Channel:
    """Create a channel (channel=None) or update one. An empty secret keeps the stored one."""
    if network not in NETWORKS:
        raise AccountError(f"Unknown network '{network}'; choose one of {', '.join(NETWORKS)}.")
    if publisher_kind not in PUBLISHERS:
        raise AccountError(f"Unknown publisher '{publisher_kind}'.")
    name = name.strip()
    if not name:
        raise AccountError("Name the channel.")
    clash = session.scalar(
        sa.select(Channel.id).where(Channel.workspace_id == workspace.id, Channel.name == name)
    )
    if clash and (channel is None or clash != channel.id):
        raise AccountError(f"This workspace already has a channel called '{name}'.")
    created = channel is None
    if channel is None:
        channel = Channel(workspace_id=workspace.id)
        session.add(channel)
    channel.network, channel.name, channel.handle = network, name, handle.strip()
    channel.publisher_kind = publisher_kind
    channel.publisher_settings = {"url": target_url.strip()} if target_url.strip() else {}
    if clear_secret:
        channel.publisher_secret = None
    elif secret:
        channel.publisher_secret = secret
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
        },
    )
    session.commit()
    return channel


def update_rule_settings(
    session: Session, actor: User, workspace: Workspace, settings: dict[str, Any]
) -> None:
    """Store validated rule settings (preset, thresholds, disabled rules, channel caps)."""
    before = {"preset": workspace.rule_preset, **(workspace.rule_overrides or {})}
    workspace.rule_preset = settings["preset"]
    workspace.rule_overrides = {k: v for k, v in settings.items() if k != "preset"}
    _audit(session, workspace, actor, "rules_updated", settings, before)
    session.commit()
