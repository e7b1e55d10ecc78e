"""The admin blueprint and what its pages share: the store, role names, UK times,
select items and pagination."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, current_app, request, url_for
from sqlalchemy import Engine

from webapp import audit
from webapp.policy import load_policies, policy_for, roles

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50


def store() -> Engine:
    return current_app.extensions["store"]


def admin_roles() -> set[str]:
    return {role for role, policy in load_policies().items() if policy.allows("admin")}


def role_title(role: str) -> str:
    return policy_for(role).title if role in roles() else role


# -- template helpers -------------------------------------------------------------------


def local_time(moment: datetime | None) -> str:
    """`5 March 2026, 14:03` in UK time."""
    if moment is None:
        return ""
    local = audit.as_utc(moment).astimezone(audit.LOCAL_TIME)
    return f"{local.day} {local:%B %Y, %H:%M}"


def select_items(choices: list[tuple[str, str]], selected: str | None) -> list[dict[str, Any]]:
    return [
        {"value": value, "text": text, "selected": value == selected} for value, text in choices
    ]


def page_url(number: int) -> str:
    """This page's URL with its query, at page `number`."""
    args = {**request.args.to_dict(), "page": number}
    return url_for(request.endpoint or "admin.index", **args)


def pagination_items(current: int, pages: int) -> list[dict[str, Any]]:
    """First, last and the neighbours of the current page; gaps as ellipses."""
    shown = sorted({1, pages, *range(max(1, current - 1), min(pages, current + 1) + 1)})
    items: list[dict[str, Any]] = []
    for number in shown:
        if items and number - items[-1]["number"] > 1:
            items.append({"ellipsis": True, "number": number - 1})
        items.append({"number": number, "href": page_url(number), "current": number == current})
    return [item if not item.get("ellipsis") else {"ellipsis": True} for item in items]


MONTHS = [(str(number), date(2000, number, 1).strftime("%B")) for number in range(1, 13)]


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "local_time": local_time,
        "select_items": select_items,
        "page_url": page_url,
        "pagination_items": pagination_items,
        "month_choices": MONTHS,
    }


def page_number() -> int:
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and 0 < len(page) < 7 else 1
