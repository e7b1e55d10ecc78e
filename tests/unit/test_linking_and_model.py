"""Exact-key linking and the graph rows built from it, on tiny inline records."""

from __future__ import annotations

from datetime import UTC, datetime

from graph_etl import linking, model
from graph_etl.sources import load_manifests, read_source
from tests.conftest import MINI_COUNTY


def _person(ident: str, **fields: str) -> dict[str, str]:
    return {"id": ident, "source": ident.split(":")[0], **fields}


def test_strong_identifier_links_despite_different_names() -> None:
    links = linking.link_records(
        [
            _person("a:p:1", given_name="Freddie", family_name="Jones", upn="H930123456010"),
            _person("b:p:9", given_name="Frederick", family_name="Jones", upn="H930123456010"),
            _person("b:p:8", given_name="Frederick", family_name="Jones"),
        ]
    )
    assert links["a:p:1"].person_id == links["b:p:9"].person_id
    assert links["b:p:8"].person_id != links["a:p:1"].person_id
    assert links["a:p:1"].reasons == ["exact upn"]


def test_name_and_address_joins_only_records_without_dob() -> None:
    home = {"line1": "1 High St", "postcode": "EX1 1AA"}
    links = linking.link_records(
        [
            _person("a:p:1", given_name="John", family_name="Smith", dob="1980-01-01", **home),
            _person("a:p:2", given_name="John", family_name="Smith", dob="2010-05-05", **home),
            _person("b:c:1", given_name="John", family_name="Smith", **home),
        ]
    )
    # Father and son of one name at one address stay apart; the contact joins one.
    assert links["a:p:1"].person_id != links["a:p:2"].person_id
    assert links["b:c:1"].person_id == links["a:p:1"].person_id


def test_person_ids_do_not_depend_on_record_order() -> None:
    records = [
        _person("a:p:1", given_name="Amy", family_name="Lee", dob="2012-01-02"),
        _person("b:p:1", given_name="Amy", family_name="Lee", dob="2012-01-02"),
    ]
    forward = linking.link_records(records)
    backward = linking.link_records(list(reversed(records)))
    assert forward["a:p:1"].person_id == backward["a:p:1"].person_id


def test_mini_county_rows() -> None:
    manifests = load_manifests()
    results = {
        name: read_source(m, MINI_COUNTY / name)
        for name, m in manifests.items()
        if (MINI_COUNTY / name).is_dir()
    }
    people = [record for result in results.values() for record in result.people()]
    links = linking.link_records(people)
    rows = model.build(manifests, results, links, datetime(2026, 11, 2, tzinfo=UTC))
    by_name = {(p["given_name"], p["family_name"]): p for p in rows.persons}
    assert len(rows.persons) == 4  # Sarah, Liam, Mia, Tom
    sarah, liam, mia = (
        by_name[("Sarah", "Jones")],
        by_name[("Liam", "Jones")],
        by_name[("Mia", "Jones")],
    )
    assert sarah["sources"] == ["schools", "social_care"]
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
    rows = model._households(lives, family, groups=[])
    household = {row["person_id"]: row["id"] for row in rows}
    assert household["mum"] == household["kid"]
    assert household["lodger"] != household["mum"]
    assert household["gran"] != household["mum"]
    # A tenancy (a source's household group) ties people with no recorded relationship.
    rows = model._households(lives, family, groups=[{"mum", "lodger"}])
    household = {row["person_id"]: row["id"] for row in rows}
    assert household["lodger"] == household["mum"] == household["kid"]
