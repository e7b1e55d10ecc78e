"""Features kept source by source are those of standardising every record at once."""

from __future__ import annotations

import random
from array import array
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from graph_etl.matching import feature_cache, features, rescoring
from graph_etl.matching.feature_cache import Part
from graph_etl.sources import load_manifests, read_source
from graph_etl.sources.reuse import SameAs

COUNTY = Path(__file__).resolve().parents[2] / "sample_data" / "county"
CODE = "c0de" * 16


@pytest.fixture(scope="module")
def county() -> tuple[list[dict[str, Any]], list[Part]]:
    records: list[dict[str, Any]] = []
    parts = []
    for name, manifest in load_manifests().items():
        people = read_source(manifest, COUNTY / name).people()
        records.extend(people)
        parts.append(Part(name, f"{name} extract 1", len(people)))
    return records, parts


def assert_same(got: features.Features, expected: features.Features, hashed: bool = True) -> None:
    for name in feature_cache.LISTS:
        assert getattr(got, name) == getattr(expected, name), name
    assert got.table is not None and expected.table is not None
    assert got.table.equals(expected.table)
    # (each record's hash kept beside its features: as hashing every record at once)
    if hashed:
        assert got.hashes is not None
        assert got.hashes.equals(rescoring.record_hashes(expected.table))
    # (the addresses standardised in this run: those of the sources not kept)
    assert got.addresses.items() <= expected.addresses.items()


def kept_files(folder: Path) -> list[str]:
    return sorted(path.name.split("-")[1] for path in folder.glob("features-*.marshal"))


def test_a_kept_table_without_its_lists_is_as_none(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A run killed between writing a source's table and its lists."""
    records, parts = county
    feature_cache.build(records, parts, None, tmp_path, CODE)
    next(tmp_path.glob("features-police-*.marshal")).unlink()
    got, afresh = feature_cache.build(records, parts, None, tmp_path, CODE)
    assert afresh == next(part.records for part in parts if part.source == "police")
    assert_same(got, features.build(records))


def test_kept_features_are_those_of_every_record_at_once(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    records, parts = county
    expected = features.build(records)
    first, afresh = feature_cache.build(records, parts, None, tmp_path, CODE)
    assert afresh == len(records)
    assert_same(first, expected)
    assert first.addresses == expected.addresses
    assert kept_files(tmp_path) == sorted(part.source for part in parts)
    again, afresh = feature_cache.build(records, parts, None, tmp_path, CODE)
    assert afresh == 0
    assert_same(again, expected)
    assert again.addresses == {}


def test_features_kept_later_are_written_when_the_caller_says(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """With `later`, nothing is written until the caller makes the writes (say, while
    the graph server loads); then they are kept as without it."""
    records, parts = county
    later: list[Any] = []
    first, afresh = feature_cache.build(records, parts, None, tmp_path, CODE, later)
    assert afresh == len(records) and len(later) == len(parts)
    assert kept_files(tmp_path) == []
    first.table = None  # (as matching drops it once scored: the writes keep their own)
    for write in later:
        write()
    assert kept_files(tmp_path) == sorted(part.source for part in parts)
    again, afresh = feature_cache.build(records, parts, None, tmp_path, CODE)
    assert afresh == 0
    assert_same(again, features.build(records))


def test_only_a_source_read_afresh_is_standardised_again(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    records, parts = county
    feature_cache.build(records, parts, None, tmp_path, CODE)
    health = next(part for part in parts if part.source == "health")
    moved = [Part(p.source, "health extract 2", p.records) if p is health else p for p in parts]
    got, afresh = feature_cache.build(records, moved, None, tmp_path, CODE)
    assert afresh == health.records
    assert_same(got, features.build(records))
    assert len(list(tmp_path.glob("features-health-*"))) == 2  # (the others dropped)
    _, afresh = feature_cache.build(records, parts, None, tmp_path, "another code" * 6)
    assert afresh == len(records)
    assert len(list(tmp_path.glob("features-*"))) == 2 * len(parts)  # (the others dropped)
    fewer = [Part("all", "one extract", len(records))]
    feature_cache.build(records, fewer, None, tmp_path, CODE)
    assert kept_files(tmp_path) == ["all"]


def test_damaged_or_mismatched_kept_features_are_worked_out_again(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    records, parts = county
    feature_cache.build(records, parts, None, tmp_path, CODE)
    damaged = next(tmp_path.glob("features-schools-*.marshal"))
    damaged.write_bytes(damaged.read_bytes()[:1000])
    got, afresh = feature_cache.build(records, parts, None, tmp_path, CODE)
    assert afresh == next(part.records for part in parts if part.source == "schools")
    assert_same(got, features.build(records))
    # The same extract said, but other records: their own features, not the kept ones.
    start = sum(part.records for part in parts[: parts.index(parts[-1])])
    other = records[:start] + list(reversed(records[start:]))
    got, afresh = feature_cache.build(other, parts, None, tmp_path, CODE)
    assert afresh == parts[-1].records
    assert_same(got, features.build(other))


def test_parts_that_do_not_cover_the_records_are_ignored(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    records, parts = county
    got, afresh = feature_cache.build(records[:-1], parts, None, tmp_path, CODE)
    assert afresh == len(records) - 1
    assert_same(got, features.build(records[:-1]), hashed=False)  # (matching hashes them)
    assert kept_files(tmp_path) == []


def test_a_source_read_again_takes_the_features_of_its_records_as_they_were(  # type: ignore[no-untyped-def]
    county, tmp_path: Path
) -> None:
    """Of a source read afresh, reusing the rows of the read before, only the records
    not as that read held them (`SameAs`) are standardised; wherever they now are, in
    any order, the features are those of standardising every record at once."""
    records, parts = county
    feature_cache.build(records, parts, None, tmp_path, CODE)
    start = sum(part.records for part in parts[: [p.source for p in parts].index("health")])
    health = next(part for part in parts if part.source == "health")
    before = records[start : start + health.records]
    now = [dict(record) for record in reversed(before[2:])]  # (two gone, the rest moved)
    now[0]["given_name"] = "Zebedee"
    now.append({**before[0], "id": "health:patients:NEW1"})
    places = array("i", [len(before) - 1 - row for row in range(len(now) - 1)] + [-1])
    places[0] = -1
    same = SameAs("health extract 1", places)
    again = [*records[:start], *now, *records[start + health.records :]]
    moved = [
        Part(p.source, "health extract 2", len(now), same) if p is health else p for p in parts
    ]
    got, afresh = feature_cache.build(again, moved, None, tmp_path, CODE)
    assert afresh == 2
    assert_same(got, features.build(again))
    # Without the earlier read's features (another read's), every record is standardised.
    other = SameAs("health extract 0", places)
    moved = [Part(p.source, "health extract 3", p.records, other) if p.same else p for p in moved]
    got, afresh = feature_cache.build(again, moved, None, tmp_path, CODE)
    assert afresh == len(now)
    assert_same(got, features.build(again))


def test_places_that_do_not_fit_the_earlier_reads_features_mean_standardising_all(  # type: ignore[no-untyped-def]
    county, tmp_path: Path
) -> None:
    records, parts = county
    feature_cache.build(records, parts, None, tmp_path, CODE)
    health = next(part for part in parts if part.source == "health")
    wrong = SameAs("health extract 1", array("i", [health.records] * health.records))
    moved = [
        Part(p.source, "health extract 2", p.records, wrong) if p is health else p for p in parts
    ]
    got, afresh = feature_cache.build(records, moved, None, tmp_path, CODE)
    assert afresh == health.records
    assert_same(got, features.build(records))
    # Places inside the earlier read that name other records than these.
    shifted = array("i", [(row + 1) % health.records for row in range(health.records)])
    other = SameAs("health extract 1", shifted)
    moved = [Part(p.source, "health extract 3", p.records, other) if p.same else p for p in moved]
    got, afresh = feature_cache.build(records, moved, None, tmp_path, CODE)
    assert afresh == health.records
    assert_same(got, features.build(records))


@pytest.mark.parametrize("seed", range(3))
def test_a_source_read_again_in_order_takes_its_records_features_run_by_run(  # type: ignore[no-untyped-def]
    county, tmp_path: Path, seed: int
) -> None:
    """As a delivery usually comes: the records in the order they were, a few changed,
    gone or added. The features are those of standardising every record at once."""
    rng = random.Random(seed)
    records, parts = county
    feature_cache.build(records, parts, None, tmp_path, CODE)
    start = sum(part.records for part in parts[: [p.source for p in parts].index("health")])
    health = next(part for part in parts if part.source == "health")
    now, places = [], array("i")
    for place, record in enumerate(records[start : start + health.records]):
        if rng.random() < 0.05:
            continue  # gone
        if rng.random() < 0.05:
            now.append({**record, "given_name": rng.choice(["Ada", "Zebedee", ""])})
            places.append(-1)
        else:
            now.append(record)
            places.append(place)
        if rng.random() < 0.03:
            now.append({**record, "id": f"{record['id']}-new"})
            places.append(-1)
    again = [*records[:start], *now, *records[start + health.records :]]
    same = SameAs("health extract 1", places)
    moved = [
        Part(p.source, "health extract 2", len(now), same) if p is health else p for p in parts
    ]
    got, afresh = feature_cache.build(again, moved, None, tmp_path, CODE)
    assert afresh == places.count(-1) < len(now) / 4
    assert_same(got, features.build(again))


@pytest.mark.parametrize("seed", range(20))
def test_values_gathered_run_by_run_are_those_taken_one_by_one(seed: int) -> None:
    rng = random.Random(seed)
    values = [f"v{number}" for number in range(rng.randint(1, 50))]
    at = [rng.randrange(len(values)) for _ in range(rng.randint(0, 40))]
    if seed % 2:  # (mostly in order)
        at = sorted(at)
    runs = feature_cache._runs(at)
    assert feature_cache._gathered(values, runs) == [values[place] for place in at]


def test_a_table_kept_without_the_records_hashes_is_as_none(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """As older code kept it: that source is standardised again."""
    records, parts = county
    feature_cache.build(records, parts, None, tmp_path, CODE)
    table_path = next(tmp_path.glob("features-police-*.arrow"))
    with pa.memory_map(str(table_path)) as source:
        table = pa.ipc.open_file(source).read_all().drop_columns(["record_hash"])
    written = table_path.with_suffix(".new")  # (not over the file `table` is mapped from)
    with pa.OSFile(str(written), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
        out.write_table(table)
    written.replace(table_path)
    got, afresh = feature_cache.build(records, parts, None, tmp_path, CODE)
    assert afresh == next(part.records for part in parts if part.source == "police")
    assert_same(got, features.build(records))
