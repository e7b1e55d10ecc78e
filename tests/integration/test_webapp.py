"""The web app on the real graph: sign in, search, person page, policy, outages."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest

from tests.integration.conftest import PASSWORD, close, make_app, signed_in
from webapp import users


def person_id(client, name: str) -> str:  # type: ignore[no-untyped-def]
    html = client.get(f"/search?name={name}").get_data(as_text=True)
    found = re.findall(r'href="/person/(P[0-9a-f]+)"', html)
    assert found, f"{name} not found"
    return found[0]


def test_search_shows_enough_to_tell_people_apart(app) -> None:  # type: ignore[no-untyped-def]
    html = signed_in(app, "social_worker").get("/search?name=jones").get_data(as_text=True)
    assert "3 people found" in html
    assert "3 June 2014" in html and "EX9" in html and "Schools" in html
    assert "14 Mill Lane" not in html  # only the postcode district in results


def test_person_page_lists_family_and_their_involvements(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "social_worker")
    html = client.get(f"/person/{person_id(client, 'liam jones')}").get_data(as_text=True)
    assert "Liam Jones" in html
    assert "Priya Shah" in html and "mailto:priya.shah@exampleshire.example" in html
    assert "tel:01632960101" in html
    # Mia is Liam's sister; her school's safeguarding lead is listed with her.
    assert "Sibling" in html and "Omar Hussain" in html and "Mill Lane Primary School" in html
    assert "Parent" in html and "Sarah Jones" in html
    assert "14 Mill Lane" in html and "Reported by" in html
    assert "refreshed daily" in html
    # Each detail says which sources hold it, as of which extract.
    provenance = "Recorded by Schools (1 November 2026, refreshed daily), Children&#39;s"
    assert provenance in html
    assert "No record in:" not in html  # both visible sources know Liam


def test_person_page_says_why_records_are_joined(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "social_worker")
    html = client.get(f"/person/{person_id(client, 'liam jones')}").get_data(as_text=True)
    why = html[html.index("Why are these records joined?") :]
    assert "Joined to the" in why and "match probability of" in why
    assert "UPN agrees" in why  # the strongest evidence first
    assert re.search(r"Date of birth</td>\s*<td[^>]*>exact</td>\s*<td[^>]*>\+\d", why)


def test_sources_holding_no_record_are_named(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "social_worker")
    html = client.get(f"/person/{person_id(client, 'tom evans')}").get_data(as_text=True)
    assert "No record in: Children&#39;s social care" in html


def test_restricted_fields_follow_the_role(app) -> None:  # type: ignore[no-untyped-def]
    social_worker = signed_in(app, "social_worker")
    html = social_worker.get(f"/person/{person_id(social_worker, 'mia jones')}").get_data(
        as_text=True
    )
    assert "Closure reason: Needs met" in html  # early help closed: social care may see why
    assert "W930123456020" in html  # UPN granted to social workers


def test_sources_outside_the_policy_are_invisible(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "housing_officer")
    # Housing officers see social care only as a count and schools not at all.
    assert "No people found" in client.get("/search?name=liam+jones").get_data(as_text=True)
    assert client.get("/person/Pnotreal").status_code == 404


def test_school_sees_its_own_pupils_and_their_families_only(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "school_dsl")
    found = client.get("/search?name=jones").get_data(as_text=True)
    assert "Mia Jones" in found  # a pupil at Mill Lane Primary
    assert "Liam Jones" in found and "Sarah Jones" in found  # her brother and mother
    assert "No people found" in client.get("/search?name=tom+evans").get_data(as_text=True)
    html = client.get(f"/person/{person_id(client, 'liam jones')}").get_data(as_text=True)
    assert "Child in need" in html and "Priya Shah" in html  # social care at summary level
    assert "Closure reason" not in html
    assert "H930123456010" in html  # UPNs are for schools


def test_viewing_someone_outside_the_policy_is_a_denied_attempt(app) -> None:  # type: ignore[no-untyped-def]
    """The viewer sees "not found" either way; the audit records a refused view of a
    person who exists as denied (an alert), and a wrong id as not found."""
    from webapp import alerts

    tom = person_id(signed_in(app, "social_worker"), "tom evans")
    client = signed_in(app, "school_dsl")  # Tom is no pupil's family at Mill Lane
    for url in (f"/person/{tom}", f"/person/{tom}/network.json", "/person/Pnotaperson"):
        assert client.get(url).status_code == 404
    assert client.get(f"/person/{tom}/team.csv").status_code == 404
    with app.extensions["store"].connect() as conn:
        from sqlalchemy import select

        from webapp.store import audit_events

        events = [
            (row.action, row.outcome, row.username)
            for row in conn.execute(select(audit_events))
            if row.username == "school_dsl" and row.action != "login"
        ]
    assert ("view_person", "denied", "school_dsl") in events
    assert ("view_network", "denied", "school_dsl") in events
    assert ("export", "denied", "school_dsl") in events
    assert ("view_person", "not_found", "school_dsl") in events
    assert alerts.unacknowledged_count(app.extensions["store"]) >= 3


def test_analysts_see_counts_of_family_networks_and_nobody_in_them(app) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from webapp.store import audit_events

    users.upsert(app.extensions["store"], "analyst", PASSWORD, "analyst")
    client = signed_in(app, "analyst")
    response = client.get("/analyst")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Family networks by size" in html and "fewer than 5" in html
    assert "currently involved" in html and "Where these figures come from" in html
    for name in ("Liam", "Jones", "Mill Lane", "/person/"):
        assert name not in html  # counts only
    assert signed_in(app, "social_worker").get("/analyst").status_code == 403
    with app.extensions["store"].connect() as conn:
        actions = [(row.action, row.username) for row in conn.execute(select(audit_events))]
    assert ("analyst_query", "analyst") in actions


def test_analyst_figures_are_computed_once_per_load(app, graph, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from webapp import analyst, repository

    users.upsert(app.extensions["store"], "analyst", PASSWORD, "analyst")
    client = signed_in(app, "analyst")
    analyst._kept.clear()
    computed = []
    original = repository.analyst_rows
    monkeypatch.setattr(repository, "analyst_rows", lambda p: computed.append(1) or original(p))
    marker = graph.read_one("state/load_marker")
    try:
        for _ in range(2):
            assert client.get("/analyst").status_code == 200
        assert len(computed) == 1
        graph.write("load/load_marker", digest="another load")
        assert client.get("/analyst").status_code == 200
        assert len(computed) == 2
        graph.write("load/load_marker", digest=None)  # a load writing: never kept
        client.get("/analyst")
        client.get("/analyst")
        assert len(computed) == 4
    finally:
        graph.write("load/load_marker", digest=marker["digest"] if marker else None)


def test_unknown_person_is_a_clear_404(app) -> None:  # type: ignore[no-untyped-def]
    response = signed_in(app, "social_worker").get("/person/Pnotapersonid")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_bad_search_input_gets_a_message(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "social_worker")
    empty = client.get("/search?name=")
    assert empty.status_code == 400 and "Enter a name" in empty.get_data(as_text=True)
    long = client.get("/search?name=" + "x" * 101)
    assert long.status_code == 400 and "100 characters or fewer" in long.get_data(as_text=True)
    from sqlalchemy import select

    from webapp.store import audit_events

    with app.extensions["store"].connect() as conn:
        refused = [
            row.detail
            for row in conn.execute(select(audit_events))
            if row.action == "search" and row.outcome == "invalid"
        ]
    assert len(refused) == 2 and all('"invalid": ["name"]' in detail for detail in refused)
    assert "x" * 101 not in "".join(refused)  # the fields refused, not what was typed


def test_graph_outage_is_a_503_with_retry(graph_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    down = dataclasses.replace(graph_settings, uri="bolt://127.0.0.1:9")
    app = make_app(down, tmp_path / "down.sqlite", ("social_worker",))
    response = signed_in(app, "social_worker").get("/search?name=jones")
    close(app)
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "service is unavailable" in response.get_data(as_text=True)


def test_network_json_expands_one_person_at_a_time(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "social_worker")
    liam = person_id(client, "liam jones")
    data = client.get(f"/person/{liam}/network.json").get_json()
    names = {node.get("label") for node in data["nodes"]}
    assert {"Sarah Jones", "Mia Jones"} <= names
    assert {edge["label"] for edge in data["edges"]} == {"parent of", "sibling"}
    assert client.get("/person/Pnobody/network.json").status_code == 404


def test_network_respects_the_school_scope(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "school_dsl")
    other_school = person_id(signed_in(app, "social_worker"), "tom evans")
    response = client.get(f"/person/{other_school}/network.json")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_address_trace_lists_every_address_most_recent_first(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "social_worker")
    sarah = person_id(client, "sarah jones")
    html = client.get(f"/trace/{sarah}").get_data(as_text=True)
    current, previous = html.index("14 Mill Lane"), html.index("3 Station Road")
    assert current < previous  # most recent first
    assert "Previous" in html and "Reported by" in html
    assert "Liam Jones" in html and "Mia Jones" in html  # who else lives there


def test_address_trace_needs_the_capability(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "school_dsl")
    mia = person_id(client, "mia jones")
    assert client.get(f"/trace/{mia}").status_code == 403


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ("name=jones", {"Sarah Jones", "Liam Jones", "Mia Jones"}, {"Tom Evans"}),
        ("name=laim+jones", {"Liam Jones"}, {"Mia Jones"}),  # a typo in the given name
        ("name=jones&dob-day=21&dob-month=9&dob-year=2017", {"Mia Jones"}, {"Liam Jones"}),
        ("dob-day=3&dob-month=6&dob-year=2014", {"Liam Jones"}, {"Mia Jones"}),
        ("postcode=ex9+2cd", {"Tom Evans"}, {"Liam Jones"}),
        ("postcode=EX9+1AB", {"Sarah Jones"}, {"Tom Evans"}),  # a past address
        ("identifier=9990000018", {"Sarah Jones"}, {"Liam Jones"}),
        ("identifier=H930123456010", {"Liam Jones"}, {"Mia Jones"}),
        ("name=evans+tom", {"Tom Evans"}, set()),  # the wrong way round
    ],
)
def test_search_by_each_criterion(app, query: str, expected: set, absent: set) -> None:  # type: ignore[no-untyped-def]
    html = signed_in(app, "social_worker").get(f"/search?{query}").get_data(as_text=True)
    for name in expected:
        assert f">{name}</a>" in html, (query, name)
    for name in absent:
        assert f">{name}</a>" not in html, (query, name)


def test_search_terms_are_audited(app) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from webapp.store import audit_events

    signed_in(app, "social_worker").get("/search?name=jones&postcode=EX9+4QA")
    with app.extensions["store"].connect() as conn:
        details = [
            row.detail for row in conn.execute(select(audit_events)) if row.action == "search"
        ]
    assert any('"name": "jones"' in detail and "EX9 4QA" in detail for detail in details)


def test_team_around_the_family_lists_current_leads_and_exports_them(app) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from webapp.store import audit_events

    client = signed_in(app, "social_worker")
    liam = person_id(client, "liam jones")
    assert f"/person/{liam}/team" in client.get(f"/person/{liam}").get_data(as_text=True)
    html = client.get(f"/person/{liam}/team").get_data(as_text=True)
    # Liam's social worker, and his sister's school safeguarding lead.
    assert "Priya Shah" in html and "mailto:priya.shah@exampleshire.example" in html
    assert "Omar Hussain" in html and "Mia Jones (sibling" in html
    assert "bcc=" in html and "Jones" not in html[html.index("bcc=") : html.index("bcc=") + 300]
    response = client.get(f"/person/{liam}/team.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("name,role,team,organisation,email,phone")
    assert any(line.startswith("Priya Shah,") for line in lines)
    with app.extensions["store"].connect() as conn:
        actions = [row.action for row in conn.execute(select(audit_events))]
    assert "view_team" in actions and "export" in actions


def test_team_export_needs_the_capability_and_a_visible_person(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "housing_officer")
    assert client.get("/person/P1/team.csv").status_code == 403
    assert signed_in(app, "social_worker").get("/person/P000000000000/team.csv").status_code == 404


def test_roles_cannot_search_by_identifiers_they_may_not_see(app) -> None:  # type: ignore[no-untyped-def]
    response = signed_in(app, "school_dsl").get("/search?identifier=9990000018")
    assert response.status_code == 400
    assert "cannot search by this identifier" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("laim+jnoes", "Liam Jones"),  # a slip in each name
        ("jnoes+laim", "Liam Jones"),  # and the wrong way round
        ("jnoes", "Liam Jones"),
        ("mia+jnose", "Mia Jones"),
        ("william+jones", "Liam Jones"),  # Liam is a short form of William
        ("wiliam+jones", "Liam Jones"),  # and a slip in the formal name
        ("amelia+jones", "Mia Jones"),  # Mia, of Amelia
        ("sally+jones", "Sarah Jones"),  # Sally is a short form of Sarah
        ("sal+jones", "Sarah Jones"),  # Sal is not in the tables, but starts Sally
        ("thomas+evans", "Tom Evans"),
        ("tommy+evnas", "Tom Evans"),  # the school's preferred name, and a slip
    ],
)
def test_search_tolerates_nicknames_and_typos(app, name: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    html = signed_in(app, "social_worker").get(f"/search?name={name}").get_data(as_text=True)
    assert f">{expected}</a>" in html, name


@pytest.fixture(scope="module")
def renamed(graph_settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The mini county, but the school holds Mia as Mia Hartley, born a day later:
    a name and a date of birth only a source some roles cannot see holds. Loaded on a
    graph server of its own (or, on Neo4j, in place of the mini county until done)."""
    from graph_etl import etl, graph_server
    from graph_etl.graph import Graph
    from tests.conftest import MINI_COUNTY, another_server

    county = tmp_path_factory.mktemp("renamed") / "county"
    shutil.copytree(MINI_COUNTY, county)
    pupils = county / "schools" / "pupils.csv"
    old = "W930123456020,Mia,Jones,,21/09/2017"
    assert old in pupils.read_text()
    pupils.write_text(pupils.read_text().replace(old, "W930123456020,Mia,Hartley,,22/09/2017"))
    settings, started = graph_settings, False
    if settings.local:
        settings = another_server(settings, tmp_path_factory.mktemp("renamed-graph"))
        started = graph_server.start(settings)
    database = tmp_path_factory.mktemp("renamed-web") / "web.sqlite"
    with Graph(settings) as connection:
        connection.write("admin/clear_graph")
        etl.run(connection, county, quiet=True, state_dir=tmp_path_factory.mktemp("renamed-etl"))
        app = make_app(settings, database, ("social_worker", "probation_officer"))
        yield app
        close(app)
        if not started:  # the shared graph: put the mini county back
            connection.write("admin/clear_graph")
            etl.run(connection, MINI_COUNTY, quiet=True)
    if started:
        graph_server.stop(settings)


def test_names_a_role_cannot_see_neither_show_nor_find(renamed) -> None:  # type: ignore[no-untyped-def]
    # Probation sees social care (Mia Jones, 21 September) but not schools (Mia
    # Hartley, 22 September), though the graph's own choice is the school's.
    probation = signed_in(renamed, "probation_officer")
    for query in ("name=mia+hartley", "name=hartley", "dob-day=22&dob-month=9&dob-year=2017"):
        html = probation.get(f"/search?{query}").get_data(as_text=True)
        assert "No people found" in html, query
    found = probation.get("/search?name=mia+jones").get_data(as_text=True)
    assert ">Mia Jones</a>" in found and "21 September 2017" in found
    assert "Hartley" not in found and "22 September 2017" not in found
    page = probation.get(f"/person/{person_id(probation, 'mia jones')}").get_data(as_text=True)
    assert "Mia Jones" in page and "21 September 2017" in page
    assert "Hartley" not in page and "22 September 2017" not in page
    # A social worker sees both sources: both names, and finds Mia by either.
    social_worker = signed_in(renamed, "social_worker")
    mia = person_id(social_worker, "mia hartley")
    assert person_id(social_worker, "mia jones") == mia
    page = social_worker.get(f"/person/{mia}").get_data(as_text=True)
    assert "Mia Hartley" in page and "Also recorded as" in page and "Mia Jones" in page


def test_family_members_are_named_from_visible_sources_only(renamed) -> None:  # type: ignore[no-untyped-def]
    probation = signed_in(renamed, "probation_officer")
    liam = person_id(probation, "liam jones")
    assert "Hartley" not in probation.get(f"/person/{liam}").get_data(as_text=True)
    assert "Hartley" not in probation.get(f"/person/{liam}/network.json").get_data(as_text=True)
