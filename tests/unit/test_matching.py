"""Person matching on tiny inline records: guards, clustering, ids, decisions, and the
real Splink model end to end (DuckDB, in memory; a second or two)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from graph_etl import standardise as std
from graph_etl.matching import Decision, MatchSettings, features, match, model_store
from graph_etl.matching.clustering import cluster
from graph_etl.matching.decisions import load_decisions, record_decision, record_events
from graph_etl.matching.guards import (
    DIFFERENT_NHS,
    DOB_CONFLICT,
    MAX_LIST,
    ONE_LIST_APART,
    RELATIVES,
    SIBLINGS,
    TWINS,
    Guards,
)
from graph_etl.matching.ids import assign_ids, new_person_id
from graph_etl.matching.train import finish_parameters
from graph_etl.matching.types import person_ids

HOME = {"line1": "14 Mill Lane", "postcode": "EX1 2AB"}


def rec(ident: str, **fields: str) -> dict[str, str]:
    return {"id": ident, "source": ident.split(":")[0], **fields}


def guards(*records: dict[str, str], relationships: tuple[dict, ...] = ()) -> Guards:
    return Guards(features.build(list(records)), relationships)


# --- standardisation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("9434765919", "9434765919"), ("943 476 5919", "9434765919"), ("9434765918", None),
     ("12345", None), ("", None)],
)  # fmt: skip
def test_nhs_numbers_are_checked(raw: str, expected: str | None) -> None:
    assert std.nhs_number(raw) == expected


def test_upn_check_letter() -> None:
    assert std.upn("h930123456010") == "H930123456010"
    assert std.upn("A930123456010") is None  # wrong check letter
    assert std.upn("H93012345601") is None


def test_names_nicknames_and_addresses() -> None:
    assert std.name_key("Zoë O'Brien-Smith") == "zoe obrien smith"
    assert {"bill", "william"} <= std.nickname_keys("Bill")
    assert std.nickname_keys("Freddie") & std.nickname_keys("Frederick")
    assert std.postcode_key("ex12ab") == "EX1 2AB"
    assert std.postcode_key("not a postcode") is None
    assert std.house_number("Flat 2, 19 Tower Avenue") == "2/19"
    assert std.street_key("12 High St") == "high"
    assert std.dob_parts("2014-06-03") == (2014, 6, 3)


# --- guards -------------------------------------------------------------------------


def test_strong_identifiers_decide_first() -> None:
    g = guards(
        rec("a:p:1", given_name="Amy", family_name="Lee", nhs_number="9434765919"),
        rec("b:p:1", given_name="Amy", family_name="Lee", nhs_number="4010232137"),
        rec("c:p:1", given_name="Aimee", family_name="Leigh", nhs_number="9434765919"),
    )
    assert g.conflict(0, 1) == DIFFERENT_NHS
    assert g.conflict(0, 2) is None


def test_twins_and_siblings_are_kept_apart() -> None:
    g = guards(
        rec("a:p:1", given_name="Grace", family_name="Hill", dob="2015-02-03", **HOME),
        rec("b:p:1", given_name="Ella", family_name="Hill", dob="2015-02-03"),
        rec("b:p:2", given_name="Leo", family_name="Hill", dob="2012-07-07", **HOME),
        rec("c:p:1", given_name="Gracie", family_name="Hill", dob="2015-02-03"),
        rec("a:p:2", given_name="Gracie", family_name="Hill", dob="2015-02-03"),
    )
    assert g.conflict(0, 1) == TWINS
    assert g.conflict(0, 2) == SIBLINGS
    assert g.conflict(0, 3) is None  # Gracie in another agency: a nickname
    assert g.conflict(0, 4) == TWINS  # ... but one agency listing both is listing twins


def test_one_tenant_in_two_tenancies_is_not_twins() -> None:
    records = (
        rec("h:m:T1/01", given_name="Nicola", family_name="Shah", dob="1967-06-18"),
        rec("h:m:T2/04", given_name="Nikki", family_name="Shah", dob="1967-06-18"),
    )
    groups = ({"person": "h:m:T1/01", "group": "T1"}, {"person": "h:m:T2/04", "group": "T2"})
    assert guards(*records).conflict(0, 1) == TWINS
    assert guards(*records, relationships=groups).conflict(0, 1) is None


def test_recorded_relatives_and_ages() -> None:
    related = (
        {"person": "s:c:1", "related": "s:p:1", "type": "PARENT_OF"},
        {"person": "s:c:1", "related": "s:p:2", "type": "PARENT_OF"},
    )
    g = guards(
        rec("s:c:1", given_name="Thomas", family_name="Harris", **HOME),
        rec("s:p:1", given_name="Thomas", family_name="Harris", dob="2016-10-30", **HOME),
        rec("s:p:2", given_name="Tommy", family_name="Harris", dob="2016-10-30", **HOME),
        rec("h:p:1", given_name="Thomas", family_name="Harris", dob="2010-01-01"),
        relationships=related,
    )
    assert g.conflict(0, 1) == RELATIVES  # a father recorded as his son's contact
    assert g.conflict(1, 2) == RELATIVES  # two children of one contact: twins
    assert g.conflict(0, 3) is not None  # six when his son was born: not the father
    assert g.conflict(1, 3) == DOB_CONFLICT


def _kept_apart(built: features.Features, relationships: list[dict]) -> set[tuple[int, int]]:
    """Guard 5's pairs as its docstring states them, list by list: the reference the
    pairs worked out in DuckDB are checked against."""
    row_of = {ident: row for row, ident in enumerate(built.ids)}
    lists: dict[tuple, list[int]] = {}
    pairs: set[tuple[int, int]] = set()
    for relation in relationships:
        a = row_of[relation["person"]]
        if "group" in relation:
            key = ("group", built.files[a].partition(":")[0], str(relation["group"]))
            lists.setdefault(key, []).append(a)
            continue
        b = row_of[relation["related"]]
        if a != b:
            pairs.update(((a, b), (b, a)))
            lists.setdefault(("relatives of", b, built.files[a]), []).append(a)
            lists.setdefault(("relatives of", a, built.files[b]), []).append(b)
    for rows in lists.values():
        if 1 < len(rows) <= MAX_LIST:
            pairs.update((a, b) for a in rows for b in rows if a != b)
    return pairs


def test_pairs_kept_apart_are_those_guard_5_states_on_random_relationships() -> None:
    files = ["schools:pupils", "schools:contacts", "housing:tenants", "health:patients"]
    for seed in range(30):
        chance = random.Random(seed)
        records = [
            rec(f"{chance.choice(files)}:{number}", given_name="Sam", family_name="Reed")
            for number in range(chance.randint(1, 70))
        ]
        built = features.build(records)
        ids = built.ids
        relationships: list[dict] = [
            {"person": chance.choice(ids), "related": chance.choice(ids), "type": "PARENT_OF"}
            for _ in range(chance.randint(0, 60))
        ]
        groups = [1] if seed % 3 == 0 else [1, 2, "1"]  # (some lists longer than MAX_LIST)
        relationships += [
            {"person": chance.choice(ids), "group": chance.choice(groups)}
            for _ in range(chance.randint(0, 4 * MAX_LIST))
        ]
        chance.shuffle(relationships)
        g = Guards(built, relationships)
        found = {(a, b) for a in range(len(ids)) for b in range(len(ids)) if g._apart(a, b)}
        assert found == _kept_apart(built, relationships), seed
        assert set(zip(*g.apart_pairs.to_pydict().values(), strict=True)) == found


def test_a_chain_of_links_never_joins_twins() -> None:
    g = guards(
        rec("a:p:1", given_name="Grace", family_name="Hill", dob="2015-02-03"),
        rec("a:p:2", given_name="Ella", family_name="Hill", dob="2015-02-03"),
        rec("b:p:1", given_name="Gracie", family_name="Hill", dob="2015-02-03"),
    )
    outcome = cluster(3, [(0, 2, g.conflict(0, 2)), (1, 2, g.conflict(1, 2))], g)
    groups, _ = outcome.clusters.groups()
    assert sorted(map(sorted, groups)) == [[0, 2], [1]]
    assert outcome.blocked == [(1, 2, TWINS)]


def test_twins_who_left_home_are_kept_apart_by_one_list() -> None:
    """Twins Ella and Ellie Yates live apart: the GP knows Ellie, housing Ella, both
    with their birthday. Ellie reads as a short form of Ella, so those two records
    alone look like one woman who moved; the schools' contact list, naming each as
    her own children's mother at her own address, says there are two."""
    born = {"dob": "1991-05-17"}
    elm = {"family_name": "Yates", "line1": "79 Elm Crescent", "postcode": "FX8 9SN"}
    larch = {"family_name": "Yates", "line1": "36 Larch Close", "postcode": "FX12 0TG"}
    g = guards(
        rec("health:patients:1", given_name="Ellie", **born, **elm),
        rec("housing:members:T1/01", given_name="Ella", **born, **larch),
        rec("schools:contacts:1", given_name="Ella", **larch),
        rec("schools:contacts:2", given_name="Ellie", **elm),
        rec("schools:contacts:3", given_name="Ellie", **larch),
        rec("schools:contacts:4", given_name="Peter", **larch),
        rec("schools:contacts:5", given_name="Pete", **elm),
        rec("schools:contacts:6", given_name="Stuat", **elm),
        rec("schools:contacts:7", given_name="Stuart", **larch),
    )
    assert g.conflict(0, 1) is None
    assert g.conflict(2, 3) == ONE_LIST_APART
    assert g.conflict(2, 4) is None  # one address: one mother, written two ways
    assert g.conflict(5, 6) is None  # Pete is only a short form: a parent who moved
    assert g.conflict(7, 8) is None  # a typing slip
    # Each twin's records join; the link between the GP's Ellie and housing's Ella
    # would put both of the list's mothers in one person.
    edges = [(0, 3, None), (1, 2, None), (0, 1, g.conflict(0, 1))]
    outcome = cluster(9, edges, g)
    groups, _ = outcome.clusters.groups()
    assert [0, 3] in groups and [1, 2] in groups
    assert outcome.blocked == [(0, 1, ONE_LIST_APART)]


def test_decided_apart_stays_apart() -> None:
    g = guards(rec("a:p:1", given_name="Amy"), rec("b:p:1", given_name="Amy"))
    outcome = cluster(2, [(0, 1, None)], g, different=[(0, 1)])
    assert len(outcome.clusters.groups()[0]) == 2


# --- stable ids ---------------------------------------------------------------------


def test_ids_carry_forward_merge_and_split() -> None:
    first, events = assign_ids([["r1", "r2"], ["r3"]])
    assert first == [new_person_id("r1"), new_person_id("r3")] and events == []
    previous = {"r1": first[0], "r2": first[0], "r3": first[1]}
    merged, events = assign_ids([["r1", "r2", "r3"]], previous)
    assert merged == [first[0]]
    assert events == [{"kind": "merge", "person_ids": sorted(first), "records": ["r1", "r2", "r3"]}]
    split, events = assign_ids([["r1"], ["r2"], ["r3"], ["r4"]], previous)
    assert split[0] == first[0] and split[2] == first[1]
    kinds = sorted(event["kind"] for event in events)
    assert kinds == ["new", "split"]


def test_ids_do_not_depend_on_order() -> None:
    assert assign_ids([["b", "a"], ["c"]])[0] == assign_ids([["c"], ["a", "b"]])[0][::-1]


# --- decisions ----------------------------------------------------------------------


def test_latest_decision_counts(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    record_decision(engine, "b:p:1", "a:p:1", True, "dq1")
    record_decision(engine, "a:p:1", "b:p:1", False, "dq2", "different schools")
    assert load_decisions(engine) == [Decision("a:p:1", "b:p:1", False)]
    with pytest.raises(ValueError, match="two different records"):
        record_decision(engine, "a:p:1", "a:p:1", True, "dq1")
    record_events(engine, [{"kind": "merge", "person_ids": ["P1", "P2"], "records": ["r"]}])


# --- the model ----------------------------------------------------------------------


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="thresholds"):
        MatchSettings(link_threshold=0.5, review_threshold=0.9)
    with pytest.raises(ValueError, match="backend"):
        MatchSettings(backend="oracle")


def test_model_rescales_to_the_data() -> None:
    model = model_store.load()
    smaller = model.for_records(model.records // 10)
    assert smaller.prior == pytest.approx(model.prior * 10, rel=0.01)
    with pytest.raises(model_store.ModelError, match="cannot read"):
        model_store.load(Path("no/such/model.json"))


def test_training_normalises_each_group_and_floors_m() -> None:
    model = {
        "comparisons": [
            {
                "output_column_name": "sex",
                "comparison_levels": [
                    {"is_null_level": True},
                    {"m_probability": 0.5, "u_probability": 0.25},
                    {"m_probability": 0.0, "u_probability": 0.25},
                ],
            }
        ]
    }
    finish_parameters(model)
    levels = model["comparisons"][0]["comparison_levels"][1:]
    assert levels[0]["u_probability"] == pytest.approx(0.5)
    assert levels[1]["m_probability"] == pytest.approx(0.01)  # the level's floor


def test_match_end_to_end() -> None:
    records = [
        rec("social_care:p:1", given_name="Frederick", family_name="Jones", dob="2014-06-03",
            sex="M", upn="H930123456010", **HOME),
        rec("schools:p:1", given_name="Freddie", family_name="Jones", dob="2014-06-03",
            sex="M", upn="H930123456010", **HOME),
        rec("schools:p:2", given_name="Mia", family_name="Jones", dob="2017-03-09", **HOME),
        rec("health:p:1", given_name="Mia", family_name="Jones", dob="2017-09-03", **HOME),
        rec("health:p:2", given_name="Ella", family_name="Jones", dob="2017-03-09", **HOME),
    ]  # fmt: skip
    result = match(records)
    person = {record_id: link.person_id for record_id, link in result.links.items()}
    assert person["social_care:p:1"] == person["schools:p:1"]
    assert person["schools:p:2"] == person["health:p:1"]  # day and month swapped
    assert person["health:p:2"] != person["schools:p:2"]  # her twin
    link = result.links["schools:p:1"]
    assert link.matched_with == "social_care:p:1"
    assert {"field": "upn", "level": "exact"} in [
        {key: item[key] for key in ("field", "level")} for item in link.explanation
    ]
    assert link.reasons[0] == "UPN agrees"
    assert match(list(reversed(records))).links["health:p:2"].person_id == person["health:p:2"]


def test_the_caller_hears_once_the_pairs_are_scored(tmp_path: Path) -> None:
    """`after_scoring` is called once in a match, with scores kept or not, and in one
    that scores only the changed records' pairs (a refresh)."""
    records = [
        rec("schools:p:1", given_name="Freddie", family_name="Jones", dob="2014-06-03", **HOME),
        rec("health:p:1", given_name="Fred", family_name="Jones", dob="2014-06-03", **HOME),
        rec("health:p:2", given_name="Mia", family_name="Jones", dob="2017-03-09", **HOME),
    ]
    calls: list[str] = []
    match(records, after_scoring=lambda: calls.append("plain"))
    first = match(records, scores_dir=tmp_path, after_scoring=lambda: calls.append("kept"))
    records[2] = rec("health:p:2", given_name="Mia", family_name="Jones", dob="2017-03-19", **HOME)
    again = match(
        records,
        previous=person_ids(first.links),
        scores_dir=tmp_path,
        after_scoring=lambda: calls.append("refresh"),
    )
    assert again.stats["rescored_records"] == 1
    assert calls == ["plain", "kept", "refresh"]


def test_links_are_worked_out_when_asked_for_and_person_ids_need_none() -> None:
    records = [
        rec("a:p:1", given_name="Amy", family_name="Lee", dob="2012-01-02", **HOME),
        rec("b:p:1", given_name="Amy", family_name="Lee", dob="2012-01-02", **HOME),
        rec("c:p:1", given_name="Bob", family_name="Stone", dob="1970-05-05"),
    ]
    links = match(records).links
    person = person_ids(links)
    assert not links._made  # (none worked out yet: a refresh asks for few)
    assert list(links) == list(person) == ["a:p:1", "b:p:1", "c:p:1"]
    assert person == {ident: links[ident].person_id for ident in links}
    assert person["a:p:1"] == person["b:p:1"] != person["c:p:1"]
    assert links["a:p:1"].matched_with == "b:p:1" and links["a:p:1"] is links["a:p:1"]
    assert links["c:p:1"].reasons == ["only record of this person"]
    assert "d:p:1" not in links and links.get("d:p:1") is None
    made = dict(links.items())  # (all of them: what made them is let go)
    assert not hasattr(links, "_edges") and links.get("d:p:1") is None
    assert dict(links.items()) == made and links["c:p:1"] is made["c:p:1"]


def test_decisions_override_the_model() -> None:
    records = [
        rec("a:p:1", given_name="Amy", family_name="Lee", dob="2012-01-02", **HOME),
        rec("b:p:1", given_name="Amy", family_name="Lee", dob="2012-01-02", **HOME),
        rec("c:p:1", given_name="Bob", family_name="Stone", dob="1970-05-05"),
        rec("d:p:1", given_name="Robert", family_name="Stone-Smith", dob="1970-05-05"),
    ]
    decisions = [Decision("a:p:1", "b:p:1", False), Decision("c:p:1", "d:p:1", True)]
    links = match(records, decisions=decisions).links
    assert links["a:p:1"].person_id != links["b:p:1"].person_id
    assert links["c:p:1"].person_id == links["d:p:1"].person_id
    assert links["d:p:1"].reasons == ["confirmed as the same person by clerical review"]


def test_real_names_a_letter_apart_and_sibling_short_forms_are_different() -> None:
    born = {"dob": "2019-05-28", "family_name": "Carr", **HOME}
    g = guards(
        rec("a:p:1", given_name="Jason", **born),
        rec("b:p:1", given_name="Mason", **born),
        rec("c:p:1", given_name="Jasn", **born),
        rec("d:p:1", given_name="Alfie", **born),
        rec("e:p:1", given_name="Freddie", **born),
        rec("f:p:1", given_name="Alfred", **born),
    )
    assert g.conflict(0, 1) == TWINS  # two real names, not a slip
    assert g.conflict(0, 2) is None  # a slip
    assert g.conflict(3, 4) == TWINS  # both short for Alfred: brothers, not one boy
    assert g.conflict(3, 5) is None  # Alfie is short for Alfred


def test_field_comparisons_are_not_in_the_county_model() -> None:
    from graph_etl.matching import comparisons

    names = [c.name for c in comparisons.FIELD_COMPARISONS]
    assert not set(names) & {c.name for c in comparisons.COMPARISONS}
    assert len(comparisons.splink_comparisons("duckdb", names)) == len(names)
    assert len(comparisons.splink_comparisons("duckdb")) == len(comparisons.COMPARISONS)
    # The dates' levels: a digit slip comes before "one part differs"
    assert [level.label for level in comparisons.BY_NAME["birth_date"].levels] == [
        "exact", "typo", "day and month swapped", "one part differs", "two digits", "different"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("one", "other", "expected"),
    [
        ("Isabelle", "Isab Elle", None),  # the same letters, a space typed in
        ("Brinley", "Br Inlry", None),  # a space and a slip
        ("Patrick", "Patrvrck", None),  # two slips in a long name
        ("Matilda", "Matiad", None),
        ("Layla", "Lyla", TWINS),  # two real names: twins
        ("Jon", "Jan", TWINS),
        ("Adam", "Ada", TWINS),
        ("Lauren", "Laufn", TWINS),  # two slips, but a short name: too far to tell
        ("Safiya", "Samina", TWINS),  # two slips, not similar enough
        ("Mia", "Mi", TWINS),  # two letters are too few to call a slip
    ],
)  # fmt: skip
def test_near_identical_given_names_are_not_twins(
    one: str, other: str, expected: str | None
) -> None:
    born = {"dob": "2019-05-28", "family_name": "Carr", **HOME}
    g = guards(rec("a:p:1", given_name=one, **born), rec("b:p:1", given_name=other, **born))
    assert g.conflict(0, 1) == expected


def test_dates_one_slip_apart_do_not_conflict() -> None:
    g = guards(
        rec("a:p:1", given_name="Amy", family_name="Carr", dob="1958-01-23"),
        rec("b:p:1", given_name="Amy", family_name="Carr", dob="1958-02-13"),
        rec("c:p:1", given_name="Amy", family_name="Carr", dob="1985-11-03"),
    )
    assert g.conflict(0, 1) is None  # neighbouring digits swapped, month into day
    assert g.conflict(0, 2) == DOB_CONFLICT  # mother and daughter
