"""For every role, pages and JSON for people in the sample county show nothing
outside that role's policy: no source, involvement kind or restricted field it is
not granted. Runs on its own graph server loaded with the whole committed county."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_etl import etl, graph_server
from graph_etl.graph import Graph
from graph_etl.settings import REPO_ROOT
from graph_etl.sources.manifest import FAMILY_TYPES
from tests.conftest import another_server
from webapp import create_app, users
from webapp.policy import load_policies

COUNTY = REPO_ROOT / "sample_data" / "county"
PASSWORD = "property-password"
VIEWING_ROLES = sorted(role for role, p in load_policies().items() if p.allows("view_person"))
SCHOOL = "Mill Lane Primary School"


@pytest.fixture(scope="module")
def county_graph(graph_settings, tmp_path_factory) -> Iterator[Graph]:  # type: ignore[no-untyped-def]
    settings = graph_settings
    started = False
    if settings.local:
        state = Path(tmp_path_factory.mktemp("county-graph"))
        settings = another_server(settings, state)
        started = graph_server.start(settings)
    with Graph(settings) as graph:
        if not started:
            graph.write("admin/clear_graph")
        etl.run(graph, COUNTY, quiet=True, state_dir=Path(tmp_path_factory.mktemp("etl")))
        yield graph
    if started:
        graph_server.stop(settings)


@pytest.fixture(scope="module")
def school_name(county_graph) -> str:  # type: ignore[no-untyped-def]
    rows = (COUNTY / "schools" / "schools.csv").read_text().splitlines()
    return rows[1].split(",")[1]


@pytest.fixture(scope="module")
def clients(county_graph, school_name, tmp_path_factory):  # type: ignore[no-untyped-def]
    database = Path(tmp_path_factory.mktemp("web")) / "web.sqlite"
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "WTF_CSRF_ENABLED": False,
            "GRAPH_SETTINGS": county_graph.settings,
        }
    )
    found = {}
    for role in VIEWING_ROLES:
        organisation = school_name if load_policies()[role].organisation_scope else None
        users.upsert(app.extensions["store"], role, PASSWORD, role, organisation=organisation)
        client = app.test_client()
        client.post("/login", data={"username": role, "password": PASSWORD})
        found[role] = client
    yield found
    app.extensions.get("graph") and app.extensions["graph"].close()


@pytest.fixture(scope="module")
def people(county_graph) -> list[str]:  # type: ignore[no-untyped-def]
    rows = county_graph.read("admin/sample_people", family_types=list(FAMILY_TYPES), limit=100_000)
    return sorted(row["id"] for row in rows)


def check_page(role: str, html: str, truth: dict) -> None:
    policy = load_policies()[role]
    for source in re.findall(r'data-known-to="([a-z_]+)"', html):
        assert policy.levels.get(source) in ("summary", "full"), (role, source)
    for source in re.findall(r'data-(?:counted|count-source)="([a-z_]+)"', html):
        assert policy.levels.get(source) == "count", (role, source)
    for source, kind in re.findall(r'data-source="([a-z_]+)" data-kind="([^"]+)"', html):
        assert policy.levels.get(source) in ("summary", "full"), (role, source, kind)
        assert policy.kinds is None or kind in policy.kinds, (role, kind)
    if "Closure reason:" in html:
        assert "involvement.end_reason" in policy.fields, role
    if "Detail:" in html:
        assert "involvement.detail" in policy.fields, role
    if truth["nhs_number"] and truth["nhs_number"] in html:
        assert policy.sees_field("person.nhs_number"), role
    if truth["upn"] and truth["upn"] in html:
        assert policy.sees_field("person.upn"), role


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_page_shows_more_than_the_role_may_see(
    data, clients, people, county_graph, school_name
) -> None:  # type: ignore[no-untyped-def]
    role = data.draw(st.sampled_from(VIEWING_ROLES), label="role")
    person_id = data.draw(st.sampled_from(people), label="person")
    truth = county_graph.read_one("admin/person_everything", person_id=person_id)
    client = clients[role]
    page = client.get(f"/person/{person_id}")
    assert page.status_code in (200, 404)
    if page.status_code == 200:
        check_page(role, page.get_data(as_text=True), truth)
    network = client.get(f"/person/{person_id}/network.json")
    assert network.status_code == page.status_code  # the same visibility rule
    if network.status_code == 200:
        ids = [node["id"] for node in network.get_json()["nodes"]]
        policy = load_policies()[role]
        if policy.organisation_scope:
            policy = policy.for_organisation(school_name)
        shown = {
            row["id"]
            for row in county_graph.read(
                "queries/visible_people",
                person_ids=ids,
                family_types=list(FAMILY_TYPES),
                **load_policies()[role].params(),
            )
        }
        assert person_id in shown


def test_every_role_sees_someone_and_scoped_roles_fewer(clients, people) -> None:  # type: ignore[no-untyped-def]
    sample = people[:: max(1, len(people) // 60)]
    seen = {
        role: sum(clients[role].get(f"/person/{pid}").status_code == 200 for pid in sample)
        for role in VIEWING_ROLES
    }
    assert seen["school_dsl"] < seen["social_worker"]
    # A scoped role sees few people, so look further than the sample for one it sees.
    for role in VIEWING_ROLES:
        if not seen[role]:
            visible = (
                pid for pid in people if clients[role].get(f"/person/{pid}").status_code == 200
            )
            assert next(visible, None), f"{role} sees nobody"
