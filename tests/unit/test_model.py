"""The graph rows built from matched records: the mini county, and tiny inline data."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from graph_etl import model
from graph_etl.matching import match
from graph_etl.sources import load_manifests, read_source
from tests.conftest import MINI_COUNTY

LOADED_AT = datetime(2026, 11, 2, tzinfo=UTC)


def mini_county():  # type: ignore[no-untyped-def]
    """The mini county's manifests, reads and matching."""
    manifests = load_manifests()
    results = {
        name: read_source(m, MINI_COUNTY / name)
        for name, m in manifests.items()
        if (MINI_COUNTY / name).is_dir()
    }
    matched = match(
        [record for result in results.values() for record in result.people()],
        relationships=[item for result in results.values() for item in result.relationships()],
    )
    return manifests, results, matched


def test_mini_county_rows() -> None:
    manifests, results, matched = mini_county()
    rows = model.build(manifests, results, matched.links, LOADED_AT, matched.review_pairs)
    by_name = {(p["given_name"], p["family_name"]): p for p in rows.persons}
    assert len(rows.persons) == 4  # Sarah, Liam, Mia, Tom
    sarah, liam, mia = (
        by_name[("Sarah", "Jones")],
        by_name[("Liam", "Jones")],
        by_name[("Mia", "Jones")],
    )
    assert sarah["sources"] == ["schools", "social_care"]
    assert (sarah["given_phonetic"], sarah["family_phonetic"]) == ("SR", "JNS")
    assert "other_names" not in sarah  # read from the records a viewer may see
    family = {(row["from"], row["to"], row["type"]) for row in rows.family}
    assert (sarah["id"], liam["id"], "PARENT_OF") in family
    assert (min(liam["id"], mia["id"]), max(liam["id"], mia["id"]), "SIBLING_OF") in family
    statuses = {(row["kind"], row["status"]) for row in rows.involvements}
    assert ("Child in need", "current") in statuses
    assert ("Early help", "closed") in statuses
    current = [row for row in rows.lives_at if row["person_id"] == sarah["id"] and row["current"]]
    assert len(current) == 1
    households = {
        row["address_id"]
        for row in rows.households
        if row["person_id"] in {sarah["id"], liam["id"], mia["id"]}
    }
    assert len(households) == 1  # all three at 14 Mill Lane
    professionals = {row["id"]: row for row in rows.professionals}
    cin = next(row for row in rows.involvements if row["kind"] == "Child in need")
    assert professionals[cin["professional_id"]]["email"] == "priya.shah@exampleshire.example"


def test_rows_on_demand_build_each_part_when_first_asked_for() -> None:
    """A first load asks for a step's rows while the server writes the step before:
    only the parts asked for are built, and the rows are those `build` gives."""
    manifests, results, matched = mini_county()
    args = (manifests, results, matched.links, LOADED_AT, matched.review_pairs)
    rows = model.RowsOnDemand(*args)
    assert rows.persons  # builds the persons and source records, nothing else
    assert vars(rows)["_built"] == {"_people"}
    assert rows.households  # needs the addresses and the family relationships
    assert vars(rows)["_built"] == {"_people", "_addresses", "_family", "_households"}
    assert rows.all() == model.build(*args)


def test_households_split_unrelated_people_at_one_address() -> None:
    lives = [
        {"person_id": p, "address_id": "A1", "current": True} for p in ("mum", "kid", "lodger")
    ] + [
        {"person_id": "gran", "address_id": "A2", "current": True},
        {"person_id": "kid", "address_id": "A9", "current": False},
    ]
    family = [
        {"from": "mum", "to": "kid", "type": "PARENT_OF"},
        {"from": "gran", "to": "mum", "type": "PARENT_OF"},  # lives elsewhere: no tie
    ]
    rows = model.households(lives, family, groups=[])
    household = {row["person_id"]: row["id"] for row in rows}
    assert household["mum"] == household["kid"]
    assert household["lodger"] != household["mum"]
    assert household["gran"] != household["mum"]
    # A tenancy (a source's household group) ties people with no recorded relationship.
    rows = model.households(lives, family, groups=[{"mum", "lodger"}])
    household = {row["person_id"]: row["id"] for row in rows}
    assert household["lodger"] == household["mum"] == household["kid"]
    # A group ties its members at one address, whoever else in it lives elsewhere.
    rows = model.households(lives, family=[], groups=[{"gran", "kid", "lodger"}])
    household = {row["person_id"]: row["id"] for row in rows}
    assert household["kid"] == household["lodger"] != household["mum"]


def test_a_household_keeps_its_id_when_a_member_leaves() -> None:
    """A household is named after its address; a second one at that address adds its
    smallest person id. Whoever leaves, the rest keep the household's id."""
    family = [
        {"from": "p1", "to": "p2", "type": "PARENT_OF"},
        {"from": "p1", "to": "p3", "type": "PARENT_OF"},
        {"from": "p2", "to": "p3", "type": "SIBLING_OF"},
    ]

    def ids(where: dict[str, str]) -> dict[str, str]:
        lives = [{"person_id": p, "address_id": a, "current": True} for p, a in where.items()]
        return {row["person_id"]: row["id"] for row in model.households(lives, family, [])}

    before = ids({"p1": "A1", "p2": "A1", "p3": "A1", "p9": "A1"})
    assert before == {"p1": "HA1", "p2": "HA1", "p3": "HA1", "p9": "HA1-p9"}
    after = ids({"p1": "A2", "p2": "A1", "p3": "A1", "p9": "A1"})  # the first member moves out
    assert after == {"p1": "HA2", "p2": "HA1", "p3": "HA1", "p9": "HA1-p9"}


def record(ident: str, given: str, family: str, dob: str | None = None, sex: str | None = None):  # type: ignore[no-untyped-def]
    return {
        "id": ident,
        "source": ident.split(":")[0],
        "given_name": given,
        "family_name": family,
        "dob": dob,
        "sex": sex,
    }


def test_person_details_are_the_commonest_values_whatever_the_order() -> None:
    records = [
        record("police:p:1", "Carl", "Smith", "1960-01-31", "M"),
        record("housing:h:1", "Carl", "Sith", "1960-01-13", "M"),
        record("health:h:1", "Carl", "Smith", "1960-01-31"),
        record("schools:c:1", "Carl", "SMITH"),
    ]
    for ordered in (records, records[::-1]):
        shown = model.person_details(ordered)
        assert (shown["given_name"], shown["family_name"]) == ("Carl", "Smith")
        assert (shown["dob"], shown["sex"]) == ("1960-01-31", "M")
        assert shown["other_names"] == ["Carl Sith"]  # "Carl SMITH" is the same name


def test_person_details_break_ties_by_record_id() -> None:
    jones = record("social_care:p:1003", "Mia", "Jones", "2017-09-21")
    hartley = record("schools:pupils:W1", "Mia", "Hartley", "2017-09-22")
    for ordered in ([jones, hartley], [hartley, jones]):
        shown = model.person_details(ordered)
        assert (shown["family_name"], shown["dob"]) == ("Hartley", "2017-09-22")
        assert shown["other_names"] == ["Mia Jones"]


def test_person_details_of_some_sources_hold_nothing_from_the_others() -> None:
    """What the web app does for a viewer: choose from the records they may see."""
    records = [
        record("police:p:1", "Jon", "Doe", "1990-01-01", "M"),
        record("police:p:2", "Jon", "Doe", "1990-01-01", "M"),
        record("housing:h:1", "John", "Dough", "1990-01-10", "U"),
    ]
    shown = model.person_details([r for r in records if r["source"] == "housing"])
    assert shown == {
        "given_name": "John",
        "family_name": "Dough",
        "other_names": [],
        "dob": "1990-01-10",
        "sex": "U",
        "nhs_number": None,
        "upn": None,
    }
    assert model.person_details([])["given_name"] is None


def test_reports_name_the_same_addresses_with_or_without_lives_at_rows() -> None:
    """`add_reports` (the neighbours' reports in a refresh) fills `named` as
    `lives_rows` does; a report without a line or postcode names no address."""
    _, results, matched = mini_county()
    reports = list(model.address_reports(results, matched.links))
    reports.append(("P0", {"line2": "no line 1, no postcode"}, "health", None, None))
    with_rows: dict[str, list[model.Row]] = defaultdict(list)
    model.lives_rows(reports, model.extract_times(results), with_rows)
    alone: dict[str, list[model.Row]] = defaultdict(list)
    model.add_reports(reports, alone)
    assert alone == with_rows and alone
