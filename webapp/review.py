"""Clerical review of uncertain person matches: the queue, a pair side by side, and a
decision (same person or different people) that the next refresh honours.

Every view needs the `review_matches` capability; every view and decision is audited.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Engine
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from webapp import audit, matches
from webapp.admin.blueprint import local_time, page_number, page_url, pagination_items
from webapp.policy import current_policy, requires

bp = Blueprint("review", __name__)

SAME, DIFFERENT = "same_person", "different_people"
MAX_REASON = 500
CHOOSE = "Select whether the records are about the same person or different people"
APPLIED_AT_REFRESH = "Decision recorded: it applies at the next refresh"


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class DecisionForm(FlaskForm):
    # Rendered as GOV.UK radios by the template; a plain field with an allow-list keeps
    # clear of WTForms' changing SelectField choice formats.
    decision = StringField(
        "Are these records about the same person?",
        [InputRequired(CHOOSE), AnyOf([SAME, DIFFERENT], message=CHOOSE)],
    )
    reason = TextAreaField(
        "Reason (optional)",
        [
            Optional(),
            Length(max=MAX_REASON, message=f"Reason must be {MAX_REASON} characters or fewer"),
        ],
        filters=[_stripped],
    )

    @property
    def same_person(self) -> bool:
        return self.decision.data == SAME


def store() -> Engine:
    return current_app.extensions["store"]


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "local_time": local_time,
        "page_url": page_url,
        "pagination_items": pagination_items,
        "max_reason": MAX_REASON,
    }


@bp.route("/review")
@requires("review_matches")
def queue():  # type: ignore[no-untyped-def]
    found = matches.queue(current_policy(), store(), page_number(), per_page=matches.PER_PAGE)
    audit.record(
        "review_queue", {"page": found.page, "pairs": len(found.pairs), "total": found.total}
    )
    return render_template("review/queue.html", queue=found)


def _pair_ids(action: str) -> tuple[str, str]:
    """The pair's record ids (`a`, `b`, in the query string or the form), validated:
    400 when missing or malformed. They go nowhere but into query parameters."""
    record_a, record_b = request.values.get("a", ""), request.values.get("b", "")
    invalid = [
        name
        for name, value in (("a", record_a), ("b", record_b))
        if not matches.valid_record_id(value)
    ]
    if not invalid and record_a == record_b:
        invalid = ["b"]
    if invalid:
        audit.record(action, {"invalid": invalid}, outcome="invalid")
        abort(400)
    return record_a, record_b


@bp.route("/review/pair", methods=["GET", "POST"])
@requires("review_matches")
def pair():  # type: ignore[no-untyped-def]
    action = "match_decision" if request.method == "POST" else "review_pair"
    record_a, record_b = _pair_ids(action)
    ids = {"record_a": record_a, "record_b": record_b}
    found = matches.pair(current_policy(), store(), record_a, record_b)
    if found is None:
        audit.record(action, ids, outcome="not_found")
        abort(404)
    form = DecisionForm()
    if request.method == "GET":
        audit.record(action, {**ids, "probability": found.probability})
        return render_template("review/pair.html", pair=found, form=form)
    if not form.validate_on_submit():
        # Which fields failed, never what was typed.
        audit.record(action, {**ids, "invalid": sorted(form.errors)}, outcome="invalid")
        return render_template("review/pair.html", pair=found, form=form), 400
    decision = SAME if form.same_person else DIFFERENT
    matches.record_decision(
        store(), record_a, record_b, form.same_person, current_user.username, form.reason.data or ""
    )
    audit.record(
        action,
        {
            **ids,
            "decision": decision,
            "probability": found.probability,
            "guard": bool(found.guard),
            "reason_given": bool(form.reason.data),
        },
    )
    flash(APPLIED_AT_REFRESH)
    return redirect(url_for("review.queue"))
