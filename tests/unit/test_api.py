"""The JSON API: its OpenAPI document matches its routes, and every call goes through the
policy, answers JSON (never a page or a redirect) and is audited. The repository is
faked here; tests/integration/test_api.py runs the same calls on the real graph."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from graph_etl.graph import GraphTimeoutError, GraphUnavailableError
from webapp import api, create_app, repository, users
from webapp.policy import Policy
from webapp.repository import (
    Count,
    Involvement,
    Member,
    PersonPage,
    PersonSummary,
    TracedAddress,
)
from webapp.store import audit_events

PASSWORD = "a-long-password"
PREFIX = "/api/v1"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

LIAM = PersonSummary("P1", "Liam", "Jones", "2014-06-03", "M", "EX9 4QA", ["schools"])
SARAH = PersonSummary("P2", "Sarah", "Jones", "1988-02-11", "F", "EX9 4QA", ["housing"])


def page() -> PersonPage:
    involvement = Involvement(
        "Child in need", "current", "2025-01-02", None, "social_care", "Children's social care",
        "Exampleshire Council", {"name": "Priya Shah", "email": "priya@example.test"},
    )  # fmt: skip
    return PersonPage(
        person={
            "id": "P1",
            "given_name": "Liam",
            "family_name": "Jones",
            "other_names": [],
            "dob": "2014-06-03",
            "sex": "M",
            "nhs_number": None,
            "upn": None,
            "sources": ["schools", "social_care"],
            "counted_sources": ["police"],
        },
        records=[{"id": "schools", "source": "schools", "family_name": "Jones", "weights": []}],
        addresses=[
            {
                "id": "A1",
                "line1": "14 Mill Lane",
                "postcode": "EX9 4QA",
                "source": "schools",
                "from_date": "2020-01-01",
                "to_date": None,
                "reported_at": "2026-11-01",
            },
        ],
        family=[Member(SARAH, "Parent", [involvement], [Count("police", 2)])],
        household=[Member(SARAH, "Parent")],
        involvements=[involvement],
        counts=[Count("police", 1)],
        sources={"schools": {"id": "schools", "extracted_at": date(2026, 11, 1)}},
        no_record_in=[],
        full_sources=("schools",),
    )


class FakeRepository:
    """What the API asked for, and with which policy; person P1 exists, no one else."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []

    def search(self, policy: Policy, query: Any) -> list[PersonSummary]:
        self.calls.append(("search", policy.role, query.terms()))
        return [LIAM, SARAH]

    def person_page(self, policy: Policy, person_id: str) -> PersonPage | None:
        self.calls.append(("person_page", policy.role, person_id))
        return page() if person_id == "P1" else None

    def network(self, policy: Policy, person_id: str) -> dict[str, Any] | None:
        self.calls.append(("network", policy.role, person_id))
        if person_id != "P1":
            return None
        edge = {"id": "P2-PARENT_OF-P1", "source": "P2", "target": "P1"}
        return {"nodes": [{"id": "P1"}, {"id": "P2", "label": "Sarah Jones"}], "edges": [edge]}

    def address_trace(self, policy: Policy, person_id: str) -> list[TracedAddress] | None:
        self.calls.append(("address_trace", policy.role, person_id))
        if person_id != "P1":
            return None
        resident = {"id": "P2", "source": "housing", "name": "Sarah Jones", "dob": "1988-02-11"}
        return [
            TracedAddress(
                {"id": "A1", "line1": "14 Mill Lane", "postcode": "EX9 4QA"},
                "housing", "2020-01-01", None, "2026-11-01", [resident],
            ),
            TracedAddress(
                {"id": "A2", "line1": "3 Station Road", "postcode": "EX9 1AB"},
                "housing", "2015-01-01", "2019-12-31", "2026-11-01", [],
            ),
        ]  # fmt: skip

    def person_summary(self, policy: Policy, person_id: str) -> PersonSummary | None:
        return LIAM if person_id == "P1" else None

    def exists(self, person_id: str) -> bool:
        """P2 exists but no API view returns her: outside every caller's policy."""
        return person_id in ("P1", "P2")


@pytest.fixture()
def fake(monkeypatch) -> FakeRepository:  # type: ignore[no-untyped-def]
    found = FakeRepository()
    names = ("search", "person_page", "network", "address_trace", "person_summary", "exists")
    for name in names:
        monkeypatch.setattr(repository, name, getattr(found, name))
    return found


@pytest.fixture()
def app(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'api.sqlite'}",
            "WTF_CSRF_ENABLED": False,
            "TESTING": True,
        }
    )
    for role in ("social_worker", "school_dsl", "admin"):
        users.upsert(app.extensions["store"], role, PASSWORD, role, organisation="A School")
    return app


def signed_in(app, role: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post("/login", data={"username": role, "password": PASSWORD})
    assert response.status_code == 302
    return client


def audited(app) -> list[tuple[str, str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """(action, outcome, detail) of every event after sign-in."""
    with app.extensions["store"].connect() as conn:
        rows = conn.execute(select(audit_events).order_by(audit_events.c.id))
        found = [(row.action, row.outcome, json.loads(row.detail)) for row in rows]
    return [event for event in found if event[0] != "login"]


def api_rules(app) -> list[Any]:  # type: ignore[no-untyped-def]
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(PREFIX + "/")]


def as_openapi(rule: str) -> str:
    """A Flask rule as an OpenAPI path relative to the server URL."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.removeprefix(PREFIX))


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for item in node for r in refs(item)]
    return []


def test_every_api_route_is_in_the_openapi_document_and_back(app) -> None:  # type: ignore[no-untyped-def]
    document = api.openapi_document()
    routes = {
        (as_openapi(rule.rule), method.lower())
        for rule in api_rules(app)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }
    assert routes == described
    assert len(routes) == 6


def test_the_openapi_document_is_structurally_valid() -> None:
    document = api.openapi_document()
    assert document["openapi"] == "3.0.3"
    assert document["info"]["title"] and document["info"]["version"]
    assert document["servers"] == [{"url": PREFIX}]
    assert document["paths"]
    operation_ids = []
    for path, item in document["paths"].items():
        assert path.startswith("/"), path
        for method, operation in item.items():
            assert method in METHODS, (path, method)
            operation_ids.append(operation["operationId"])
            assert operation["responses"], (path, method)
            assert "200" in operation["responses"] and "401" in operation["responses"]
            for status in operation["responses"]:
                assert re.fullmatch(r"[1-5][0-9][0-9]", status), (path, status)
            for name in re.findall(r"{([a-z_]+)}", path):
                shared = document["components"]["parameters"]
                parameters = [
                    shared[p["$ref"].split("/")[-1]] if "$ref" in p else p
                    for p in operation.get("parameters", [])
                ]
                assert any(p["name"] == name and p["in"] == "path" for p in parameters)
    assert len(operation_ids) == len(set(operation_ids))
    for ref in refs(document):  # every reference resolves inside the document
        node: Any = document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
    scheme = document["components"]["securitySchemes"]["sessionCookie"]
    assert scheme == {**scheme, "type": "apiKey", "in": "cookie", "name": "family_network_session"}
    assert document["security"] == [{"sessionCookie": []}]
    try:
        from openapi_spec_validator import validate
    except ImportError:  # not a dependency: checked when installed
        return
    validate(document)


def test_the_document_is_served_as_json_to_signed_in_users(app) -> None:  # type: ignore[no-untyped-def]
    response = signed_in(app, "admin").get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json()["openapi"] == "3.0.3"
    assert response.headers["Cache-Control"] == "no-store"
    assert audited(app)[-1][:2] == ("api_openapi", "ok")


def test_signed_out_callers_get_401_json_never_a_redirect(app, fake) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    for rule in api_rules(app):
        response = client.get(rule.rule.replace("<person_id>", "P1") + "?name=jones")
        assert response.status_code == 401, rule.rule
        assert response.mimetype == "application/json", rule.rule
        assert response.get_json() == {"error": {"status": 401, "title": "You need to sign in"}}
        assert "Location" not in response.headers
    assert fake.calls == []


def test_search(app, fake) -> None:  # type: ignore[no-untyped-def]
    response = signed_in(app, "social_worker").get(f"{PREFIX}/search?name=Jones&postcode=ex94qa")
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == 2 and body["limit"] == repository.SEARCH_LIMIT
    assert body["query"] == {"name": "Jones", "postcode": "EX9 4QA"}
    first = body["results"][0]
    assert first["id"] == "P1" and first["name"] == "Liam Jones" and first["dob"] == "2014-06-03"
    assert first["postcode_district"] == "EX9" and first["sources"] == ["schools"]
    assert "EX9 4QA" not in json.dumps(body["results"])  # the district only, as on the page
    assert fake.calls == [("search", "social_worker", {"name": "Jones", "postcode": "EX9 4QA"})]
    action, outcome, detail = audited(app)[-1]
    assert (action, outcome) == ("api_search", "ok")
    assert detail["terms"] == {"name": "Jones", "postcode": "EX9 4QA"} and detail["results"] == 2


@pytest.mark.parametrize(
    ("role", "query", "field", "message"),
    [
        ("social_worker", "", "name", "Enter a name"),
        ("social_worker", "name=", "name", "Enter a name"),
        ("social_worker", "name=" + "x" * 101, "name", "100 characters or fewer"),
        ("social_worker", "dob-day=31&dob-month=2&dob-year=2015", "dob", "real date"),
        ("social_worker", "postcode=nowhere", "postcode", "real postcode"),
        ("social_worker", "identifier=123", "identifier", "valid NHS number"),
        ("social_worker", "name=jones&surname=x", "surname", "Unknown parameter"),
        ("school_dsl", "identifier=9990000018", "identifier", "cannot search by this"),
    ],
)
def test_bad_search_input_is_a_400_with_a_message_per_field(  # type: ignore[no-untyped-def]
    app, fake, role: str, query: str, field: str, message: str
) -> None:
    response = signed_in(app, role).get(f"{PREFIX}/search?{query}")
    assert response.status_code == 400 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"]["status"] == 400
    assert message in body["errors"][field], body
    assert fake.calls == []
    action, outcome, detail = audited(app)[-1]
    assert (action, outcome) == ("api_search", "invalid")
    assert field in detail["invalid"] and "x" * 101 not in json.dumps(detail)  # names only


def test_person(app, fake) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "social_worker")
    body = client.get(f"{PREFIX}/people/P1").get_json()
    assert body["name"] == "Liam Jones" and body["person"]["id"] == "P1"
    assert body["sources"]["schools"]["extracted_at"] == "2026-11-01"  # a date, as ISO
    assert body["current_address"]["line1"] == "14 Mill Lane"
    assert body["provenance"]["family_name"] == ["schools"]
    member = body["family"][0]
    assert member["relationship"] == "Parent" and member["person"]["name"] == "Sarah Jones"
    assert member["involvements"][0]["professional"]["name"] == "Priya Shah"
    assert member["counts"] == [{"source": "police", "involvements": 2}]
    assert "postcode" not in member["person"]  # summaries: the district only
    assert body["full_sources"] == ["schools"] and body["counts"][0]["source"] == "police"
    missing = client.get(f"{PREFIX}/people/Pnobody")
    assert missing.status_code == 404 and missing.mimetype == "application/json"
    assert missing.get_json() == {"error": {"status": 404, "title": "Page not found"}}
    assert client.get(f"{PREFIX}/people/{'P' * 41}").status_code == 404
    assert fake.calls == [
        ("person_page", "social_worker", "P1"),
        ("person_page", "social_worker", "Pnobody"),
    ]  # an over-long id never reaches the graph
    assert [event[:2] for event in audited(app)] == [
        ("api_view_person", "ok"),
        ("api_view_person", "not_found"),
        ("api_view_person", "not_found"),
    ]
    assert audited(app)[0][2] == {"person_id": "P1", "path": f"{PREFIX}/people/P1"}


@pytest.mark.parametrize(
    ("url", "action"),
    [
        ("/people/P2", "api_view_person"),
        ("/people/P2/network", "api_view_network"),
        ("/people/P2/addresses", "api_trace_address"),
    ],
)
def test_someone_outside_the_policy_is_not_found_but_audited_as_denied(  # type: ignore[no-untyped-def]
    app, fake, url: str, action: str
) -> None:
    response = signed_in(app, "social_worker").get(PREFIX + url)
    assert response.status_code == 404  # the same answer as for a wrong id
    assert response.get_json() == {"error": {"status": 404, "title": "Page not found"}}
    assert audited(app)[-1][:2] == (action, "denied")


def test_network(app, fake) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "school_dsl")
    body = client.get(f"{PREFIX}/people/P1/network").get_json()
    assert {node["id"] for node in body["nodes"]} == {"P1", "P2"}
    assert body["edges"][0]["source"] == "P2"
    assert client.get(f"{PREFIX}/people/P9/network").status_code == 404
    assert fake.calls == [("network", "school_dsl", "P1"), ("network", "school_dsl", "P9")]
    assert [event[:2] for event in audited(app)] == [
        ("api_view_network", "ok"),
        ("api_view_network", "not_found"),
    ]


def test_addresses(app, fake) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "social_worker")
    body = client.get(f"{PREFIX}/people/P1/addresses").get_json()
    assert body["person"]["name"] == "Liam Jones"
    assert [item["address"]["id"] for item in body["addresses"]] == ["A1", "A2"]
    assert [item["current"] for item in body["addresses"]] == [True, False]
    assert body["addresses"][0]["residents"][0]["name"] == "Sarah Jones"
    assert client.get(f"{PREFIX}/people/P9/addresses").status_code == 404
    events = audited(app)
    assert events[0][:2] == ("api_trace_address", "ok") and events[0][2]["addresses"] == 2
    assert events[1][:2] == ("api_trace_address", "not_found")


@pytest.mark.parametrize(
    ("role", "url", "capability"),
    [
        ("school_dsl", "/people/P1/addresses", "trace_address"),
        ("admin", "/search?name=jones", "search"),
        ("admin", "/people/P1", "view_person"),
        ("admin", "/people/P1/network", "view_person"),
    ],
)
def test_roles_without_the_capability_get_403_json_and_are_audited(  # type: ignore[no-untyped-def]
    app, fake, role: str, url: str, capability: str
) -> None:
    response = signed_in(app, role).get(PREFIX + url)
    assert response.status_code == 403 and response.mimetype == "application/json"
    assert response.get_json()["error"] == {
        "status": 403,
        "title": "You do not have permission to see this",
    }
    assert fake.calls == []
    action, outcome, detail = audited(app)[-1]
    assert (action, outcome, detail["capability"]) == ("denied", "denied", capability)


@pytest.mark.parametrize(
    "error",
    [
        GraphUnavailableError("graph server unavailable"),
        GraphTimeoutError("queries/person", RuntimeError("ran past the time limit")),
    ],
)
def test_graph_outage_or_timeout_is_503_json_with_retry_after(app, monkeypatch, error) -> None:  # type: ignore[no-untyped-def]
    def down(*args: Any) -> None:
        raise error

    monkeypatch.setattr(repository, "person_page", down)
    response = signed_in(app, "social_worker").get(f"{PREFIX}/people/P1")
    assert response.status_code == 503 and response.mimetype == "application/json"
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["error"]["status"] == 503


def test_unexpected_errors_are_500_json_without_a_trace(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: Any) -> None:
        raise KeyError("secret internals")

    monkeypatch.setattr(repository, "network", broken)
    response = signed_in(app, "social_worker").get(f"{PREFIX}/people/P1/network")
    assert response.status_code == 500 and response.mimetype == "application/json"
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "secret internals" not in text


def test_only_get_and_unknown_api_paths_are_json(app, fake) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "social_worker")
    post = client.post(f"{PREFIX}/search?name=jones")
    assert post.status_code == 405 and post.get_json()["error"]["status"] == 405
    unknown = client.get(f"{PREFIX}/nothing/here")
    assert unknown.status_code == 404 and unknown.mimetype == "application/json"
    assert fake.calls == []
