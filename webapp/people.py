"""Search for a person, and the person page: family, household, who's involved."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from webapp import audit, repository
from webapp.policy import current_policy, public, requires

bp = Blueprint("people", __name__)

MAX_QUERY = 100


@bp.route("/")
@public
def index():  # type: ignore[no-untyped-def]
    return redirect(url_for("people.search"))


@bp.route("/search")
@requires("search")
def search():  # type: ignore[no-untyped-def]
    text = request.args.get("name", "").strip()
    error = None
    results = None
    if "name" in request.args:
        if not text:
            error = "Enter a name to search for"
        elif len(text) > MAX_QUERY:
            error = f"Name must be {MAX_QUERY} characters or fewer"
        else:
            results = repository.search_people(current_policy(), text)
            audit.record("search", {"name": text, "results": len(results)})
    return render_template(
        "people/search.html", name=text, results=results, error=error, limit=repository.SEARCH_LIMIT
    ), 400 if error else 200


@bp.route("/person/<person_id>")
@requires("view_person")
def person(person_id: str):  # type: ignore[no-untyped-def]
    if len(person_id) > 40:
        abort(404)
    page = repository.person_page(current_policy(), person_id)
    if page is None:
        audit.record("view_person", {"person_id": person_id}, outcome="not_found")
        abort(404)
    audit.record("view_person", {"person_id": person_id})
    return render_template("people/person.html", page=page)
