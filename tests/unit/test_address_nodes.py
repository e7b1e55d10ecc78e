"""The addresses a refresh settles while matching runs (`graph_etl.address_nodes`):
new ones the changed records name, and held ones no record names any more, each only
where that is certain."""

from __future__ import annotations

from array import array
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graph_etl import load_state, model
from graph_etl.address_nodes import address_changes, changed_records
from graph_etl.load import content_hash, state_digest
from graph_etl.load_state import SavedState, StepState
from graph_etl.refresh_scope import Inputs
from graph_etl.sources import ReadResult
from graph_etl.sources.reuse import SameAs

WHEN = datetime(2026, 12, 6, tzinfo=UTC)
EXTRACTED = {"health": "2026-12-05T00:00:00+00:00", "schools": "2026-12-05T00:00:00+00:00"}


def record(source: str, key: str, line1: str) -> dict[str, str]:
    return {"id": f"{source}:people:{key}", "line1": line1, "postcode": "EX1 1AA"}


def address(line1: str) -> str:
    return model.address_id(line1, "EX1 1AA", None)


def saved(tmp_path: Path, addresses: list[str], lives_at: list[str]) -> SavedState:
    states = {
        "addresses": StepState({ident: "0" * 40 for ident in addresses}, set()),
        "lives_at": StepState(dict.fromkeys(lives_at, "0" * 40), set()),
    }
    load_state.save(tmp_path, state_digest(states), states)
    found = load_state.open_saved(tmp_path, state_digest(states), list(states))
    assert found is not None
    return found


def read(source: str, records: list[dict], places: list[int], last: str = "r1") -> ReadResult:
    result = ReadResult(source, WHEN, {"person": records})
    result.read_digest = f"{last}-next"
    result.same_as = SameAs(last, array("i", places))
    return result


def inputs(reads: dict[str, str] | None = None) -> Inputs:
    return Inputs({}, {}, EXTRACTED, reads or {"health": "r1", "schools": "r1"})


def test_new_and_gone_addresses_are_settled_only_where_certain(tmp_path: Path) -> None:
    moved = record("health", "1", "1 New Road")  # P1 left 1 Old Road, named by it alone
    stays = record("health", "2", "2 New Road")  # P2 left 2 Shared Road...
    pupil = record("schools", "3", "2 Shared Road")  # ...which P3's unchanged record names
    sibling = record("health", "4", "4 Kept Road")  # P4, unchanged: keeps 4 Kept Road...
    twin = record("health", "5", "5 New Road")  # ...which P4's changed record left
    person_of = {r["id"]: p for r, p in zip(
        (moved, stays, pupil, sibling, twin), ("P1", "P2", "P3", "P4", "P4"), strict=True
    )}  # fmt: skip
    held = saved(
        tmp_path,
        [address(line) for line in ("1 Old Road", "2 Shared Road", "4 Kept Road", "2 New Road")],
        [
            f"P1|{address('1 Old Road')}|health",
            f"P2|{address('2 Shared Road')}|health",
            f"P3|{address('2 Shared Road')}|schools",
            f"P4|{address('4 Kept Road')}|health",
        ],
    )
    results = {
        "health": read("health", [moved, stays, sibling, twin], [-1, -1, 2, -1]),
        "schools": read("schools", [pupil], [0]),
    }
    try:
        found = address_changes(results, held, person_of, inputs())
    finally:
        held.close()
    expected = [model.address_row(address(line), [r]) for line, r in
                (("1 New Road", moved), ("5 New Road", twin))]  # fmt: skip
    for row in expected:
        row["h"] = content_hash(row)
    assert found.new == sorted(expected, key=lambda row: row["id"])  # (2 New Road is held)
    assert found.gone == [address("1 Old Road")]


def test_an_address_history_item_keeps_an_address(tmp_path: Path) -> None:
    """A changed record whose address history still names its old address: not gone."""
    moved = record("health", "1", "1 New Road")
    held = saved(tmp_path, [address("1 Old Road")], [f"P1|{address('1 Old Road')}|health"])
    result = read("health", [moved], [-1])
    result.records["address"] = [{"person": moved["id"], "line1": "1 Old Road",
                                  "postcode": "EX1 1AA"}]  # fmt: skip
    try:
        last = Inputs({}, {}, {"health": EXTRACTED["health"]}, {"health": "r1"})
        found = address_changes({"health": result}, held, {moved["id"]: "P1"}, last)
    finally:
        held.close()
    assert found.gone == []
    assert [row["id"] for row in found.new] == [address("1 New Road")]


@pytest.mark.parametrize(
    ("same_as", "reads", "extracted"),
    [
        (None, None, EXTRACTED),  # the read says nothing about which records are as they were
        ("r0", None, EXTRACTED),  # it says so against another read than the last load's
        ("r1", None, {"health": EXTRACTED["health"]}),  # the last load had no such source
    ],
)
def test_nothing_is_settled_unless_every_source_says_what_changed(
    same_as: str | None, reads: dict[str, str] | None, extracted: dict[str, str]
) -> None:
    results = {"health": read("health", [record("health", "1", "1 New Road")], [-1])}
    if same_as is None:
        results["health"].same_as = None
    else:
        results["health"].same_as = SameAs(same_as, array("i", [-1]))
    results["schools"] = read("schools", [record("schools", "2", "2 Road")], [0])
    last = Inputs({}, {}, extracted, reads or {"health": "r1", "schools": "r1"})
    assert changed_records(results, last) is None


def test_a_source_read_from_the_last_loads_extract_has_no_changed_record() -> None:
    same = read("schools", [record("schools", "2", "2 Road")], [-1])
    same.read_digest = "r1"  # (the extract the last load read)
    results = {"health": read("health", [record("health", "1", "1 Road")], [-1]), "schools": same}
    assert list(changed_records(results, inputs()) or {}) == ["health:people:1"]
