"""Loading the workspace (and post) a URL names, with the role check every view uses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import sqlalchemy as sa
from flask import abort, render_template
from flask_login import current_user

from planner import notifications, permissions, review
from planner.db import db
from planner.models import Channel, Post, Role, User, Workspace


@dataclass(frozen=True)
class Access:
    workspace: Workspace
    role: Role

    def can(self, action: str) -> bool:
        return permissions.allowed(self.role, action)

    @cached_property
    def counts(self) -> review.Counts:
        """The header's "3 await your approval" and "2 of yours need changes"."""
        return review.counts(db.session, self.workspace, current_user, self.can("approve"))

    @cached_property
    def unread(self) -> int:
        """The bell's count: the member's unread notifications in this workspace."""
        return notifications.unread_count(db.session, current_user.id, self.workspace.id)

    def render(self, template: str, **context: object) -> str:
        """A page of this workspace: the template gets `access` and `workspace` too."""
        return render_template(template, access=self, workspace=self.workspace, **context)


def workspace_access(slug: str, action: str = "view") -> Access:
    """The workspace and the current user's role; 404 for non-members (no leak), 403 below
    the role the action needs."""
    workspace = db.session.scalar(sa.select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        abort(404)
    role = permissions.role_of(db.session, current_user, workspace)
    if role is None:
        abort(404)
    if not permissions.allowed(role, action):
        needed = permissions.ACTIONS[action]
        abort(403, f"This needs the {needed.name} role in {workspace.name}; you are {role.name}.")
    return Access(workspace, role)


def post_in(access: Access, post_id: int) -> Post:
    """A post of this workspace, or 404 (another workspace's id looks like a missing one)."""
    post = db.session.get(Post, post_id)
    if post is None or post.workspace_id != access.workspace.id:
        abort(404)
    return post


def channels_of(access: Access) -> list[Channel]:
    """The workspace's channels, by name."""
    return list(
        db.session.scalars(
            sa.select(Channel)
            .where(Channel.workspace_id == access.workspace.id)
            .order_by(Channel.name)
        )
    )


def owner_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of the people who own tokens, by user id (one query)."""
    wanted = {i for i in user_ids if i is not None}
    if not wanted:
        return {}
    rows = db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


def channel_in(access: Access, channel_id: int) -> Channel:
    channel = db.session.get(Channel, channel_id)
    if channel is None or channel.workspace_id != access.workspace.id:
        abort(404)
    return channel
