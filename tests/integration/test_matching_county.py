"""The trained model on the committed county, against its ground truth: the real
readers, the real Splink, the committed model file (no graph server needed).

These check correctness, not speed: no wrong merge of twins or siblings, hardly any
wrong merge at all, and most true pairs found (`benchmarks/matching.py` records the
exact figures in docs/benchmarks.md)."""

from __future__ import annotations

import itertools
from collections import defaultdict

import pytest

from graph_etl.matching import MatchResult, match
from graph_etl.matching import county as county_data
from graph_etl.matching.relatives import (
    JOINED_THROUGH_RELATIVE,
    JOINED_THROUGH_RELATIVE_BY_GIVEN_NAME,
)
from graph_etl.matching.results import DECIDED_SAME
from graph_etl.settings import REPO_ROOT

COUNTY = REPO_ROOT / "sample_data" / "county"


@pytest.fixture(scope="module")
def matched() -> tuple[MatchResult, dict[str, str]]:
    records, relationships = county_data.read_county(COUNTY, quiet=True)
    return match(records, relationships=relationships), county_data.read_truth(COUNTY)


def _pairs(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {pair for group in groups.values() for pair in itertools.combinations(sorted(group), 2)}


def test_matching_is_precise_and_finds_most_people(matched) -> None:  # type: ignore[no-untyped-def]
    result, truth = matched
    found: dict[str, list[str]] = defaultdict(list)
    true: dict[str, list[str]] = defaultdict(list)
    for record_id, link in result.links.items():
        found[link.person_id].append(record_id)
        true[truth[record_id]].append(record_id)
    found_pairs, true_pairs = _pairs(found), _pairs(true)
    precision = len(found_pairs & true_pairs) / len(found_pairs)
    recall = len(found_pairs & true_pairs) / len(true_pairs)
    assert precision >= 0.998, precision
    assert recall >= 0.9, recall


def test_no_twins_or_siblings_are_merged(matched) -> None:  # type: ignore[no-untyped-def]
    result, truth = matched
    relatives = county_data.read_twins_and_siblings(COUNTY)
    people: dict[str, set[str]] = defaultdict(set)
    for record_id, link in result.links.items():
        people[link.person_id].add(truth[record_id])
    merged = [
        pair
        for true_people in people.values()
        for pair in itertools.combinations(sorted(true_people), 2)
        if frozenset(pair) in relatives
    ]
    assert merged == []


def test_links_are_explained_and_review_pairs_left_apart(matched) -> None:  # type: ignore[no-untyped-def]
    result, _ = matched
    joined = [link for link in result.links.values() if link.matched_with]
    assert joined and all(link.reasons for link in joined)
    # Every scored link gives its weights; one through relatives says so.
    assert all(link.explanation for link in joined if link.probability is not None)
    through = [
        link
        for link in joined
        if link.reasons[0] in (JOINED_THROUGH_RELATIVE, JOINED_THROUGH_RELATIVE_BY_GIVEN_NAME)
    ]
    assert through and all(link.probability is None for link in joined if not link.explanation)
    # No clerical decisions here: no link may say one confirmed it.
    assert not [link for link in result.links.values() if link.reasons == DECIDED_SAME]
    fields = {
        item["field"] for item in next(link for link in joined if link.explanation).explanation
    }
    assert {"given_name", "family_name", "dob", "address"} <= fields
    assert result.review_pairs
    for pair in result.review_pairs:
        assert pair.probability >= 0.5
        assert result.links[pair.record_a].person_id != result.links[pair.record_b].person_id
