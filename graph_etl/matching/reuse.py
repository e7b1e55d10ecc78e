"""Reuse the last run's guard verdicts, held pairs and groups where no change reaches.

Guards, `engine.ambiguous` and clustering decide each connected component of the
scored pairs on its own: a verdict concerns two records of one component, a record's
rival matches are its own pairs, and clustering only joins records along pairs. So a
component whose inputs are all as they were last run gets last run's answer.

A component is *clean* when none of its records is new or changed, says something
different in the relationship records (its signature, below), is named by a clerical
decision (this run's or the last one's), or lost a saved pair because the pair's other
record changed or went. A clean component then has exactly the pairs it had last run,
with the same weights and in the same order, and its records the same features: last
run's verdicts, held pairs and groups for it are what deciding it afresh gives. Only
the other components are guarded, checked for rivals and clustered again.

Everything is decided afresh when the last run kept no results, when the results key
differs (the link threshold, the files with household groups, or `code_digest`: the
matching and standardising code, the nickname tables, the string-distance library
and Python's version), or when the unchanged records come in another order than
last run (ties between pairs of equal weight go by row number).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from graph_etl import code_digest as digests
from graph_etl.matching import relatives
from graph_etl.matching.features import row_numbers
from graph_etl.matching.guards import Said
from graph_etl.matching.rescoring import Results, Saved, Trace, id_array
from graph_etl.matching.scoring import Edges


@dataclass
class Plan:
    """What to decide afresh, and last run's answers for the rest (per edge index)."""

    dirty: list[bool]  # edge i is in a component to decide afresh
    verdict: list[str | None]  # last run's verdict on each clean edge
    blocked: list[str | None]  # why clustering refused a clean edge last run
    held: set[int]  # clean edges held back as ambiguous last run
    joined: list[tuple[int, int]]  # (row, its group's root row) of clean records
    rows: set[int]  # the rows of the components decided afresh


@cache
def code_digest() -> str:
    """The matching code, the standardisation it relies on (with the postcode rules
    it uses), and the Python and library versions behind them."""
    package = Path(__file__).resolve().parents[1]
    files = [*(package / "matching").glob("*.py"), package / "standardise.py"]
    return digests.code_digest(
        [*files, package / "sources" / "values.py"], ["nicknames", "jellyfish"]
    )


def results_key(link_threshold: float, grouped_files: set[str]) -> str:
    """What saved results depend on besides the scored pairs and the records."""
    body = {
        "link_threshold": link_threshold,
        "grouped_files": sorted(grouped_files),
        "code": code_digest(),
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


# For each row, a hash of what the relationship records say about it (null when they
# say nothing): the ids of the records kept apart from it (as a set: the sum of their
# hashes), its household group and the bounds on its date of birth.
_SIGNATURES = """
WITH others AS (
    SELECT p.row, sum(hash(i.id)) AS ids
    FROM apart AS p JOIN records AS i ON i.row = p.other
    GROUP BY p.row
), said AS (
    SELECT row FROM others UNION SELECT row FROM groups
    UNION SELECT row FROM born_by UNION SELECT row FROM born_after
), signed AS (
    SELECT s.row, hash(o.ids, g.name, b.y, b.m, b.d, a.y, a.m, a.d) AS signature
    FROM said AS s
    LEFT JOIN others AS o ON o.row = s.row
    LEFT JOIN groups AS g ON g.row = s.row
    LEFT JOIN born_by AS b ON b.row = s.row
    LEFT JOIN born_after AS a ON a.row = s.row
)
SELECT s.signature FROM range($rows) AS t(r) LEFT JOIN signed AS s ON s.row = t.r ORDER BY t.r
"""


def signatures(said: Said, ids: list[str] | pa.Array) -> pa.Array:
    """For each row (record `ids[row]`), a 64-bit hash of what the relationship
    records say about it (`Guards.said`: the records it must differ from, by id, its
    household group, its bounds on date of birth), null where they say nothing. Equal
    hashes are taken as equal facts, as for the records' own hashes
    (`rescoring.record_hashes`)."""

    def bounds(found: dict[int, tuple[int, int, int]]) -> pa.Table:
        parts = list(zip(*found.values(), strict=True)) or [(), (), ()]
        columns = {"row": pa.array(list(found), pa.int64())}
        columns.update(
            {name: pa.array(part, pa.int64()) for name, part in zip("ymd", parts, strict=True)}
        )
        return pa.table(columns)

    tables = {
        "apart": said.apart_pairs,
        "records": pa.table({"row": row_numbers(len(ids)), "id": id_array(ids)}),
        "groups": pa.table(
            {
                "row": pa.array(list(said.group_of), pa.int64()),
                "name": pa.array(["\x1f".join(key) for key in said.group_of.values()], pa.string()),
            }
        ),
        "born_by": bounds(said.born_by),
        "born_after": bounds(said.born_after),
    }
    connection = duckdb.connect()
    try:
        for name, table in tables.items():
            connection.register(name, table)
        found = connection.sql(_SIGNATURES, params={"rows": len(ids)}).to_arrow_table()
    finally:
        connection.close()
    return found.column(0).combine_chunks()


def _same_order(saved: Saved, ids: pa.Array, changed: list[bool]) -> bool:
    """Do the unchanged records come in the order they came last run?"""
    rows = saved.rows_now(ids)
    if rows is None:
        return True
    unchanged = pc.invert(pc.fill_null(pc.take(pa.array(changed, pa.bool_()), rows), True))
    rows = rows.filter(unchanged)  # now, in last run's order
    return len(rows) < 2 or pc.all(pc.greater(rows[1:], rows[:-1])).as_py()


def _seeds(
    results: Results,
    row_of: dict[str, int],
    changed: list[bool],
    trace: Trace,
    signature: pa.Array,
    before: pa.Array,
    decided: set[str],
) -> set[int]:
    """Rows whose components must be decided afresh (`signature`: each row's, from
    `signatures`; `before`: its record's last run, null for a new record)."""
    seeds = set(trace.dropped)
    seeds.update(row for row, change in enumerate(changed) if change)
    same = pc.fill_null(
        pc.or_kleene(
            pc.equal(signature, before), pc.and_(pc.is_null(signature), pc.is_null(before))
        ),
        False,
    )
    seeds.update(pc.indices_nonzero(pc.invert(same)).to_pylist())
    for record_id in (*decided, *results.decided):
        row = row_of.get(record_id)
        if row is not None:
            seeds.add(row)
    return seeds


STEPS = 40  # a component wider than this is found by a union-find instead


def _reached(edges: Edges, seeds: set[int]) -> set[int]:
    """The rows connected to a seed by pairs (seeds included), found a step at a time
    over the whole table of pairs."""
    left = pa.array(edges.left, pa.int64())
    right = pa.array(edges.right, pa.int64())
    reached = frontier = pa.array(sorted(seeds), pa.int64())
    for _ in range(STEPS):
        if not len(frontier):
            return set(reached.to_pylist())
        touching = pc.or_(pc.is_in(left, frontier), pc.is_in(right, frontier))
        ends = pc.unique(pa.concat_arrays([left.filter(touching), right.filter(touching)]))
        frontier = ends.filter(pc.invert(pc.is_in(ends, reached)))
        reached = pa.concat_arrays([reached, frontier])
    return _joined_to(edges, seeds)


def _joined_to(edges: Edges, seeds: set[int]) -> set[int]:
    """`_reached` by a union-find over every pair."""
    parent: dict[int, int] = {}

    def find(item: int) -> int:
        root = item
        while (up := parent.get(root, root)) != root:
            root = up
        parent[item] = root
        return root

    for a, b in zip(edges.left, edges.right, strict=True):
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[root_b] = root_a
    roots = {find(row) for row in seeds}
    rows = {row for pair in zip(edges.left, edges.right, strict=True) for row in pair}
    return {row for row in rows | seeds if find(row) in roots}


def _taken(values: list[str | None], origin: list[int]) -> list[str | None]:
    """`values[o]` for each origin `o`, None where it is -1."""
    return [values[o] if o >= 0 else None for o in origin]


def plan(
    saved: Saved | None,
    key: str,
    ids: list[str] | pa.Array,
    row_of: dict[str, int],
    changed: list[bool],
    edges: Edges,
    trace: Trace,
    signature: pa.Array | None,
    decided: set[str],
) -> Plan | None:
    """Which edges to decide afresh and last run's answers for the others; None when
    everything must be decided afresh. `decided`: record ids of this run's decisions."""
    results = saved.results if saved is not None else None
    if saved is None or results is None or results.key != key:
        return None
    if signature is None or results.signature is None:
        return None
    if not _same_order(saved, id_array(ids), changed):
        return None
    before = pc.take(results.signature, saved.places(id_array(ids)))
    seeds = _seeds(results, row_of, changed, trace, signature, before, decided)
    dirty_rows = _reached(edges, seeds)
    dirty = [a in dirty_rows for a in edges.left]
    # Each clean edge's row in last run's pairs (-1 for dirty ones, which keep None).
    origin = [-1 if d else o for d, o in zip(dirty, trace.origin, strict=True)]
    if not all(o >= 0 for d, o in zip(dirty, trace.origin, strict=True) if not d):
        return None  # a fresh pair has a changed record: never clean
    verdict = _taken(results.verdict, origin)
    blocked = _taken(results.blocked, origin)
    was_held = results.held
    held = {index for index, o in enumerate(origin) if o >= 0 and was_held[o]}
    joined = _clean_joins(saved, results, id_array(ids), dirty_rows)
    if joined is None:
        return None  # not last run's component after all
    return Plan(dirty, verdict, blocked, held, joined, dirty_rows)


def _clean_joins(
    saved: Saved, results: Results, ids: pa.Array, dirty_rows: set[int]
) -> list[tuple[int, int]] | None:
    """(row, its group's root row) now, of last run's records joined to another root,
    leaving out those gone or in `dirty_rows`; None when a root is gone or dirty."""
    if results.root is None:
        return []
    joined = pc.is_valid(results.root)
    rows = pc.indices_nonzero(joined).cast(pa.int64())  # (saved rows)
    roots = results.root.filter(joined).cast(pa.int64())
    now = saved.rows_now(ids)
    if now is not None:
        rows, roots = pc.take(now, rows), pc.take(now, roots)
    dirty = pa.array(sorted(dirty_rows), pa.int64())
    clean = pc.and_(pc.is_valid(rows), pc.invert(pc.is_in(rows, value_set=dirty)))
    rows, roots = rows.filter(clean), roots.filter(clean)
    if roots.null_count or pc.any(pc.is_in(roots, value_set=dirty)).as_py():
        return None
    return list(zip(rows.to_pylist(), roots.to_pylist(), strict=True))


def changed_links(
    saved: Saved,
    plan: Plan,
    ids: list[str] | pa.Array,
    roots: list[int],
    via: dict[int, tuple[int, str]],
) -> set[str] | None:
    """The records whose links (`results.links_for`) may differ from those the run that
    saved `saved` gave them, with `plan` made from it; None when it kept no groups.

    `roots` gives each row's person after the joins through relatives (as its first
    row), `via` the records joined there. A record's link depends only on its person's
    records, their pairs, which of them were held back, the joins made to them and its
    person's id. So every record of a person is taken whose records include one that
    is in a component decided afresh, new, in another person than last run (by first
    record), at either end of a join through relatives made now but not last run or
    last run but not now, or last run in a person with such a record or one now gone.
    Every other person has exactly last run's records, so keeps its id when the
    previous ids are last run's (`ids.assign_ids`), and the joins it had. (A join's
    reason is whether the two records' family names are the same, so a join between
    the same two unchanged records gives the same link.)"""
    table = saved.groups
    if table is None:
        return None
    now = id_array(ids)
    root_rows = pa.array(roots, pa.int64())
    final, via_before = (table.column(name).combine_chunks() for name in ("final", "via"))
    via_before = via_before.cast(pa.int64())
    own = row_numbers(len(final))  # (saved rows: `groups` holds the saved records in order)
    before = pc.coalesce(final.cast(pa.int64()), own)  # each saved record's person, by row
    at = saved.places(now).cast(pa.int64())  # each row's saved row (null: a new record)
    before_now = pc.take(before, at)
    moved = pc.fill_null(pc.not_equal(pc.take(at, root_rows), before_now), True)
    seeds = set(plan.rows)
    seeds.update(pc.indices_nonzero(moved).to_pylist())
    rows_now = saved.rows_now(now)

    def here(saved_rows: pa.Array) -> list[int]:
        """The rows now of these saved rows (those still here)."""
        found = saved_rows if rows_now is None else pc.take(rows_now, saved_rows)
        return pc.drop_null(found).to_pylist()

    # The joins made now and last run, between the same two records, are kept.
    rows_joined = pa.array(list(via), pa.int64())
    to_joined = pa.array([other for other, _ in via.values()], pa.int64())
    saved_joined = pc.take(at, rows_joined)  # (null: a new record)
    then = pc.take(via_before, saved_joined)  # its join last run (null: none)
    kept = pc.fill_null(pc.equal(then, pc.take(at, to_joined)), False)
    made = pc.invert(kept)
    seeds.update(rows_joined.filter(made).to_pylist())
    seeds.update(to_joined.filter(made).to_pylist())
    joined = pc.indices_nonzero(pc.is_valid(via_before)).cast(pa.int64())  # (saved rows)
    lost = pc.invert(pc.is_in(joined, value_set=saved_joined.filter(kept)))
    seeds.update(here(joined.filter(lost)))
    seeds.update(here(pc.take(via_before, joined.filter(lost))))
    still_here = pc.drop_null(at)
    gone = pc.invert(pc.is_in(own, value_set=still_here))
    seed_rows = pa.array(sorted(seeds), pa.int64())
    touched_before = pa.concat_arrays(
        [pc.drop_null(pc.take(before_now, seed_rows)), before.filter(gone)]
    )
    mates = pc.indices_nonzero(pc.is_in(before, value_set=pc.unique(touched_before)))
    seeds.update(here(mates.cast(pa.int64())))
    touched = pa.array(sorted({roots[row] for row in seeds}), pa.int64())
    return set(now.filter(pc.is_in(root_rows, value_set=touched)).to_pylist())


def earlier_candidates(
    saved: Saved,
    plan: Plan,
    ids: list[str] | pa.Array,
    roots: list[int],
    address: pa.Array,
    related: tuple[list[int], list[int]],
) -> relatives.Earlier | None:
    """Last run's candidates for the joins through relatives (`relatives.found_table`)
    of the rows no change reaches, and the links of the rows to work out afresh; None
    when the last run kept none. `roots`: each row's group's first row, as clustering
    left them; `address`: each row's address; `related`: `Guards.relatives`.

    A row's candidates depend on its names and its person, the persons of the records
    it names, the addresses of those persons' records, and the names, persons and ids
    of the records at those addresses. Outside the components decided afresh
    (`plan.rows`) every record has last run's values and is in last run's group. So a
    row is worked out afresh when it is in one of them, when the relationship records
    link it to other records than last run, or when a record it names is in a person
    with a record in one of them, or with a record at an address where a record of one
    of them is now or was last run, or where a record now gone was. Every other row's
    candidates are last run's: their persons have last run's records, so the same
    first rows (`plan` is made only when unchanged records keep their order)."""
    joins = saved.joins
    if joins is None:
        return None
    now = id_array(ids)
    rows_now = saved.rows_now(now)  # (None: each saved row is its row now)

    def moved(saved_rows: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Saved rows as rows now (null: gone)."""
        if isinstance(saved_rows, pa.ChunkedArray):
            saved_rows = saved_rows.combine_chunks()
        rows = saved_rows.cast(pa.int64())
        return rows if rows_now is None else pc.take(rows_now, rows).cast(pa.int64())

    dirty = pa.array(sorted(plan.rows), pa.int64())
    before = pc.drop_null(pc.take(saved.places(now), dirty))
    places = [pc.take(address, dirty), pc.take(joins.address, before)]
    if rows_now is not None:
        places.append(joins.address.filter(pc.is_null(rows_now)))
    touched = pc.unique(pc.drop_null(pa.concat_arrays(places)))
    root = pa.array(roots, pa.int64())
    there = pc.indices_nonzero(pc.is_in(address, value_set=touched)).cast(pa.int64())
    persons = pc.unique(pa.concat_arrays([pc.take(root, dirty), pc.take(root, there)]))
    linked = relatives.links(related)
    row, relative = (linked.column(name).combine_chunks() for name in ("row", "relative"))
    ask = [dirty, row.filter(pc.is_in(pc.take(root, relative), value_set=persons))]
    left, right = (moved(joins.related.column(name)) for name in ("left", "right"))
    then_row, then_relative = pa.concat_arrays([left, right]), pa.concat_arrays([right, left])
    if not (then_row.equals(row) and then_relative.equals(relative)):
        # Rows linked to other records than last run (each link as one number).
        size = pa.scalar(len(now), pa.int64())
        link = pc.add(pc.multiply(row, size), relative)
        link_then = pc.add(pc.multiply(then_row, size), then_relative)  # (null: one gone)
        ask.append(row.filter(pc.invert(pc.is_in(link, value_set=link_then))))
        lost = pc.invert(pc.fill_null(pc.is_in(link_then, value_set=link), False))
        ask.append(pc.drop_null(then_row.filter(lost)))
    asked = pc.unique(pa.concat_arrays(ask))
    found = joins.found
    found_row = moved(found.column("row"))
    keep = pc.and_(pc.is_valid(found_row), pc.invert(pc.is_in(found_row, value_set=asked)))
    kept = pa.table(
        {
            "row": found_row.filter(keep),
            "same_family": found.column("same_family").filter(keep),
            "person": moved(found.column("person")).filter(keep),
            "other": moved(found.column("other")).filter(keep),
        }
    )
    if kept.column("person").null_count or kept.column("other").null_count:
        return None  # (a record gone is no one's candidate unless its address was touched)
    return relatives.Earlier(linked.filter(pc.is_in(row, value_set=asked)), kept)
