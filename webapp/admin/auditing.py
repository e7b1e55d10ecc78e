"""The audit log search, the monthly report and its CSV downloads, and alerts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp import alerts, audit
from webapp.admin.blueprint import PER_PAGE, bp, page_number, store
from webapp.admin.forms import AuditSearchForm, ConfirmForm
from webapp.policy import requires


def _choices(column: str) -> list[tuple[str, str]]:
    return [("", "Any"), *((value, value) for value in audit.distinct(store(), column))]


@bp.route("/audit")
@requires("admin")
def audit_log():  # type: ignore[no-untyped-def]
    form = AuditSearchForm(request.args)
    form.action.choices = _choices("action")
    form.outcome.choices = _choices("outcome")
    if not form.validate():
        return render_template("admin/audit.html", form=form, page=None), 400
    where = form.audit_filter()
    page = audit.search(store(), where, page_number(), PER_PAGE)
    terms = {key: value for key, value in vars(where).items() if value}
    audit.record("audit_search", {key: str(value) for key, value in terms.items()})
    return render_template("admin/audit.html", form=form, page=page)


def _month() -> tuple[int, int, str | None]:
    """The report's year and month from the query, defaulting to this month."""
    today = datetime.now(UTC).date()
    year_text = request.args.get("year", str(today.year)).strip()
    month_text = request.args.get("month", str(today.month)).strip()
    if not (year_text.isdigit() and 2000 <= int(year_text) <= today.year + 1):
        return today.year, today.month, f"Year must be a number between 2000 and {today.year + 1}"
    if not (month_text.isdigit() and 1 <= int(month_text) <= 12):
        return today.year, today.month, "Select a month"
    return int(year_text), int(month_text), None


@bp.route("/audit/report")
@requires("admin")
def audit_report():  # type: ignore[no-untyped-def]
    year, month, error = _month()
    if error:
        return render_template("admin/report.html", report=None, error=error, year=year), 400
    report = audit.month_report(store(), year, month)
    audit.record("audit_report", {"month": f"{year}-{month:02d}"})
    return render_template("admin/report.html", report=report, error=None, year=year)


@bp.route("/audit/report.csv")
@requires("admin")
def audit_report_csv():  # type: ignore[no-untyped-def]
    year, month, error = _month()
    part = request.args.get("part", "events")
    if error or part not in ("events", "summary"):
        abort(400)
    name = f"audit-{year}-{month:02d}-{part}.csv"
    audit.record("audit_export", {"month": f"{year}-{month:02d}", "part": part})
    if part == "summary":
        body: Any = audit.summary_csv(audit.month_report(store(), year, month))
    else:
        body = audit.events_csv(store(), audit.month_filter(year, month))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


# -- alerts -----------------------------------------------------------------------------


@bp.route("/alerts")
@requires("admin")
def alert_list():  # type: ignore[no-untyped-def]
    number = page_number()
    found, total = alerts.listing(store(), number, PER_PAGE)
    audit.record("alerts_view", {"page": number})
    return render_template(
        "admin/alerts.html",
        alerts=found,
        total=total,
        page=number,
        pages=max(1, -(-total // PER_PAGE)),
        unacknowledged=alerts.unacknowledged_count(store()),
        form=ConfirmForm(formdata=None),
    )


@bp.route("/alerts/acknowledge", methods=["POST"])
@requires("admin")
def acknowledge():  # type: ignore[no-untyped-def]
    if not ConfirmForm().validate_on_submit():
        abort(400)
    event_id = request.form.get("event_id", "")
    if not (event_id.isdigit() and len(event_id) < 12):
        abort(400)
    try:
        fresh = alerts.acknowledge(store(), int(event_id), current_user.username)
    except alerts.NotAnAlert:
        abort(404)
    audit.record(
        "alert_acknowledge", {"event_id": int(event_id)}, outcome="ok" if fresh else "repeat"
    )
    flash(
        f"Alert {event_id} acknowledged."
        if fresh
        else f"Alert {event_id} was already acknowledged."
    )
    return redirect(url_for("admin.alert_list"))
