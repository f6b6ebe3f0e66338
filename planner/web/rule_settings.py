"""Balance rule settings (admins): preset, thresholds, rules on or off, channel caps."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

import rules
from planner import accounts, planning
from planner.db import db
from planner.web.access import channels_of, workspace_access

bp = Blueprint("rule_settings", __name__, url_prefix="/w/<slug>/rules")


@bp.route("/", methods=["GET", "POST"])
@login_required
def edit(slug: str):  # type: ignore[no-untyped-def]
    access = workspace_access(slug, "manage_rules")
    workspace = access.workspace
    channels = channels_of(access)
    current = planning.counts_by_rule(planning.findings(db.session, workspace))
    stored = {"preset": workspace.rule_preset, **(workspace.rule_overrides or {})}
    settings, typed, error, proposed = stored, None, None, None
    status = 200
    if request.method == "POST":
        typed = request.form.to_dict()
        settings = planning.settings_from_form(workspace, typed, channels)
        try:
            planning.rule_config(workspace, settings)
        except rules.ConfigError as problem:
            error, status = f"Not saved: {problem}", 422
        else:
            if request.form.get("action") == "preview":
                proposed = planning.preview(db.session, workspace, settings)
            else:
                accounts.update_rule_settings(db.session, current_user, workspace, settings)
                flash("Rule settings saved; the calendar shows their effect now.", "success")
                return redirect(url_for("rule_settings.edit", slug=slug))
    return access.render(
        "rule_settings/edit.html",
        presets=list(rules.PRESETS.values()),
        chosen_preset=settings.get("preset", "balanced"),
        rows=planning.settings_rows(workspace, settings, typed),
        caps=planning.caps_rows(channels, settings, typed),
        current=current,
        proposed=proposed,
        error=error,
    ), status
