"""Shortcuts that must give exactly what the full rules give (graph_etl.matching)."""

from __future__ import annotations

import random

import pytest

from graph_etl.matching import ids, reuse
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
    assert ids.assign_ids_by_row(rows, records, previous) == ids.assign_ids(groups, previous)


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
