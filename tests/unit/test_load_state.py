"""The saved load state (`graph_etl.load_state`): asked about keys, it answers as the
same state held in dicts does; a save that fails leaves the one before whole."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from graph_etl import load_state
from graph_etl.load import state_digest, state_total
from graph_etl.load_state import HeldInMemory, StepState

STEPS = ("lives_at", "family", "involvements")


def random_states(rng: random.Random) -> dict[str, StepState]:
    persons = [f"P{n}" for n in range(40)]
    addresses = [f"A{n}" for n in range(15)] + ["U1|2", "U1|3"]  # (UPRNs with a bar)
    lives = {
        f"{rng.choice(persons)}|{rng.choice(addresses)}|{rng.choice(['health', 'schools'])}"
        for _ in range(120)
    }
    family = {
        f"{rng.choice(persons)}|{rng.choice(persons)}|{rng.choice(['PARENT_OF', 'SIBLING_OF'])}"
        for _ in range(80)
    }
    involvements = {f"{source}:services:{n}" for source in ("health", "schools") for n in range(15)}
    asleep = set(rng.sample(sorted(involvements), 5))
    return {
        "lives_at": StepState({key: f"{rng.getrandbits(64):x}" for key in lives}, set()),
        "family": StepState({key: f"{rng.getrandbits(64):x}" for key in family}, set()),
        "involvements": StepState(
            {key: None if key in asleep else f"{rng.getrandbits(64):x}" for key in involvements},
            asleep,
        ),
    }


@pytest.mark.parametrize("seed", range(5))
def test_the_saved_state_answers_as_the_state_in_dicts(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    states = random_states(rng)
    digest = state_digest(states)
    load_state.save(tmp_path, digest, states)
    saved = load_state.open_saved(tmp_path, digest, STEPS)
    assert saved is not None
    in_memory = HeldInMemory(states)
    try:
        for step in STEPS:
            whole = saved.state(step)
            assert (whole.hashes, whole.dormant) == (states[step].hashes, states[step].dormant)
            assert sorted(saved.keys(step)) == sorted(in_memory.keys(step))
            some = [*rng.sample(sorted(states[step].hashes), 7), "not held"]
            part = saved.state(step, some)
            assert part.hashes == {k: states[step].hashes[k] for k in some[:-1]}
            assert part.dormant == states[step].dormant & set(some)
            assert part.counts() == (len(states[step].hashes), len(states[step].dormant))
            assert part.total == whole.total
            keep = set(rng.sample(sorted(states[step].hashes), 10))
            assert saved.gone(step, keep) == in_memory.gone(step, keep)
            skipped = saved.gone(step, keep, ["schools"])
            assert skipped == in_memory.gone(step, keep, ["schools"])
            if step == "involvements":  # (the keys of the sources skipped are not looked at)
                assert skipped == {key for key in saved.gone(step, keep) if "schools" not in key}
        for _ in range(10):
            persons = {f"P{n}" for n in rng.sample(range(45), 6)}
            for step in ("lives_at", "family"):
                assert saved.keys_of(step, persons) == in_memory.keys_of(step, persons)
            addresses = set(rng.sample(["A1", "A2", "A3", "U1|2", "U1", "2"], 3))
            assert saved.living_at(addresses) == in_memory.living_at(addresses)
    finally:
        saved.close()


def opened(
    folder: Path, seed: int
) -> tuple[dict[str, StepState], load_state.SavedState, StepState]:
    """Random states saved in `folder` and opened, and three family keys' state."""
    states = random_states(random.Random(seed))
    load_state.save(folder, state_digest(states), states)
    saved = load_state.open_saved(folder, state_digest(states), STEPS)
    assert saved is not None
    return states, saved, saved.state("family", list(states["family"].hashes)[:3])


def test_hashes_rewritten_ahead_of_a_load_are_what_the_state_gives_and_saves(
    tmp_path: Path,
) -> None:
    """`SavedState.rewrite` (the nodes a refresh wrote while matching ran): the state
    gives the new hashes, for those keys even when not asked for, with the sum of
    hashes to match; a plan's save keeps them; a key not held live is refused."""
    states, saved, _ = opened(tmp_path, 3)
    try:
        held = states["involvements"]
        live = sorted(key for key in held.hashes if key not in held.dormant)
        new = {live[0]: "f" * 16, live[1]: "1"}
        saved.rewrite("involvements", new)
        whole = saved.state("involvements")
        assert whole.hashes == {**held.hashes, **new}
        assert whole.total == total_of(whole.hashes)
        part = saved.state("involvements", [live[2]])
        assert part.hashes == {live[2]: held.hashes[live[2]], **new}
        with pytest.raises(ValueError, match="not held live"):
            saved.rewrite("involvements", {sorted(held.dormant)[0]: "2"})
        with pytest.raises(ValueError, match="not held live"):
            saved.rewrite("involvements", {"not held": "2"})
        after = {**states, "involvements": part}
        load_state.save(tmp_path, "after", after, saved)
        assert saved.rewritten == {}
        assert saved.state("involvements").hashes == {**held.hashes, **new}
    finally:
        saved.close()


def total_of(hashes: dict[str, str | None]) -> int:
    return state_total(StepState(dict(hashes), set()))


def test_a_save_that_fails_leaves_the_state_before(tmp_path: Path) -> None:
    states, saved, part = opened(tmp_path, 1)
    digest = saved.digest
    part.hashes[next(iter(part.hashes))] = 12345  # type: ignore[assignment]  # (not text)
    after = {**states, "family": part}
    after["family"].total = 1
    with pytest.raises(Exception):  # noqa: B017  (Arrow's error)
        load_state.save(tmp_path, "another digest", after, saved)
    saved.close()
    assert load_state.saved_digest(tmp_path) == digest
    again = load_state.open_saved(tmp_path, digest, STEPS)
    assert again is not None
    for step in STEPS:  # (lives_at, replaced whole before the failure, too)
        assert again.state(step).hashes == states[step].hashes
    again.close()


def test_states_of_some_keys_only_are_saved_only_onto_what_they_were_read_from(
    tmp_path: Path,
) -> None:
    part = StepState({"a": "1"}, set(), 1, size=(10, 0))
    with pytest.raises(ValueError, match="read from"):
        load_state.save(tmp_path, "d", {"family": part})


def test_another_loads_state_or_other_steps_are_not_opened(tmp_path: Path) -> None:
    states = random_states(random.Random(2))
    digest = state_digest(states)
    assert load_state.open_saved(tmp_path, digest, STEPS) is None  # none saved
    load_state.save(tmp_path, digest, states)
    assert load_state.open_saved(tmp_path, "another digest", STEPS) is None
    assert load_state.open_saved(tmp_path, digest, (*STEPS, "persons")) is None


def test_a_save_onto_the_opened_state_is_kept_in_the_log_until_the_next_run_folds_it(
    tmp_path: Path,
) -> None:
    """A refresh's save stays committed in DuckDB's write-ahead log when the file is
    closed (not written into the file after the graph writes): a read-only look and
    the next open see it, and that run's `fold_log` writes it into the file."""
    states, saved, part = opened(tmp_path, 3)
    gone = next(iter(part.hashes))
    del part.hashes[gone]
    part.removed = {gone}
    part.total = 7
    after = {**states, "family": part}
    load_state.save(tmp_path, "the refresh's digest", after, saved)
    saved.close()
    log = tmp_path / "last_load" / "state.duckdb.wal"
    assert log.is_file() and log.stat().st_size > 0
    assert load_state.saved_digest(tmp_path) == "the refresh's digest"
    again = load_state.open_saved(tmp_path, "the refresh's digest", STEPS)
    assert again is not None
    expected = {key: h for key, h in states["family"].hashes.items() if key != gone}
    assert log.stat().st_size > 0
    assert again.state("family").hashes == expected
    again.fold_log()
    assert not log.is_file() or log.stat().st_size == 0
    assert again.state("family").hashes == expected
    again.close()
