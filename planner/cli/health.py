"""`planner health`: database, migrations, Redis and workers; exit 0 when all are well, 1
otherwise, for container health checks and monitoring scripts."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from planner import health


@click.command("health")
@with_appcontext
@click.option(
    "--this-host",
    is_flag=True,
    help="Require a worker on this machine (a worker container's own check), not anywhere.",
)
@click.option("--skip-workers", is_flag=True, help="Leave the workers out (a web host's check).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of lines.")
def health_command(this_host: bool, skip_workers: bool, as_json: bool) -> None:
    """Check the database, its migrations, Redis and the workers; exit 1 if one fails."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = [c for c in health.checks(app, this_host) if not (skip_workers and c.name == "workers")]
    ok = all(c.ok for c in found)
    if as_json:
        body = {
            "status": "ok" if ok else "failing",
            "checks": {c.name: {"ok": c.ok, "detail": c.private or c.detail} for c in found},
        }
        click.echo(json.dumps(body))
    else:
        for c in found:
            line = f"{c.name:<11} {'ok' if c.ok else 'FAILING':<8} {c.detail}"
            click.echo(line + (f" ({c.private})" if c.private else ""))
    sys.exit(0 if ok else 1)
