"""Shortcuts that must give exactly what the full rules give (graph_etl.matching)."""

from __future__ import annotations

import random

import pytest

from graph_etl.matching import ids


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
