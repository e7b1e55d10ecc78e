"""Shortcuts that must give exactly what the full rules give (graph_etl.matching)."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from graph_etl.matching import ids, results, reuse
from graph_etl.matching.scoring import Edges


def people(previous: dict[str, str]) -> list[list[str]]:
    """Each old person's records."""
    by_old: dict[str, list[str]] = {}
    for record_id, old_id in sorted(previous.items()):
        by_old.setdefault(old_id, []).append(record_id)
    return list(by_old.values())


def regrouped(rng: random.Random, previous: dict[str, str], extra: int) -> list[list[str]]:
    """Some old people's records as they were, the rest (and `extra` new records)
    regrouped at random."""
    groups: list[list[str]] = []
    loose = [f"new{number}" for number in range(extra)]
    for members in people(previous):
        if rng.random() < 0.5:
            groups.append(members)
        else:
            loose.extend(members)
    rng.shuffle(loose)
    while loose:
        size = rng.randint(1, 4)
        groups.append(loose[:size])
        loose = loose[size:]
    rng.shuffle(groups)
    return groups


@pytest.mark.parametrize("seed", range(40))
def test_groups_that_are_one_old_person_keep_its_id_as_the_full_rules_say(seed: int) -> None:
    rng = random.Random(seed)
    previous = {f"r{number:03d}": f"P{rng.randint(0, 15)}" for number in range(rng.randint(0, 40))}
    groups = regrouped(rng, previous, rng.randint(0, 5))
    if not groups:
        return
    assert ids.assign_ids(groups, previous) == ids._assign(groups, previous)
    whole = people(previous)
    assert ids.assign_ids(whole, previous) == ([previous[group[0]] for group in whole], [])
    # ... and the same by row numbers, the records in any order.
    records = [record for group in groups for record in group]
    rng.shuffle(records)
    row_of = {record: row for row, record in enumerate(records)}
    rows = [[row_of[record] for record in group] for group in groups]
    assert ids.persons_by_row(rows, records, previous)[:2] == ids.assign_ids(groups, previous)


@pytest.mark.parametrize("seed", range(40))
def test_each_records_person_is_that_of_its_group_whether_copied_or_made(seed: int) -> None:
    """`persons_by_row`'s map of record to person, copied from the last run's when that
    names exactly these records in this order, is the one made afresh, in that order."""
    rng = random.Random(seed)
    count = rng.randint(1, 40)
    previous = {f"r{number:03d}": f"P{rng.randint(0, 15)}" for number in range(count)}
    extra = rng.choice([0, 0, rng.randint(1, 5)])  # (a copy only without new records)
    groups = regrouped(rng, previous, extra)
    records = sorted(record for group in groups for record in group)
    if rng.random() < 0.2:
        rng.shuffle(records)  # (another order: made afresh)
    row_of = {record: row for row, record in enumerate(records)}
    rows = [sorted(row_of[record] for record in group) for group in groups]
    person_ids, events, person_of = ids.persons_by_row(rows, records, previous)
    assert (person_ids, events) == ids.assign_ids(
        [[records[row] for row in group] for group in rows], previous
    )
    pairs = zip(rows, person_ids, strict=True)
    expected = {records[row]: person for group, person in pairs for row in group}
    assert person_of == expected
    assert list(person_of) == records


@pytest.mark.parametrize("seed", range(10))
def test_wide_components_are_found_the_same_by_the_union_find(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    size = 60
    pairs = sorted({tuple(sorted(rng.sample(range(size), 2))) for _ in range(45)})
    edges = Edges([a for a, _ in pairs], [b for _, b in pairs], [], [], [], [], [])
    seeds = set(rng.sample(range(size + 5), 3))  # rows without pairs too
    stepwise = reuse._reached(edges, seeds)
    monkeypatch.setattr(reuse, "STEPS", 0)
    assert reuse._reached(edges, seeds) == stepwise == reuse._joined_to(edges, seeds)
    assert seeds <= stepwise
    for a, b in pairs:
        assert (a in stepwise) == (b in stepwise)


def one_by_one(edges: Edges, linkable: int, held: set[int], roots: list[int]) -> list[int]:
    """Each row's first linking pair inside its person and not held, pair by pair."""
    best = [-1] * len(roots)
    for index, a, b in zip(range(linkable), edges.left, edges.right, strict=False):
        if roots[a] == roots[b] and index not in held:
            for row in (a, b):
                if best[row] < 0:
                    best[row] = index
    return best


@pytest.mark.parametrize("seed", range(20))
def test_each_rows_strongest_pair_inside_its_person_is_found_as_pair_by_pair(seed: int) -> None:
    rng = random.Random(seed)
    rows = rng.randint(1, 60)
    roots = [rng.randrange(max(1, rows // 3)) for _ in range(rows)]
    pairs = [tuple(rng.sample(range(rows), 2)) for _ in range(rng.randint(0, 90)) if rows > 1]
    edges = Edges([a for a, _ in pairs], [b for _, b in pairs], [], [], [], [], [])
    linkable = rng.randint(0, len(pairs))
    held = set(rng.sample(range(len(pairs)), rng.randint(0, len(pairs)))) if seed % 2 else set()
    ends = pa.array(edges.left, pa.int64()), pa.array(edges.right, pa.int64())
    expected = one_by_one(edges, linkable, held, roots)
    assert results.strongest(ends, linkable, held, roots) == expected
