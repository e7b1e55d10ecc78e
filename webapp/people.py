"""Search for a person, and the person page: family, household, who's involved."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for

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


@bp.route("/person/<person_id>/network.json")
@requires("view_person")
def person_network(person_id: str):  # type: ignore[no-untyped-def]
    """Nodes and edges for the interactive family network (expanded one person at a time)."""
    found = repository.network(current_policy(), person_id[:40])
    if found is None:
        audit.record("view_network", {"person_id": person_id}, outcome="not_found")
        abort(404)
    audit.record("view_network", {"person_id": person_id})
    return jsonify(found)


@bp.route("/trace/<person_id>")
@requires("trace_address")
def trace(person_id: str):  # type: ignore[no-untyped-def]
    """Out-of-hours address trace: every address any agency holds, most recent first."""
    policy = current_policy()
    addresses = repository.address_trace(policy, person_id[:40])
    if addresses is None:
        audit.record("trace_address", {"person_id": person_id}, outcome="not_found")
        abort(404)
    audit.record("trace_address", {"person_id": person_id, "addresses": len(addresses)})
    summary = repository.person_summary(policy, person_id)
    return render_template("people/trace.html", addresses=addresses, person=summary)
