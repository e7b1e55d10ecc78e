"""Joins through relatives (`graph_etl.matching.relatives`) on tiny inline records: a
parent listed as a school contact at the family's old address joins her own health
record at the new one, where her child is registered; never when two people of her
name live there, never to the relative, never across a guard or a clerical decision,
and never depending on the order records come in."""

from __future__ import annotations

import random
from collections import Counter

import pyarrow as pa

from graph_etl.matching import features, rescoring, reuse
from graph_etl.matching.clustering import Clusters
from graph_etl.matching.explain import Explainer
from graph_etl.matching.guards import DIFFERENT_NHS, Guards
from graph_etl.matching.relatives import (
    JOINED_THROUGH_RELATIVE,
    JOINED_THROUGH_RELATIVE_BY_GIVEN_NAME,
    Joined,
    by_row,
    found_table,
    join,
    regrouped,
)
from graph_etl.matching.results import DECIDED_SAME, JOINED_BY_RELATIVE, links_for
from graph_etl.matching.scoring import Edges

OLD = {"line1": "14 Mill Lane", "postcode": "EX1 2AB"}
NEW = {"line1": "3 Quay Street", "postcode": "EX4 7QP"}
CONTACT = "schools:pupil_contacts:C1"
PUPIL = "schools:pupils:U1"
CHILD_HEALTH = "health:patients:P1"
MOTHER_HEALTH = "health:patients:P2"
MOTHER_OF_PUPIL = {"person": CONTACT, "related": PUPIL, "type": "PARENT_OF"}


def rec(ident: str, **fields: str) -> dict[str, str]:
    return {"id": ident, "source": ident.split(":")[0], **fields}


def family(*extra: dict[str, str]) -> list[dict[str, str]]:
    """The contact (a name at the old address), the pupil at the old address and the
    same child's and the mother's health records at the new one."""
    return [
        rec(CONTACT, given_name="Sarah", family_name="Brown", **OLD),
        rec(PUPIL, given_name="Tom", family_name="Brown", dob="2015-04-02", **OLD),
        rec(CHILD_HEALTH, given_name="Tom", family_name="Brown", dob="2015-04-02", **NEW),
        rec(MOTHER_HEALTH, given_name="Sarah", family_name="Brown", dob="1986-09-30", **NEW),
        *extra,
    ]


def _run(records: list[dict[str, str]], grouped: list[set[str]], links: list) -> tuple:
    """The guards, and each row's group's first row, of these records in these groups
    (by id; a record in none is on its own), with these relationship records."""
    built = features.build(records)
    row_of = {ident: row for row, ident in enumerate(built.ids)}
    roots = list(range(len(records)))
    for group in grouped:
        rows = sorted(row_of[ident] for ident in group)
        for row in rows:
            roots[row] = rows[0]
    return Guards(built, links, row_of), roots


def joined(
    records: list[dict[str, str]],
    people: list[set[str]],
    relationships: tuple[dict[str, str], ...] = (MOTHER_OF_PUPIL,),
    different: tuple[tuple[str, str], ...] = (),
) -> tuple[Joined, set[frozenset[str]]]:
    """`join` on the records grouped as `people` (record ids; the rest alone); the
    joined people as sets of record ids."""
    guards, roots = _run(records, people, list(relationships))
    ids = guards.f.ids
    by_root: dict[int, list[int]] = {}
    for row, root in enumerate(roots):
        by_root.setdefault(root, []).append(row)
    apart = [(ids.index(a), ids.index(b)) for a, b in different]
    result = join(guards, list(by_root.values()), roots, apart)
    found = {frozenset(ids[row] for row in group) for group in result.groups}
    return result, found


def test_a_contact_joins_the_one_person_of_her_name_where_her_child_is_recorded() -> None:
    result, people = joined(family(), [{PUPIL, CHILD_HEALTH}])
    assert frozenset({CONTACT, MOTHER_HEALTH}) in people
    assert frozenset({PUPIL, CHILD_HEALTH}) in people
    built_ids = [r["id"] for r in family()]
    assert {
        built_ids[row]: (built_ids[other], why) for row, (other, why) in result.via.items()
    } == {CONTACT: (MOTHER_HEALTH, JOINED_THROUGH_RELATIVE)}
    assert result.roots[built_ids.index(MOTHER_HEALTH)] == built_ids.index(CONTACT)


def test_both_records_of_a_join_say_how_they_were_joined() -> None:
    """The health record the contact was joined to had no scored pair with her: its
    link names the contact and says why, never a clerical review that did not happen."""
    result, _ = joined(family(), [{PUPIL, CHILD_HEALTH}])
    ids = [record["id"] for record in family()]
    people = {ident: f"P{root}" for ident, root in zip(ids, result.roots, strict=True)}
    links = links_for(ids, Edges.empty([]), 0, set(), result.roots, Counter(result.roots),
                      people, Explainer([], {}), result.via)  # fmt: skip
    contact, mother = links[CONTACT], links[MOTHER_HEALTH]
    assert contact.person_id == mother.person_id
    assert (contact.reasons, contact.matched_with) == ([JOINED_THROUGH_RELATIVE], MOTHER_HEALTH)
    assert mother.reasons == [JOINED_BY_RELATIVE[JOINED_THROUGH_RELATIVE]]
    assert mother.matched_with == CONTACT and mother.probability is None
    assert links[CHILD_HEALTH].reasons == DECIDED_SAME  # (grouped here without a pair)


def test_under_another_family_name_the_only_one_of_her_given_name_is_joined() -> None:
    """At the school she is Sarah Jones; at the surgery, at the child's home, Sarah
    Brown. With a second Sarah at that home (her mother, say) neither is joined."""
    records = family()
    records[0] = {**records[0], "family_name": "Jones"}
    result, people = joined(records, [{PUPIL, CHILD_HEALTH}])
    assert frozenset({CONTACT, MOTHER_HEALTH}) in people
    assert [why for _, why in result.via.values()] == [JOINED_THROUGH_RELATIVE_BY_GIVEN_NAME]
    grandmother = rec("health:patients:P3", given_name="Sarah", family_name="Green",
                      dob="1961-01-12", **NEW)  # fmt: skip
    result, _ = joined([*records, grandmother], [{PUPIL, CHILD_HEALTH}])
    assert not result.via


def test_no_join_without_the_relative_recorded_at_that_address() -> None:
    _, people = joined(family(), [])  # the pupil and the child's health record apart
    assert frozenset({CONTACT}) in people and frozenset({MOTHER_HEALTH}) in people


def test_two_people_of_her_name_at_the_address_join_neither() -> None:
    grandmother = rec("health:patients:P3", given_name="Sarah", family_name="Brown",
                      dob="1961-01-12", **NEW)  # fmt: skip
    result, people = joined(family(grandmother), [{PUPIL, CHILD_HEALTH}])
    assert not result.via
    assert frozenset({CONTACT}) in people


def test_the_relative_is_never_the_one_joined() -> None:
    """A father of the child's name: the only Tom Brown at the new address is the
    child, the relative himself."""
    father = rec("schools:pupil_contacts:C2", given_name="Tom", family_name="Brown", **OLD)
    fathers = {"person": father["id"], "related": PUPIL, "type": "PARENT_OF"}
    result, people = joined(family(father), [{PUPIL, CHILD_HEALTH}], (MOTHER_OF_PUPIL, fathers))
    assert set(result.via) == {0}  # the mother's contact only
    assert frozenset({father["id"]}) in people


def test_never_to_someone_young_enough_to_be_the_partners_child() -> None:
    """A carer recorded as the partner of a client born in 1984; the only Sarah Brown
    at his home was born in 2015 and could be his daughter: no join. With his date of
    birth unknown, nothing says so, and the two are joined."""
    carer = rec("adult_social_care:carers:K1", given_name="Sarah", family_name="Brown", **OLD)
    daughter = rec(MOTHER_HEALTH, given_name="Sarah", family_name="Brown", dob="2015-01-05",
                   **NEW)  # fmt: skip
    partner = {"person": carer["id"], "related": "adult_social_care:clients:A1",
               "type": "PARTNER_OF"}  # fmt: skip
    for born, joins in (("1984-03-03", 0), (None, 1)):
        client = rec("adult_social_care:clients:A1", given_name="Ian", family_name="Brown", **NEW)
        client = {**client, "dob": born} if born else client
        result, _ = joined([carer, client, daughter], [], (partner,))
        assert len(result.via) == joins, born


def test_guards_and_clerical_decisions_are_honoured() -> None:
    # The contact's person already holds a record with another NHS number.
    social_care = rec("social_care:persons:S1", given_name="Sarah", family_name="Brown",
                      nhs_number="9434765919", **OLD)  # fmt: skip
    records = family(social_care)
    records[3] = {**records[3], "nhs_number": "9434765870"}
    result, _ = joined(records, [{PUPIL, CHILD_HEALTH}, {CONTACT, social_care["id"]}])
    assert not result.via and result.refused == {DIFFERENT_NHS: 1}
    result, _ = joined(family(), [{PUPIL, CHILD_HEALTH}], different=((CONTACT, MOTHER_HEALTH),))
    assert not result.via and sum(result.refused.values()) == 1


def test_the_result_does_not_depend_on_the_order_of_records() -> None:
    _, forwards = joined(family(), [{PUPIL, CHILD_HEALTH}])
    _, backwards = joined(family()[::-1], [{PUPIL, CHILD_HEALTH}])
    assert forwards == backwards


def _candidates_one_by_one(guards: Guards, roots: list[int]) -> dict[int, tuple[dict, str]]:
    """The candidates as the module's docstring states them, record by record: the
    reference the joins in DuckDB are checked against."""
    f = guards.f
    by_person: dict[int, list[int]] = {}
    for row, root in enumerate(roots):
        by_person.setdefault(root, []).append(row)
    related: dict[int, list[int]] = {}  # the rows each row names, or is named by
    for a, b in zip(*guards.relatives, strict=True):
        related.setdefault(a, []).append(b)
        related.setdefault(b, []).append(a)

    def search(row: int, same_family: bool) -> dict[int, int]:
        theirs = {roots[relative] for relative in related[row]}
        places = {f.address[r] for person in theirs for r in by_person[person]} - {None}
        found: dict[int, int] = {}
        for other, where in enumerate(f.address):
            person = roots[other]
            if where not in places or f.given_full[other] != f.given_full[row]:
                continue
            if same_family and f.family[other] != f.family[row]:
                continue
            if person == roots[row] or person in theirs:
                continue
            if person not in found or f.ids[other] < f.ids[found[person]]:
                found[person] = other
        return found

    expected = {}
    for row in related:
        if f.given_full[row] and f.family[row]:
            if found := search(row, True):
                expected[row] = (found, JOINED_THROUGH_RELATIVE)
            elif found := search(row, False):
                expected[row] = (found, JOINED_THROUGH_RELATIVE_BY_GIVEN_NAME)
    return expected


def test_candidates_are_those_the_docstring_states_on_random_families() -> None:
    given = ["Sarah", "Sara", "Tom", "Amy", None]
    family_names = ["Brown", "Green", None]
    places = [OLD, NEW, {"line1": "9 High Street", "postcode": "EX2 5JJ"}, {}]
    kinds = ["PARENT_OF", "PARTNER_OF", "CHILD_OF", "RELATIVE_OF"]
    for seed in range(40):
        chance = random.Random(seed)
        records = []
        for number in range(chance.randint(2, 40)):
            name = {"given_name": chance.choice(given), "family_name": chance.choice(family_names)}
            fields = {k: v for k, v in {**name, **chance.choice(places)}.items() if v}
            records.append(rec(f"{chance.choice(['health', 'schools'])}:f:{number}", **fields))
        built = features.build(records)
        row_of = {ident: row for row, ident in enumerate(built.ids)}
        roots = list(range(len(records)))
        for row in range(len(records)):
            if chance.random() < 0.4:
                roots[row] = roots[chance.randrange(row + 1)]
        relationships = [
            {"person": chance.choice(built.ids), "related": chance.choice(built.ids),
             "type": chance.choice(kinds)}
            for _ in range(chance.randint(0, 2 * len(records)))
        ]  # fmt: skip
        guards = Guards(built, relationships, row_of)
        found = by_row(found_table(guards, roots))
        assert found == _candidates_one_by_one(guards, roots), seed
        names = built.table.select(["given_full", "family"])  # (as matching passes them)
        assert by_row(found_table(guards, roots, names)) == found, seed


def test_people_after_the_joins_are_those_clustering_would_give() -> None:
    for seed in range(30):
        chance = random.Random(seed)
        size = chance.randint(1, 60)
        clusters = Clusters(size)
        for _ in range(chance.randint(0, size)):
            clusters.union(chance.randrange(size), chance.randrange(size))
        groups, roots = clusters.groups()
        joined = Clusters.of(groups)
        gone: set[int] = set()
        for _ in range(chance.randint(0, 5)):
            a, b = joined.find(chance.randrange(size)), joined.find(chance.randrange(size))
            if a != b:
                joined.union(a, b)
                gone.add(max(a, b))
        assert regrouped(joined, groups, roots, gone) == joined.groups(), seed


def _someone(chance: random.Random, ident: str) -> dict[str, str]:
    """A record of a random name at a random address (or none)."""
    places = [OLD, NEW, {}] + [
        {"line1": f"{n} High Street", "postcode": "EX2 5JJ"} for n in range(8)
    ]
    name = {
        "given_name": chance.choice(["Sarah", "Tom", None]),
        "family_name": chance.choice(["Brown", "Green"]),
    }
    return rec(ident, **{k: v for k, v in {**name, **chance.choice(places)}.items() if v})


def _kept(guards: Guards, roots: list[int]) -> rescoring.Saved:
    """What a run keeps for the next one's joins through relatives (no scores)."""
    ids = guards.f.ids
    saved = rescoring.Saved("key", len(ids), pa.table({"id": ids, "h": [0] * len(ids)}), None, [])
    left, right = (pa.array(rows, pa.int32()) for rows in guards.relatives)
    related = pa.table({"left": left, "right": right})
    saved.joins = rescoring.Joins(guards.f.address_array, related, found_table(guards, roots))
    return saved


def test_candidates_taken_from_the_last_run_are_those_worked_out_afresh() -> None:
    """`reuse.earlier_candidates` on random families, after random moves, renames,
    regroupings, removals, additions and relationship changes: the rows it leaves to
    work out afresh, with last run's candidates for the others, give every row's
    candidates as working them all out afresh does."""
    took = 0
    for seed in range(60):
        chance = random.Random(seed)
        records = [_someone(chance, f"health:f:{n:03d}") for n in range(chance.randint(3, 40))]
        ids = [record["id"] for record in records]
        grouped: list[set[str]] = []
        for _ in range(len(ids) // 3):
            pair = set(chance.sample(ids, 2))
            if not any(pair & group for group in grouped):
                grouped.append(pair)
        links = [
            {"person": chance.choice(ids), "related": chance.choice(ids), "type": "PARENT_OF"}
            for _ in range(len(ids))
        ]
        saved = _kept(*_run(records, grouped, links))

        # The next run: records changed, gone or new; groups kept, dropped or made (in
        # every other seed: relationship records alone change).
        calm = seed % 2
        changed: set[str] = set()
        after = []
        for record in records:
            roll = 1.0 if calm else chance.random()
            if roll < 0.15:
                changed.add(record["id"])
            if roll >= 0.05:  # (else gone)
                after.append(_someone(chance, record["id"]) if roll < 0.15 else record)
        for number in range(0 if calm else chance.randint(0, 3)):
            after.insert(chance.randrange(len(after) + 1), _someone(chance, f"schools:n:{number}"))
        here = {record["id"] for record in after}
        regrouped_ = [group & here for group in grouped if calm or chance.random() < 0.8]
        if not calm and len(after) > 1 and chance.random() < 0.5:
            pair = set(chance.sample(sorted(here), 2))
            regrouped_ = [group - pair for group in regrouped_] + [pair]
        regrouped_ = [group for group in regrouped_ if len(group) > 1]
        kept = [link for link in links if {link["person"], link["related"]} <= here]
        if kept and chance.random() < 0.3:
            kept.remove(chance.choice(kept))
        for _ in range(chance.choice((0, 1, 3))):
            a, b = chance.choice(after)["id"], chance.choice(after)["id"]
            kept.append({"person": a, "related": b, "type": "CHILD_OF"})
        guards, roots = _run(after, regrouped_, kept)
        # The rows decided afresh: every other record has last run's values and group.
        group_of = {ident: frozenset(group) for group in regrouped_ for ident in group}
        group_before = {ident: frozenset(group) for group in grouped for ident in group}
        dirty = {
            row
            for row, ident in enumerate(guards.f.ids)
            if ident in changed
            or ident not in ids
            or group_of.get(ident) != group_before.get(ident)
        }
        plan = reuse.Plan([], [], [], set(), [], dirty)
        address = guards.f.address_array
        earlier = reuse.earlier_candidates(
            saved, plan, guards.f.ids, roots, address, guards.relatives
        )
        assert earlier is not None, seed
        took += earlier.found.num_rows
        afresh = by_row(found_table(guards, roots))
        assert by_row(found_table(guards, roots, earlier=earlier)) == afresh, seed
    assert took  # (some candidates were last run's)


def test_a_record_moving_away_is_no_longer_the_candidate_it_was_where_it_lived() -> None:
    """The mother's health record leaves the family's new address: the contact's
    candidate there is gone, though nothing about the contact or the pupil changed
    (found through the address the mother's record had last run)."""
    records = family()
    guards, roots = _run(records, [{PUPIL, CHILD_HEALTH}], [MOTHER_OF_PUPIL])
    saved = _kept(guards, roots)
    assert by_row(saved.joins.found)  # (the contact's candidate: the mother's record)
    moved = {**records[3], "line1": "9 High Street", "postcode": "EX2 5JJ"}
    guards, roots = _run([*records[:3], moved], [{PUPIL, CHILD_HEALTH}], [MOTHER_OF_PUPIL])
    plan = reuse.Plan([], [], [], set(), [], {3})  # (the mother's record alone changed)
    address = guards.f.address_array
    earlier = reuse.earlier_candidates(saved, plan, guards.f.ids, roots, address, guards.relatives)
    assert earlier is not None
    assert by_row(found_table(guards, roots, earlier=earlier)) == {}


def test_a_partners_child_among_two_candidates_leaves_the_other_to_join() -> None:
    """Two Sarah Browns where the carer's client lives, one of them young enough to be
    the child of the carer's partner: the carer joins the other. The same when the
    partner is recorded on the candidate's side (the carer could be that one's child)."""
    carer = rec("adult_social_care:carers:K1", given_name="Sarah", family_name="Brown", **OLD)
    client = rec("adult_social_care:clients:A1", given_name="Ian", family_name="Brown",
                 dob="1984-03-03", **NEW)  # fmt: skip
    young = rec(MOTHER_HEALTH, given_name="Sarah", family_name="Brown", dob="2015-01-05", **NEW)
    other = rec("health:patients:P3", given_name="Sarah", family_name="Brown", **NEW)
    partner = {"person": carer["id"], "related": client["id"], "type": "PARTNER_OF"}
    _, people = joined([carer, client, young, other], [], (partner,))
    assert frozenset({carer["id"], other["id"]}) in people
    # Now the first Sarah (born 1986) is recorded as the partner of a man born 1990,
    # and the carer was born in 2016.
    man = rec("health:patients:P4", given_name="Mark", family_name="Jones", dob="1990-02-02")
    carer = {**carer, "dob": "2016-02-02"}
    first = {**young, "dob": "1986-01-05"}
    relations = (
        {"person": carer["id"], "related": client["id"], "type": "CARER_OF"},
        {"person": first["id"], "related": man["id"], "type": "PARTNER_OF"},
    )
    _, people = joined([carer, client, first, other, man], [], relations)
    assert frozenset({carer["id"], other["id"]}) in people
