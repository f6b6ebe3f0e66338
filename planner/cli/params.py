"""Click parameter types shared by the commands: a workspace by slug, a user by e-mail.

Each looks the value up in the database, so commands get the row (or a usage error that
names the option) instead of repeating the lookup.
"""

from __future__ import annotations

from typing import Any

import click
import sqlalchemy as sa
from flask import has_app_context
from flask.cli import ScriptInfo
from sqlalchemy.orm import Session

from planner import accounts
from planner.db import db
from planner.models import User, Workspace


def _session(ctx: click.Context | None) -> Session:
    """The database session, pushing the app context first if the command has none yet:
    parameters are converted before Flask's `with_appcontext` runs the command. The context
    belongs to the root command's context, which click closes even when parsing fails (a
    subcommand's is not closed then)."""
    if not has_app_context() and ctx is not None:
        app = ctx.ensure_object(ScriptInfo).load_app()
        ctx.find_root().with_resource(app.app_context())
    return db.session


class WorkspaceType(click.ParamType):
    """A workspace, given by its slug."""

    name = "slug"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Workspace:
        if isinstance(value, Workspace):
            return value
        workspace = _session(ctx).scalar(sa.select(Workspace).where(Workspace.slug == str(value)))
        if workspace is None:
            self.fail(f"no workspace {value!r}", param, ctx)
        return workspace


class UserType(click.ParamType):
    """An account, given by its e-mail address."""

    name = "email"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> User:
        if isinstance(value, User):
            return value
        email = accounts.normalise_email(str(value))
        user = _session(ctx).scalar(sa.select(User).where(User.email == email))
        if user is None:
            self.fail(f"no user {value}; create it with 'planner user create'", param, ctx)
        return user


WORKSPACE = WorkspaceType()
USER = UserType()
