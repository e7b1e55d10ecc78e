"""Named network queries for analysts: aggregate figures about the county's family
networks, counts only (small counts suppressed), with where the data came from.

The figures read the whole county (about 14 s at 1,000,000 records) and change only
when the ETL loads: they are computed once per policy and complete load (the graph's
load digest) and kept in memory; while a load is writing they are computed afresh.
"""

from __future__ import annotations

import json
import threading

from flask import Blueprint, render_template

from webapp import analytics, audit, repository
from webapp.policy import Policy, current_policy, requires

bp = Blueprint("analyst", __name__)
bp.add_app_template_filter(analytics.shown, "count_shown")

KEEP = 8  # sets of figures kept (one per policy and load)
_kept: dict[str, analytics.Figures] = {}
_lock = threading.Lock()


def figures_for(policy: Policy) -> analytics.Figures:
    """The figures for this policy as of the graph's last complete load."""
    digest = repository.load_digest()
    key = json.dumps([policy.params(), digest])
    with _lock:  # one computation at a time: a second analyst waits for the first
        if digest is not None and key in _kept:
            return _kept[key]
        rows = repository.analyst_rows(policy)
        found = analytics.figures(rows.known, rows.involvements, rows.links)
        if digest is not None:
            if len(_kept) >= KEEP:
                _kept.pop(next(iter(_kept)))
            _kept[key] = found
        return found


@bp.route("/analyst")
@requires("analyst")
def index():  # type: ignore[no-untyped-def]
    policy = current_policy()
    found = figures_for(policy)
    sources = repository.sources(policy)
    audit.record("analyst_query", {"queries": [table.key for table in found.tables]})
    return render_template("analyst/index.html", figures=found, sources=sources)
