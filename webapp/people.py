"""Search for a person, and the person page: family, household, who's involved."""

from __future__ import annotations

from typing import NoReturn

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from webapp import audit, repository, team
from webapp.policy import current_policy, public, requires
from webapp.search import parse as parse_search
from webapp.search import refuse_hidden_identifiers

bp = Blueprint("people", __name__)

# Longer than any person id: a longer one is never looked up in full.
MAX_PERSON_ID = 40


def person_not_found(action: str, person_id: str) -> NoReturn:
    """The viewer gets "not found" whether the id is wrong or names someone outside
    their policy (saying which would confirm that the person exists); the audit tells
    them apart, and a refused view is recorded as denied, which alerts administrators."""
    outcome = "denied" if repository.exists(person_id[:MAX_PERSON_ID]) else "not_found"
    audit.record(action, {"person_id": person_id}, outcome=outcome)
    abort(404)


@bp.route("/")
@public
def index():  # type: ignore[no-untyped-def]
    return redirect(url_for("people.search"))


@bp.route("/search")
@requires("search")
def search():  # type: ignore[no-untyped-def]
    query = parse_search(request.args)
    policy = current_policy()
    refuse_hidden_identifiers(query, policy.sees_field)
    results = None
    if query.errors:  # refused input is a search attempt too (which fields, not values)
        audit.record("search", {"invalid": sorted(query.errors)}, outcome="invalid")
    elif query.submitted:
        results = repository.search(policy, query)
        audit.record("search", {"terms": query.terms(), "results": len(results)})
    status = 400 if query.errors else 200
    return render_template(
        "people/search.html", query=query, results=results, limit=repository.SEARCH_LIMIT
    ), status


@bp.route("/person/<person_id>")
@requires("view_person")
def person(person_id: str):  # type: ignore[no-untyped-def]
    if len(person_id) > MAX_PERSON_ID:
        abort(404)
    page = repository.person_page(current_policy(), person_id)
    if page is None:
        person_not_found("view_person", person_id)
    audit.record("view_person", {"person_id": person_id})
    return render_template("people/person.html", page=page)


@bp.route("/person/<person_id>/network.json")
@requires("view_person")
def person_network(person_id: str):  # type: ignore[no-untyped-def]
    """Nodes and edges for the interactive family network (expanded one person at a time)."""
    found = repository.network(current_policy(), person_id[:MAX_PERSON_ID])
    if found is None:
        person_not_found("view_network", person_id)
    audit.record("view_network", {"person_id": person_id})
    return jsonify(found)


@bp.route("/trace/<person_id>")
@requires("trace_address")
def trace(person_id: str):  # type: ignore[no-untyped-def]
    """Out-of-hours address trace: every address any agency holds, most recent first."""
    policy = current_policy()
    addresses = repository.address_trace(policy, person_id[:MAX_PERSON_ID])
    if addresses is None:
        person_not_found("trace_address", person_id)
    audit.record("trace_address", {"person_id": person_id, "addresses": len(addresses)})
    summary = repository.person_summary(policy, person_id)
    return render_template("people/trace.html", addresses=addresses, person=summary)


def team_for(person_id: str, action: str) -> tuple[repository.PersonPage, team.Team]:
    """The team around a person the viewer may see, audited as `action`; else 404."""
    page = repository.person_page(current_policy(), person_id[:MAX_PERSON_ID])
    if page is None:
        person_not_found(action, person_id)
    found = team.team_around(page)
    audit.record(action, {"person_id": person_id, "professionals": len(found.professionals)})
    return page, found


@bp.route("/person/<person_id>/team")
@requires("export")
def team_page(person_id: str):  # type: ignore[no-untyped-def]
    """The team around the family: who to invite, with their contact details."""
    page, found = team_for(person_id, "view_team")
    return render_template("people/team.html", page=page, team=found)


@bp.route("/person/<person_id>/team.csv")
@requires("export")
def team_csv(person_id: str):  # type: ignore[no-untyped-def]
    """The team around the family as a spreadsheet, for a meeting invitation."""
    page, found = team_for(person_id, "export")
    name = f"team-around-the-family-{page.person['id']}.csv"
    return Response(
        team.invitations_csv(found),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
