"""Guards kept source by source are those worked out from every relationship record at
once, with the same signatures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph_etl.matching import features, guard_cache, reuse
from graph_etl.matching.feature_cache import Part
from graph_etl.matching.guards import Guards, Said
from graph_etl.sources import load_manifests, read_source

COUNTY = Path(__file__).resolve().parents[2] / "sample_data" / "county"
CODE = "9a2d" * 16


@pytest.fixture(scope="module")
def county() -> tuple[features.Features, list[Part]]:
    records: list[dict[str, Any]] = []
    parts = []
    for name, manifest in load_manifests().items():
        result = read_source(manifest, COUNTY / name)
        people = result.people()
        records.extend(people)
        parts.append(Part(name, f"{name} extract 1", len(people), None, result.relationships()))
    return features.build(records), parts


def at_once(built: features.Features, parts: list[Part]) -> tuple[Guards, Any]:
    relationships = [item for part in parts for item in part.relationships]
    guards = Guards(built, relationships)
    return guards, reuse.signatures(guards.said, built.id_array)


def assert_same(got: tuple[Guards, Any], expected: tuple[Guards, Any]) -> None:
    (guards, signature), (wanted, wanted_signature) = got, expected
    for name in ("group_of", "born_by", "born_after", "partners"):
        assert getattr(guards, name) == getattr(wanted, name), name
        # (in the same order: what is derived from them does not depend on luck)
        assert list(getattr(guards, name)) == list(getattr(wanted, name)), name
    assert guards.grouped_files == wanted.grouped_files
    assert guards.relatives == wanted.relatives
    assert guards.apart_pairs.equals(wanted.apart_pairs)
    assert guards._starts == wanted._starts and guards._others == wanted._others
    assert guards.constrained == wanted.constrained
    assert signature.equals(wanted_signature)


def kept_files(folder: Path) -> list[str]:
    return sorted(path.name.split("-")[1] for path in folder.glob("guards-*.marshal"))


def test_guards_kept_by_source_are_those_of_every_record_at_once(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    built, parts = county
    expected = at_once(built, parts)
    assert expected[0].apart_pairs.num_rows and expected[0].group_of and expected[0].born_by
    assert_same(guard_cache.build(built, parts, tmp_path, CODE), expected)
    assert kept_files(tmp_path) == sorted(part.source for part in parts)
    assert_same(guard_cache.build(built, parts, tmp_path, CODE), expected)  # (as kept)


def test_a_source_read_afresh_has_its_part_worked_out_again(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A part kept for another read of the source, or by other code, is not used (and
    is removed); the others are."""
    built, parts = county
    guard_cache.build(built, parts, tmp_path, CODE)
    police = next(tmp_path.glob("guards-police-*.marshal"))
    again = [
        Part(p.source, "police extract 2", p.records, None, p.relationships)
        if p.source == "police"
        else p
        for p in parts
    ]
    assert_same(guard_cache.build(built, again, tmp_path, CODE), at_once(built, parts))
    assert not police.exists() and kept_files(tmp_path) == sorted(p.source for p in parts)
    assert not list(tmp_path.glob(police.name.partition(".")[0] + ".*"))  # (its Arrow files)
    orphan = tmp_path / "guards-police-0123456789abcdef-0123456789abcdef.rows.arrow"
    orphan.write_bytes(b"left by a run killed before it wrote the part's marshal file")
    guard_cache.build(built, again, tmp_path, CODE)
    assert not orphan.exists()
    other_code = "77" * 32
    guard_cache.build(built, again, tmp_path, other_code)
    assert {path.name.split("-")[3] for path in tmp_path.glob("guards-*.marshal")} == {
        other_code[:16] + ".marshal"
    }


def test_a_damaged_or_half_written_part_is_worked_out_again(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    built, parts = county
    expected = at_once(built, parts)
    guard_cache.build(built, parts, tmp_path, CODE)
    next(tmp_path.glob("guards-housing-*.marshal")).write_bytes(b"\x00 not marshal")
    next(tmp_path.glob("guards-schools-*.rows.arrow")).unlink()  # (killed while saving)
    next(tmp_path.glob("guards-health-*.apart.arrow")).write_bytes(b"ARROW1 but cut short")
    assert_same(guard_cache.build(built, parts, tmp_path, CODE), expected)
    assert_same(guard_cache.build(built, parts, tmp_path, CODE), expected)


def test_parts_kept_later_are_written_when_the_caller_says(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    built, parts = county
    later: list[Any] = []
    guard_cache.build(built, parts, tmp_path, CODE, later)
    assert len(later) == len(parts) and kept_files(tmp_path) == []
    for write in later:
        write()
    assert kept_files(tmp_path) == sorted(part.source for part in parts)
    assert_same(guard_cache.build(built, parts, tmp_path, CODE), at_once(built, parts))


def test_a_part_without_relationship_records_and_an_empty_part(county) -> None:  # type: ignore[no-untyped-def]
    """Parts put together: one that says nothing, and one of no records at all."""
    built, _ = county
    nothing = Said.read(built.ids, built.dob, built.files, [])
    empty = Said.read([], [], [], [])
    joined = Said.joined([empty, nothing, empty])
    assert joined.rows == len(built.ids) and joined.ends == [0] * len(built.ids)
    guards = Guards(built, said=joined)
    assert guards.apart_pairs.num_rows == 0 and not any(guards.constrained)
    with pytest.raises(ValueError, match="other records"):
        Guards(built, said=Said.joined([nothing, nothing]))


def test_parts_that_do_not_cover_the_records_are_refused(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    built, parts = county
    with pytest.raises(ValueError, match="not those of these records"):
        guard_cache.build(built, parts[1:], tmp_path, CODE)
