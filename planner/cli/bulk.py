"""`planner export` and `planner import`: a workspace's plan as CSV, out and in.

planner export --workspace SLUG [--from DATE] [--to DATE] [--output FILE]
planner import PLAN.csv --workspace SLUG --as EMAIL [--submit] [--dry-run]
"""

from __future__ import annotations

from datetime import datetime
from typing import IO

import click
from flask.cli import with_appcontext

from planner import bulk, workflow
from planner.cli.check import UnusableInput, read_text
from planner.cli.params import USER, WORKSPACE
from planner.db import db
from planner.models import User, Workspace


@click.command("export")
@click.option("--workspace", type=WORKSPACE, required=True, help="The workspace's slug.")
@click.option("--from", "start", type=click.DateTime(formats=["%Y-%m-%d"]), help="First day.")
@click.option("--to", "end", type=click.DateTime(formats=["%Y-%m-%d"]), help="Last day, included.")
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-", show_default=True)
@with_appcontext
def export_command(
    workspace: Workspace, start: datetime | None, end: datetime | None, output: IO[str]
) -> None:
    """Write the workspace's posts of a range of local days as CSV."""
    try:
        text = bulk.export_csv(
            db.session, workspace, start.date() if start else None, end.date() if end else None
        )
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--from/--to") from error
    output.write(text)


@click.command("import")
@click.argument("plan", type=click.File("rb"))
@click.option("--workspace", type=WORKSPACE, required=True, help="The workspace's slug.")
@click.option(
    "--as", "user", type=USER, required=True, help="Email of the member the posts are by."
)
@click.option("--submit", is_flag=True, help="Submit the posts for review (approvers only).")
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@with_appcontext
def import_command(
    plan: IO[bytes], workspace: Workspace, user: User, submit: bool, dry_run: bool
) -> None:
    """Import a plan CSV (scheduled_at,channel,network,category,text): every row or none.

    Exit status: 0 when imported, 2 when a row has a problem (each is listed, nothing is
    written), 1 when the import is refused.
    """
    name = getattr(plan, "name", "-")
    preview = bulk.read_import(db.session, workspace, read_text(plan, name))
    for row in preview.rows:
        if row.suggestion is not None:
            click.echo(
                f"{name}:{row.row}: no category; using the suggestion {row.category} "
                f"(confidence {row.suggestion.confidence:.2f})"
            )
    for finding in preview.added:
        click.echo(f"adds {finding.severity.value} [{finding.rule}]: {finding.message}")
    if preview.errors:
        for error in preview.errors:
            click.echo(f"{name}: {error}", err=True)
        raise UnusableInput(
            f"nothing imported: {len(preview.rows_with_errors)} row(s) with problems"
        )
    if dry_run:
        click.echo(f"{len(preview.rows)} rows would be imported (dry run: nothing written)")
        return
    try:
        ids = bulk.apply_import(db.session, user, workspace, preview.rows, submit)
    except (workflow.WorkflowError, workflow.PermissionDenied) as error:
        raise click.ClickException(f"nothing imported: {error}") from error
    state = "submitted for review" if submit else "drafts"
    click.echo(f"imported {len(ids)} posts as {state} into {workspace.slug}")
