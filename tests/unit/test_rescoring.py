"""The scored pairs kept between runs (graph_etl.matching.rescoring), on hand-made pairs."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from graph_etl.matching import rescoring
from graph_etl.matching.scoring import Edges

NAMES = ["name", "dob"]


def edges(*pairs: tuple[int, int, float, tuple[int, int]]) -> Edges:
    """Pairs (left row, right row, weight, comparison levels), strongest first."""
    patterns: list[tuple[tuple[int, ...], None]] = []
    index: list[int] = []
    for *_, levels in pairs:
        if (levels, None) not in patterns:
            patterns.append((levels, None))
        index.append(patterns.index((levels, None)))
    return Edges(
        left=[pair[0] for pair in pairs],
        right=[pair[1] for pair in pairs],
        weight=[pair[2] for pair in pairs],
        probability=[pair[2] / 100 for pair in pairs],
        pattern=index,
        patterns=patterns,  # type: ignore[arg-type]
        names=NAMES,
    )


def test_kept_pairs_follow_their_records_and_changed_ones_give_way(tmp_path: Path) -> None:
    ids = ["a", "b", "c", "d"]
    hashes = pa.array([1, 2, 3, 4], pa.uint64())
    rescoring.save(tmp_path, "k", 4, ids, hashes, edges((0, 1, 30, (2, 1)), (2, 3, 20, (1, 1))))
    saved = rescoring.load(tmp_path)
    assert saved is not None and saved.key == "k" and saved.records == 4
    assert saved.hashes == {"a": 1, "b": 2, "c": 3, "d": 4}

    # Now: "a" has gone, "e" is new, "c" changed; rows are renumbered.
    now = ["b", "c", "d", "e"]
    changed = rescoring.changed_mask(now, pa.array([2, 9, 4, 5], pa.uint64()), saved).to_pylist()
    assert changed == [False, True, False, True]
    fresh = edges((1, 3, 25, (2, 2)))  # c-e, scored afresh
    merged = rescoring.merge(saved, now, changed, fresh)
    # a-b went with "a", c-d with the change to "c"; c-e is new.
    assert list(zip(merged.left, merged.right, merged.weight, strict=True)) == [(1, 3, 25)]
    assert merged.patterns[merged.pattern[0]] == ((2, 2), None)


def test_unchanged_pairs_are_renumbered_and_sorted_with_fresh_ones(tmp_path: Path) -> None:
    ids = ["a", "b", "c"]
    rescoring.save(
        tmp_path, "k", 3, ids, pa.array([1, 2, 3], pa.uint64()), edges((0, 1, 30, (2, 1)))
    )
    saved = rescoring.load(tmp_path)
    assert saved is not None
    now = ["x", "b", "a", "c"]  # "x" is new and sorts first; a and b swap places
    changed = rescoring.changed_mask(now, pa.array([7, 2, 1, 3], pa.uint64()), saved).to_pylist()
    merged = rescoring.merge(saved, now, changed, edges((0, 3, 40, (1, 2))))
    assert list(zip(merged.left, merged.right, merged.weight, strict=True)) == [
        (0, 3, 40),
        (1, 2, 30),  # b-a kept, as (lower row, higher row)
    ]


def test_a_save_killed_before_its_header_leaves_the_last_set(tmp_path: Path) -> None:
    rescoring.save(tmp_path, "k1", 2, ["a", "b"], pa.array([1, 2], pa.uint64()), edges())
    (tmp_path / "records-dead.arrow").write_bytes(b"half written")
    (tmp_path / "pairs-dead.arrow").write_bytes(b"half written")
    (tmp_path / "pairs-old.parquet").write_bytes(b"an earlier version's")
    (tmp_path / "features-x-1-2.arrow").write_bytes(b"the feature cache's")
    saved = rescoring.load(tmp_path)
    assert saved is not None and saved.key == "k1"
    rescoring.save(tmp_path, "k2", 2, ["a", "b"], pa.array([1, 2], pa.uint64()), edges())
    assert sorted(path.name.split("-")[0] for path in tmp_path.glob("*-*")) == [
        "features",
        "pairs",
        "records",
    ]  # the next complete save clears what the killed one (and an earlier version) left
    assert rescoring.load(tmp_path).key == "k2"  # type: ignore[union-attr]
    (tmp_path / "header.json").write_text("{")
    assert rescoring.load(tmp_path) is None  # unreadable: everything is scored again


def test_files_in_an_earlier_format_are_not_read(tmp_path: Path) -> None:
    rescoring.save(tmp_path, "k", 2, ["a", "b"], pa.array([1, 2], pa.uint64()), edges())
    header = json.loads((tmp_path / "header.json").read_text())
    (tmp_path / "header.json").write_text(json.dumps({**header, "format": 1}))  # Parquet's
    assert rescoring.load(tmp_path) is None  # everything is scored again


def test_the_model_stays_scaled_for_the_last_full_count() -> None:
    saved = rescoring.Saved("k", 1000, pa.table({}), pa.table({}), [])
    assert rescoring.scale_for(saved, 1040) == 1000
    assert rescoring.scale_for(saved, 960) == 1000
    assert rescoring.scale_for(saved, 1060) == 1060
    assert rescoring.scale_for(None, 1040) == 1040


def test_merge_says_where_each_pair_came_from(tmp_path: Path) -> None:
    ids = ["a", "b", "c", "d"]
    hashes = pa.array([1, 2, 3, 4], pa.uint64())
    rescoring.save(tmp_path, "k", 4, ids, hashes, edges((0, 1, 30, (2, 1)), (2, 3, 20, (1, 1))))
    saved = rescoring.load(tmp_path)
    assert saved is not None and saved.results is None  # kept no results
    now = ["a", "b", "c", "d"]
    changed = rescoring.changed_mask(now, pa.array([1, 2, 9, 4], pa.uint64()), saved).to_pylist()
    merged, trace = rescoring.merge_traced(saved, now, changed, edges((0, 2, 25, (2, 2))))
    assert list(zip(merged.left, merged.right, strict=True)) == [(0, 1), (0, 2)]
    assert trace.origin == [0, -1]  # a-b is saved pair 0; a-c was scored afresh
    assert trace.dropped == {2, 3}  # c-d went with the change to "c"


def test_a_runs_results_are_kept_with_its_pairs(tmp_path: Path) -> None:
    ids = ["a", "b", "c"]
    results = rescoring.Results(
        key="r",
        decided=["c", "a"],
        verdict=[None, "twins"],
        held=[False, True],
        blocked=[None, "twins"],
    )
    signature = pa.array([None, None, 7], pa.uint64())
    by_row = rescoring.ByRow(root=[0, 0, 2], signature=signature, final=[0, 0, 0], via={2: 1})
    pairs = edges((0, 1, 30, (2, 1)), (1, 2, 20, (1, 1)))
    hashes = pa.array([1, 2, 3], pa.uint64())
    rescoring.save(tmp_path, "k", 3, ids, hashes, pairs, (results, by_row))
    saved = rescoring.load(tmp_path)
    assert saved is not None
    assert saved.groups is not None and saved.groups.to_pylist() == [
        {"final": None, "via": None},  # (a; rows, in the saved order)
        {"final": 0, "via": None},  # (b)
        {"final": 0, "via": 1},  # (c)
    ]
    roots = pa.array([None, 0, None], pa.int32())  # b's group's root is a; c is its own
    assert saved.results == rescoring.Results(
        "r", ["a", "c"], [None, "twins"], [False, True], [None, "twins"], roots, signature
    )  # fmt: skip


def test_standardised_addresses_come_back_as_they_were_saved(tmp_path: Path) -> None:
    ids = ["a", "b"]
    pairs = edges((0, 1, 30, (2, 1)))
    hashes = pa.array([1, 2], pa.uint64())
    addresses = {
        ("4 High St", "FX1 1AA"): ("FX11AA", "FX1 1", "4", "HIGH ST", "FX11AA|4|HIGH ST"),
        (None, "FX1 1AB"): ("FX11AB", "FX1 1", None, None, None),
        ("Rose Cottage", None): (None, None, None, "ROSE COTTAGE", None),
    }
    for kept in (addresses, {}):
        rescoring.save(tmp_path, "k", 2, ids, hashes, pairs, addresses=("code", kept))
        saved = rescoring.load(tmp_path)
        assert saved is not None
        assert (saved.addresses_code, saved.addresses) == ("code", kept)
        assert list(saved.addresses) == list(kept)


def test_places_are_found_by_id_unless_the_ids_are_the_saved_ones_in_order(
    tmp_path: Path,
) -> None:
    """The same ids in the same order (no record came or went) need no lookup: each
    record's place is its row; any other ids are looked up, and come out the same."""
    ids = ["a", "b", "c", "d"]
    hashes = pa.array([1, 2, 3, 4], pa.uint64())
    rescoring.save(tmp_path, "k", 4, ids, hashes, edges((0, 1, 30, (2, 1))))
    saved = rescoring.load(tmp_path)
    assert saved is not None
    same = pa.array(ids, pa.string())
    assert saved.same_ids(same)
    assert saved.places(same).to_pylist() == [0, 1, 2, 3]
    assert saved.places(same).type == pa.int32()
    for other in (["b", "a", "c", "d"], ["a", "b", "c"], ["a", "b", "c", "d", "e"]):
        now = pa.array(other, pa.string())
        assert not saved.same_ids(now)
        assert saved.places(now).to_pylist() == [ids.index(i) if i in ids else None for i in other]


def test_pairs_are_kept_by_row_and_found_again_after_records_come_and_go(
    tmp_path: Path,
) -> None:
    ids = ["a", "b", "c"]
    rescoring.save(
        tmp_path, "k", 3, ids, pa.array([1, 2, 3], pa.uint64()), edges((0, 2, 30, (2, 1)))
    )
    pairs = pa.ipc.open_file(pa.memory_map(str(next(tmp_path.glob("pairs-*"))))).read_all()
    assert pairs.column("left").to_pylist() == [0] and pairs.column("right").to_pylist() == [2]
    saved = rescoring.load(tmp_path)
    assert saved is not None
    assert saved.rows_now(pa.array(ids)) is None  # the saved order: a saved row is its row now
    assert saved.rows_now(pa.array(["c", "x", "a"])).to_pylist() == [2, None, 0]
