"""The admin forms: new user, role, organisation, password, buttons, audit filter."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from webapp import audit, users
from webapp.admin.blueprint import role_title
from webapp.policy import load_policies, policy_for, roles

MIN_PASSWORD, MAX_PASSWORD = 12, 128
USERNAME_RULE = r"^[A-Za-z0-9][A-Za-z0-9._@-]*$"


def _check_role(field: Field) -> None:
    if field.data not in roles():
        raise ValidationError("Select a role")


def _scope_problem(role: str | None, organisation: str | None) -> str | None:
    """Roles limited to their own organisation need one."""
    scoped = role in roles() and getattr(policy_for(role), "organisation_scope", None)
    if scoped and not (organisation or "").strip():
        return f"a {role_title(role or '')} sees only people linked to their own organisation"
    return None


def _check_scope(field: Field, role: str | None, organisation: str | None) -> bool:
    """After field validation (an empty optional field skips its own validators)."""
    problem = _scope_problem(role, organisation)
    if problem:
        field.errors = [*field.errors, f"Enter the organisation: {problem}"]
    return problem is None


def _check_password(password: str, username: str) -> None:
    if password.casefold() == username.casefold():
        raise ValidationError("The password must not be the same as the username")


def _password(label: str) -> PasswordField:
    return PasswordField(
        label,
        [
            InputRequired("Enter a password"),
            Length(
                min=MIN_PASSWORD,
                max=MAX_PASSWORD,
                message=f"Password must be between {MIN_PASSWORD} and {MAX_PASSWORD} characters",
            ),
        ],
    )


def _organisation() -> StringField:
    return StringField(
        "Organisation",
        [Optional(), Length(max=120, message="Organisation must be 120 characters or fewer")],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


def _role() -> SelectField:
    return SelectField("Role", [InputRequired("Select a role")], validate_choice=False)


class NewUserForm(FlaskForm):
    username = StringField(
        "Username",
        [
            InputRequired("Enter a username"),
            Length(max=80, message="Username must be 80 characters or fewer"),
            Regexp(
                USERNAME_RULE,
                message="Username must start with a letter or number and use only letters, "
                "numbers, full stops, hyphens, underscores and @",
            ),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    role = _role()
    organisation = _organisation()
    password = _password("Initial password")

    def validate_role(self, field: Field) -> None:
        _check_role(field)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return _check_scope(self.organisation, self.role.data, self.organisation.data) and valid

    def validate_password(self, field: Field) -> None:
        _check_password(field.data or "", self.username.data or "")


class RoleForm(FlaskForm):
    role = _role()

    def __init__(self, account: users.Account, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.account = account

    def validate_role(self, field: Field) -> None:
        _check_role(field)
        problem = _scope_problem(field.data, self.account.organisation)
        if problem:
            raise ValidationError(f"Set their organisation first: {problem}")


class OrganisationForm(FlaskForm):
    organisation = _organisation()

    def __init__(self, account: users.Account, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.account = account

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        organisation = self.organisation
        return _check_scope(organisation, self.account.role, organisation.data) and valid


class PasswordForm(FlaskForm):
    password = _password("New password")

    def __init__(self, account: users.Account, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.account = account

    def validate_password(self, field: Field) -> None:
        _check_password(field.data or "", self.account.username)


class ConfirmForm(FlaskForm):
    """A button: only the CSRF token."""


def page_forms(account: users.Account, **submitted: FlaskForm) -> dict[str, FlaskForm]:
    forms: dict[str, FlaskForm] = {
        "role_form": RoleForm(account, formdata=None, role=account.role),
        "organisation_form": OrganisationForm(
            account, formdata=None, organisation=account.organisation or ""
        ),
        "password_form": PasswordForm(account, formdata=None),
        "confirm_form": ConfirmForm(formdata=None),
    }
    forms.update(submitted)
    return forms


def role_choices() -> list[tuple[str, str]]:
    return [(role, policy.title) for role, policy in load_policies().items()]


# -- the audit log filter -------------------------------------------------------------


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _date_part() -> StringField:
    return StringField(filters=[_stripped])


def _parse_date(label: str, day: str, month: str, year: str) -> date | None:
    """A GOV.UK date input's three parts as a date; None when all are empty."""
    if not (day or month or year):
        return None
    if not (day and month and year):
        raise ValidationError(f"{label} must include a day, month and year")
    if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
        raise ValidationError(f"{label} must be a real date")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValidationError(f"{label} must be a real date") from None


class AuditSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    user = StringField(
        "Username",
        [Optional(), Length(max=80, message="Username must be 80 characters or fewer")],
        filters=[_stripped],
    )
    action = SelectField("Action", validate_choice=False)
    outcome = SelectField("Outcome", validate_choice=False)
    text = StringField(
        "Text in the detail",
        [Optional(), Length(max=100, message="Text must be 100 characters or fewer")],
        filters=[_stripped],
    )
    from_day, from_month, from_year = _date_part(), _date_part(), _date_part()
    to_day, to_month, to_year = _date_part(), _date_part(), _date_part()

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        self.since = self.until = None
        for prefix, label in (("from", "Date from"), ("to", "Date to")):
            parts = [self[f"{prefix}_{part}"].data or "" for part in ("day", "month", "year")]
            try:
                setattr(self, "since" if prefix == "from" else "until", _parse_date(label, *parts))
            except ValidationError as problem:
                self[f"{prefix}_day"].errors = [str(problem)]
                valid = False
        if self.since and self.until and self.until < self.since:
            self.to_day.errors = ["Date to must be the same as or after date from"]
            valid = False
        return valid

    def audit_filter(self) -> audit.AuditFilter:
        return audit.AuditFilter(
            username=self.user.data or None,
            action=self.action.data or None,
            outcome=self.outcome.data or None,
            since=self.since,
            until=self.until,
            text=self.text.data or None,
        )
