"""Break-glass: out of hours, a duty worker may widen their view for a limited time.

They must give a reason; the widening lasts `break_glass.minutes` from the policy
file, is recorded in the audit log (which raises an alert) and shows on every page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from webapp import audit
from webapp.policy import break_glass_rule, requires

bp = Blueprint("break_glass", __name__)
LOCAL_TIME = ZoneInfo("Europe/London")


class BreakGlassForm(FlaskForm):
    reason = TextAreaField(
        "Why do you need a wider view?",
        validators=[
            InputRequired("Enter why you need a wider view"),
            Length(min=10, max=500, message="Reason must be between 10 and 500 characters"),
        ],
    )


def now() -> datetime:
    """The current time (tests replace this to choose office hours or not)."""
    return datetime.now(UTC)


def active_until() -> datetime | None:
    until = session.get("break_glass_until")
    if until and now().timestamp() < until:
        return datetime.fromtimestamp(until, UTC).astimezone(LOCAL_TIME)
    return None


@bp.route("/break-glass", methods=["GET", "POST"])
@requires("break_glass")
def start():  # type: ignore[no-untyped-def]
    rule = break_glass_rule()
    form = BreakGlassForm()
    out_of_hours = rule.out_of_hours(now().astimezone(LOCAL_TIME).replace(tzinfo=None))
    if request.method == "POST" and not out_of_hours:
        audit.record("break_glass", {"reason": form.reason.data or ""}, outcome="denied")
        return render_template(
            "break_glass.html", form=form, rule=rule, out_of_hours=out_of_hours
        ), 403
    if form.validate_on_submit():
        until = now() + timedelta(minutes=rule.minutes)
        session["break_glass_until"] = until.timestamp()
        audit.record("break_glass", {"reason": form.reason.data, "minutes": rule.minutes})
        flash(
            f"Break-glass view on until {until.astimezone(LOCAL_TIME):%H:%M}. "
            "Every page you open is recorded and your manager is alerted."
        )
        return redirect(url_for("people.search"))
    status = 400 if form.errors else 200
    return render_template(
        "break_glass.html", form=form, rule=rule, out_of_hours=out_of_hours
    ), status


@bp.route("/break-glass/end", methods=["POST"])
@requires("break_glass")
def end():  # type: ignore[no-untyped-def]
    if session.pop("break_glass_until", None):
        audit.record("break_glass_end", {})
        flash("Break-glass view ended.")
    return redirect(url_for("people.search"))
