"""`planner post ...`: the review workflow from the command line, through planner.workflow."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from planner import permissions, workflow
from planner.cli.params import USER, WORKSPACE
from planner.db import db
from planner.models import Post, Status, User, Workspace


@click.group("post", cls=AppGroup)
def post_group() -> None:
    """Posts: list them and move them through review, as a named person."""


def _post(post_id: int) -> Post:
    post = db.session.get(Post, post_id)
    if post is None:
        raise click.ClickException(f"no post {post_id}")
    return post


@post_group.command("list")
@click.option("--workspace", type=WORKSPACE, required=True)
@click.option("--status", type=click.Choice([s.value for s in Status]), default=None)
def post_list(workspace: Workspace, status: str | None) -> None:
    """One line per post: id, version, status, time (UTC), channel, first words."""
    query = sa.select(Post).where(Post.workspace_id == workspace.id).order_by(Post.scheduled_at)
    if status:
        query = query.where(Post.status == Status(status))
    for post in db.session.scalars(query):
        words = " ".join(post.text.split())[:50]
        click.echo(
            f"{post.id}\tv{post.version}\t{post.status.value}\t"
            f"{post.scheduled_at:%Y-%m-%dT%H:%MZ}\t{post.channel.name}\t{words}"
        )


def _run(action: str, post_id: int, actor: User, **extra: str | None) -> None:
    post = _post(post_id)
    try:
        if action == "approve":
            workflow.approve(db.session, actor, post, post.version, extra.get("reason"))
        elif action == "request_changes":
            workflow.request_changes(db.session, actor, post, post.version, extra["comment"] or "")
        else:
            getattr(workflow, action)(db.session, actor, post, post.version)
    except (workflow.WorkflowError, permissions.PermissionDenied) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"post {post.id} is {post.status.label} (version {post.version})")


def _simple(action: str, help_text: str) -> None:
    @post_group.command(action.replace("_", "-"), help=help_text)
    @click.argument("post_id", type=int)
    @click.option(
        "--as", "actor", type=USER, required=True, help="Who does it (their role is checked)."
    )
    def command(post_id: int, actor: User) -> None:
        _run(action, post_id, actor)


_simple("submit", "Submit a draft for review.")
_simple("withdraw", "Take a post out of review.")
_simple("cancel", "Cancel a post before it is published.")
_simple("retry", "Publish a failed post again.")


@post_group.command("approve")
@click.argument("post_id", type=int)
@click.option("--as", "actor", type=USER, required=True, help="The approver (not the author).")
@click.option("--reason", default=None, help="Override reason, for evidence of an error.")
def post_approve(post_id: int, actor: User, reason: str | None) -> None:
    """Approve a post in review."""
    _run("approve", post_id, actor, reason=reason)


@post_group.command("request-changes")
@click.argument("post_id", type=int)
@click.option("--as", "actor", type=USER, required=True)
@click.option("--comment", required=True, help="What should change.")
def post_request_changes(post_id: int, actor: User, comment: str) -> None:
    """Send a post back to its author with a comment."""
    _run("request_changes", post_id, actor, comment=comment)
