"""Managing users: list, add, change role or organisation, reset password, disable,
enable, unlock. An admin cannot disable themselves or remove the last active admin."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from webapp import alerts, audit, users
from webapp.admin.blueprint import admin_roles, bp, role_title, store
from webapp.admin.forms import (
    ConfirmForm,
    NewUserForm,
    OrganisationForm,
    PasswordForm,
    RoleForm,
    page_forms,
    role_choices,
)
from webapp.policy import requires


@bp.route("/")
@requires("admin")
def index():  # type: ignore[no-untyped-def]
    everyone = users.accounts(store())
    audit.record("admin_home", {})
    return render_template(
        "admin/index.html",
        user_count=len(everyone),
        active_count=sum(account.active for account in everyone),
        locked_count=sum(account.locked() for account in everyone),
        alert_count=alerts.unacknowledged_count(store()),
    )


@bp.route("/users")
@requires("admin")
def user_list():  # type: ignore[no-untyped-def]
    audit.record("admin_list_users", {})
    return render_template(
        "admin/users.html", accounts=users.accounts(store()), role_title=role_title
    )


@bp.route("/new-user", methods=["GET", "POST"])
@requires("admin")
def new_user():  # type: ignore[no-untyped-def]
    form = NewUserForm()
    form.role.choices = [("", "Select a role"), *role_choices()]
    error = None
    if form.validate_on_submit():
        username, role = form.username.data, form.role.data
        organisation = form.organisation.data or None
        try:
            users.create(store(), username, form.password.data, role, organisation)
        except users.AccountError as refused:
            error = str(refused)
            audit.record("admin_create_user", {"user": username}, outcome="refused")
        else:
            audit.record(
                "admin_create_user", {"user": username, "role": role, "organisation": organisation}
            )
            flash(f"User {username} created as {role_title(role)}.")
            return redirect(url_for("admin.user", username=username))
    if request.method == "POST" and form.errors:
        _invalid("admin_create_user", form.username.data, form)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/new_user.html", form=form, error=error), status


def _invalid(action: str, username: str | None, form: FlaskForm) -> None:
    """Audit a rejected form: which fields failed, never what was typed."""
    fields = sorted(name for name in form.errors if name)
    audit.record(action, {"user": username or "", "invalid": fields}, outcome="invalid")


def _account_or_404(username: str) -> users.Account:
    found = users.account(store(), username) if len(username) <= 80 else None
    if found is None:
        abort(404)
    return found


def _show(
    account: users.Account, status: int = 200, error: str | None = None, **forms: FlaskForm
) -> tuple[str, int]:
    shown = page_forms(account, **forms)
    shown["role_form"].role.choices = role_choices()
    return render_template(
        "admin/user.html",
        account=account,
        role_title=role_title,
        error=error,
        is_self=account.username == current_user.username,
        **shown,
    ), status


@bp.route("/users/<username>")
@requires("admin")
def user(username: str):  # type: ignore[no-untyped-def]
    account = _account_or_404(username)
    audit.record("admin_view_user", {"user": username})
    return _show(account)


def _refuse(account: users.Account, action: str, reason: str) -> tuple[str, int]:
    audit.record(action, {"user": account.username, "reason": reason}, outcome="refused")
    return _show(account, 409, error=reason)


def _done(account: users.Account, message: str) -> Any:
    flash(message)
    return redirect(url_for("admin.user", username=account.username))


@bp.route("/users/<username>/role", methods=["POST"])
@requires("admin")
def change_role(username: str):  # type: ignore[no-untyped-def]
    account = _account_or_404(username)
    form = RoleForm(account)
    form.role.choices = role_choices()
    if not form.validate_on_submit():
        _invalid("admin_change_role", username, form)
        return _show(account, 400, role_form=form)
    new_role = form.role.data
    if account.username == current_user.username and new_role not in admin_roles():
        return _refuse(
            account,
            "admin_change_role",
            "You cannot remove your own administrator role. Ask another administrator.",
        )
    try:
        old_role = users.set_role(store(), username, new_role, admin_roles())
    except users.AccountError as refused:
        return _refuse(account, "admin_change_role", str(refused))
    audit.record("admin_change_role", {"user": username, "from": old_role, "to": new_role})
    return _done(account, f"{username} is now {role_title(new_role)}.")


@bp.route("/users/<username>/organisation", methods=["POST"])
@requires("admin")
def change_organisation(username: str):  # type: ignore[no-untyped-def]
    account = _account_or_404(username)
    form = OrganisationForm(account)
    if not form.validate_on_submit():
        _invalid("admin_change_organisation", username, form)
        return _show(account, 400, organisation_form=form)
    new = form.organisation.data or None
    old = users.set_organisation(store(), username, new)
    audit.record("admin_change_organisation", {"user": username, "from": old, "to": new})
    return _done(account, f"{username}'s organisation is now {new or 'not set'}.")


@bp.route("/users/<username>/password", methods=["POST"])
@requires("admin")
def reset_password(username: str):  # type: ignore[no-untyped-def]
    account = _account_or_404(username)
    form = PasswordForm(account)
    if not form.validate_on_submit():
        _invalid("admin_reset_password", username, form)
        return _show(account, 400, password_form=form)
    users.set_password(store(), username, form.password.data)
    audit.record("admin_reset_password", {"user": username})
    return _done(account, f"{username}'s password has been reset. Give it to them securely.")


@bp.route("/users/<username>/disable", methods=["POST"])
@requires("admin")
def disable(username: str):  # type: ignore[no-untyped-def]
    account = _account_or_404(username)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if account.username == current_user.username:
        return _refuse(account, "admin_disable_user", "You cannot disable your own account.")
    try:
        users.set_active(store(), username, False, admin_roles())
    except users.AccountError as refused:
        return _refuse(account, "admin_disable_user", str(refused))
    audit.record("admin_disable_user", {"user": username})
    return _done(account, f"{username} is disabled and can no longer sign in.")


@bp.route("/users/<username>/enable", methods=["POST"])
@requires("admin")
def enable(username: str):  # type: ignore[no-untyped-def]
    account = _account_or_404(username)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    users.set_active(store(), username, True, admin_roles())
    audit.record("admin_enable_user", {"user": username})
    return _done(account, f"{username} is enabled and can sign in again.")


@bp.route("/users/<username>/unlock", methods=["POST"])
@requires("admin")
def unlock(username: str):  # type: ignore[no-untyped-def]
    account = _account_or_404(username)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    users.unlock(store(), username)
    audit.record("admin_unlock_user", {"user": username})
    return _done(account, f"{username} is unlocked and can try to sign in again.")
