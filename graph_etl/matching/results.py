"""From clusters to what `match()` returns: a link per record and the review pairs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from graph_etl.matching.explain import Explainer
from graph_etl.matching.features import row_numbers
from graph_etl.matching.relatives import (
    JOINED_THROUGH_RELATIVE,
    JOINED_THROUGH_RELATIVE_BY_GIVEN_NAME,
)
from graph_etl.matching.scoring import Edges
from graph_etl.matching.types import Link, ReviewPair

ONLY_RECORD = ["only record of this person"]
DECIDED_SAME = ["confirmed as the same person by clerical review"]
# Said on the link of the record another was joined to through its relatives (the
# other's link says why, in its own words: `relatives`).
JOINED_BY_RELATIVE = {
    JOINED_THROUGH_RELATIVE: "joined by a record of the same name that names a relative "
    "recorded at this record's address",
    JOINED_THROUGH_RELATIVE_BY_GIVEN_NAME: "joined by the record of a person of the same "
    "given name (under another family name) that names a relative recorded at this "
    "record's address",
}


class Links(Mapping[str, Link]):
    """Each record's link (see `links_for`), worked out when it is first asked for: a
    refresh asks for those of the records it rebuilds, not the whole county's.
    `person_of` holds every record's person id, worked out at once."""

    def __init__(
        self,
        ids: list[str],
        row_of: dict[str, int],
        edges: Edges,
        best: list[int],
        roots: list[int],
        sizes: dict[int, int],
        person_of: dict[str, str],
        explain: Explainer,
        joins: dict[int, tuple[int, str]],
        scored: dict[tuple[int, int], int],
    ) -> None:
        self._ids, self._row_of, self._edges, self._best = ids, row_of, edges, best
        self._roots, self._sizes, self._explain = roots, sizes, explain
        self._joins, self._scored = joins, scored
        self._made: dict[str, Link] = {}  # (links worked out already, by record id)
        self.person_of = person_of

    def __getitem__(self, record_id: str) -> Link:
        link = self._made.get(record_id)
        if link is None:
            row = self._row_of[record_id]
            joined = self._joins.get(row)
            link = self._through(row, *joined) if joined else self._link(row)
            self._made[record_id] = link
            if len(self._made) == len(self._ids):
                self._let_go()
        return link

    def _let_go(self) -> None:
        """Every link is made (a full build asks for them all): free what made them,
        the scored pairs and the row numbers (about 0.4 GB at 1,000,000 records)."""
        self._row_of = {}
        del self._edges, self._best, self._roots, self._sizes, self._explain
        del self._joins, self._scored

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self.person_of

    def _link(self, row: int) -> Link:
        """Explained by the record's strongest pair inside its person, if any."""
        root, index, edges = self._roots[row], self._best[row], self._edges
        person = self.person_of[self._ids[row]]
        if index < 0:
            reasons = ONLY_RECORD if self._sizes[root] == 1 else DECIDED_SAME
            return Link(person, 1.0, reasons, [])
        reasons, explanation = self._explain.pattern(edges.pattern[index], edges.patterns)
        other = edges.right[index] if edges.left[index] == row else edges.left[index]
        return Link(person, edges.probability[index], reasons, explanation, self._ids[other])

    def _through(self, row: int, other: int, why: str) -> Link:
        """Explained by a join through relatives with the record in row `other`, and by
        the pair's scores when the pair was scored."""
        index = self._scored.get((row, other), self._scored.get((other, row)))
        edges, ids = self._edges, self._ids
        reasons: list[str] = []
        explanation: list[str] = []
        if index is not None:
            reasons, explanation = self._explain.pattern(edges.pattern[index], edges.patterns)
        probability = None if index is None else edges.probability[index]
        return Link(self.person_of[ids[row]], probability, [why, *reasons], explanation, ids[other])


def links_for(
    ids: list[str],
    edges: Edges,
    linkable: int,
    held: set[int],
    roots: list[int],
    sizes: dict[int, int],
    person_of: dict[str, str],
    explain: Explainer,
    via: dict[int, tuple[int, str]] | None = None,
    row_of: dict[str, int] | None = None,
) -> Links:
    """Each record's link, explained by its strongest pair inside its person
    (`roots[row]` names the row's group; `sizes[root]` is the group's size). A record
    joined through its relatives (`via`: row -> the record of its name, and why) is
    explained by that, with the pair's scores when the pair was scored; so is the
    record of its name, when no scored pair joins that one to its person (the first
    such join by record id). Only a record joined by neither is said to be confirmed by
    clerical review. `person_of`: each record's person id, by record id, in the order
    of `ids`; `row_of`: each record id's row (worked out from `ids` if not given)."""
    left, right = edges.left, edges.right
    ends = pa.array(left, pa.int64()), pa.array(right, pa.int64())
    best = strongest(ends, linkable, held, roots)
    # Rows explained through a join (by row): the row at the join's other end, and why.
    joins: dict[int, tuple[int, str]] = {}
    scored: dict[tuple[int, int], int] = {}
    if via:
        scored = {(left[index], right[index]): index for index in _scored(ends, via, len(ids))}
        joins.update(via)
        for row, (other, why) in sorted(via.items(), key=lambda item: ids[item[0]]):
            if best[other] < 0 and other not in joins:
                joins[other] = (row, JOINED_BY_RELATIVE[why])
    if row_of is None:
        row_of = {record_id: row for row, record_id in enumerate(ids)}
    return Links(ids, row_of, edges, best, roots, sizes, person_of, explain, joins, scored)


def strongest(
    ends: tuple[pa.Array, pa.Array], linkable: int, held: set[int], roots: list[int]
) -> list[int]:
    """Each row's strongest linking pair inside its person and not held back (the
    first such by index, pairs coming strongest first), -1 for none. `ends`: each
    pair's left and right row. (The pairs are looked at in Arrow, not one by one.)"""
    best = [-1] * len(roots)
    if not linkable:
        return best
    left, right = (end.slice(0, linkable) for end in ends)
    person = pa.array(roots, pa.int64())
    inside = pc.equal(pc.take(person, left), pc.take(person, right))
    if held:
        kept_back = pc.is_in(row_numbers(linkable), value_set=pa.array(sorted(held), pa.int64()))
        inside = pc.and_(inside, pc.invert(kept_back))
    index = pc.indices_nonzero(inside).cast(pa.int64())
    rows = pa.concat_arrays([pc.take(left, index), pc.take(right, index)])
    first = (
        pa.table({"row": rows, "index": pa.concat_arrays([index, index])})
        .group_by("row")
        .aggregate([("index", "min")])
    )
    found = first.column("row").to_pylist(), first.column("index_min").to_pylist()
    for row, at in zip(*found, strict=True):
        best[row] = at
    return best


def _scored(
    ends: tuple[pa.Array, pa.Array], via: dict[int, tuple[int, str]], rows: int
) -> list[int]:
    """The indices of the pairs joining a record joined through its relatives to the
    record it was joined to (either way round), in order. `rows`: how many rows."""
    left, right = ends
    joins = [(row, other) for row, (other, _) in via.items()]
    wanted = [a * rows + b for a, b in joins] + [b * rows + a for a, b in joins]
    codes = pc.add(pc.multiply(left, rows), right)  # (one number per ordered pair)
    return pc.indices_nonzero(pc.is_in(codes, value_set=pa.array(wanted, pa.int64()))).to_pylist()


def review_pairs(
    ids: list[str],
    edges: Edges,
    linkable: int,
    held: set[int],
    roots: list[int],
    decided: set[frozenset[int]],
    verdicts: list[str | None],
    explain: Explainer,
) -> list[ReviewPair]:
    """Review-band pairs (and held-back ambiguous ones) left in different people, not
    already decided: the strongest pair for each pair of people."""
    seen: set[tuple[int, int]] = set()
    review: list[ReviewPair] = []
    for index in (*sorted(held), *range(linkable, len(edges))):
        a, b = edges.left[index], edges.right[index]
        root_a, root_b = roots[a], roots[b]
        people = (min(root_a, root_b), max(root_a, root_b))
        if root_a == root_b or people in seen or frozenset((a, b)) in decided:
            continue
        seen.add(people)
        _, explanation = explain.pattern(edges.pattern[index], edges.patterns)
        first, second = sorted((ids[a], ids[b]))
        review.append(
            ReviewPair(first, second, edges.probability[index], explanation, verdicts[index])
        )
    return review
