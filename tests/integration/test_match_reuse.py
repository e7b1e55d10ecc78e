"""Reusing the last run's verdicts, held pairs and groups (graph_etl.matching.reuse),
on the committed county with the real Splink: random edits, removals, additions,
relationship changes and clerical decisions, over several seeds and two refreshes in
a row, give exactly what deciding everything afresh from the same saved scores gives,
and name every record whose link changed (`MatchResult.changed_links`)."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from graph_etl.matching import (
    Decision,
    MatchResult,
    MatchSettings,
    feature_cache,
    features,
    match,
    model_store,
    rescoring,
    reuse,
    scoring,
)
from graph_etl.matching import county as county_data
from graph_etl.matching.relatives import (
    JOINED_THROUGH_RELATIVE,
    JOINED_THROUGH_RELATIVE_BY_GIVEN_NAME,
)
from graph_etl.settings import REPO_ROOT

COUNTY = REPO_ROOT / "sample_data" / "county"
Records = list[dict[str, Any]]
THROUGH_RELATIVES = {JOINED_THROUGH_RELATIVE, JOINED_THROUGH_RELATIVE_BY_GIVEN_NAME}


@pytest.fixture(scope="module")
def county() -> tuple[Records, Records]:
    return county_data.read_county(COUNTY, quiet=True)


def edited(rng: random.Random, records: Records, relationships: Records) -> tuple[Records, Records]:
    """The records and relationship records with a few random changes of every kind."""
    out = [dict(record) for record in records]
    donors = rng.sample(out, 40)
    for record in rng.sample(out, 12):
        record["line1"] = f"Flat {rng.randint(1, 9)}, {record.get('line1') or 'High Street'}"
    for record in rng.sample(out, 6):
        record["postcode"] = rng.choice(donors).get("postcode")
    for record in rng.sample(out, 6):
        if record.get("dob"):
            record["dob"] = f"{int(record['dob'][:4]) + rng.choice((-1, 1))}{record['dob'][4:]}"
    for record in rng.sample(out, 5):
        record["given_name"] = rng.choice(donors).get("given_name")
    for record in rng.sample(out, 3):
        record["family_name"] = rng.choice(donors).get("family_name")
    for record in rng.sample(out, 15):
        out.remove(record)
    for number, record in enumerate(rng.sample(out, 15)):
        copy = {**record, "id": f"{record['id']}-copy{rng.randint(0, 10**6)}-{number}"}
        if number % 2:
            copy["given_name"] = rng.choice(donors).get("given_name")
        if number % 3 == 0:
            out.insert(rng.randrange(len(out)), copy)  # new records come anywhere
        else:
            out.append(copy)
    links = [dict(relation) for relation in relationships]
    for relation in rng.sample(links, 10):
        links.remove(relation)
    for _ in range(10):
        a, b = rng.sample(out, 2)
        links.append({"person": a["id"], "related": b["id"], "type": "PARENT_OF"})
    grouped = [relation for relation in links if relation.get("group") is not None]
    for relation in rng.sample(grouped, min(5, len(grouped))):
        relation["group"] = rng.choice(grouped)["group"]
    return out, links


def decisions_on(rng: random.Random, result: MatchResult) -> list[Decision]:
    """Decisions: different people on a few joined pairs, the same person on a few
    review pairs."""
    joined = [
        (record_id, link.matched_with)
        for record_id, link in sorted(result.links.items())
        if link.matched_with is not None
    ]
    chosen = [Decision(a, b, False) for a, b in rng.sample(joined, 4)]
    review = result.review_pairs
    chosen += [Decision(p.record_a, p.record_b, True) for p in rng.sample(review, 3)]
    return chosen


def without_results(folder: Path, copy: Path) -> Path:
    """A copy of the saved state with the same scores but no kept results (and no
    standardised addresses)."""
    shutil.copytree(folder, copy)
    header = json.loads((copy / "header.json").read_text())
    header["results"] = header["addresses"] = None
    (copy / "header.json").write_text(json.dumps(header))
    return copy


def spy_on(monkeypatch: pytest.MonkeyPatch, name: str) -> list[Any]:
    """What `reuse.<name>` gives `match()` from now on: `plan`'s plans (None:
    everything decided afresh), `earlier_candidates`'s candidates taken from the last
    run (None: every record's worked out afresh)."""
    given: list[Any] = []
    real = getattr(reuse, name)

    def spy(*args: Any) -> Any:
        given.append(real(*args))
        return given[-1]

    monkeypatch.setattr(reuse, name, spy)
    return given


def same(ours: MatchResult, theirs: MatchResult) -> None:
    assert ours.links == theirs.links
    assert ours.review_pairs == theirs.review_pairs
    assert ours.events == theirs.events
    assert ours.model_version == theirs.model_version
    timeless = [{k: v for k, v in r.stats.items() if k != "seconds"} for r in (ours, theirs)]
    assert timeless[0] == timeless[1]
    assert list(ours.stats["guarded"]) == list(theirs.stats["guarded"])


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_reused_results_equal_deciding_everything_afresh(
    county, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:  # type: ignore[no-untyped-def]
    plans, taken = spy_on(monkeypatch, "plan"), spy_on(monkeypatch, "earlier_candidates")
    rng = random.Random(seed)
    records, relationships = county
    state = tmp_path / "state"
    result = match(records, relationships=relationships, scores_dir=state)
    decisions: list[Decision] = []
    for round_ in range(2):
        records, relationships = edited(rng, records, relationships)
        decisions = decisions[1:] + decisions_on(rng, result)
        previous = {record_id: link.person_id for record_id, link in result.links.items()}
        inputs: dict[str, Any] = {
            "previous": previous,
            "decisions": decisions,
            "relationships": relationships,
        }
        reference = without_results(state, tmp_path / f"reference-{round_}")
        afresh = match(records, **inputs, scores_dir=reference)
        assert plans[-1] is None and afresh.changed_links is None
        # The second time with the saved state loaded beforehand, as the ETL does.
        saved = rescoring.load(state) if round_ else None
        last, result = result, match(records, **inputs, scores_dir=state, saved=saved)
        plan = plans[-1]
        assert plan is not None and 0 < sum(plan.dirty) < len(plan.dirty) / 2
        # Some rows' candidates for joins through relatives are last run's.
        earlier = taken[-1]
        assert earlier is not None and earlier.found.num_rows and earlier.related.num_rows
        same(result, afresh)
        # It hands on every record whose link differs from the last run's, and few more.
        assert result.since == last.token and result.token not in (None, last.token)
        differ = {ident for ident, link in result.links.items() if last.links.get(ident) != link}
        assert result.changed_links is not None and differ <= result.changed_links
        assert len(result.changed_links) < len(result.links) / 4
        # A join through relatives made again between the same two records is not named.
        joined_again = {
            ident
            for ident, link in result.links.items()
            if link.reasons[0] in THROUGH_RELATIVES and last.links.get(ident) == link
        }
        assert joined_again - result.changed_links


def test_a_state_kept_later_is_saved_when_the_caller_keeps_it(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """With `keep_later` (the ETL's: it keeps the state while the graph server writes),
    nothing is saved until the result's `keep` is called; the next run then compares
    against that run's state, and takes the features kept beside it."""
    records, relationships = county
    state = tmp_path / "state"
    parts = [feature_cache.Part("county", "one read", len(records))]
    first = match(records, relationships=relationships, scores_dir=state, parts=parts)
    assert first.keep is None
    previous = {record_id: link.person_id for record_id, link in first.links.items()}
    later = match(
        records, previous, relationships=relationships, scores_dir=state, parts=parts,
        keep_later=True,
    )  # fmt: skip
    kept = rescoring.load(state)
    assert kept is not None and kept.token == first.token != later.token
    assert later.keep is not None
    later.keep()
    kept = rescoring.load(state)
    assert kept is not None and kept.token == later.token
    again = match(records, previous, relationships=relationships, scores_dir=state, parts=parts)
    assert again.since == later.token and again.changed_links is not None
    assert again.stats["standardised_records"] == 0


def test_saved_addresses_standardise_as_they_would_afresh(county, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    records, relationships = county
    match(records[:3000], relationships=relationships, scores_dir=tmp_path)
    saved = rescoring.load(tmp_path)
    assert saved is not None and saved.addresses_code == reuse.code_digest()
    assert saved.addresses is not None and len(saved.addresses) > 500
    reused, afresh = features.build(records, saved.addresses), features.build(records)
    assert reused.table is not None and reused.table.equals(afresh.table)
    reused.table = afresh.table = None
    assert reused == afresh


def test_rules_split_by_changed_side_find_the_pairs_of_changed_records(
    county, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    records, _ = county
    built = features.build(records)
    model = model_store.load(MatchSettings().model_path).for_records(len(records))
    changed = [row % 37 == 5 for row in range(len(records))]

    def pairs() -> list[tuple[Any, ...]]:
        edges = scoring.score_duckdb(built.table, model, 0.5, "1GB", changed)
        return [
            (edges.left[i], edges.right[i], edges.weight[i], edges.patterns[edges.pattern[i]])
            for i in range(len(edges))
        ]

    split = pairs()
    monkeypatch.setattr(
        scoring,
        "narrowed",
        lambda rules: [
            {**rule, "blocking_rule": f"({rule['blocking_rule']}) AND (l.changed OR r.changed)"}
            for rule in rules
        ],
    )
    assert split == pairs()
    assert len(split) > 50 and all(changed[a] or changed[b] for a, b, *_ in split)


def test_changed_records_score_as_in_the_whole_table(county) -> None:  # type: ignore[no-untyped-def]
    """Scoring only the records a changed one can reach, with the whole table's name
    frequencies, gives exactly the pairs of scoring everything that have a changed
    record, with the same weights and comparison levels."""
    records, _ = county
    built = features.build(records)
    model = model_store.load(MatchSettings().model_path).for_records(len(records))
    changed = [row % 41 == 3 for row in range(len(records))]

    def pairs(edges: scoring.Edges) -> list[tuple[Any, ...]]:
        return [
            (edges.left[i], edges.right[i], edges.weight[i], edges.probability[i],
             edges.patterns[edges.pattern[i]])
            for i in range(len(edges))
            if changed[edges.left[i]] or changed[edges.right[i]]
        ]  # fmt: skip

    everything = pairs(scoring.score_duckdb(built.table, model, 0.5, "1GB"))
    assert len(everything) > 50
    assert pairs(scoring.score_duckdb(built.table, model, 0.5, "1GB", changed)) == everything


def test_records_in_another_order_or_another_link_threshold_decide_everything_afresh(
    county, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    plans = spy_on(monkeypatch, "plan")
    records, relationships = county
    match(records, relationships=relationships, scores_dir=tmp_path / "state")
    shuffled = records[:]
    random.Random(5).shuffle(shuffled)  # ties of equal weight go by row: not last run's
    reference = without_results(tmp_path / "state", tmp_path / "reference")
    same(
        match(shuffled, relationships=relationships, scores_dir=tmp_path / "state"),
        match(shuffled, relationships=relationships, scores_dir=reference),
    )
    assert plans[0] is None
    stricter = MatchSettings(link_threshold=0.97)
    reference = without_results(tmp_path / "state", tmp_path / "reference-2")
    same(
        match(
            shuffled, relationships=relationships, settings=stricter, scores_dir=tmp_path / "state"
        ),
        match(shuffled, relationships=relationships, settings=stricter, scores_dir=reference),
    )
    assert plans[2] is None
