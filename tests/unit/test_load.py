"""Planning a load without a server: what is created, updated, retired, and the
saved state a refresh may plan from instead of reading the graph."""

from __future__ import annotations

import gzip
import json
import marshal
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graph_etl import cypher_files, load_state, model, snapshots
from graph_etl.graph import estimated_bytes, sized_batches
from graph_etl.load import (
    LOAD_ORDER,
    RETIRED_EARLY,
    STEPS,
    Plan,
    Step,
    _retired_alone,
    content_hash,
    held_states,
    plan,
    previous_person_ids,
    state_digest,
    state_total,
    updates,
)
from graph_etl.load_state import StepState
from graph_etl.matching.types import Link
from graph_etl.sources import load_manifests, read_source
from graph_etl.sources.manifest import MANIFEST_DIR
from tests.conftest import MINI_COUNTY

NODE = Step("things", lambda row: str(row["id"]), create=True)
KEEPER = Step("records", lambda row: str(row["id"]), create=True, keeps_retired=True)


def rows(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"id": key, "value": value} for key, value in pairs]


def held(*pairs: tuple[str, str], dormant: tuple[str, ...] = ()) -> StepState:
    hashes: dict[str, str | None] = {
        key: content_hash({"id": key, "value": value}) for key, value in pairs
    }
    hashes.update(dict.fromkeys(dormant))
    return StepState(hashes, set(dormant))


def ids(found: list[dict[str, str]]) -> list[str]:
    return [row["id"] for row in found]


def test_on_an_empty_graph_every_row_is_created() -> None:
    planned = plan(NODE, rows(("a", "1"), ("b", "2")), StepState({}, set()))
    assert ids(planned.create) == ["a", "b"]
    assert planned.update == [] and planned.retire == [] and planned.unchanged == 0
    assert planned.written == 2


def test_relationships_of_retired_people_and_addresses_go_with_them() -> None:
    """Their node's DETACH DELETE takes them: only the others are retired one by one."""
    retired = {
        "persons": ["P9"],
        "addresses": ["A|1", "A2"],  # (an address id made from a UPRN may have a bar)
        "lives_at": ["P1|A|1|health", "P9|A3|gp", "P2|A3|gp", "P3|A2|health"],
        "households": ["P9", "P4"],
        "family": ["P1|P9|PARENT_OF", "P9|P1|CHILD_OF", "P1|P2|SIBLING_OF"],
    }
    plans = {
        step.name: Plan([], [], retired.get(step.name, []), 0, StepState({}, set()))
        for step in STEPS
    }
    assert _retired_alone("lives_at", plans) == ["P2|A3|gp"]
    assert _retired_alone("households", plans) == ["P4"]
    assert _retired_alone("family", plans) == ["P1|P2|SIBLING_OF"]
    assert _retired_alone("addresses", plans) == ["A|1", "A2"]
    assert _retired_alone("persons", plans) == ["P9"]


def test_a_source_record_whose_link_alone_changed_has_only_its_link_written() -> None:
    """A source record's hash is its node's half and its link's: a row whose node half
    is the one held goes to the statement that writes the link only; one that is new,
    retired (no hash held) or held with a hash of older code's form is written whole."""
    records = next(step for step in STEPS if step.name == "source_records")
    node, link, other = "1" * 16, "2" * 16, "3" * 16
    new_rows = [
        {"id": "link", "h": node + other},  # its link changed
        {"id": "node", "h": other + link},  # its values changed
        {"id": "both", "h": other + other},
        {"id": "back", "h": node + link},  # retired, come back
        {"id": "old", "h": node + link},  # held as older code hashed it
        {"id": "new", "h": node + link},
        {"id": "same", "h": node + link},
    ]
    held = StepState(
        {"link": node + link, "node": node + link, "both": node + link, "back": None,
         "old": node + link + "01234567", "same": node + link},
        {"back"},
    )  # fmt: skip
    planned = plan(records, new_rows, held)
    assert planned.was == {"link": node + link, "node": node + link, "both": node + link,
                           "back": None, "old": node + link + "01234567"}  # fmt: skip
    assert [(name, ids(rows)) for name, rows in updates(records, planned)] == [
        ("source_records_new", ["new"]),
        ("source_records", ["node", "both", "back", "old"]),
        ("source_record_links", ["link"]),
    ]
    persons = next(step for step in STEPS if step.name == "persons")
    assert [name for name, _ in updates(persons, planned)] == ["persons_new", "persons"]


def test_new_households_are_given_in_household_order() -> None:
    """So that `load/households_new` merges each household once for its rows in a batch."""
    households = next(step for step in STEPS if step.name == "households")
    new_rows = [{"id": f"H{n % 3}", "person_id": f"P{n}", "address_id": "A"} for n in range(7)]
    created = updates(households, plan(households, new_rows, StepState({}, set())))[0]
    assert created[0] == "households_new"
    assert [row["id"] for row in created[1]] == sorted(row["id"] for row in new_rows)


def test_new_changed_unchanged_and_gone_rows() -> None:
    graph = held(("a", "1"), ("b", "2"), ("c", "3"))
    planned = plan(NODE, rows(("a", "1"), ("b", "20"), ("d", "4")), graph)
    assert ids(planned.create) == ["d"]  # only keys the graph does not hold
    assert ids(planned.update) == ["b"]
    assert planned.retire == ["c"]
    assert planned.unchanged == 1
    assert planned.after.hashes == {
        key: content_hash({"id": key, "value": value})
        for key, value in (("a", "1"), ("b", "20"), ("d", "4"))
    }


def test_a_row_the_graph_holds_without_a_hash_is_updated_not_created() -> None:
    # A node a killed run created but did not finish, or a retired source record.
    planned = plan(NODE, rows(("a", "1")), StepState({"a": None}, set()))
    assert planned.create == [] and ids(planned.update) == ["a"]


def test_a_key_given_twice_is_written_once_with_the_last_row() -> None:
    planned = plan(NODE, rows(("a", "1"), ("a", "2")), StepState({}, set()))
    assert [row["value"] for row in planned.create] == ["2"]


def test_retired_source_records_stay_held_and_are_not_retired_again() -> None:
    graph = held(("a", "1"), ("b", "2"), dormant=("old",))
    planned = plan(KEEPER, rows(("a", "1")), graph)
    assert planned.retire == ["b"]
    assert planned.after.dormant == {"old", "b"}
    assert planned.after.hashes["b"] is None and planned.after.hashes["old"] is None


def test_a_retired_record_that_comes_back_is_updated() -> None:
    planned = plan(KEEPER, rows(("old", "1")), held(dormant=("old",)))
    assert ids(planned.update) == ["old"] and planned.create == []
    assert planned.after.dormant == set()


def test_a_scoped_plan_retires_only_in_scope_and_carries_the_rest_over() -> None:
    graph = held(("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"))
    # Rebuilt: a (changed) and e (new); b is in scope but not rebuilt, so it goes;
    # c and d are out of scope: carried over as they are.
    planned = plan(NODE, rows(("a", "10"), ("e", "5")), graph, scope={"a", "b", "e"})
    assert ids(planned.create) == ["e"] and ids(planned.update) == ["a"]
    assert planned.retire == ["b"] and planned.unchanged == 2
    assert set(planned.after.hashes) == {"a", "c", "d", "e"}
    assert planned.after.hashes["c"] == held(("c", "3")).hashes["c"]


def test_a_scoped_plan_carries_the_sum_of_hashes_forward() -> None:
    for keeper in (NODE, KEEPER):
        graph = held(("a", "1"), ("b", "2"), ("c", "3"), dormant=("old", "back"))
        state_total(graph)
        planned = plan(keeper, rows(("a", "10"), ("e", "5"), ("back", "6")), graph, {"a", "b"})
        assert planned.after.total is not None
        assert planned.after.total == state_total(StepState(dict(planned.after.hashes), set()))


def test_rows_that_only_say_when_are_unchanged() -> None:
    first = {"id": "s", "title": "Schools", "loaded_at": "2026-01-01T00:00:00+00:00"}
    again = {**first, "loaded_at": "2026-02-01T00:00:00+00:00"}
    assert content_hash(first) == content_hash(again)


def test_the_state_digest_ignores_order_and_sees_every_change() -> None:
    one = {"s": StepState({"a": "0a", "b": "0b"}, set())}
    same = {"s": StepState({"b": "0b", "a": "0a"}, set())}
    assert state_digest(one) == state_digest(same)
    assert state_digest(one) != state_digest({"s": StepState({"a": "0a", "b": "0c"}, set())})
    assert state_digest(one) != state_digest({"s": StepState({"a": "0a"}, set())})
    assert state_digest(one) != state_digest({"t": StepState({"a": "0a", "b": "0b"}, set())})
    retired = {"s": StepState({"a": "0a", "b": None}, {"b"})}
    assert state_digest(retired) != state_digest({"s": StepState({"a": "0a", "c": None}, {"c"})})


class FakeGraph:
    """Answers the marker query and records which state queries were asked."""

    def __init__(self, digest: str | None) -> None:
        self.digest = digest
        self.asked: list[str] = []
        self.rows: list[dict[str, object]] = [{"key": "k", "h": "1"}]

    def read_one(self, name: str, **params: object) -> dict[str, object] | None:
        assert name == "state/load_marker"
        return None if self.digest is None else {"digest": self.digest}

    def read(self, name: str, **params: object) -> list[dict[str, object]]:
        self.asked.append(name)
        return self.rows


def saved_state() -> dict[str, StepState]:
    return {name: StepState({f"{name}-key": "ab"}, set()) for name in LOAD_ORDER}


def test_the_saved_state_is_used_only_when_the_graph_says_it_holds_it(tmp_path: Path) -> None:
    states = saved_state()
    digest = state_digest(states)
    load_state.save(tmp_path, digest, states)
    assert load_state.saved_digest(tmp_path) == digest

    trusting = FakeGraph(digest)
    held = held_states(trusting, tmp_path)  # type: ignore[arg-type]
    assert held.digest == digest and held.saved and trusting.asked == []
    assert held.store.state("persons").hashes == {"persons-key": "ab"}
    held.close()

    for other in (None, "another digest"):  # a run was killed, or another state
        graph = FakeGraph(other)
        held = held_states(graph, tmp_path)  # type: ignore[arg-type]
        assert held.digest == other and not held.saved
        assert graph.asked == [f"state/{name}" for name in LOAD_ORDER]
        assert held.store.state("persons").hashes == {"k": "1"}

    graph = FakeGraph(digest)  # no state folder: always the graph
    held_states(graph, None)  # type: ignore[arg-type]
    assert len(graph.asked) == len(LOAD_ORDER)


def test_saved_person_ids_are_used_only_when_the_graph_says_it_holds_them(
    tmp_path: Path,
) -> None:
    snapshots.save_person_ids(tmp_path, "d1", {"health:patients:1": "P1"})
    trusting = FakeGraph("d1")
    assert previous_person_ids(trusting, tmp_path) == {"health:patients:1": "P1"}  # type: ignore[arg-type]
    assert trusting.asked == []
    for other in (None, "d2"):  # a run was killed, or another state
        graph = FakeGraph(other)
        graph.rows = [{"record": "health:patients:1", "person": "P9"}]
        assert previous_person_ids(graph, tmp_path) == {"health:patients:1": "P9"}  # type: ignore[arg-type]
        assert graph.asked == ["state/person_ids"]


def test_an_unreadable_saved_state_means_reading_the_graph(tmp_path: Path) -> None:
    path = tmp_path / "last_load" / "state.duckdb"
    path.parent.mkdir()
    path.write_bytes(b"not a database")
    assert load_state.saved_digest(tmp_path) is None
    graph = FakeGraph("d")
    held_states(graph, tmp_path)  # type: ignore[arg-type]
    assert len(graph.asked) == len(LOAD_ORDER)


def test_snapshots_are_reused_only_for_the_same_extract(tmp_path: Path) -> None:
    manifest = load_manifests()["schools"]
    county = tmp_path / "county"
    county.mkdir()
    folder = county / "schools"
    folder.mkdir()
    for path in (MINI_COUNTY / "schools").iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    result = read_source(manifest, folder)
    digest = snapshots.extract_digest(manifest, folder)
    snapshots.save(tmp_path, result, digest)

    kept = snapshots.load(tmp_path, "schools", digest)
    assert kept is not None
    assert kept.records == json.loads(json.dumps(result.records))
    assert kept.report() == result.report() and kept.quarantine == result.quarantine
    assert snapshots.extract_digest(manifest, folder) == digest  # reading changes nothing

    pupils = folder / "pupils.csv"
    pupils.write_text(pupils.read_text().replace("Evans", "Evens"))
    changed = snapshots.extract_digest(manifest, folder)
    assert changed != digest
    assert snapshots.load(tmp_path, "schools", changed) is None
    assert snapshots.load(tmp_path, "schools") is not None  # still the last good read


def test_a_last_good_read_is_loaded_with_its_person_records_merged(tmp_path: Path) -> None:
    """The ETL's own process loads a last good read's person records as kept merged
    (`ReadResult.people`) instead of merging them again; a read loaded so is not kept
    again. Loaded plainly, the records are those read."""
    manifest = load_manifests()["social_care"]  # (side tables: addresses, identifiers)
    result = read_source(manifest, MINI_COUNTY / "social_care")
    want = json.loads(json.dumps(result.people()))
    snapshots.save(tmp_path, result, "d", snapshots.read_basis(manifest))

    plain = snapshots.load(tmp_path, "social_care", "d")
    assert plain is not None and not plain.persons_merged
    assert plain.records == json.loads(json.dumps(result.records))
    assert list(plain.records) == list(result.records)  # (kinds in the order read)
    assert plain.people() == want
    merged = snapshots.load(tmp_path, "social_care", "d", merged=True)
    assert merged is not None and merged.persons_merged
    assert merged.records["person"] == merged.people() == want
    assert {k: v for k, v in merged.records.items() if k != "person"} == {
        k: v for k, v in plain.records.items() if k != "person"
    }
    reusable = snapshots.load_reusable(tmp_path, manifest, merged=True)
    assert reusable is not None and reusable.people() == want and reusable.rows == result.rows
    with pytest.raises(ValueError, match="not kept again"):
        snapshots.save(tmp_path, merged, "d")
    with pytest.raises(ValueError, match="not merged"):
        read_source(manifest, MINI_COUNTY / "social_care", reusable)


def test_merged_person_records_kept_by_other_reader_code_are_merged_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = read_source(load_manifests()["social_care"], MINI_COUNTY / "social_care")
    snapshots.save(tmp_path, result, "d")
    monkeypatch.setattr(snapshots, "_reader_code_digest", lambda: "other code")
    loaded = snapshots.load(tmp_path, "social_care", "d", merged=True)
    assert loaded is not None and not loaded.persons_merged
    assert loaded.records == json.loads(json.dumps(result.records))
    assert loaded.people() == json.loads(json.dumps(result.people()))


def test_a_last_good_read_of_the_format_before_is_loaded_and_its_rows_reused(
    tmp_path: Path,
) -> None:
    """Format 3 kept the person records among the others, in one part, none merged."""
    manifest = load_manifests()["schools"]
    result = read_source(manifest, MINI_COUNTY / "schools")
    snapshots.save(tmp_path, result, "d", snapshots.read_basis(manifest))
    path = tmp_path / "last_good" / "schools.snapshot"
    header, _ = path.read_bytes().split(b"\n", 1)
    older = {k: v for k, v in json.loads(header).items() if k not in ("parts", "merged_by")}
    body = {
        "source": "schools",
        "extracted_at": result.extracted_at.isoformat(),
        "records": result.records,
        "files": {name: vars(report) for name, report in result.files.items()},
        "quarantine": [[item.file, item.line, item.reason] for item in result.quarantine],
        "rows": {name: snapshots._row_log_body(log) for name, log in result.rows.items()},
    }
    path.write_bytes(json.dumps({**older, "format": 3}).encode() + b"\n" + marshal.dumps(body))
    for merged in (False, True):
        loaded = snapshots.load(tmp_path, "schools", "d", merged=merged)
        assert loaded is not None and not loaded.persons_merged
        assert loaded.records == json.loads(json.dumps(result.records))
    reusable = snapshots.load_reusable(tmp_path, manifest)
    assert reusable is not None and reusable.rows == result.rows


def test_a_snapshot_another_python_wrote_is_as_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`marshal`'s format is Python's own: a file another Python wrote is not read (the
    extract is read again, the person ids read from the graph)."""
    result = read_source(load_manifests()["schools"], MINI_COUNTY / "schools")
    snapshots.save(tmp_path, result, "d")
    snapshots.save_person_ids(tmp_path, "load", {"schools:pupil:1": "p1"})
    assert snapshots.load(tmp_path, "schools", "d") is not None
    assert snapshots.load_person_ids(tmp_path, "load") == {"schools:pupil:1": "p1"}
    monkeypatch.setattr(snapshots, "MARSHAL", "marshal 4 python 9.99")
    assert snapshots.load(tmp_path, "schools", "d") is None
    assert snapshots.load_person_ids(tmp_path, "load") is None


def test_a_body_marshal_cannot_write_is_written_as_json(tmp_path: Path) -> None:
    path = tmp_path / "last_load" / "values.snapshot"
    snapshots.save_for_load(path, "load", {"when": datetime(2026, 1, 1, tzinfo=UTC)})
    assert b"marshal" not in path.read_bytes().split(b"\n", 1)[0]
    assert snapshots.body_if(path, "load") == {"when": "2026-01-01T00:00:00+00:00"}


def test_the_json_copies_earlier_versions_wrote_are_read_then_replaced(tmp_path: Path) -> None:
    older = tmp_path / "last_load" / "person_ids.json"
    older.parent.mkdir()
    older.write_bytes(b'{"format": 2, "digest": "load"}\n{"r1": "p1"}')
    assert snapshots.load_person_ids(tmp_path, "load") == {"r1": "p1"}
    snapshots.save_person_ids(tmp_path, "next", {"r1": "p2"})
    assert not older.exists()
    assert snapshots.load_person_ids(tmp_path, "next") == {"r1": "p2"}


def test_how_a_source_is_read_does_not_depend_on_where_the_code_is(tmp_path: Path) -> None:
    """A copy of the manifests in another folder reads extracts as the original does,
    so moving an installation does not make every saved read and result stale."""
    copy = tmp_path / "elsewhere"
    copy.mkdir()
    for path in MANIFEST_DIR.glob("*.yaml"):
        (copy / path.name).write_bytes(path.read_bytes())
    moved, original = load_manifests(copy)["health"], load_manifests()["health"]
    assert moved.path != original.path
    assert snapshots.read_basis(moved) == snapshots.read_basis(original)
    assert moved.described() == original.described()


def test_snapshots_from_before_digests_still_load(tmp_path: Path) -> None:
    path = tmp_path / "last_good" / "police.json.gz"
    path.parent.mkdir()
    body = {"source": "police", "extracted_at": datetime(2026, 1, 1, tzinfo=UTC).isoformat()}
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump({**body, "records": {"person": []}, "files": {}}, handle)
    old = snapshots.load(tmp_path, "police")
    assert old is not None and old.records == {"person": []}
    assert snapshots.load(tmp_path, "police", "any digest") is None


def test_batches_stay_under_the_byte_limit() -> None:
    small = [{"id": str(n)} for n in range(10)]
    assert [len(b) for b in sized_batches(small, 4, max_bytes=10_000)] == [4, 4, 2]
    big = [{"id": str(n), "text": "x" * 1000} for n in range(100)]
    assert estimated_bytes(big) == pytest.approx(100 * 1025, rel=0.05)
    batches = list(sized_batches(big, 50, max_bytes=10_000))
    assert sum(len(b) for b in batches) == 100
    assert all(estimated_bytes(b) <= 10_000 for b in batches)
    assert [row["id"] for b in batches for row in b] == [str(n) for n in range(100)]


# The CREATE files for new rows must write what the MERGE files write.

ASSIGNED = re.compile(r"\b([a-z]+)\.([a-z_0-9]+)\s*=(?!\s*null\b)")
PATTERN = re.compile(r"\((\w*):(\w+)\s*(\{[^}]*\})?\)|\[(\w*):(\w+)\s*(\{[^}]*\})?\]")
MAP_KEY = re.compile(r"(\w+)\s*:")


def written_shape(name: str) -> tuple[set[str], set[str]]:
    """(labels and types written, with the variable each is bound to) and the
    properties each variable is given, in a pattern's map or by SET, except those set
    to null (MERGE files clear properties an older version wrote; a created node has
    none)."""
    text = cypher_files.code_only(cypher_files.load(name))
    shapes, props = set(), set()
    for match in PATTERN.finditer(text):
        groups = match.groups()
        var, kind, given = groups[0:3] if groups[1] else groups[3:6]
        shapes.add(f"{var}:{kind}")
        props |= {f"{var}.{key}" for key in MAP_KEY.findall(given or "")}
    props |= {f"{var}.{prop}" for var, prop in ASSIGNED.findall(text)}
    return shapes, props


def test_source_record_files_write_every_field_of_the_row() -> None:
    """The record's fields are named one by one in both files (not `+= r.props`)."""
    row = model.source_record_row(
        {"id": "health:patients:1"}, Link("P1", 1.0, [], [], None), "health", "x/{key}"
    )
    for name in ("load/source_records", "load/source_records_new", "load/source_record_nodes"):
        _, props = written_shape(name)
        assert {f"sr.{field}" for field in row["props"]} <= props, name


def test_the_file_written_ahead_writes_the_node_as_the_whole_record_file_does() -> None:
    """`load/source_record_nodes` (written while matching runs: `graph_etl.record_nodes`)
    writes every property of the node that `load/source_records` writes, and no link."""
    _, whole = written_shape("load/source_records")
    shapes, node = written_shape("load/source_record_nodes")
    assert node == {prop for prop in whole if prop.startswith("sr.")}
    assert shapes == {"sr:SourceRecord"}


def test_the_link_only_file_writes_the_link_as_the_whole_record_file_does() -> None:
    """`load/source_record_links` writes every property of the link that
    `load/source_records` writes, and nothing of the record's node."""
    _, whole = written_shape("load/source_records")
    _, link = written_shape("load/source_record_links")
    assert {prop for prop in link if prop.startswith("d.")} == {
        prop for prop in whole if prop.startswith("d.")
    }
    assert not any(prop.startswith("sr.") and prop != "sr.id" for prop in link)


@pytest.mark.parametrize("step", [step.name for step in STEPS if step.create])
def test_create_files_write_what_the_merge_files_write(step: str) -> None:
    merged_shapes, merged_props = written_shape(f"load/{step}")
    created_shapes, created_props = written_shape(f"load/{step}_new")
    assert created_props == merged_props, (
        f"cypher/load/{step}_new.cypher must set the same properties as load/{step}.cypher"
    )
    assert created_shapes <= merged_shapes  # the same labels, types and keys
    text = cypher_files.load(f"load/{step}_new")
    assert text.count("CREATE") >= 1 and "DELETE" not in text


def test_a_damaged_last_good_read_is_as_none(tmp_path: Path) -> None:
    path = tmp_path / "last_good" / "schools.json"
    path.parent.mkdir()
    path.write_bytes(b'{"format": 3, "digest": null}\n{"source": "schools", not really')
    assert snapshots.load(tmp_path, "schools") is None
    path.unlink()
    path.with_name("schools.json.gz").write_bytes(b"\x1f\x8b not really gzip")
    assert snapshots.load(tmp_path, "schools") is None


def test_the_steps_retired_among_the_writes_are_named_in_retirement_order() -> None:
    """`RETIRED_EARLY` names relationships before the nodes they hang on, so its first
    is the later step in the load's order: the one after whose write they are retired."""
    places = [LOAD_ORDER.index(name) for name in RETIRED_EARLY]
    assert places == sorted(places, reverse=True)
    assert "persons" not in RETIRED_EARLY
