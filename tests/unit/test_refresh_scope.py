"""A refresh that rebuilds only what its change can reach plans exactly the writes and
retirements a full build would, on random changes to the sample county."""

from __future__ import annotations

import copy
import dataclasses
import random
from array import array
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graph_etl import load_state, model, refresh_scope
from graph_etl.load import STEPS, plan, state_digest, state_total
from graph_etl.load_state import StepState
from graph_etl.matching import Link, MatchResult, match
from graph_etl.sources import load_manifests, read_source, reuse

COUNTY = Path(__file__).resolve().parents[2] / "sample_data" / "county"
NOW = datetime(2026, 11, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def county() -> tuple[Any, dict[str, Any], dict[str, Link], list[Any]]:
    manifests = load_manifests()
    results = {name: read_source(m, COUNTY / name) for name, m in manifests.items()}
    for name, result in results.items():  # as read_all marks them
        result.read_digest = f"{name} extract 1"
    matched = match(
        [record for result in results.values() for record in result.people()],
        relationships=[item for result in results.values() for item in result.relationships()],
    )
    return manifests, results, matched.links, matched.review_pairs


def states_after(rows: model.GraphRows, held: dict[str, StepState], scopes=None):  # type: ignore[no-untyped-def]
    """Per step: (keys written, keys retired, what is held afterwards)."""
    out = {}
    for step in STEPS:
        state = StepState(dict(held[step.name].hashes), set(held[step.name].dormant))
        state_total(state)  # known, so a scoped plan carries it forward
        scope = (scopes or {}).get(step.name)
        done = plan(step, copy.deepcopy(getattr(rows, step.name)), state, scope)
        if done.after.total is not None:  # carried forward: as if summed afresh
            assert done.after.total == state_total(StepState(done.after.hashes, set()))
        written = sorted(step.key(row) for row in done.create + done.update)
        out[step.name] = (written, done.retire, done.after.hashes, done.after.dormant)
    return out


def states_after_saved(rows: model.GraphRows, saved: load_state.SavedState, scopes, folder: Path):  # type: ignore[no-untyped-def]
    """`states_after`, planned from the saved state (reading the keys each plan needs)
    and saved back into it: what is held afterwards is read back whole."""
    out, after = {}, {}
    for step in STEPS:
        step_rows = copy.deepcopy(getattr(rows, step.name))
        scope = scopes.get(step.name)
        keys = None if scope is None else {*map(step.key, step_rows), *scope}
        done = plan(step, step_rows, saved.state(step.name, keys), scope)
        written = sorted(step.key(row) for row in done.create + done.update)
        out[step.name] = (written, done.retire)
        after[step.name] = done.after
    load_state.save(folder, state_digest(after), after, saved)
    for step in STEPS:
        whole = saved.state(step.name)
        assert whole.counts() == after[step.name].counts()
        assert saved.sizes[step.name][2] == state_total(StepState(dict(whole.hashes), set()))
        out[step.name] += (whole.hashes, whole.dormant)
    return out


def remove_or_edit(items: list[dict], rng: random.Random, **values: Any) -> None:
    """Remove one of `items` at random, or give it `values`."""
    item = rng.choice(items)
    if rng.random() < 0.5:
        items.remove(item)
    else:
        item.update(values)


def change(results: dict[str, Any], links: dict[str, Link], rng: random.Random, reused=False):  # type: ignore[no-untyped-def]
    """Random edits: addresses and names changed, records and items removed, records
    added, people merged and split, extract times moved, groups and address history
    changed, addresses known by a UPRN with a bar in it, parents recorded or changed.
    With `reused`, each extract changed says which of its person records are as they
    were (as a read reusing the rows of the read before says, `SameAs`)."""
    before, results = results, copy.deepcopy(results)
    links = dict(links)
    sources = sorted(results)
    for _ in range(rng.randint(1, 40)):
        result = results[rng.choice(sources)]
        people = result.records.get("person", [])
        if not people:
            continue
        record = rng.choice(people)
        what = rng.randrange(14)
        if what == 0:
            record["line1"] = f"Flat {rng.randint(1, 9)}, {record.get('line1') or 'Mill Lane'}"
        elif what == 1:
            record["given_name"] = rng.choice(["Ann", "Bob", "Cara", "Dev"])
        elif what == 2:
            people.remove(record)
            links.pop(record["id"])
        elif what == 3:
            new = {**record, "id": f"{record['id']}-copy{rng.randint(0, 99)}"}
            people.append(new)
            links[new["id"]] = Link(f"Pnew{rng.randint(0, 3)}", 1.0)
        elif what == 4:  # merged into another person
            other = rng.choice(people)
            links[record["id"]] = dataclasses.replace(
                links[record["id"]], person_id=links[other["id"]].person_id
            )
        elif what == 5:  # split off
            links[record["id"]] = Link(f"Psplit{rng.randint(0, 3)}", 0.99)
        elif what == 6 and result.records.get("involvement"):
            remove_or_edit(result.records["involvement"], rng, end="2026-10-30")
        elif what == 7 and result.records.get("relationship"):
            items = result.records["relationship"]
            items.remove(rng.choice(items))
        elif what == 8:  # a new delivery, perhaps now before or after the others
            result.extracted_at += timedelta(days=rng.choice([-40, -1, 1, 40]))
        elif what == 9 and result.records.get("family_group"):
            remove_or_edit(result.records["family_group"], rng, group="tenancy-moved")
        elif what == 10 and result.records.get("address"):
            item = rng.choice(result.records["address"])
            item["to"] = None if item.get("to") else "2026-10-01"
            item["town"] = rng.choice(["Exeford", "Lydmouth", None])
        elif what == 11:  # an address known by a UPRN with a bar in it
            record["uprn"] = f"1|{rng.randint(0, 2)}"
            record["line1"] = rng.choice(["1 Bar Row", "2 Bar Row"])
            record["town"] = rng.choice(["Exeford", None])
        elif what in (12, 13) and result.records.get("relationship"):
            # A parent recorded (new siblings derived), or one recorded as another's.
            items = result.records["relationship"]
            item = {**rng.choice(items), "type": "PARENT_OF"}
            if what == 12:
                item.update(person=record["id"], related=rng.choice(people)["id"])
                items.append(item)
            else:
                item["person"] = record["id"]
                items[items.index(rng.choice(items))] = item
        if what not in (4, 5):  # a change to the extract, not to matching
            result.read_digest = f"{result.source} extract {rng.randint(2, 9)}"
        result._people = None
    for result in results.values():  # what a removed record's items pointed at
        for kind, items in result.records.items():
            if kind not in ("person", "professional"):
                items[:] = [item for item in items if item.get("person", "") in links]
            if kind == "relationship":
                items[:] = [item for item in items if item.get("related") in links]
    for name, result in results.items():
        if reused and result.read_digest != before[name].read_digest:
            result.same_as = same_as(before[name], result)
    return results, links


def same_as(before: Any, after: Any) -> reuse.SameAs:
    """What a read of `after` reusing the rows of `before` says (`SameAs`): each person
    record equal to one of `before`'s, with equal items in equal order, is as it was."""
    then = before.records.get("person", [])
    place_of = {record["id"]: place for place, record in enumerate(then)}
    items_then, items_now = reuse.items_of(before), reuse.items_of(after)
    places = array("i")
    for record in after.records.get("person", []):
        ident = record["id"]
        place = place_of.get(ident, -1)
        alike = place >= 0 and then[place] == record
        places.append(place if alike and items_now.get(ident) == items_then.get(ident) else -1)
    return reuse.SameAs(before.read_digest, places)


def matching(links, review, since=None, before=None) -> MatchResult:  # type: ignore[no-untyped-def]
    """What matching gives with `links`: compared against the run that kept state
    `since` (whose links were `before`), it hands on the records whose links differ."""
    if since is None:
        return MatchResult(links, review, [], "test", token="first")
    changed = {ident for ident, link in links.items() if before.get(ident) != link}
    return MatchResult(links, review, [], "test", {}, f"after {since}", since, changed)


def loaded(manifests, review, results, links):  # type: ignore[no-untyped-def]
    """What a full load of (results, links) leaves: the held state, the inputs kept
    for the next refresh and which person each record is in."""
    rows = model.build(manifests, results, links, NOW, review)
    empty = {step.name: StepState({}, set()) for step in STEPS}
    held = {
        name: StepState(hashes, dormant)
        for name, (_, _, hashes, dormant) in states_after(rows, empty).items()
    }
    inputs = refresh_scope.inputs_of(manifests, results, matching(links, review), rows)
    return held, inputs, {ident: link.person_id for ident, link in links.items()}


def assert_scoped_equals_full(
    manifests, review, before, after, handed_on=True, folder=None
) -> None:  # type: ignore[no-untyped-def]
    """From the rows of `before` (results, links), a scoped refresh to `after` plans
    the writes, retirements and state a full build of `after` plans. With `handed_on`,
    matching compared against the run the last load wrote, and hands on the records
    whose links changed; else against another run. With `folder`, the held state is
    saved there first (`load_state`) and the refresh reads it from there."""
    held, inputs, person_of = loaded(manifests, review, *before)
    new_results, new_links = after
    full_rows = model.build(manifests, new_results, new_links, NOW, review)
    expected = states_after(full_rows, held)
    scoped_held = {name: StepState(dict(s.hashes), set(s.dormant)) for name, s in held.items()}
    since = inputs.match_token if handed_on else "a run never loaded"
    matched = matching(new_links, review, since, before[1])
    if folder is not None:
        load_state.save(folder, state_digest(scoped_held), scoped_held)
        saved = load_state.open_saved(folder, state_digest(scoped_held), [s.name for s in STEPS])
        assert saved is not None
        try:
            refresh = refresh_scope.build(
                manifests, new_results, matched, NOW, saved, inputs, person_of
            )
            got = states_after_saved(refresh.rows, saved, refresh.scopes, folder)
        finally:
            saved.close()
    else:
        refresh = refresh_scope.build(
            manifests, new_results, matched, NOW, scoped_held, inputs, person_of
        )
        got = states_after(refresh.rows, scoped_held, refresh.scopes)
    for step in STEPS:
        assert got[step.name] == expected[step.name], step.name
    assert refresh.inputs == refresh_scope.inputs_of(manifests, new_results, matched, full_rows)
    assert len(refresh.rows.persons) < len(full_rows.persons)  # it rebuilt less
    described = refresh.report["links_described_afresh"]
    assert (described is not None) == handed_on
    assert described is None or described < len(new_links) / 10


@pytest.mark.parametrize("seed", range(24))
def test_a_scoped_refresh_plans_what_a_full_build_plans(county, seed: int) -> None:  # type: ignore[no-untyped-def]
    manifests, results, links, review = county
    after = change(results, links, random.Random(seed), reused=seed % 2 == 0)
    assert_scoped_equals_full(manifests, review, (results, links), after, handed_on=seed % 3 > 0)


@pytest.mark.parametrize("seed", range(8))
def test_a_refresh_from_the_saved_state_plans_and_keeps_what_a_full_build_does(  # type: ignore[no-untyped-def]
    county, seed: int, tmp_path: Path
) -> None:
    """As above, with the held state read key by key from its DuckDB file and the state
    after saved back into it: read back whole, it is what a full build leaves."""
    manifests, results, links, review = county
    after = change(results, links, random.Random(100 + seed), reused=seed % 2 == 0)
    assert_scoped_equals_full(
        manifests, review, (results, links), after, handed_on=seed % 3 > 0, folder=tmp_path
    )


def people_of(results: dict[str, Any], links: dict[str, Link]) -> list[tuple[Any, dict]]:
    """(result, record) of one record per person, in person id order."""
    first: dict[str, tuple[Any, dict]] = {}
    for result in results.values():
        for record in result.records.get("person", []):
            first.setdefault(links[record["id"]].person_id, (result, record))
    return [first[person] for person in sorted(first)]


def read_again(results: dict[str, Any]) -> None:
    """Mark every source as read from a new extract (as edited results must be)."""
    for result in results.values():
        result.read_digest = f"{result.source} extract 2"


def test_an_address_known_by_a_uprn_with_a_bar_is_rebuilt_when_a_report_goes(county) -> None:  # type: ignore[no-untyped-def]
    manifests, results, links, review = county
    results = copy.deepcopy(results)
    (_, one), (_, two) = people_of(results, links)[:2]
    one.update(uprn="9|9", line1="9 Bar Row", town="Exeford")
    two.update(uprn="9|9", line1="9 Bar Row", town=None)
    moved = copy.deepcopy(results)
    (_, one), _ = people_of(moved, links)[:2]
    one.update(uprn="8", line1="8 Other Row")
    for result in (*results.values(), *moved.values()):
        result._people = None
    read_again(moved)
    assert_scoped_equals_full(manifests, review, (results, links), (moved, links))


def test_a_group_member_living_elsewhere_leaving_reshapes_households(county) -> None:  # type: ignore[no-untyped-def]
    manifests, results, links, review = county
    results = copy.deepcopy(results)
    people = people_of(results, links)
    (source_z, z), (_, x), (_, y) = people[0], people[-1], people[-2]
    x.update(line1="5 Group Court", postcode="EX1 1AA", uprn=None)
    y.update(line1="5 Group Court", postcode="EX1 1AA", uprn=None)
    for member in (z, x, y):
        source_z.records.setdefault("family_group", []).append(
            {"person": member["id"], "group": "tenancy-99"}
        )
    left = copy.deepcopy(results)
    groups = next(r for r in left.values() if r.source == source_z.source).records["family_group"]
    groups[:] = [item for item in groups if item["person"] != z["id"]]
    for result in (*results.values(), *left.values()):
        result._people = None
    read_again(left)
    assert_scoped_equals_full(manifests, review, (results, links), (left, links))


def test_a_parent_recorded_only_by_its_own_record_going_changes_half_siblings(county) -> None:  # type: ignore[no-untyped-def]
    """x and z share parent q; z has another parent, r. While p's record says p is
    x's parent too, x and z are half-siblings; when it no longer does, they are
    siblings, though neither x's records nor z's changed (nor is x p's child now)."""
    manifests, results, links, review = county
    family = model.FamilyEdges(results, links)
    q, x, z = next(
        (q, x, z)
        for q, kids in sorted(family.children_of.items())
        for x in sorted(kids)
        for z in sorted(kids)
        if x != z and family.parents[x] == family.parents[z] == {q}
    )
    records_of: dict[str, list[str]] = {}
    for ident, link in links.items():
        records_of.setdefault(link.person_id, []).append(ident)
    p, r = [person for person in sorted(records_of) if person not in (q, x, z)][:2]
    template = next(i for res in results.values() for i in res.records.get("relationship", []))

    def parent_of(result: Any, parent: str, child: str) -> None:
        """The parent's own record says so (in the parent's record's source)."""
        record = records_of[parent][0]
        owner = next(
            res for res in result.values() if any(rec["id"] == record for rec in res.people())
        )
        owner.records.setdefault("relationship", []).append(
            {**template, "person": record, "related": records_of[child][0], "type": "PARENT_OF"}
        )

    base = copy.deepcopy(results)
    parent_of(base, r, z)
    said = copy.deepcopy(base)
    parent_of(said, p, x)
    for result in (*said.values(), *base.values()):
        result._people = None
    read_again(base)
    kinds = {
        name: {(row["from"], row["to"]): row["type"] for row in model.family(state, links)}
        for name, state in (("said", said), ("base", base))
    }
    pair = (min(x, z), max(x, z))
    assert (kinds["said"][pair], kinds["base"][pair]) == ("HALF_SIBLING_OF", "SIBLING_OF")
    assert_scoped_equals_full(manifests, review, (said, links), (base, links))


def test_no_change_rebuilds_no_person(county) -> None:  # type: ignore[no-untyped-def]
    manifests, results, links, review = county
    held, inputs, person_of = loaded(manifests, review, results, links)
    matched = matching(links, review, inputs.match_token, links)
    refresh = refresh_scope.build(manifests, results, matched, NOW, held, inputs, person_of)
    assert refresh.rows.persons == refresh.rows.source_records == refresh.rows.households == []
    assert refresh.report["links_described_afresh"] == 0
    assert refresh.inputs == dataclasses.replace(inputs, match_token=matched.token)


def test_the_record_halves_of_an_extract_read_again_are_carried_over(county) -> None:  # type: ignore[no-untyped-def]
    """Of a source read from the extract the last load read, the record half of each
    input digest is the last load's (not worked out again); of another extract, not."""
    manifests, results, links, review = county
    _, inputs, _ = loaded(manifests, review, results, links)
    ident = results["health"].people()[0]["id"]
    marked = dataclasses.replace(
        inputs, digests={**inputs.digests, ident: "f" * 16 + inputs.digests[ident][16:]}
    )
    again = refresh_scope.input_digests(manifests, results, links, marked)
    assert again[ident] == marked.digests[ident]
    assert {k: v for k, v in again.items() if k != ident} == {
        k: v for k, v in inputs.digests.items() if k != ident
    }
    other = {**results, "health": copy.copy(results["health"])}
    other["health"].read_digest = "health extract 2"
    assert refresh_scope.input_digests(manifests, other, links, marked) == inputs.digests


def test_a_changed_manifest_changes_the_record_halves_of_its_source_only(county) -> None:  # type: ignore[no-untyped-def]
    manifests, results, links, _ = county
    before = refresh_scope.input_digests(manifests, results, links)
    health = manifests["health"]
    governance = {**health.governance, "title": f"{health.title} (renamed)"}
    renamed = dataclasses.replace(health, governance=governance)
    changed = {**manifests, "health": renamed}
    after = refresh_scope.input_digests(changed, results, links)
    ids = {record["id"] for record in results["health"].people()}
    differ = {ident for ident, digest in after.items() if before[ident] != digest}
    assert differ == ids
    assert all(after[ident][16:] == before[ident][16:] for ident in ids)  # (link halves)


def test_the_digests_of_extracts_read_again_are_carried_whole(county) -> None:  # type: ignore[no-untyped-def]
    """With matching's hand-off, the digests of records whose extract is the last
    load's and whose link is not named are carried over without looking at each
    record; when the last load's digests do not name every such record, each is
    looked at. Either way, the digests are those worked out afresh."""
    manifests, results, links, review = county
    _, inputs, _ = loaded(manifests, review, results, links)
    named, other = (record["id"] for record in results["schools"].people()[:2])
    moved = {**links, named: dataclasses.replace(links[named], probability=0.5)}
    afresh = refresh_scope.input_digests(manifests, results, moved)
    assert afresh[named] != inputs.digests[named]
    carried = refresh_scope._Digests(manifests, moved, inputs, {named})
    assert carried.of(results) == afresh
    assert carried.worked == {named}
    assert carried.gone == set()
    # A record the last load had and this run does not read is gone, and said to be.
    extra = dataclasses.replace(
        inputs, digests={**inputs.digests, "schools:pupils:gone": inputs.digests[other]}
    )
    without = refresh_scope._Digests(manifests, moved, extra, {named})
    assert without.of(results) == afresh
    assert without.gone == {"schools:pupils:gone"}
    missing = dataclasses.replace(
        inputs, digests={k: v for k, v in inputs.digests.items() if k != other}
    )
    looked = refresh_scope._Digests(manifests, moved, missing, {named})
    assert looked.of(results) == afresh
    assert len(looked.worked) == 2  # (the one named, the one missing; no other)
    assert looked.gone is None  # (not carried whole: the caller works it out)


def health_read_again(results, inputs, read: str):  # type: ignore[no-untyped-def]
    """Health read afresh, reusing the rows of `read`, with its second record not as
    that read held it; its first two records' ids; and `inputs` with the record halves
    of those two marked (so that a half carried over can be told from one worked out)."""
    kept, edited = (record["id"] for record in results["health"].people()[:2])
    marked = dataclasses.replace(
        inputs,
        digests={
            **inputs.digests,
            **{ident: "f" * 16 + inputs.digests[ident][16:] for ident in (kept, edited)},
        },
    )
    health = copy.copy(results["health"])
    health.read_digest = "health extract 2"
    places = array("i", range(len(health.people())))
    places[1] = -1
    health.same_as = reuse.SameAs(read, places)
    return kept, edited, marked, health


def test_the_record_halves_of_records_as_the_read_before_held_them_are_carried_over(county) -> None:  # type: ignore[no-untyped-def]
    """Of a source read afresh, reusing the rows of the read the last load's was, the
    record half of each record that (with its items) is as that read held it is the
    last load's, not worked out again; the others' are worked out."""
    manifests, results, links, review = county
    _, inputs, _ = loaded(manifests, review, results, links)
    kept, edited, marked, health = health_read_again(results, inputs, "health extract 1")
    again = {**results, "health": health}
    got = refresh_scope.input_digests(manifests, again, links, marked)
    assert got[kept] == marked.digests[kept]
    assert got[edited] == inputs.digests[edited]
    not_the_last = reuse.SameAs("health extract 0", health.same_as.places)
    health.same_as = not_the_last  # (not the read the last load's was)
    assert refresh_scope.input_digests(manifests, again, links, marked) == inputs.digests


def test_of_an_extract_read_afresh_only_the_records_not_as_they_were_are_looked_at(county) -> None:  # type: ignore[no-untyped-def]
    """With matching's hand-off, the digests of a source read afresh, reusing the rows
    of the read the last load's was, are carried over whole but for its records that
    are not as that read held them: only those are looked at (one by one, as when the
    last load's digests do not name every record)."""
    manifests, results, links, review = county
    _, inputs, _ = loaded(manifests, review, results, links)
    kept, edited, marked, health = health_read_again(results, inputs, inputs.reads["health"])
    looked_at: list[str] = []

    class Seen(dict):  # type: ignore[type-arg]
        def __getitem__(self, key: str) -> object:
            looked_at.append(dict.__getitem__(self, "id"))
            return dict.__getitem__(self, key)

    people = [Seen(record) for record in results["health"].people()]
    health.people = lambda: people  # type: ignore[method-assign]
    again = {**results, "health": health}
    found = refresh_scope._Digests(manifests, links, marked, set())
    got = found.of(again)
    assert got == {**inputs.digests, kept: marked.digests[kept]}
    assert found.worked == {edited}
    assert set(looked_at) == {edited}
    missing = dataclasses.replace(
        marked, digests={k: v for k, v in marked.digests.items() if k != kept}
    )
    looked = refresh_scope._Digests(manifests, links, missing, set())
    assert looked.of(again) == inputs.digests
    assert looked.worked == {edited, kept}


def test_a_refresh_builds_each_part_when_the_load_first_asks_for_it(county) -> None:  # type: ignore[no-untyped-def]
    """So that the server writes the steps before while the rest is built: `build`
    works out the digests and the rows built in full; each later part is built when
    one of its steps' rows, or scopes, is first asked for, and the inputs once all are."""
    manifests, results, links, review = county
    held, inputs, person_of = loaded(manifests, review, results, links)
    matched = matching(links, review, inputs.match_token, links)
    refresh = refresh_scope.build(manifests, results, matched, NOW, held, inputs, person_of)
    laps = refresh.report["seconds"]
    assert list(laps) == ["digests", "shared"]
    assert refresh.scopes.get("organisations") is None  # (built in full: no scope)
    assert refresh.scopes.get("persons") == set()
    assert list(laps) == ["digests", "shared", "persons"]
    assert refresh.rows.lives_at == []
    assert list(laps) == ["digests", "shared", "persons", "addresses"]
    assert refresh.rows.family == []
    assert list(laps) == ["digests", "shared", "persons", "addresses", "family"]
    assert refresh.inputs == dataclasses.replace(inputs, match_token=matched.token)
    assert list(laps) == [
        "digests", "shared", "persons", "addresses", "family", "households", "involvements"
    ]  # fmt: skip
    assert refresh.rows.households == []


def test_records_are_picked_by_their_place_as_by_looking_at_each(county, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`records_in` picks the records of some persons, and some records by id, by
    their place in matching's order; given person ids in another order, or for other
    records, it looks at every record, with the same answer."""
    _, results, links, _ = county
    now = refresh_scope.person_ids(links)
    persons = set(list(dict.fromkeys(now.values()))[::7])
    named = set(list(now)[::11])

    def by_looking(person_of: dict[str, str]) -> list[tuple[str, str]]:
        return [
            (source, record["id"])
            for source, result in results.items()
            for record in result.people()
            if person_of[record["id"]] in persons or record["id"] in named
        ]

    expected = by_looking(dict(now))
    assert len(expected) > 10

    looked = []
    each = refresh_scope._looked_at
    monkeypatch.setattr(refresh_scope, "_looked_at", lambda *a: looked.append(1) or each(*a))

    def picked(person_of: dict[str, str], *wanted: set[str]) -> list[tuple[str, str]]:
        found = refresh_scope.records_in(results, person_of, *wanted)
        return [(source, record["id"]) for source, record in found]

    assert picked(now, persons, named) == expected and not looked  # (by place)
    reversed_order = dict(reversed(list(now.items())))
    assert picked(reversed_order, persons, named) == expected and len(looked) == 1
    more = {**now, "elsewhere:x:1": "P-none"}
    assert picked(more, persons, named) == expected and len(looked) == 2
    assert picked(now, persons) == [
        (source, ident) for source, ident in expected if now[ident] in persons
    ]
