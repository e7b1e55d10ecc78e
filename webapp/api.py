"""The read-only JSON API under /api/v1, described by `openapi.yaml` (served as JSON).

The same policy, the same repository reads and the same audit as the pages: every
view is guarded by `requires` (so a signed-out caller gets 401 JSON and a role
without the capability 403 JSON, audited as `denied`), filtering happens inside the
same repository calls, and every call is recorded (`api_*` actions). Authentication
is the pages' signed-in session cookie; GET only, so there is nothing for CSRF to
protect.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, jsonify, request

from webapp import audit, errors, repository
from webapp.people import MAX_PERSON_ID, person_not_found, team_for
from webapp.policy import current_policy, requires, signed_in
from webapp.search import parse as parse_search
from webapp.search import refuse_hidden_identifiers

bp = Blueprint("api", __name__, url_prefix="/api/v1")

OPENAPI_FILE = Path(__file__).parent / "openapi.yaml"
SEARCH_PARAMETERS = frozenset(
    {"name", "dob-day", "dob-month", "dob-year", "postcode", "identifier"}
)
NOTHING_TO_SEARCH = "Enter a name, date of birth, postcode, NHS number or UPN"
UNKNOWN_PARAMETER = (
    "Unknown parameter: search by name, dob-day, dob-month, dob-year, postcode or identifier"
)


def summary(person: repository.PersonSummary) -> dict[str, Any]:
    """A person as search results and family lists show them: the postcode district
    only, never the full postcode."""
    return {
        "id": person.id,
        "name": person.name,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "dob": person.dob,
        "age": person.age,
        "postcode_district": person.postcode_district,
        "sources": list(person.sources),
    }


def to_json(value: Any) -> Any:
    """Dataclasses as dicts (people as `summary`), dates as ISO strings, recursively."""
    if isinstance(value, repository.PersonSummary):
        return summary(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_json(item) for item in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if hasattr(value, "iso_format"):  # the driver's own date and time types
        return value.iso_format()
    return value


@bp.get("/search")
@requires("search")
def search():  # type: ignore[no-untyped-def]
    unknown = sorted(set(request.args) - SEARCH_PARAMETERS)
    query = parse_search(request.args)
    policy = current_policy()
    refuse_hidden_identifiers(query, policy.sees_field)
    if not query.submitted:
        query.errors["name"] = NOTHING_TO_SEARCH
    for name in unknown[:10]:
        query.errors[name[:40]] = UNKNOWN_PARAMETER
    if query.errors:
        audit.record("api_search", {"invalid": sorted(query.errors)}, outcome="invalid")
        body = {"error": {"status": 400, "title": errors.TITLES[400]}, "errors": query.errors}
        return jsonify(body), 400
    results = repository.search(policy, query)
    audit.record("api_search", {"terms": query.terms(), "results": len(results)})
    return jsonify(
        {
            "query": query.terms(),
            "count": len(results),
            "limit": repository.SEARCH_LIMIT,
            "results": [summary(person) for person in results],
        }
    )


@bp.get("/people/<person_id>")
@requires("view_person")
def person(person_id: str):  # type: ignore[no-untyped-def]
    page = None
    if len(person_id) <= MAX_PERSON_ID:
        page = repository.person_page(current_policy(), person_id)
    if page is None:
        person_not_found("api_view_person", person_id[:MAX_PERSON_ID])
    audit.record("api_view_person", {"person_id": person_id})
    body = to_json(page)
    body["name"] = page.name
    body["current_address"] = to_json(page.current_address)
    body["provenance"] = {
        field: page.held_by(field) for field in ("given_name", "family_name", "dob", "sex")
    }
    return jsonify(body)


@bp.get("/people/<person_id>/network")
@requires("view_person")
def network(person_id: str):  # type: ignore[no-untyped-def]
    found = None
    if len(person_id) <= MAX_PERSON_ID:
        found = repository.network(current_policy(), person_id)
    if found is None:
        person_not_found("api_view_network", person_id[:MAX_PERSON_ID])
    audit.record("api_view_network", {"person_id": person_id})
    return jsonify(to_json(found))


@bp.get("/people/<person_id>/addresses")
@requires("trace_address")
def addresses(person_id: str):  # type: ignore[no-untyped-def]
    policy = current_policy()
    traced = None
    if len(person_id) <= MAX_PERSON_ID:
        traced = repository.address_trace(policy, person_id)
    if traced is None:
        person_not_found("api_trace_address", person_id[:MAX_PERSON_ID])
    audit.record("api_trace_address", {"person_id": person_id, "addresses": len(traced)})
    found = repository.person_summary(policy, person_id)
    return jsonify(
        {
            "person": summary(found) if found else None,
            "addresses": [{**to_json(item), "current": item.current} for item in traced],
        }
    )


@bp.get("/people/<person_id>/team")
@requires("export")
def team_around(person_id: str):  # type: ignore[no-untyped-def]
    _, found = team_for(person_id, "api_export")
    return jsonify(
        {
            "professionals": to_json(found.professionals),
            "without_lead": [
                {"who": who, "involvement": to_json(item)} for who, item in found.without_lead
            ],
        }
    )


@cache
def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI 3 description (data in `openapi.yaml`)."""
    return to_json(yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8")))


@bp.get("/openapi.json")
@signed_in
def openapi():  # type: ignore[no-untyped-def]
    audit.record("api_openapi", {})
    return jsonify(openapi_document())
