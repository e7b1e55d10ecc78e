"""The JSON API on the real graph: the same people, policy and audit as the pages."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.integration.conftest import close, make_app, signed_in
from webapp.store import audit_events

API = "/api/v1"


def found(client, name: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The first person an API search by name finds."""
    response = client.get(f"{API}/search", query_string={"name": name})
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["results"]
    assert results, f"{name} not found"
    return results[0]


def audited(app) -> list[tuple[str | None, str, str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """(username, action, outcome, detail) of every event but sign-ins."""
    with app.extensions["store"].connect() as conn:
        rows = conn.execute(select(audit_events).order_by(audit_events.c.id))
        events = [(row.username, row.action, row.outcome, json.loads(row.detail)) for row in rows]
    return [event for event in events if event[1] != "login"]


def test_search_finds_what_the_page_finds(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "social_worker")
    body = client.get(f"{API}/search?name=jones").get_json()
    assert {person["name"] for person in body["results"]} == {
        "Sarah Jones",
        "Liam Jones",
        "Mia Jones",
    }
    assert body["count"] == 3 and body["query"] == {"name": "jones"}
    liam = next(p for p in body["results"] if p["name"] == "Liam Jones")
    assert liam["dob"] == "2014-06-03" and liam["postcode_district"] == "EX9"
    assert "schools" in liam["sources"]
    assert "Mill Lane" not in json.dumps(body)  # the postcode district only, as on the page
    html = client.get("/search?name=jones").get_data(as_text=True)
    assert set(re.findall(r'href="/person/(P[0-9a-f]+)"', html)) == {
        p["id"] for p in body["results"]
    }
    by_dob = client.get(f"{API}/search?name=jones&dob-day=21&dob-month=9&dob-year=2017")
    assert [p["name"] for p in by_dob.get_json()["results"]] == ["Mia Jones"]


def test_person_network_and_addresses_for_a_social_worker(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "social_worker")
    liam = found(client, "liam jones")["id"]
    page = client.get(f"{API}/people/{liam}")
    assert page.status_code == 200 and page.mimetype == "application/json"
    assert page.headers["Cache-Control"] == "no-store"
    body = page.get_json()
    assert body["name"] == "Liam Jones" and body["person"]["dob"] == "2014-06-03"
    assert body["current_address"]["line1"] == "14 Mill Lane"
    family = {m["person"]["name"]: m for m in body["family"]}
    assert family["Sarah Jones"]["relationship"] == "Parent"
    assert family["Mia Jones"]["relationship"] == "Sibling"
    assert any(
        i["professional"] and i["professional"]["name"] == "Omar Hussain"
        for i in family["Mia Jones"]["involvements"]
    )
    professionals = {i["professional"]["name"] for i in body["involvements"] if i["professional"]}
    assert "Priya Shah" in professionals
    assert body["sources"]["schools"]["refresh"] == "daily"
    assert body["provenance"]["dob"]  # which sources hold the date of birth shown
    assert any(record["weights"] for record in body["records"])  # why they are joined

    network = client.get(f"{API}/people/{liam}/network").get_json()
    assert {"Sarah Jones", "Mia Jones"} <= {node.get("label") for node in network["nodes"]}
    assert {edge["label"] for edge in network["edges"]} == {"parent of", "sibling"}
    assert network == client.get(f"/person/{liam}/network.json").get_json()  # same as the page

    sarah = found(client, "sarah jones")["id"]
    trace = client.get(f"{API}/people/{sarah}/addresses").get_json()
    assert trace["person"]["name"] == "Sarah Jones"
    lines = [item["address"]["line1"] for item in trace["addresses"]]
    assert lines.index("14 Mill Lane") < lines.index("3 Station Road")  # most recent first
    assert trace["addresses"][0]["current"] is True
    residents = {r["name"] for item in trace["addresses"] for r in item["residents"]}
    assert {"Liam Jones", "Mia Jones"} <= residents

    events = [(action, outcome) for _, action, outcome, _ in audited(app)]
    assert events == [
        ("api_search", "ok"),
        ("api_view_person", "ok"),
        ("api_view_network", "ok"),
        ("view_network", "ok"),  # the page's own JSON
        ("api_search", "ok"),
        ("api_trace_address", "ok"),
    ]
    assert audited(app)[1][0] == "social_worker"
    assert audited(app)[1][3] == {"person_id": liam, "path": f"{API}/people/{liam}"}


def test_restricted_fields_and_scope_follow_the_role(app) -> None:  # type: ignore[no-untyped-def]
    social_worker = signed_in(app, "social_worker")
    mia = social_worker.get(f"{API}/people/{found(social_worker, 'mia jones')['id']}").get_json()
    assert "Needs met" in {i["end_reason"] for i in mia["involvements"]}
    assert mia["person"]["upn"] == "W930123456020"
    tom = found(social_worker, "tom evans")["id"]

    school = signed_in(app, "school_dsl")
    liam = school.get(f"{API}/people/{found(school, 'liam jones')['id']}").get_json()
    assert liam["person"]["nhs_number"] is None  # NHS numbers are not for schools
    assert all(i["end_reason"] is None and i["detail"] is None for i in liam["involvements"])
    assert set(liam["sources"]) <= {"social_care", "schools", "health", "police"}
    for url in (f"/people/{tom}", f"/people/{tom}/network"):  # another school's pupil
        assert school.get(API + url).status_code == 404, url
    refused = [(u, a, o) for u, a, o, _ in audited(app) if u == "school_dsl" and o != "ok"]
    assert refused == [
        ("school_dsl", "api_view_person", "denied"),  # Tom exists: an alert
        ("school_dsl", "api_view_network", "denied"),
    ]

    housing = signed_in(app, "housing_officer")
    assert housing.get(f"{API}/search?name=liam+jones").get_json()["results"] == []


def test_a_role_without_trace_address_gets_403_json(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "school_dsl")
    mia = found(client, "mia jones")["id"]
    response = client.get(f"{API}/people/{mia}/addresses")
    assert response.status_code == 403 and response.mimetype == "application/json"
    assert response.get_json()["error"]["status"] == 403
    username, action, outcome, detail = audited(app)[-1]
    assert (username, action, outcome) == ("school_dsl", "denied", "denied")
    assert detail == {"capability": "trace_address", "path": f"{API}/people/{mia}/addresses"}


def test_team_around_the_family_as_json(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "social_worker")
    liam = found(client, "liam jones")["id"]
    response = client.get(f"{API}/people/{liam}/team")
    assert response.status_code == 200
    team = {p["name"]: p for p in response.get_json()["professionals"]}
    assert team["Priya Shah"]["email"] == "priya.shah@exampleshire.example"
    assert any(who.startswith("Mia Jones") for who in team["Omar Hussain"]["works_with"])
    assert audited(app)[-1][1:3] == ("api_export", "ok")
    refused = signed_in(app, "housing_officer").get(f"{API}/people/{liam}/team")
    assert refused.status_code == 403 and refused.mimetype == "application/json"


def test_signed_out_callers_get_401_json(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    for url in ("/search?name=jones", "/people/P1", "/people/P1/network", "/openapi.json"):
        response = client.get(API + url)
        assert response.status_code == 401 and response.mimetype == "application/json", url
        assert response.get_json()["error"]["status"] == 401
        assert "Location" not in response.headers


def test_unknown_person_is_404_json_and_audited(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "social_worker")
    for url in ("/people/Pnotreal", "/people/Pnotreal/network", "/people/Pnotreal/addresses"):
        response = client.get(API + url)
        assert response.status_code == 404 and response.mimetype == "application/json", url
        assert response.get_json() == {"error": {"status": 404, "title": "Page not found"}}
    assert [(action, outcome) for _, action, outcome, _ in audited(app)] == [
        ("api_view_person", "not_found"),
        ("api_view_network", "not_found"),
        ("api_trace_address", "not_found"),
    ]


def test_bad_search_input_is_400_json_and_audited(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "social_worker")
    long = client.get(f"{API}/search?name=" + "x" * 101)
    assert long.status_code == 400
    assert "100 characters or fewer" in long.get_json()["errors"]["name"]
    empty = client.get(f"{API}/search?name=")
    assert empty.status_code == 400 and "Enter a name" in empty.get_json()["errors"]["name"]
    school = signed_in(app, "school_dsl").get(f"{API}/search?identifier=9990000018")
    assert "cannot search by this identifier" in school.get_json()["errors"]["identifier"]
    assert [
        (action, outcome, detail["invalid"]) for _, action, outcome, detail in audited(app)
    ] == [
        ("api_search", "invalid", ["name"]),
        ("api_search", "invalid", ["name"]),
        ("api_search", "invalid", ["identifier"]),
    ]


def test_the_openapi_document_is_served(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "housing_officer")
    document = client.get(f"{API}/openapi.json").get_json()
    assert document["openapi"] == "3.0.3" and "/people/{person_id}" in document["paths"]
    assert audited(app)[-1][1:3] == ("api_openapi", "ok")


def test_graph_outage_is_503_json_with_retry(graph_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    down = dataclasses.replace(graph_settings, uri="bolt://127.0.0.1:9")
    app = make_app(down, tmp_path / "down.sqlite", ("social_worker",))
    response = signed_in(app, "social_worker").get(f"{API}/search?name=jones")
    close(app)
    assert response.status_code == 503 and response.mimetype == "application/json"
    assert response.headers["Retry-After"]
    assert response.get_json()["error"]["status"] == 503
