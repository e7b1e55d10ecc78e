"""Incremental refresh and crash safety, on the real graph server.

Each test starts from the mini county as loaded by the session fixture and puts
it back afterwards, so the other tests see the graph they expect.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import gc
import json
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graph_etl import etl, fingerprint, load
from graph_etl.graph import Graph
from graph_etl.sources.manifest import FAMILY_TYPES
from tests.conftest import MINI_COUNTY
from tests.integration.conftest import close, make_app, signed_in
from webapp.policy import policy_for


@pytest.fixture()
def county(tmp_path: Path, graph) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    copy = tmp_path / "county"
    shutil.copytree(MINI_COUNTY, copy)
    yield copy
    reset(graph)


def reset(graph: Graph) -> None:
    graph.write("admin/clear_graph")
    etl.run(graph, MINI_COUNTY, quiet=True, state_dir=None)


def refresh(graph: Graph, county: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    return etl.run(graph, county, quiet=True, state_dir=tmp_path / "state")


def find_tom(graph: Graph) -> list[dict]:
    params = {**policy_for("social_worker").params(), "family_types": list(FAMILY_TYPES)}
    ids = graph.read(
        "queries/candidates_by_name",
        given="tom",
        family="evans",
        family_phonetic="",
        limit=5,
        **params,
    )
    return graph.read("queries/people_summaries", person_ids=[row["id"] for row in ids], **params)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_unchanged_extract_writes_nothing(graph, county: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = refresh(graph, county, tmp_path)
    written = {step: counts["written"] for step, counts in report.loaded.items()}
    assert written.pop("sources") >= 0  # the load time of each source is new
    assert set(written.values()) == {0}


def test_a_run_kept_until_exit_is_left_out_of_the_collectors_passes(
    graph, county: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    frozen = gc.get_freeze_count()
    try:
        etl.run(graph, county, quiet=True, state_dir=tmp_path / "state", keep_until_exit=True)
        assert gc.isenabled()
        assert gc.get_freeze_count() > frozen  # (the run's objects, kept)
    finally:
        etl._KEPT_UNTIL_EXIT.clear()
        gc.unfreeze()


def test_a_second_refresh_reuses_unchanged_reads_and_the_saved_hashes(
    graph, county: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    refresh(graph, county, tmp_path)  # keeps each read and the loaded hashes
    before = fingerprint.fingerprint(graph)
    move_pupil(county)
    asked = names_of_calls(monkeypatch, "read")
    report = refresh(graph, county, tmp_path)
    monkeypatch.undo()
    unchanged = {name for name, source in report.sources.items() if source.get("unchanged")}
    assert "schools" not in unchanged and "social_care" in unchanged
    assert report.loaded["addresses"]["written"] == 1
    # Only the rows the changed record can reach were built.
    assert report.model["only_what_changed"]
    assert report.model["records_changed"] >= 1 and report.model["persons_rebuilt"] <= 3, (
        report.model
    )
    # What the graph holds, and the person ids matching carries forward, came from
    # the saved copies: only the marker was read (once for each). (The households
    # the pupil may leave with nobody are those the writes return.)
    assert sorted(name for name in asked if name.startswith("state/")) == [
        "state/load_marker",
        "state/load_marker",
    ]
    # ... and the result is the graph a run from the graph's own state gives.
    changed = fingerprint.fingerprint(graph)
    assert changed != before
    graph.write("admin/clear_graph")
    etl.run(graph, county, quiet=True, state_dir=tmp_path / "fresh")
    assert fingerprint.fingerprint(graph) == changed


def test_a_refresh_scores_only_the_changed_records_unless_told_otherwise(
    graph, county: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    first = refresh(graph, county, tmp_path)
    records = first.matching["records"]
    assert first.matching["rescored_records"] == records  # nothing kept yet
    move_pupil(county)
    second = refresh(graph, county, tmp_path)
    assert 0 < second.matching["rescored_records"] < records
    state = tmp_path / "state"
    again = etl.run(graph, county, quiet=True, state_dir=state, rescore_all=True)
    assert again.matching["rescored_records"] == records
    # ... and scoring everything again finds the same people: nothing to write.
    assert all(n["written"] == 0 for step, n in again.loaded.items() if step != "sources")


def move_pupil(county: Path) -> None:
    """A pupil's school record moves to an address no record names yet (its old one,
    named by no other record, goes)."""
    edit(
        county / "schools" / "pupils.csv",
        "8 Quay Street,,Exeford,EX9 2CD",
        "2 Harbour View,,Exeford,EX9 3EF",
    )


def test_new_rows_created_or_merged_give_the_same_graph(
    graph, county: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    graph.write("admin/clear_graph")
    refresh(graph, county, tmp_path)  # every row is new: the CREATE files
    created = fingerprint.graph_lines(graph)
    graph.write("admin/clear_graph")
    merge_only = tuple(dataclasses.replace(step, create=False) for step in load.STEPS)
    monkeypatch.setattr(load, "STEPS", merge_only)
    etl.run(graph, county, quiet=True, state_dir=None)
    assert fingerprint.graph_lines(graph) == created


def test_changed_row_updates_only_what_changed(graph, county: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    move_pupil(county)
    report = refresh(graph, county, tmp_path)
    assert report.loaded["addresses"]["written"] == 1
    assert report.loaded["persons"]["written"] == 0
    assert report.loaded["lives_at"] == {"written": 1, "unchanged": 7, "retired": 1}
    rows = find_tom(graph)
    assert rows[0]["postcode"] == "EX9 3EF"


def test_a_move_retires_the_old_lives_at_with_the_old_address(
    graph, county: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The lives-at to an address the refresh retires goes with the address (its DETACH
    DELETE), not by a statement of its own; the graph is the one a full load gives."""
    move_pupil(county)
    written = names_of_calls(monkeypatch, "write")
    report = refresh(graph, county, tmp_path)
    monkeypatch.undo()
    assert report.loaded["lives_at"]["retired"] == 1
    assert report.loaded["addresses"]["retired"] == 1
    assert "retire/addresses" in written and "retire/lives_at" not in written
    assert_a_full_load_gives_the_same_graph(graph, county)


def test_a_refresh_retires_addresses_between_the_writes(
    graph, county: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The addresses (and lives-at) a refresh retires go as soon as the lives-at are
    written, before the households (`load.RETIRED_EARLY`); the graph is the one a full
    load gives."""
    refresh(graph, county, tmp_path)  # (keeps the state the next refresh plans from)
    move_pupil(county)
    run = names_of_calls(monkeypatch, "write")
    names_of_calls(monkeypatch, "write_rows", run)
    report = refresh(graph, county, tmp_path)
    monkeypatch.undo()
    assert report.loaded["addresses"]["retired"] == 1
    assert report.loaded["households"]["written"] == 1
    assert run.index("load/lives_at_new") < run.index("retire/addresses")
    assert run.index("retire/addresses") < run.index("load/households")
    assert "load_retire_early" in report.phases
    assert_a_full_load_gives_the_same_graph(graph, county)


def test_the_nodes_of_changed_records_are_written_while_matching_runs(
    graph, county: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A refresh from the saved state writes the node of a record whose own values
    changed before the load (`graph_etl.record_nodes`), after clearing the marker;
    the load then leaves the node alone, and the graph is the one a full load gives."""
    refresh(graph, county, tmp_path)  # (the state saved)
    move_pupil(county)
    written = names_of_calls(monkeypatch, "write")
    report = refresh(graph, county, tmp_path)
    monkeypatch.undo()
    assert report.written_early["source_record_nodes"] == 1
    assert written[:2] == ["load/load_marker", "load/source_record_nodes"]
    assert "load/source_records" not in written
    assert report.loaded["lives_at"]["written"] == 1
    assert refresh(graph, county, tmp_path).written_early["source_record_nodes"] == 0
    assert_a_full_load_gives_the_same_graph(graph, county)


def test_a_changed_record_rewrites_its_link_only_when_the_link_changed(graph, county) -> None:  # type: ignore[no-untyped-def]
    """`load/source_records` (rows whose record changed) writes the node, its `h` the
    hash of its own values (`rh`), and its DESCRIBES link only when the hash of the
    link alone (`lh`, kept on the link) is not the one the graph holds, or the graph
    holds none (written by older code, or retired); `load/source_record_links` (rows
    whose link alone changed) writes the link and leaves the node as it is."""
    person_of = {row["record"]: row["person"] for row in graph.read("state/person_ids")}
    record, first = next(iter(sorted(person_of.items())))
    second = next(person for person in sorted(set(person_of.values())) if person != first)
    base = {
        "id": record, "source": record.split(":")[0], "deep_link": "x", "rh": "r1",
        "props": {"given_name": "Ann", "line1": "1 Road"}, "reasons": [], "explanation": "{}",
        "matched_with": None,
    }  # fmt: skip

    def write(
        statement: str = "load/source_records", **row: object
    ) -> tuple[dict, list[tuple[str, float]]]:
        """Write one row; the record's properties, and its links (person, probability)."""
        graph.write_batches(statement, [{**base, **row}])
        node, links = {}, []
        for line in map(json.loads, fingerprint.graph_lines(graph)):
            if line[0] == "node" and line[2].get("id") == record:
                node = line[2]
            elif line[0] == "rel" and line[1] == "DESCRIBES" and line[2] == record:
                links.append((line[3], line[4]["probability"]))
        return node, links

    node, links = write(person_id=first, probability=0.5, lh=None)
    assert links == [(first, 0.5)] and "lh" not in node and node["h"] == "r1"
    assert write(person_id=first, probability=0.25, lh="a")[1] == [(first, 0.25)]  # (none held)
    node, links = write(
        person_id=first, probability=0.75, lh="a", rh="r2", props={"line1": "2 Road"}
    )
    assert node["line1"] == "2 Road" and node["h"] == "r2"
    assert links == [(first, 0.25)]  # the same hash: the link is kept
    assert write(person_id=first, probability=0.75, lh="b")[1] == [(first, 0.75)]
    assert write(person_id=second, probability=0.75, lh="c")[1] == [(second, 0.75)]
    node, links = write(
        "load/source_record_links", person_id=first, probability=0.5, lh="d", rh="r3",
        props={"line1": "3 Road"},
    )  # fmt: skip
    assert links == [(first, 0.5)]  # moved back, the node untouched
    assert node["line1"] == "1 Road" and node["h"] == "r1" and "lh" not in node
    graph.write("retire/source_records", keys=[record], now="2026-12-04T00:00:00+00:00")
    assert write(person_id=second, probability=0.75, lh="d")[1] == [(second, 0.75)]


def test_a_lives_at_key_is_retired_when_its_address_id_has_a_bar(graph) -> None:  # type: ignore[no-untyped-def]
    """`retire/lives_at` takes person|address|source apart at its first and last bars:
    an address id made from a source's UPRN may hold a bar of its own."""
    person = graph.read("state/person_ids")[0]["person"]
    addresses = ["U12|34", "Ubar-free"]
    graph.write_batches(
        "load/addresses",
        [{"id": a, "h": "h", "line1": "1 Road", "line2": None, "town": None,
          "postcode": None, "uprn": a[1:]} for a in addresses],
    )  # fmt: skip
    graph.write_batches(
        "load/lives_at",
        [{"person_id": person, "address_id": a, "source": "housing", "h": "h",
          "from_date": None, "to_date": None, "reported_at": None, "current": False}
         for a in addresses],
    )  # fmt: skip

    def lives_at() -> set[str]:
        return {end for start, end in graph_rels(graph, "LIVES_AT") if start == person}

    try:
        assert set(addresses) <= lives_at()
        graph.write("retire/lives_at", keys=[f"{person}|{a}|housing" for a in addresses])
        assert not set(addresses) & lives_at()
    finally:
        graph.write("retire/addresses", keys=addresses)


def test_a_review_pair_is_retired_when_a_record_id_has_a_bar(graph, county) -> None:  # type: ignore[no-untyped-def]
    """`retire/review_pairs` finds the pair whose ids, joined by a bar, give its key,
    where a record id (made from a source's key) holds a bar of its own."""
    person = graph.read("state/person_ids")[0]["person"]
    ids = ["housing:household_members:T1|01", "housing:household_members:T1|02", "x:y:z"]
    graph.write_batches(
        "load/source_records_new",
        [{"id": i, "source": "housing", "deep_link": "x", "h": "h", "lh": "l",
          "props": {}, "person_id": person, "probability": 1.0, "reasons": [],
          "explanation": "{}", "matched_with": None} for i in ids],
    )  # fmt: skip
    pairs = [(ids[0], ids[1]), (ids[2], ids[0]), (ids[1], ids[2])]
    graph.write(
        "load/review_pairs",
        rows=[{"record_a": a, "record_b": b, "h": "h", "probability": 0.7,
               "explanation": "{}", "guard": None} for a, b in pairs],
    )  # fmt: skip

    def held() -> set[tuple[str, str]]:
        return {pair for pair in graph_rels(graph, "POSSIBLE_MATCH") if pair[0] in ids}

    assert held() == set(pairs)
    graph.write("retire/review_pairs", keys=[f"{a}|{b}" for a, b in pairs[:2]])
    assert held() == {pairs[2]}


def test_records_that_disappear_are_retired(graph, county: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pupils = county / "schools" / "pupils.csv"
    pupils.write_text(
        "".join(
            line for line in pupils.read_text().splitlines(keepends=True) if "Evans" not in line
        )
    )
    report = refresh(graph, county, tmp_path)
    assert report.loaded["persons"]["retired"] == 1
    assert report.loaded["source_records"]["retired"] == 1
    assert report.loaded["involvements"]["retired"] == 1
    assert find_tom(graph) == []


def test_failed_source_keeps_its_last_good_extract(graph, county: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = fingerprint.fingerprint(graph)
    refresh(graph, county, tmp_path)  # remembers the last good read of each source
    (county / "schools" / "pupils.csv").unlink()
    report = refresh(graph, county, tmp_path)
    assert report.sources["schools"]["status"] == "failed"
    assert report.sources["schools"]["kept_previous_extract"]
    assert fingerprint.fingerprint(graph) == before


def test_a_refresh_removes_the_households_its_persons_leave_empty(
    graph, county: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A refresh from the saved state checks for members only the households of the
    persons that move or go, not every household, and leaves none empty."""
    refresh(graph, county, tmp_path)  # (keeps the state the next refresh plans from)
    pupils = county / "schools" / "pupils.csv"
    pupils.write_text(
        "".join(
            line for line in pupils.read_text().splitlines(keepends=True) if "Evans" not in line
        )
    )
    households = households_held(graph)
    written = names_of_calls(monkeypatch, "write")
    report = refresh(graph, county, tmp_path)
    monkeypatch.undo()
    assert report.loaded["persons"]["retired"] == 1
    assert households_held(graph) == households - 1
    assert "retire/empty_households_among" in written
    assert "retire/empty_households" not in written
    refreshed = fingerprint.fingerprint(graph)
    graph.write("retire/empty_households")  # (a scan of every household finds no more)
    assert fingerprint.fingerprint(graph) == refreshed


def test_the_household_a_person_moves_out_of_is_checked_for_members(
    graph, county: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The write that moves a person to another household returns the one they leave
    (`load/households`), and only that is checked for members: none is read before the
    writes, and none is left empty (the graph is the one a full load gives)."""
    refresh(graph, county, tmp_path)  # (keeps the state the next refresh plans from)
    households = household_ids(graph)
    move_pupil(county)
    asked = names_of_calls(monkeypatch, "read")
    written = names_of_calls(monkeypatch, "write")
    returning = names_of_calls(monkeypatch, "write_rows")
    report = refresh(graph, county, tmp_path)
    monkeypatch.undo()
    assert report.loaded["households"]["written"] == 1
    assert returning == ["load/households"] and "state/households_of" not in asked
    assert "retire/empty_households_among" in written
    now = household_ids(graph)
    assert len(households - now) == 1 and len(now - households) == 1  # left empty: gone
    assert_a_full_load_gives_the_same_graph(graph, county)


def test_a_household_its_first_member_leaves_keeps_its_id_and_is_not_checked(
    graph, county: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Liam, the household's smallest person id, moves out: his mother and sister keep
    the household, by its id, and it is not among those checked for members."""
    refresh(graph, county, tmp_path)  # (keeps the state the next refresh plans from)
    before = memberships(graph)
    liam = next(person for person, found in described(graph).items() if LIAM_SCHOOL in found)
    home = before[liam]
    family = sorted(person for person, household in before.items() if household == home)
    assert len(family) == 3 and liam == family[0]
    new_home = {"line1": "2 Harbour View", "line2": "", "town": "Exeford", "postcode": "EX9 3EF"}
    rewrite(
        county / "schools" / "pupils.csv",
        lambda row: row["upn"] == LIAM_SCHOOL.rsplit(":", 1)[1],
        address_line1=new_home["line1"], town=new_home["town"], postcode=new_home["postcode"],
    )  # fmt: skip
    rewrite(
        county / "social_care" / "ssd_address.csv",
        lambda row: row["addr_person_id"] == "1002",
        addr_address_json=json.dumps({**new_home, "uprn": ""}),
        addr_address_postcode=new_home["postcode"],
    )
    checked: list[str] = []
    original = Graph.write

    def spy(self, name, **params):  # type: ignore[no-untyped-def]
        if name == "retire/empty_households_among":
            checked.extend(params["ids"])
        return original(self, name, **params)

    monkeypatch.setattr(Graph, "write", spy)
    refresh(graph, county, tmp_path)
    monkeypatch.undo()
    after = memberships(graph)
    assert after[liam] != home
    assert all(after[person] == home for person in family[1:])
    assert home not in checked
    assert_a_full_load_gives_the_same_graph(graph, county)


LIAM_SCHOOL = "schools:pupils:H930123456010"


def graph_rels(graph: Graph, kind: str) -> list[tuple[str, str]]:
    """(start id, end id) of every relationship of type `kind`."""
    lines = map(json.loads, fingerprint.graph_lines(graph))
    return [(line[2], line[3]) for line in lines if line[0] == "rel" and line[1] == kind]


def memberships(graph: Graph) -> dict[str, str]:
    return dict(graph_rels(graph, "MEMBER_OF"))


def described(graph: Graph) -> dict[str, list[str]]:
    """Each person's source records."""
    found: dict[str, list[str]] = {}
    for record, person in graph_rels(graph, "DESCRIBES"):
        found.setdefault(person, []).append(record)
    return found


def rewrite(path: Path, which: Callable[[dict[str, str]], bool], **changes: str) -> None:
    """Give the rows of a CSV file that `which` picks the values in `changes`."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    picked = [row for row in rows if which(row)]
    assert picked
    for row in picked:
        row.update(changes)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def names_of_calls(monkeypatch, method: str, names: list[str] | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """The names of the queries `Graph.<method>` runs from now on (until undone), added
    to `names` when given."""
    names = [] if names is None else names
    original = getattr(Graph, method)

    def spy(self, name, **params):  # type: ignore[no-untyped-def]
        names.append(name)
        return original(self, name, **params)

    monkeypatch.setattr(Graph, method, spy)
    return names


def assert_a_full_load_gives_the_same_graph(graph: Graph, county: Path) -> None:
    """The graph as a refresh left it is the one a full load of `county` gives."""
    refreshed = fingerprint.graph_lines(graph)
    graph.write("admin/clear_graph")
    etl.run(graph, county, quiet=True, state_dir=None)
    assert fingerprint.graph_lines(graph) == refreshed


def household_ids(graph: Graph) -> set[str]:
    lines = map(json.loads, fingerprint.graph_lines(graph))
    return {line[2]["id"] for line in lines if line[0] == "node" and line[1] == ["Household"]}


def households_held(graph: Graph) -> int:
    counts = graph.read("admin/graph_counts")
    return next(row["count"] for row in counts if row["name"] == "Household")


class Crash(Exception):
    pass


def test_killed_refresh_converges_on_rerun(
    graph,
    county: Path,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    monkeypatch,
) -> None:
    # A refresh that changes, adds and removes things.
    move_pupil(county)
    edit(
        county / "social_care" / "ssd_early_help_episodes.csv",
        "2024-09-30 00:00:00",
        "2024-10-31 00:00:00",
    )
    contacts = county / "schools" / "pupil_contacts.csv"
    contacts.write_text(
        contacts.read_text().splitlines(keepends=True)[0]
        + contacts.read_text().splitlines(keepends=True)[1]
    )
    refresh(graph, county, tmp_path)
    expected = fingerprint.fingerprint(graph)
    writes = kill_before_every_write(
        graph, county, tmp_path, monkeypatch, functools.partial(reset, graph), expected
    )
    assert writes > 5


def test_a_refresh_killed_after_writing_ahead_converges_on_rerun(
    graph, county: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Killed before each write, the first two of them those made while matching runs
    (`graph_etl.record_nodes`), a refresh from the saved state converges on rerun."""
    state = tmp_path / "state"

    def loaded_and_saved() -> None:
        graph.write("admin/clear_graph")
        shutil.rmtree(state, ignore_errors=True)
        etl.run(graph, MINI_COUNTY, quiet=True, state_dir=state)

    move_pupil(county)
    loaded_and_saved()
    assert refresh(graph, county, tmp_path).written_early["source_record_nodes"] == 1
    expected = fingerprint.fingerprint(graph)
    writes = kill_before_every_write(
        graph, county, tmp_path, monkeypatch, loaded_and_saved, expected
    )
    assert writes > 5


def test_killed_first_load_converges_on_rerun(
    graph, county: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A full load into an empty graph creates its rows (CREATE, two writers for
    nodes): killed before any of its writes, in batches of two rows, a rerun still
    converges."""
    graph.write("admin/clear_graph")
    refresh(graph, county, tmp_path)
    expected = fingerprint.fingerprint(graph)
    original = Graph.write_batches

    def small_batches(self, name, rows, batch_size=5000, progress=None, **params):  # type: ignore[no-untyped-def]
        return original(self, name, rows, 2, progress, **params)

    def empty_graph_small_batches() -> None:
        graph.write("admin/clear_graph")
        monkeypatch.setattr(Graph, "write_batches", small_batches)

    writes = kill_before_every_write(
        graph, county, tmp_path, monkeypatch, empty_graph_small_batches, expected
    )
    assert writes > 30


def kill_before_every_write(graph, county, tmp_path, monkeypatch, prepare, expected) -> int:  # type: ignore[no-untyped-def]
    """Count the writes of a refresh from the state `prepare()` sets up; then, for each
    write in turn, prepare again, kill the refresh before that write, rerun it, and
    compare the graph's fingerprint with `expected`, the uninterrupted run's. Returns
    the number of writes."""
    prepare()
    calls = patch_writes(monkeypatch, crash_after=None)
    refresh(graph, county, tmp_path)
    monkeypatch.undo()
    for crash_after in range(calls["n"]):
        prepare()
        patch_writes(monkeypatch, crash_after)
        with pytest.raises(Crash):
            refresh(graph, county, tmp_path)
        monkeypatch.undo()
        refresh(graph, county, tmp_path)
        assert fingerprint.fingerprint(graph) == expected, f"crash after {crash_after} writes"
    return calls["n"]


def patch_writes(monkeypatch, crash_after: int | None) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Count graph writes; with `crash_after`, die before that write (as a kill would:
    each write is one transaction, so a kill inside one rolls it back): those that
    return rows too. Writes from parallel writers are counted one at a time."""
    calls = {"n": 0}
    lock = threading.Lock()

    def counted(original):  # type: ignore[no-untyped-def]
        def write(self, name, **params):  # type: ignore[no-untyped-def]
            with lock:
                if calls["n"] == crash_after:
                    raise Crash(f"killed before write {crash_after} ({name})")
                calls["n"] += 1
            return original(self, name, **params)

        return write

    for method in ("write", "write_rows"):
        monkeypatch.setattr(Graph, method, counted(getattr(Graph, method)))
    return calls


# The web app keeps serving while a refresh runs.


def test_the_web_app_keeps_serving_during_a_refresh(
    graph, graph_settings, county: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Person pages requested all through refreshes (each query sees committed
    transactions only) are all served: no error page, and never the 503 page that
    asks the user to retry."""
    app = make_app(graph_settings, tmp_path / "web.sqlite", ("social_worker",))
    client = signed_in(app, "social_worker")
    html = client.get("/search?name=liam+jones").get_data(as_text=True)
    liam = re.findall(r'href="/person/(P[0-9a-f]+)"', html)[0]
    changed = tmp_path / "changed"
    shutil.copytree(county, changed)
    edit(
        changed / "schools" / "pupils.csv",
        "8 Quay Street,,Exeford,EX9 2CD",
        "2 Harbour View,,Exeford,EX9 3EF",
    )
    edit(
        changed / "social_care" / "ssd_early_help_episodes.csv",
        "2024-09-30 00:00:00",
        "2024-10-31 00:00:00",
    )
    failures: list[BaseException] = []

    def refreshes() -> None:
        try:
            for extracts in (changed, county, changed, county):
                etl.run(graph, extracts, quiet=True, state_dir=tmp_path / "state")
        except BaseException as exc:  # failed below, in the test's own thread
            failures.append(exc)

    worker = threading.Thread(target=refreshes)
    statuses: list[int] = []
    during = 0
    try:
        worker.start()
        while worker.is_alive() or len(statuses) < 20:
            during += worker.is_alive()
            response = client.get(f"/person/{liam}")
            statuses.append(response.status_code)
            assert response.status_code == 200, response.get_data(as_text=True)[:500]
            assert "Liam Jones" in response.get_data(as_text=True)
    finally:
        worker.join()
        close(app)
    assert not failures
    assert during >= 10 and set(statuses) == {200}
