"""Relatives as evidence: join a record to the one person of its name recorded where a
relative it names is recorded.

A parent listed as a school's pupil contact, or a carer, is often recorded with a name
and an address and nothing else, and the address may be one the family has since
left. The model cannot join such a record to the same parent's health record at
another address: a name alone is not enough in a county. But the record says whose
relative it is, and that relative's person has records at addresses of their own. If
exactly one other person has a record with the same standardised given and family
names at one of those addresses, the two are taken to be one; when no one there has
both names, exactly one with the same given name under another family name (a mother
recorded at school under one family name and at the surgery under another).

Safeguards, each because of a wrong merge seen without it:

- *Exactly one candidate.* Two people of that name at the relative's addresses (a
  mother and daughter of one name; two women of one given name) join neither.
- *Not the relative.* The relative's own person is never the candidate (a father and
  son of one name, the son being the relative).
- *Not a partner's child.* Two people never join when one was born `GAP_YEARS` or more
  after someone the other is recorded as the partner of (a carer named as a client's
  partner, and the client's daughter of her name).
- *The family-safe guards* (`guards`), between every record of the two people, and
  clerical "different people" decisions: as for any join.

Candidates are found among the people clustering formed, before any join here, and
joins are made in order of record id, so the result does not depend on the order
records come in. Clustering's saved results (`reuse`) are those before this step,
which is worked out afresh on every run; only the candidates of the rows no change
reaches are taken from the last run (`reuse.earlier_candidates`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from graph_etl.matching.clustering import Clusters, decided_apart
from graph_etl.matching.features import row_numbers
from graph_etl.matching.guards import GAP_YEARS, Guards

PARTNERS_CHILD = "one born long enough after the other's partner to be their child"
DECIDED_DIFFERENT = "decided by clerical review to be different people"
# Said on the link of a record joined here (`results.links_for`).
JOINED_THROUGH_RELATIVE = (
    "a record of the same name is held at an address where a relative this record names is recorded"
)
JOINED_THROUGH_RELATIVE_BY_GIVEN_NAME = (
    "the only record of the same given name at an address where a relative this record names "
    "is recorded (under another family name)"
)


@dataclass
class Joined:
    """People after the joins: each group (rows ascending, groups in order of their
    first row), each row's root (its group's first row), and for each record joined
    here the record of its name it was joined to and why."""

    groups: list[list[int]]
    roots: list[int]
    via: dict[int, tuple[int, str]]
    refused: dict[str, int]  # joins a guard refused, by the guard's reason
    found: pa.Table  # every row's candidates (`found_table`), kept for the next run


@dataclass(frozen=True)
class Earlier:
    """Last run's candidates, for the rows no change reaches (see
    `reuse.earlier_candidates`): the links between records (`row`, `relative`: each
    relationship both ways) of the rows whose candidates are worked out afresh, and
    last run's `found_table` rows of every other row, in rows now."""

    related: pa.Table
    found: pa.Table


def join(
    guards: Guards,
    groups: list[list[int]],
    roots: list[int],
    different: Iterable[tuple[int, int]] = (),
    names: pa.Table | None = None,
    earlier: Earlier | None = None,
) -> Joined:
    """Join people through their records' relatives (see the module docstring).
    `groups` and `roots` are clustering's (`Clusters.groups`); `different`: row pairs
    clerical review decided are different people; `names`: the features table's
    `given_full` and `family` columns, when the caller has them; `earlier`: last run's
    candidates of the rows no change reaches (see `found_table`)."""
    ids, dob = guards.f.ids, guards.f.dob
    clusters = Clusters.of(groups)
    group = clusters.group

    def partners_child(one: int, other: int) -> bool:
        """Whether either person was born long enough after a partner of a record of the
        other to be that partner's child."""
        for a, b in ((one, other), (other, one)):
            for record in group(a):
                for partner in guards.partners.get(record, ()):
                    if (born := dob[partner]) is not None:
                        bound = (born[0] + GAP_YEARS, born[1], born[2])
                        if any((d := dob[x]) is not None and d >= bound for x in group(b)):
                            return True
        return False

    wanted: list[tuple[str, int, int, str]] = []  # (record id, row, record of its name, why)
    table = found_table(guards, roots, names, earlier)
    # People with no partner recorded are checked no further (nine in ten candidates).
    partnered = {roots[record] for record, partners in guards.partners.items() if partners}
    for row, (found, why) in by_row(table).items():
        mine = roots[row]
        if mine in partnered or not partnered.isdisjoint(found):
            found = {
                person: other for person, other in found.items() if not partners_child(mine, person)
            }
        if len(found) == 1:
            wanted.append((ids[row], row, next(iter(found.values())), why))

    apart = decided_apart(different)
    via: dict[int, tuple[int, str]] = {}
    refused: dict[str, int] = {}
    gone: set[int] = set()  # roots of the people joined into others
    for _, row, other, said in sorted(wanted):
        a, b = clusters.find(row), clusters.find(other)
        if a == b:
            continue
        why = guards.between(group(a), group(b))
        if why is None and apart(group(a), group(b)):
            why = DECIDED_DIFFERENT
        if why is None and partners_child(a, b):  # (through an earlier join)
            why = PARTNERS_CHILD
        if why is not None:
            refused[why] = refused.get(why, 0) + 1
            continue
        clusters.union(a, b)  # (the smaller root is kept)
        gone.add(max(a, b))
        via[row] = (other, said)
    return Joined(*regrouped(clusters, groups, roots, gone), via, refused, table)


def regrouped(
    clusters: Clusters, groups: list[list[int]], roots: list[int], gone: set[int]
) -> tuple[list[list[int]], list[int]]:
    """`clusters.groups()` after joins into the clusters made of `groups` and `roots`
    (`gone`: the roots joined into others), working out only the joined groups again."""
    if not gone:
        return groups, roots
    roots = list(roots)
    merged: dict[int, list[int]] = {}
    for root in {clusters.find(row) for row in gone}:
        members = merged[root] = sorted(clusters.group(root))
        for row in members:
            roots[row] = root
    return [merged.get(group[0], group) for group in groups if group[0] not in gone], roots


# For each record that names relatives (and has a given and a family name): the
# people, other than its own and its relatives', with a record of its name at an
# address where a relative's person has a record, each with its first such record by
# id. Worked out as joins of the whole county's records, not record by record. (The
# places each row looks in are made first: asked for a few rows, DuckDB otherwise
# joined them to every record of their given name before the address, 9 s instead
# of 0.3 s at 1,000,000 records.)
_CANDIDATES = """
WITH asking AS (
    SELECT DISTINCT r.row, r.given, r.family, r.root AS mine
    FROM related AS l JOIN records AS r ON r.row = l.row
    WHERE r.given IS NOT NULL AND r.family IS NOT NULL
), theirs AS (
    SELECT DISTINCT l.row, r.root AS person
    FROM related AS l JOIN records AS r ON r.row = l.relative
), reached AS (
    SELECT DISTINCT t.row, r.address
    FROM theirs AS t JOIN records AS r ON r.root = t.person
    WHERE r.address IS NOT NULL
), looked AS MATERIALIZED (
    SELECT a.row, a.given, a.family, a.mine, p.address
    FROM asking AS a JOIN reached AS p ON p.row = a.row
), named AS (
    SELECT a.row, o.root AS person, o.row AS other, o.id,
           o.family IS NOT DISTINCT FROM a.family AS same_family
    FROM looked AS a
    JOIN records AS o ON o.address = a.address AND o.given = a.given
    WHERE o.root <> a.mine
), outside AS (
    SELECT n.* FROM named AS n ANTI JOIN theirs AS t ON t.row = n.row AND t.person = n.person
), best AS (
    SELECT row, same_family, person, arg_min(other, id) AS other
    FROM outside GROUP BY row, same_family, person
)
SELECT row, same_family, person, other FROM best
WHERE same_family OR row NOT IN (SELECT row FROM best WHERE same_family)
"""


# The columns of `found_table`, as it gives them and as they are kept.
FOUND = pa.schema(
    [
        ("row", pa.int64()),
        ("same_family", pa.bool_()),
        ("person", pa.int64()),
        ("other", pa.int64()),
    ]
)


def found_table(
    guards: Guards,
    roots: list[int],
    names: pa.Table | None = None,
    earlier: Earlier | None = None,
) -> pa.Table:
    """The candidates of every row that names relatives, one row per (row, person):
    whether they share the family name too, and the person's first record by id of the
    row's name (`FOUND`). `roots`: each row's person, as its group's first row.

    `names`: the features table's `given_full` and `family` columns (the same values
    as the features' lists), taken as they are rather than made again from the lists
    (about 0.25 s a column at 1,000,000 records). With `earlier`, only the rows it asks
    for are worked out; the others' candidates are those it holds."""
    f = guards.f
    if names is None:
        names = pa.table(
            {
                "given_full": pa.array(f.given_full, pa.string()),
                "family": pa.array(f.family, pa.string()),
            }
        )
    records = pa.table(
        {
            "row": row_numbers(len(f.ids)),
            "id": f.id_array,
            "address": f.address_array,
            "given": names.column("given_full"),
            "family": names.column("family"),
            "root": pa.array(roots, pa.int64()),
        }
    )
    related = links(guards.relatives) if earlier is None else earlier.related
    connection = duckdb.connect()
    try:
        connection.register("records", records)
        connection.register("related", related)
        found = connection.sql(_CANDIDATES).to_arrow_table().cast(FOUND)
    finally:
        connection.close()
    if earlier is not None:
        found = pa.concat_tables([earlier.found.cast(FOUND), found])
    return found


def links(relatives: tuple[list[int], list[int]]) -> pa.Table:
    """The rows each relationship record links (`Guards.relatives`), both ways: `row`,
    `relative`."""
    left, right = relatives
    return pa.table(
        {"row": pa.array(left + right, pa.int64()), "relative": pa.array(right + left, pa.int64())}
    )


def by_row(found: pa.Table) -> dict[int, tuple[dict[int, int], str]]:
    """`found_table` by row: row -> (person -> the first record by id of the row's name
    at its relatives' addresses, and why): people with a record of both its names when
    there are any, else of its given name under any family name. Rows with neither are
    left out."""
    by_row: dict[int, tuple[dict[int, int], str]] = {}
    columns = (found.column(name).to_pylist() for name in ("row", "same_family", "person", "other"))
    for row, same_family, person, other in zip(*columns, strict=True):
        if row not in by_row:
            why = JOINED_THROUGH_RELATIVE if same_family else JOINED_THROUGH_RELATIVE_BY_GIVEN_NAME
            by_row[row] = ({}, why)
        by_row[row][0][person] = other
    return by_row
