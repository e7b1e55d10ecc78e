"""Template filters: dates as people read them, source names, relationship wording."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from flask import Flask

from graph_etl.sources import load_manifests
from webapp.repository import age


def long_date(value: str | None) -> str:
    """`2024-03-05` -> `5 March 2024`; also takes ISO datetimes."""
    if not value:
        return ""
    try:
        parsed = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    except ValueError:
        return value
    return f"{parsed.day} {parsed:%B %Y}"


def form_errors(form: Any) -> list[dict[str, str]]:
    """A WTForms form's errors as GOV.UK error summary items, linked to their fields."""
    return [
        {"text": messages[0], "href": f"#{name}"}
        for name, messages in form.errors.items()
        if messages
    ]


@cache
def _source_titles() -> dict[str, str]:
    return {
        source: manifest.extra.get("short_title") or manifest.title
        for source, manifest in load_manifests().items()
    }


def source_title(source: str) -> str:
    return _source_titles().get(source, source)


SEARCH_FIELDS = {
    "name": "name",
    "dob": "dob-day",
    "postcode": "postcode",
    "identifier": "identifier",
}


def search_error_list(errors: dict[str, str]) -> list[dict[str, str]]:
    """Search form errors as error summary items, in form order, linked to their fields."""
    return [
        {"text": errors[key], "href": f"#{target}"}
        for key, target in SEARCH_FIELDS.items()
        if key in errors
    ]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["search_error_list"] = search_error_list
    from webapp.breakglass import active_until
    from webapp.policy import current_policy

    app.jinja_env.globals["break_glass_until"] = active_until
    app.jinja_env.globals["current_policy"] = current_policy
    app.jinja_env.filters["source_title"] = source_title
    app.jinja_env.globals["form_errors"] = form_errors
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["age"] = age
