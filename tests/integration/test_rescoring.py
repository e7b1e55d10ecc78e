"""Scoring only what changed (graph_etl.matching.rescoring), on the committed county
with the real Splink: the result is that of scoring everything."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from graph_etl.matching import MatchResult, MatchSettings, match, rescoring
from graph_etl.matching import county as county_data
from graph_etl.settings import REPO_ROOT

COUNTY = REPO_ROOT / "sample_data" / "county"


@pytest.fixture(scope="module")
def county() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return county_data.read_county(COUNTY, quiet=True)


def changed_county(
    records: list[dict[str, Any]], replace: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """The county with 30 people moved and 5 dates of birth corrected; with `replace`,
    that many records gone and as many new (copies of others under new ids), so the
    count, and with it the model's scaling, stays that of a full run. Returns the
    records and how many are new or changed."""
    out = [dict(record) for record in records]
    moved = [record for record in out if record.get("line1")][::97][:30]
    for number, record in enumerate(moved):
        record["line1"] = f"Flat {number % 9 + 1}, {record['line1']}"
    for record in [record for record in out if record.get("dob")][5::211][:5]:
        record["dob"] = f"{int(record['dob'][:4]) - 1}{record['dob'][4:]}"
    kept = out[: len(out) - replace]
    new = [{**record, "id": f"{record['id']}-again"} for record in kept[100 : 100 + replace]]
    return kept + new, len(moved) + 5 + len(new)


def explained(result: MatchResult) -> dict[str, tuple[float, list[str]]]:
    return {key: (link.probability, link.reasons) for key, link in result.links.items()}


def people(result: MatchResult) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for record_id, link in result.links.items():
        groups.setdefault(link.person_id, set()).add(record_id)
    return {frozenset(group) for group in groups.values()}


def test_scoring_only_the_changed_records_gives_the_full_result(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    records, relationships = county
    first = match(records, relationships=relationships, scores_dir=tmp_path)
    assert first.stats["rescored_records"] == len(records)  # nothing saved yet

    again = match(records, relationships=relationships, scores_dir=tmp_path)
    assert again.stats["rescored_records"] == 0
    assert again.links == first.links and again.review_pairs == first.review_pairs

    changed, how_many = changed_county(records)
    partly = match(changed, relationships=relationships, scores_dir=tmp_path)
    assert 0 < partly.stats["rescored_records"] <= how_many
    full = match(changed, relationships=relationships)
    assert partly.stats["scored_pairs"] == full.stats["scored_pairs"]
    assert explained(partly) == explained(full)  # no name changed: exactly the same
    assert people(partly) == people(full)
    assert partly.review_pairs == full.review_pairs


def test_when_name_frequencies_change_kept_pairs_drift_only_slightly(
    county, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    records, relationships = county
    match(records, relationships=relationships, scores_dir=tmp_path)
    changed, _ = changed_county(records, replace=5)
    partly = match(changed, relationships=relationships, scores_dir=tmp_path)
    full = match(changed, relationships=relationships)
    assert people(partly) == people(full)
    assert partly.stats["scored_pairs"] == full.stats["scored_pairs"]
    ours, theirs = explained(partly), explained(full)
    for key, (probability, reasons) in theirs.items():
        assert ours[key][1] == reasons
        if probability is None:  # joined through relatives, not by a scored pair
            assert ours[key][0] is None
        else:  # by less than half a bit of match weight, at any probability
            assert weight(ours[key][0]) == pytest.approx(weight(probability), abs=0.5)


def weight(probability: float) -> float:
    return math.log2(probability / (1 - probability)) if probability < 1 else math.inf


def test_other_settings_score_everything_again(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    records, relationships = county
    match(records, relationships=relationships, scores_dir=tmp_path)
    other = MatchSettings(review_threshold=0.6)
    result = match(records, relationships=relationships, settings=other, scores_dir=tmp_path)
    assert result.stats["rescored_records"] == len(records)
    header = tmp_path / "header.json"
    header.write_text("not json")  # unreadable: scored in full, then saved afresh
    result = match(records, relationships=relationships, settings=other, scores_dir=tmp_path)
    assert result.stats["rescored_records"] == len(records)
    assert rescoring.load(tmp_path) is not None
    assert len(list(tmp_path.glob("*.arrow"))) == 5  # older files are removed
