"""The Balance page: every finding in the plan, filterable by rule, channel and severity."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import login_required

import rules
from planner import planning
from planner.db import db
from planner.localtime import local
from planner.web.access import workspace_access

bp = Blueprint("balance", __name__, url_prefix="/w/<slug>/balance")


@bp.route("/")
@login_required
def index(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug)
    everything = planning.findings(db.session, access.workspace)
    rule, channel, severity = (request.args.get(k, "") for k in ("rule", "channel", "severity"))
    shown = planning.matching(everything, rule, channel, severity)
    tz = access.workspace.timezone
    return access.render(
        "balance/index.html",
        findings=shown,
        total=len(everything),
        rules_seen=sorted({f.rule for f in everything}),
        channels_seen=sorted({f.channel or "(workspace)" for f in everything}),
        severities=[s.value for s in rules.Severity],
        chosen={"rule": rule, "channel": channel, "severity": severity},
        week_of=lambda f: local(f.window_start, tz).date().isoformat(),
        fmt=rules.format_measure,
    )
