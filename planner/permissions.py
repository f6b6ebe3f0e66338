"""Roles and what each may do: the one place where access is decided."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from planner.models import Membership, Role, User, Workspace

# The least role each action needs. Every view, the CLI and the workers ask `allowed`.
ACTIONS: dict[str, Role] = {
    "view": Role.viewer,
    "subscribe": Role.viewer,
    "create_post": Role.editor,
    "edit_post": Role.editor,
    "reschedule": Role.editor,
    "duplicate": Role.editor,
    "cancel": Role.editor,
    "submit": Role.editor,
    "withdraw": Role.editor,
    "comment": Role.editor,
    "approve": Role.approver,
    "request_changes": Role.approver,
    "retry": Role.approver,
    "pause_publishing": Role.admin,
    "manage_channels": Role.admin,
    "manage_members": Role.admin,
    "manage_workspace": Role.admin,
    "manage_rules": Role.admin,
}


class PermissionDenied(Exception):
    """The actor's role in the workspace does not allow the action."""

    def __init__(self, action: str, needed: Role, have: Role | None) -> None:
        self.action, self.needed, self.have = action, needed, have
        have_text = have.name if have else "no role"
        super().__init__(f"'{action}' needs the {needed.name} role; you are {have_text} here")


def role_of(session: Session, user: User | None, workspace: Workspace) -> Role | None:
    """The user's role in the workspace, or None for a non-member."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return session.scalar(
        sa.select(Membership.role).where(
            Membership.user_id == user.id, Membership.workspace_id == workspace.id
        )
    )


def allowed(role: Role | None, action: str) -> bool:
    return role is not None and role >= ACTIONS[action]


def require(role: Role | None, action: str) -> None:
    """Raise PermissionDenied unless `role` may perform `action`."""
    if not allowed(role, action):
        raise PermissionDenied(action, ACTIONS[action], role)


def may_create_workspace(session: Session, user: User) -> bool:
    """Who may create a workspace from the web: people who administer one already. Anyone
    else asks an admin, or an operator runs `planner workspace create` (a viewer invited to
    read a plan should not open brands of their own on the install)."""
    return (
        session.scalar(
            sa.select(Membership.id)
            .where(Membership.user_id == user.id, Membership.role == Role.admin)
            .limit(1)
        )
        is not None
    )
