"""Named network queries for analysts: aggregate figures about the county's family
networks, counts only (small counts suppressed), with where the data came from."""

from __future__ import annotations

from flask import Blueprint, render_template

from webapp import analytics, audit, repository
from webapp.policy import current_policy, requires

bp = Blueprint("analyst", __name__)
bp.add_app_template_filter(analytics.shown, "count_shown")


@bp.route("/analyst")
@requires("analyst")
def index():  # type: ignore[no-untyped-def]
    rows = repository.analyst_rows(current_policy())
    found = analytics.figures(rows.people, rows.involvements, rows.links)
    audit.record("analyst_query", {"queries": [table.key for table in found.tables]})
    return render_template("analyst/index.html", figures=found, sources=rows.sources)
