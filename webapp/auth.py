"""Sign in and sign out."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from webapp import audit, users
from webapp.policy import current_policy, public, signed_in

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(
        "Username", validators=[InputRequired("Enter your username"), Length(max=80)]
    )
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password"), Length(max=200)]
    )


def home_for_viewer() -> str:
    policy = current_policy()
    if policy.allows("search"):
        return url_for("people.search")
    if policy.allows("admin"):
        return url_for("admin.index")
    if policy.allows("analyst"):
        return url_for("analyst.index")
    return url_for("auth.account")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(home_for_viewer())
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        limiter = current_app.extensions["login_limiter"]
        if not limiter.allow(request.remote_addr or "unknown"):
            audit.record("login", {}, outcome="rate_limited", username=form.username.data)
            return render_template(
                "auth/login.html",
                form=form,
                error="Too many sign-in attempts. Wait a minute and try again.",
            ), 429
        try:
            user = users.authenticate(
                current_app.extensions["store"], form.username.data, form.password.data
            )
        except users.LoginRefused as refused:
            audit.record("login", {}, outcome="refused", username=form.username.data)
            error = str(refused)
        else:
            session.clear()
            login_user(user)
            session.permanent = True
            audit.record("login", {})
            return redirect(home_for_viewer())
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@public
def logout():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        audit.record("logout", {})
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/account")
@signed_in
def account():  # type: ignore[no-untyped-def]
    return render_template("auth/account.html", policy=current_policy())
