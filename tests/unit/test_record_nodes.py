"""The source records whose nodes a refresh writes while matching runs
(`graph_etl.record_nodes.changed_nodes`): those held live whose own values changed,
among those the read says are not as the last read held them."""

from __future__ import annotations

from array import array
from datetime import UTC, datetime
from pathlib import Path

from graph_etl import load_state, model
from graph_etl.load import state_digest
from graph_etl.load_state import StepState
from graph_etl.matching.types import Link
from graph_etl.record_nodes import changed_nodes
from graph_etl.sources import ReadResult, load_manifests
from graph_etl.sources.reuse import SameAs

MANIFESTS = load_manifests()
DEEP_LINK = MANIFESTS["health"].governance["deep_link"]


def patient(key: str, line1: str) -> dict[str, str]:
    return {"id": f"health:patients:{key}", "given_name": "Ann", "line1": line1}


def own_half(record: dict[str, str]) -> str:
    return model.record_half(record, "health", DEEP_LINK)[0]


def test_only_live_records_held_with_other_own_values_are_picked(tmp_path: Path) -> None:
    records = [
        patient("1", "1 Road"),  # as the last read held it (place 0): not looked at
        patient("2", "2 New Road"),  # own values changed: picked
        patient("3", "3 Road"),  # not as the last read held it, own values the same
        patient("4", "4 New Road"),  # retired (dormant, no hash): left to the load
        patient("5", "5 New Road"),  # held without a hash (older code): left to the load
        patient("6", "6 New Road"),  # new: left to the load
    ]
    link = "f" * 16
    hashes: dict[str, str | None] = {
        records[0]["id"]: "0" * 16 + link,
        records[1]["id"]: own_half(patient("2", "2 Road")) + link,
        records[2]["id"]: own_half(records[2]) + link,
        records[3]["id"]: None,
        records[4]["id"]: None,
    }
    states = {"source_records": StepState(hashes, {records[3]["id"]})}
    load_state.save(tmp_path, state_digest(states), states)
    saved = load_state.open_saved(tmp_path, state_digest(states), ["source_records"])
    assert saved is not None
    read = ReadResult("health", datetime(2026, 12, 6, tzinfo=UTC), {"person": records})
    read.same_as = SameAs("last", array("i", [0, -1, -1, -1, -1, -1]))
    try:
        rows = changed_nodes(MANIFESTS, {"health": read}, saved)
    finally:
        saved.close()
    assert [row["id"] for row in rows] == [records[1]["id"]]
    whole = model.source_record_row(records[1], Link("P1", 1.0, [], [], None), "health", DEEP_LINK)
    row = rows[0]
    assert {key: row[key] for key in ("source", "deep_link", "rh", "props")} == {
        key: whole[key] for key in ("source", "deep_link", "rh", "props")
    }
    assert row["h"] == whole["rh"] + link  # (its link's half as held)


def test_a_read_that_does_not_say_which_records_are_as_they_were_picks_none(
    tmp_path: Path,
) -> None:
    states = {"source_records": StepState({"health:patients:1": "0" * 32}, set())}
    load_state.save(tmp_path, state_digest(states), states)
    saved = load_state.open_saved(tmp_path, state_digest(states), ["source_records"])
    assert saved is not None
    read = ReadResult("health", datetime(2026, 12, 6, tzinfo=UTC), {"person": [patient("1", "x")]})
    try:
        assert changed_nodes(MANIFESTS, {"health": read}, saved) == []
    finally:
        saved.close()
