"""Score only what changed: the last run's scored pairs, kept in the state folder.

Scoring every candidate pair is most of matching's time, yet between two refreshes
almost every record is the same. So each run keeps, in `<state folder>/last_match/`,
what it scored: a hash of each record's standardised values and every pair at or
above the review threshold (record ids, weight, probability, comparison levels).

The next run hashes its records the same way. A record whose hash is new or differs
is *changed*. Pairs of two unchanged records are taken from the saved pairs; only
pairs with a changed record are scored, with the same blocking rules narrowed to
them (`scoring.narrowed`), on the records within their reach, with the name
frequencies of the whole table (those of the current records). Pairs of a record
that has gone are dropped.

The result is the pairs a full scoring gives, except that a kept pair keeps the
term-frequency adjustment it was scored with; and the model is scaled (see
`Model.for_records`) for the record count of the run that last scored everything,
while the count stays within `RESCALE_AT` of it. Either drift is a small fraction of
a bit of match weight. Everything is scored again when the count moves further, when
the model, its settings, the review threshold or this format change (they are
hashed into the saved key), and on the Spark backend.

With the scores, a run keeps what it decided from them (`Results`): each pair's
guard verdict, whether it was held back for review or blocked from joining, each
record's group and what the relationship records say about it. The next run reuses
them for the parts of the graph no change reaches (see `reuse`).

It also keeps each distinct address of the sources it standardised with its
standardised parts, so the next run standardises only addresses it has not seen (see
`features.build`; the other sources' features are kept whole, see `feature_cache`).

And it keeps what the joins through relatives started from, so that the next run
works out afresh only the candidates a change reaches (see `reuse.earlier_candidates`).

The files: `records-<token>.arrow`, `pairs-<token>.arrow`, `addresses-<token>.arrow`,
`related-<token>.arrow` and `found-<token>.arrow` (Arrow's uncompressed file format,
memory-mapped when read), then `header.json`, written last and atomically, naming the
token: a run killed while saving leaves the previous header and its files in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from graph_etl.matching.comparisons import blocking_rule_dicts
from graph_etl.matching.features import row_numbers
from graph_etl.matching.model_store import Model
from graph_etl.matching.scoring import Edges

FORMAT = 4  # (3: roots by record id; 2: pairs too; 1: the same columns as Parquet files)
SUFFIX = ".arrow"
_KINDS = ("records", "pairs", "addresses", "related", "found")
RESCALE_AT = 0.05  # score everything again when the record count moves by more
ADDRESS_COLUMNS = ("line1", "postcode", "compact", "sector", "number", "street", "key")


@dataclass
class Results:
    """What a run decided from its scored pairs, beyond the scores: per pair (in the
    order of the saved pairs) the guards' verdict, whether it was held back as
    ambiguous and why clustering refused to join it; per record (in the order of the
    saved records) the row of its group's root record (null for a record that is its
    own root) and its relationship signature (see `reuse.signatures`); and what else
    those decisions depended on.

    With them are kept, for `reuse.changed_links`, each record's person after the joins
    through relatives (`final`: the row of its root record, null as for `root`) and,
    for a record joined there, the row of the record of its name (`via`); a loaded
    `Saved` gives these two as `Saved.groups`. (A run hands `save` the per-record parts
    by row: `ByRow`.)"""

    key: str  # see `reuse.results_key`
    decided: list[str]  # record ids named by the clerical decisions
    verdict: list[str | None] = field(default_factory=list)
    held: list[bool] = field(default_factory=list)
    blocked: list[str | None] = field(default_factory=list)
    root: pa.Array | None = None  # rows, in the order of the saved records
    signature: pa.Array | None = None  # in the order of the saved records


@dataclass
class ByRow:
    """The per-record parts of `Results` as a run has them, by row: each row's root
    row before and after the joins through relatives, the signatures (rows without one
    left out) and, for each row joined through relatives, the row of its name. `save`
    turns them into columns in Arrow, not record by record."""

    root: list[int]
    signature: pa.Array | None
    final: list[int]
    via: dict[int, int]


@dataclass
class Joins:
    """What the joins through relatives started from, kept so that the next run works
    out afresh only the candidates a change reaches (`reuse.earlier_candidates`): each
    record's address (in record order), the rows each relationship record links
    (`left`, `right`) and every row's candidates (`relatives.found_table`)."""

    address: pa.Array
    related: pa.Table
    found: pa.Table


@dataclass
class Saved:
    """What the last run scored: its key, the record count everything was scored
    for, each record's hash, its pairs (by row of `record_hashes`), and what it
    decided from them (None when it kept no results)."""

    key: str
    records: int
    record_hashes: pa.Table  # id, h: in the last run's record order
    pairs: pa.Table  # left, right (rows of record_hashes), weight, probability, pattern
    patterns: list[tuple[tuple[int, ...], tuple[float, ...] | None]]
    results: Results | None = None
    addresses: dict[Any, tuple[Any, ...]] | None = None  # see `features.build`
    addresses_code: str | None = None  # the code that standardised them
    token: str | None = None  # names the run that saved it
    groups: pa.Table | None = None  # final, via (saved record order): see `Results`
    joins: Joins | None = None  # by saved row
    _places: tuple[pa.Array, pa.Array] | None = field(default=None, compare=False, repr=False)
    _rows_now: tuple[pa.Array, pa.Array | None] | None = field(
        default=None, compare=False, repr=False
    )

    def places(self, ids: pa.Array) -> pa.Array:
        """Each of `ids`' place among the saved records (null for a record not saved),
        worked out once for the same array (a hash of a million ids each time, unless
        they are the saved ids in the saved order, as when no record came or went)."""
        if self._places is None or self._places[0] is not ids:
            if self.same_ids(ids):
                found = row_numbers(len(ids)).cast(pa.int32())  # (as `index_in` gives)
            else:
                found = pc.index_in(ids, value_set=self.record_hashes.column("id"))
            self._places = (ids, found)
        return self._places[1]

    def rows_now(self, ids: pa.Array) -> pa.Array | None:
        """Each saved record's row among `ids` (null: gone); None when `ids` are the
        saved ids in the saved order, so that a saved row is its row now (no hash of a
        million ids; else worked out once for the same array)."""
        if self._rows_now is None or self._rows_now[0] is not ids:
            found = None
            if not self.same_ids(ids):
                saved = self.record_hashes.column("id").combine_chunks()
                found = pc.index_in(saved, value_set=ids)
            self._rows_now = (ids, found)
        return self._rows_now[1]

    def same_ids(self, ids: pa.Array) -> bool:
        """Are `ids` the saved records' ids, in the saved order?"""
        saved = self.record_hashes.column("id")
        return len(saved) == len(ids) and saved.equals(pa.chunked_array([ids]))

    @property
    def hashes(self) -> dict[str, int]:
        """Each saved record's hash, by record id."""
        table = self.record_hashes
        return dict(zip(table.column("id").to_pylist(), table.column("h").to_pylist(), strict=True))


@dataclass
class Trace:
    """Where merged pairs came from: `origin[i]` is pair i's row in the saved pairs
    (-1: scored afresh); `dropped` the rows (now) of records that had a saved pair
    dropped because its other record changed or went."""

    origin: list[int]
    dropped: set[int]


def key(model: Model, threshold: float) -> str:
    """What saved scores depend on besides the records themselves."""
    body = {
        "format": FORMAT,
        "model": model.splink,
        "records": model.records,
        "blocking": blocking_rule_dicts(model.records, "duckdb"),
        "threshold": threshold,
        "duckdb": duckdb.__version__,
    }
    text = json.dumps(body, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def scale_for(saved: Saved | None, records: int) -> int:
    """The record count to scale the model for: the saved one while `records` is
    within `RESCALE_AT` of it (so the saved pairs stay comparable), else `records`."""
    if saved is not None and abs(records - saved.records) <= RESCALE_AT * saved.records:
        return saved.records
    return records


def record_hashes(table: pa.Table) -> pa.Array:
    """A 64-bit hash of each row's standardised values (every column but the row number)."""
    columns = ", ".join(f'"{name}"' for name in table.column_names if name != "unique_id")
    connection = duckdb.connect()
    try:
        connection.register("features", table)
        query = f"SELECT hash({columns}) AS h FROM features ORDER BY unique_id"  # noqa: S608
        return connection.sql(query).to_arrow_table().column(0).combine_chunks()
    finally:
        connection.close()


def id_array(ids: list[str] | pa.Array) -> pa.Array:
    """Record ids as an Arrow array (`Features.id_array`, when the caller has it)."""
    return ids if isinstance(ids, pa.Array) else pa.array(ids, pa.string())


def changed_mask(ids: list[str] | pa.Array, hashes: pa.Array, saved: Saved) -> pa.Array:
    """For each row: is its record new, or are its standardised values different?"""
    before = pc.take(saved.record_hashes.column("h"), saved.places(id_array(ids)))
    return pc.fill_null(pc.not_equal(before, hashes), True)


def merge(saved: Saved, ids: list[str] | pa.Array, changed: list[bool], fresh: Edges) -> Edges:
    """The saved pairs of two unchanged records still here, and the `fresh` pairs
    (each with a changed record), sorted as scoring sorts them."""
    return merge_traced(saved, ids, changed, fresh)[0]


def merge_traced(
    saved: Saved, ids: list[str] | pa.Array, changed: list[bool] | pa.Array, fresh: Edges
) -> tuple[Edges, Trace]:
    """`merge`, and where each merged pair came from (in Arrow: one pass per column;
    `changed` may be `changed_mask` as it comes)."""
    columns = ("left", "right", "weight", "probability", "pattern")
    pairs = {name: saved.pairs.column(name).combine_chunks() for name in columns}
    flags = changed if isinstance(changed, pa.Array) else pa.array(changed, pa.bool_())
    a, b = pairs["left"], pairs["right"]  # (saved rows)
    now = saved.rows_now(id_array(ids))
    if now is not None:
        a, b = pc.take(now, a), pc.take(now, b)
    gone = pc.or_(pc.fill_null(pc.take(flags, a), True), pc.fill_null(pc.take(flags, b), True))
    dropped = set(pc.drop_null(pa.concat_arrays([a.filter(gone), b.filter(gone)])).to_pylist())
    keep = pc.invert(gone)
    a, b = a.filter(keep).cast(pa.int64()), b.filter(keep).cast(pa.int64())
    saved_pattern = pairs["pattern"].filter(keep)

    # Patterns are numbered in order of first use, the kept pairs' before the fresh.
    used = pc.unique(saved_pattern).to_pylist()
    patterns = [saved.patterns[number] for number in used]
    index = {value: position for position, value in enumerate(patterns)}
    for value in fresh.patterns:
        index.setdefault(value, len(index))
    patterns = list(index)
    fresh_pattern = [index[fresh.patterns[number]] for number in fresh.pattern]

    table = pa.table(
        {
            "weight": pa.concat_arrays(
                [
                    pairs["weight"].filter(keep),
                    pa.array(fresh.weight, pa.float64()),
                ]
            ),
            "low": pa.concat_arrays(
                [pc.min_element_wise(a, b), pa.array(map(min, fresh.left, fresh.right), pa.int64())]
            ),
            "high": pa.concat_arrays(
                [pc.max_element_wise(a, b), pa.array(map(max, fresh.left, fresh.right), pa.int64())]
            ),
            "probability": pa.concat_arrays(
                [
                    pairs["probability"].filter(keep),
                    pa.array(fresh.probability, pa.float64()),
                ]
            ),
            "pattern": pa.concat_arrays(
                [
                    pc.index_in(saved_pattern, value_set=pa.array(used, pa.int32())).cast(
                        pa.int64()
                    ),
                    pa.array(fresh_pattern, pa.int64()),
                ]
            ),
            "origin": pa.concat_arrays(
                [pc.indices_nonzero(keep).cast(pa.int64()), pa.array([-1] * len(fresh), pa.int64())]
            ),
        }
    )
    order = pc.sort_indices(
        table, sort_keys=[("weight", "descending"), ("low", "ascending"), ("high", "ascending")]
    )
    table = table.take(order)
    edges = Edges(
        left=table.column("low").to_pylist(),
        right=table.column("high").to_pylist(),
        weight=table.column("weight").to_pylist(),
        probability=table.column("probability").to_pylist(),
        pattern=table.column("pattern").to_pylist(),
        patterns=patterns,
        names=fresh.names,
    )
    return edges, Trace(table.column("origin").to_pylist(), dropped)


def load(folder: Path) -> Saved | None:
    """What the last run saved in `folder`, or None (none, or unreadable)."""
    try:
        header = json.loads((folder / "header.json").read_text())
        if header.get("format") != FORMAT:
            return None
        token = header["token"]
        records = _read(folder / f"records-{token}{SUFFIX}")
        pairs = _read(folder / f"pairs-{token}{SUFFIX}")
    except (OSError, ValueError, KeyError, pa.ArrowException):
        return None
    patterns = [
        (tuple(levels), tuple(adjust) if adjust is not None else None)
        for levels, adjust in header["patterns"]
    ]
    results = _read_results(header.get("results"), records, pairs)
    hashes = records.select(["id", "h"]).combine_chunks()
    saved = Saved(header["key"], header["records"], hashes, pairs, patterns, results)
    saved.token = token
    if results is not None and "final" in records.column_names:
        saved.groups = records.select(["final", "via"]).combine_chunks()
    if results is not None and header.get("joins") and "address" in records.column_names:
        try:
            related = _read(folder / f"related-{token}{SUFFIX}")
            found = _read(folder / f"found-{token}{SUFFIX}")
        except (OSError, pa.ArrowException):
            related = found = None
        if related is not None and found is not None:
            address = records.column("address").combine_chunks()
            saved.joins = Joins(address, related, found)
    code = header.get("addresses")
    if code:
        try:
            table = _read(folder / f"addresses-{token}{SUFFIX}")
        except (OSError, pa.ArrowException):
            return saved
        columns = [table.column(name).to_pylist() for name in ADDRESS_COLUMNS]
        raw = zip(columns[0], columns[1], strict=True)
        parts = zip(*columns[2:], strict=True)
        saved.addresses, saved.addresses_code = dict(zip(raw, parts, strict=True)), code
    return saved


def _read_results(
    header: dict[str, Any] | None, records: pa.Table, pairs: pa.Table
) -> Results | None:
    if not header or "root" not in records.column_names or "held" not in pairs.column_names:
        return None
    if "sig" not in records.column_names or records.schema.field("sig").type != pa.uint64():
        return None  # (an older version's)
    return Results(
        key=header["key"],
        decided=list(header["decided"]),
        verdict=pairs.column("verdict").to_pylist(),
        held=pairs.column("held").to_pylist(),
        blocked=pairs.column("blocked").to_pylist(),
        root=records.column("root").combine_chunks(),
        signature=records.column("sig").combine_chunks(),
    )


def new_token() -> str:
    """A name for what one run keeps (`save`)."""
    return secrets.token_hex(8)


def save(
    folder: Path,
    key_: str,
    records: int,
    ids: list[str] | pa.Array,
    hashes: pa.Array,
    edges: Edges,
    decided: tuple[Results, ByRow] | None = None,
    addresses: tuple[str, dict[Any, tuple[Any, ...]]] | None = None,
    token: str | None = None,
    joins: Joins | None = None,
) -> str:
    """Keep this run's record hashes and scored pairs for the next run (and, with
    `decided`, what it decided from them: the per-pair lists of `Results` in the order
    of `edges`, the per-record parts by row; with `addresses`, the code's digest and
    the standardised addresses, see `features.build`; with `joins` and `decided`, what
    the joins through relatives started from). Returns the token that names what was
    saved (`Saved.token`: `token`, else a new one)."""
    folder.mkdir(parents=True, exist_ok=True)
    token = token or new_token()
    names = id_array(ids)
    results = decided[0] if decided is not None else None
    columns: dict[str, Any] = {"id": names, "h": hashes}
    if decided is not None:
        columns.update(_record_columns(names, decided[1]))
    joins = joins if decided is not None else None
    if joins is not None:
        columns["address"] = joins.address
        _write(joins.related, folder / f"related-{token}{SUFFIX}")
        _write(joins.found, folder / f"found-{token}{SUFFIX}")
    _write(pa.table(columns), folder / f"records-{token}{SUFFIX}")
    columns = {
        "left": pa.array(edges.left, pa.int32()),  # (rows of the records file)
        "right": pa.array(edges.right, pa.int32()),
        "weight": pa.array(edges.weight, pa.float64()),
        "probability": pa.array(edges.probability, pa.float64()),
        "pattern": pa.array(edges.pattern, pa.int32()),
    }
    if results is not None:
        columns["verdict"] = pa.array(results.verdict, pa.string())
        columns["held"] = pa.array(results.held, pa.bool_())
        columns["blocked"] = pa.array(results.blocked, pa.string())
    _write(pa.table(columns), folder / f"pairs-{token}{SUFFIX}")
    if addresses is not None:
        _write_addresses(folder / f"addresses-{token}{SUFFIX}", addresses[1])
    header = {
        "format": FORMAT,
        "key": key_,
        "records": records,
        "token": token,
        "patterns": [[list(levels), adjust] for levels, adjust in edges.patterns],
        "results": None
        if results is None
        else {"key": results.key, "decided": sorted(set(results.decided))},
        "addresses": addresses[0] if addresses is not None else None,
        "joins": joins is not None,
    }
    partial = folder / "header.json.partial"
    partial.write_text(json.dumps(header))
    os.replace(partial, folder / "header.json")
    kept = {f"{kind}-{token}{SUFFIX}" for kind in _KINDS}
    for kind in _KINDS:  # (not every file: the feature cache's share the folder)
        for path in folder.glob(f"{kind}-*"):  # (format 1's too, as .parquet)
            if path.name not in kept:
                path.unlink(missing_ok=True)
    return token


def _record_columns(names: pa.Array, by_row: ByRow) -> dict[str, pa.Array]:
    """The records file's `root`, `sig`, `final` and `via` columns (rows, null where a
    record is its own root, has no signature or was not joined)."""
    own = row_numbers(len(names))

    def other_rows(rows: list[int]) -> pa.Array:
        at = pa.array(rows, pa.int64())
        return pc.if_else(pc.equal(at, own), pa.scalar(None, pa.int32()), at.cast(pa.int32()))

    def spread(values: dict[int, Any], kind: pa.DataType) -> pa.Array:
        positions: list[int | None] = [None] * len(names)
        for position, row in enumerate(values):
            positions[row] = position
        return pc.take(pa.array(list(values.values()), kind), pa.array(positions, pa.int64()))

    return {
        "root": other_rows(by_row.root),
        "sig": by_row.signature
        if by_row.signature is not None
        else pa.nulls(len(names), pa.uint64()),
        "final": other_rows(by_row.final),
        "via": spread(by_row.via, pa.int32()),
    }


def _write(table: pa.Table, path: Path) -> None:
    """Arrow's own layout, uncompressed: a refresh writes and reads these files whole,
    and encoding them (as Parquet) cost more time than smaller files saved."""
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
        out.write_table(table)


def _read(path: Path) -> pa.Table:
    """A `_write` file, memory-mapped: its columns are read as they are used. (The
    next save replaces the file: the mapping keeps the unlinked file's pages.)"""
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def _write_addresses(path: Path, addresses: dict[Any, tuple[Any, ...]]) -> None:
    rows = [(*raw, *parts) for raw, parts in addresses.items()]
    values = list(zip(*rows, strict=True)) or [()] * len(ADDRESS_COLUMNS)
    columns = {
        name: pa.array(column, pa.string())
        for name, column in zip(ADDRESS_COLUMNS, values, strict=True)
    }
    _write(pa.table(columns), path)
