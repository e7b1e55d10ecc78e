"""Standardise only the sources read afresh: each source's features, kept between runs.

Standardising every record is a pass over the whole county in Python (about 6 s at
1,000,000 records), yet a refresh usually brings a new extract from one source or a
few. A record's standardised values depend on nothing but its own raw values, so
the features of a source's records can be worked out source by source and put
together, and the features of a source read from the very extract it was read from
last run (equal `ReadResult.read_digest`: equal records) are those of last run.

So each run keeps, in the state folder beside matching's scores, the features of
each source's records (`features-<source>-<read digest>-<code>.marshal`), and takes
them from there for a source read from the same extract by the same matching code
(`reuse.code_digest`, which also names Python's version: `marshal`'s format is
Python's own). A file is named by what it holds, written atomically and checked
against the records' ids when read: a damaged, missing or mismatched one is as none,
and that source is standardised again.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from graph_etl import mapped
from graph_etl.matching import features, rescoring
from graph_etl.matching.types import Record
from graph_etl.sources.reuse import SameAs

# The per-record lists `features.build` fills, as kept (besides the table).
LISTS = (
    "ids", "files", "given", "given_full", "given_tokens", "given_keys", "family",
    "family_tokens", "dob", "nhs", "upn", "address", "uprn",
)  # fmt: skip


# The column of the kept table that holds each record's `rescoring.record_hashes` (so a
# source's records are not hashed again either: 0.4 to 0.55 s at 1,000,000 records).
_HASHES = "record_hash"


@dataclass(frozen=True)
class Part:
    """A run of consecutive records from one source: its name, what it was read from
    (None: not known, so never kept), how many records, when it was read reusing the
    read before, which records are as that read held them (`SameAs`), and the source's
    relationship records (for `guard_cache`, which keeps what they say by source)."""

    source: str
    read: str | None
    records: int
    same: SameAs | None = field(default=None, compare=False)
    relationships: Sequence[dict[str, Any]] = field(default=(), compare=False)


def build(
    records: Sequence[Record],
    parts: Sequence[Part],
    addresses: dict[Any, tuple[Any, ...]] | None,
    folder: Path,
    code: str,
    later: list[Callable[[], object]] | None = None,
) -> tuple[features.Features, int]:
    """`features.build(records, addresses)`, with each part's features taken from
    `folder` when kept there by `code` for what it was read from, else worked out
    and kept (with `later`, the writes are added to it for the caller to make when
    it has the time). Returns the features and how many records were standardised
    afresh. Parts that do not cover `records` exactly are ignored: everything is
    built."""
    if sum(part.records for part in parts) != len(records):
        return features.build(records, addresses), len(records)
    built: list[features.Features] = []
    afresh = start = 0
    paths = {part: part_path(folder, "features", part, code) for part in parts if part.read}
    for part in parts:
        mine = records[start : start + part.records]
        start += part.records
        path = paths.get(part)
        kept = _load(path, mine) if path is not None else None
        if kept is None:
            kept, worked = _carried(folder, part, mine, addresses, code)
            if kept.hashes is None:
                kept.hashes = rescoring.record_hashes(kept.table)
            afresh += worked
            if path is not None:
                if later is None:
                    _save(path, kept)
                else:
                    later.append(partial(_save, path, kept))
        built.append(kept)
    remove_others(folder, "features", paths.values())
    return concatenate(built), afresh


def _carried(
    folder: Path,
    part: Part,
    records: Sequence[Record],
    addresses: dict[Any, tuple[Any, ...]] | None,
    code: str,
) -> tuple[features.Features, int]:
    """The features of a part read afresh: those of its records that are as the read
    before held them taken from that read's kept features (when kept), the others
    standardised. Returns them and how many records were standardised."""
    same = part.same
    earlier = None
    if same is not None:
        earlier = _load(part_path(folder, "features", Part(part.source, same.read, 0), code), None)
    if same is None or earlier is None or len(same.places) != len(records):
        return features.build(records, addresses), len(records)
    ids, places = earlier.ids, same.places
    if max(places, default=-1) >= len(ids):
        return features.build(records, addresses), len(records)  # (another read's)
    fresh = [row for row, place in enumerate(places) if place < 0]
    new = features.build([records[row] for row in fresh], addresses)
    # Where each record's features are among the earlier read's, then the new ones.
    at = list(places)
    for number, row in enumerate(fresh, start=len(ids)):
        at[row] = number
    runs = _runs(at)
    carried = features.Features(ids=[])
    for name in LISTS:
        setattr(carried, name, _gathered(getattr(earlier, name) + getattr(new, name), runs))
    if carried.ids != [record["id"] for record in records]:
        return features.build(records, addresses), len(records)  # (another read's)
    # (`_load` gives the table with its records' hashes, or nothing)
    assert earlier.table is not None and earlier.hashes is not None and new.table is not None
    fresh_table = new.table.cast(earlier.table.schema)
    places = pa.array(at, pa.int64())
    carried.table = pa.concat_tables([earlier.table, fresh_table]).take(places)
    fresh_hashes = rescoring.record_hashes(fresh_table)
    carried.hashes = pa.concat_arrays([earlier.hashes, fresh_hashes]).take(places)
    carried.addresses = new.addresses
    return carried, len(fresh)


def _runs(at: list[int]) -> list[tuple[int, int, int]]:
    """`at` cut where its places stop following each other: (first row, the row after
    the last, the first row's place). Records read again keep their neighbours, so the
    runs are few: one more on each side of a record new or changed."""
    if not at:
        return []
    places = pa.array(at, pa.int64())
    steps = pc.subtract(places.slice(1), places.slice(0, len(at) - 1))
    breaks = pc.indices_nonzero(pc.not_equal(steps, 1)).to_pylist()
    starts = [0, *(row + 1 for row in breaks), len(at)]
    return [(first, end, at[first]) for first, end in pairwise(starts)]


def _gathered(values: list[Any], runs: list[tuple[int, int, int]]) -> list[Any]:
    """`[values[place] for place in at]`, copied a run of `_runs(at)` at a time."""
    gathered: list[Any] = [None] * (runs[-1][1] if runs else 0)
    for first, end, place in runs:
        gathered[first:end] = values[place : place + end - first]
    return gathered


def concatenate(parts: Sequence[features.Features]) -> features.Features:
    """The features of the parts' records, in order, as one `features.build` gives."""
    joined = features.Features(ids=[])
    for name in LISTS:
        values: list[Any] = []
        for part in parts:
            values.extend(getattr(part, name))
        setattr(joined, name, values)
    tables = [part.table for part in parts if part.table is not None]
    if tables:
        table = pa.concat_tables(tables)  # (a chunk per part: DuckDB scans them as one)
        column = table.schema.get_field_index("unique_id")
        joined.table = table.set_column(column, "unique_id", features.row_numbers(len(joined.ids)))
    if parts and all(part.hashes is not None for part in parts):
        joined.hashes = pa.concat_arrays([part.hashes for part in parts])  # type: ignore[misc]
    for part in parts:
        joined.addresses.update(part.addresses)  # (those standardised in this run)
    return joined


def part_path(folder: Path, kind: str, part: Part, code: str) -> Path:
    """Where what a run keeps of a part (`kind`: its features here, `guards` in
    `guard_cache`) is kept, named by the part's source, what it was read from and the
    code that made it: the `.marshal` file, the other files it names beside it, with
    other suffixes (for features, its table as `.arrow`)."""
    assert part.read is not None
    return folder / f"{kind}-{part.source}-{part.read[:16]}-{code[:16]}.marshal"


def remove_others(folder: Path, kind: str, wanted: Iterable[Path]) -> None:
    """Remove the files of `kind` in `folder` that are not those of the `wanted`
    paths (`part_path`'s, with any suffixes): other extracts', other code's."""
    names = {path.name.partition(".")[0] for path in wanted}
    for path in folder.glob(f"{kind}-*"):
        if path.name.partition(".")[0] not in names:
            path.unlink(missing_ok=True)


def _load(path: Path, records: Sequence[Record] | None) -> features.Features | None:
    """The features kept at `path`, if they are those of exactly these records (None:
    of whichever records they are)."""
    try:
        # (our own file in the state folder, trusted as the extracts kept beside it are;
        # `marshal` builds values and runs no code)
        with path.open("rb") as handle:
            lists = mapped.load_rest(handle)
        kept = features.Features(ids=lists["ids"])
        for name in LISTS[1:]:
            setattr(kept, name, lists[name])
        with pa.memory_map(str(path.with_suffix(".arrow"))) as source:
            table = pa.ipc.open_file(source).read_all()
        kept.hashes = table.column(_HASHES).combine_chunks()
        kept.table = table.drop_columns([_HASHES])
    except (OSError, EOFError, ValueError, TypeError, KeyError, pa.ArrowException):
        return None
    if kept.table.num_rows != len(kept.ids):
        return None
    if records is not None and kept.ids != [record["id"] for record in records]:
        return None
    return kept


def _save(path: Path, built: features.Features) -> None:
    """Keep `built` at `path` (atomically: the table, with the records' hashes, first,
    as the lists name both)."""
    assert built.table is not None and built.hashes is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    table, partial = path.with_suffix(".arrow"), path.with_suffix(".partial")
    kept = built.table.append_column(_HASHES, built.hashes)
    with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, kept.schema) as out:
        out.write_table(kept)
    os.replace(partial, table)
    partial.write_bytes(marshal.dumps({name: getattr(built, name) for name in LISTS}))
    os.replace(partial, path)
