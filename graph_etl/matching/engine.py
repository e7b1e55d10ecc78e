"""`match()`: canonical person records -> links, review pairs and id events."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa

from graph_etl.gc_pauses import no_gc_pauses
from graph_etl.matching import (
    feature_cache,
    features,
    guard_cache,
    model_store,
    relatives,
    rescoring,
    reuse,
)
from graph_etl.matching.clustering import Clusters, cluster
from graph_etl.matching.explain import Explainer
from graph_etl.matching.guards import Guards
from graph_etl.matching.ids import persons_by_row
from graph_etl.matching.results import links_for, review_pairs
from graph_etl.matching.scoring import Edges
from graph_etl.matching.settings import MatchSettings
from graph_etl.matching.types import Decision, MatchResult, Record


class _Clock:
    def __init__(self, quiet: bool) -> None:
        self.quiet, self.last = quiet, time.monotonic()
        self.seconds: dict[str, float] = {}

    def lap(self, step: str, detail: str = "") -> None:
        now = time.monotonic()
        self.seconds[step] = round(now - self.last, 2)
        self.last = now
        if not self.quiet:
            print(f"  matching: {step} {detail} ({self.seconds[step]:.1f}s)", file=sys.stderr,
                  flush=True)  # fmt: skip


def score(
    table: Any, model: model_store.Model, settings: MatchSettings, changed: list[bool] | None = None
) -> Edges:
    """Scored pairs at or above the review threshold, on the configured backend
    (`changed`, DuckDB only: just the pairs with a record flagged in it)."""
    if settings.backend == "spark":
        from graph_etl.matching.spark import score_spark

        return score_spark(table, model, settings.review_threshold)
    from graph_etl.matching.scoring import score_duckdb

    return score_duckdb(table, model, settings.review_threshold, settings.memory_limit, changed)


def _with_saved_scores(
    model: model_store.Model,
    records: int,
    settings: MatchSettings,
    scores_dir: Path | None,
    saved: rescoring.Saved | None,
) -> tuple[model_store.Model, rescoring.Saved | None]:
    """The model scaled for this run, and the last run's scores when they can be reused
    with it (see `rescoring`; `saved`: as loaded from `scores_dir` already, if it was)."""
    if not scores_dir or settings.backend != "duckdb":
        saved = None
    elif saved is None:
        saved = rescoring.load(scores_dir)
    if saved is not None:
        scaled = model.for_records(rescoring.scale_for(saved, records))
        if rescoring.key(scaled, settings.review_threshold) == saved.key:
            return scaled, saved
    return model.for_records(records), None


def _decided(
    decisions: Sequence[Decision], row_of: dict[str, int]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]], set[frozenset[int]]]:
    same, different, pairs = [], [], set()
    for decision in decisions:
        a, b = row_of.get(decision.record_a), row_of.get(decision.record_b)
        if a is None or b is None or a == b:
            continue
        (same if decision.same_person else different).append((a, b))
        pairs.add(frozenset((a, b)))
    return same, different, pairs


def match(
    records: Sequence[Record],
    previous: dict[str, str] | None = None,
    decisions: Sequence[Decision] | None = None,
    settings: MatchSettings | None = None,
    relationships: Iterable[dict[str, Any]] = (),
    scores_dir: Path | None = None,
    saved: rescoring.Saved | None = None,
    parts: Sequence[feature_cache.Part] = (),
    keep_later: bool = False,
    after_scoring: Callable[[], object] | None = None,
) -> MatchResult:
    """Match canonical person records into people.

    `previous`: record id -> person id from the last load (ids carry forward);
    `decisions`: clerical decisions, honoured over the model; `relationships`: the
    sources' relationship records (`person`, `related`, `type`) and household-group
    records (`person`, `group`), which say which records are different people and how
    their ages relate (guard 5); `scores_dir`: where the scored pairs, and what was
    decided from them, are kept between runs, so that only pairs with a changed record
    are scored (see `rescoring`) and only the parts a change reaches are decided
    afresh (see `reuse`); `saved`: what `rescoring.load(scores_dir)` gave, when the
    caller loaded it already (while extracts were being read); `parts`: which source
    each run of `records` came from, and what it was read from, so that with
    `scores_dir` only the sources read afresh are standardised (see `feature_cache`);
    `keep_later`: what is kept in `scores_dir` is saved when the caller calls the
    result's `keep` (say, while the graph server writes), not before this returns;
    `after_scoring`: called once the pairs are scored; what follows is Python on one
    core, so a caller may start work of its own in another thread then."""
    with no_gc_pauses():
        return _match(
            records, previous, decisions, settings, relationships, scores_dir, saved, parts,
            keep_later, after_scoring,
        )  # fmt: skip


def _match(
    records: Sequence[Record],
    previous: dict[str, str] | None,
    decisions: Sequence[Decision] | None,
    settings: MatchSettings | None,
    relationships: Iterable[dict[str, Any]],
    scores_dir: Path | None,
    saved: rescoring.Saved | None,
    parts: Sequence[feature_cache.Part],
    keep_later: bool = False,
    after_scoring: Callable[[], object] | None = None,
) -> MatchResult:
    settings = settings or MatchSettings.from_env()
    clock = _Clock(settings.quiet)
    model = model_store.load(settings.model_path)
    scaled, saved = _with_saved_scores(model, len(records), settings, scores_dir, saved)
    code = reuse.code_digest()
    known = saved.addresses if saved is not None and saved.addresses_code == code else None
    standardised = len(records)
    writes: list[Callable[[], object]] = []  # the features kept for the next run
    if scores_dir is not None and parts:
        built, standardised = feature_cache.build(
            records, parts, known, scores_dir, code, writes if keep_later else None
        )
    else:
        built = features.build(records, known)
    row_of = dict(zip(built.ids, range(len(built.ids)), strict=True))
    if len(row_of) != len(built.ids):
        raise ValueError("record ids must be unique")
    relationships = list(relationships)
    keeping = scores_dir is not None
    # The guards, and (when results are kept) each record's signature (`reuse`): each
    # source's part kept between runs when the parts carry the relationship records.
    guards_of: Callable[[], tuple[Guards, pa.Array | None]]
    if scores_dir is not None and _by_part(parts, len(records), len(relationships)):
        later = writes if keep_later else None
        guards_of = partial(guard_cache.build, built, parts, scores_dir, code, later)
    else:
        guards_of = partial(_guards, built, relationships, row_of, keeping)
    id_array = built.id_array  # (made here, before the guards' thread asks for it)
    clock.lap("standardised", f"{len(records):,} records ({standardised:,} afresh)")

    names = [comparison["output_column_name"] for comparison in model.splink["comparisons"]]
    rescored = len(records)
    with ThreadPoolExecutor(1, thread_name_prefix="guards") as aside:
        # The guards and what they say about each record need only the features: in a
        # refresh they are worked out in this thread while the backend hashes and
        # scores the changed records' pairs (DuckDB runs without holding the
        # interpreter lock). Scoring every pair keeps both cores busy on its own.
        guarding = None
        if saved is not None:
            guarding = aside.submit(guards_of)
        hashes = built.hashes if keeping else None  # (kept with the features, or:)
        if keeping and hashes is None:
            hashes = rescoring.record_hashes(built.table)
        changed: list[bool] | None = None
        trace: rescoring.Trace | None = None
        if saved is not None and hashes is not None:
            mask = rescoring.changed_mask(id_array, hashes, saved)
            changed = mask.to_pylist()
            rescored = sum(changed)
            fresh = Edges.empty(names)
            if rescored:
                fresh = score(built.table, scaled, settings, changed)
            edges, trace = rescoring.merge_traced(saved, id_array, mask, fresh)
        elif len(records) > 1:
            edges = score(built.table, scaled, settings)
        else:
            edges = Edges.empty(names)
        # (the names, for the joins through relatives below)
        names = built.table.select(["given_full", "family"]) if built.table is not None else None
        built.table = None  # the backend has what it needs; free the memory
    if guarding is not None:
        guards, signature = guarding.result()
    else:
        guards, signature = guards_of()
    clock.lap(
        "scored",
        f"{len(edges):,} pairs at or above {settings.review_threshold} "
        f"({rescored:,} records new or changed)",
    )
    if after_scoring is not None:
        after_scoring()

    same, different, decided = _decided(decisions or [], row_of)
    named = sorted({d.record_a for d in decisions or []} | {d.record_b for d in decisions or []})
    linkable = sum(1 for p in edges.probability if p >= settings.link_threshold)
    results_key = reuse.results_key(settings.link_threshold, guards.grouped_files)
    plan: reuse.Plan | None = None
    if changed is not None and trace is not None:
        plan = reuse.plan(
            saved, results_key, id_array, row_of, changed, edges, trace, signature, set(named)
        )
    decided_now = _decide(edges, linkable, guards, settings.link_threshold, same, different, plan)
    verdicts, held, clusters = decided_now.verdict, decided_now.held, decided_now.clusters
    clustered, clustered_roots = clusters.groups()
    fresh_edges = len(edges) if plan is None else sum(plan.dirty)
    clock.lap(
        "clustered",
        f"{len(clustered):,} people, {sum(1 for why in decided_now.blocked if why):,} pairs "
        f"guarded, {len(held):,} held ({fresh_edges:,} pairs decided afresh)",
    )

    # Kept below as clustering left them; joins through relatives are made afresh, from
    # last run's candidates for the rows no change reaches.
    earlier = None
    if saved is not None and plan is not None:
        earlier = reuse.earlier_candidates(
            saved, plan, id_array, clustered_roots, built.address_array, guards.relatives
        )
    joined = relatives.join(guards, clustered, clustered_roots, different, names, earlier)
    groups, roots = joined.groups, joined.roots
    clock.lap("joined", f"{len(joined.via):,} records through their relatives")

    ids = built.ids
    _, events, person_of = persons_by_row(groups, ids, previous)
    token: str | None = None
    keep: Callable[[], object] | None = None
    if scores_dir is not None and hashes is not None:
        kept = rescoring.Results(
            key=results_key,
            decided=named,
            verdict=verdicts,
            held=[index in held for index in range(len(edges))],
            blocked=decided_now.blocked,
        )
        by_row = rescoring.ByRow(
            root=clustered_roots,
            signature=signature,
            final=roots,
            via={row: other for row, (other, _) in joined.via.items()},
        )
        key = saved.key if saved is not None else rescoring.key(scaled, settings.review_threshold)
        addresses = (code, built.addresses)
        token = rescoring.new_token()
        left, right = (pa.array(rows, pa.int32()) for rows in guards.relatives)
        related = pa.table({"left": left, "right": right})
        joins = rescoring.Joins(built.address_array, related, joined.found)
        writes.append(partial(
            rescoring.save, scores_dir, key, scaled.records, id_array, hashes, edges,
            (kept, by_row), addresses, token, joins,
        ))  # fmt: skip
        keep = partial(_in_turn, writes)
        if not keep_later:
            keep()
            keep = None
    changed_links = None
    if saved is not None and plan is not None:
        changed_links = reuse.changed_links(saved, plan, id_array, roots, joined.via)
    afresh = "all" if changed_links is None else f"{len(changed_links):,}"
    clock.lap("kept", f"{afresh} links to describe afresh")
    explain = Explainer(edges.names, scaled.weights())
    sizes = {roots[group[0]]: len(group) for group in groups}
    links = links_for(
        ids, edges, linkable, held, roots, sizes, person_of, explain, joined.via, row_of
    )
    review = review_pairs(ids, edges, linkable, held, roots, decided, verdicts, explain)
    clock.lap("explained", f"{len(review):,} pairs for review")
    blocked: dict[str, int] = {}
    for why in decided_now.blocked:
        if why is not None:
            blocked[why] = blocked.get(why, 0) + 1
    stats = {
        "records": len(ids),
        "people": len(groups),
        "scored_pairs": len(edges),
        "standardised_records": standardised,
        "rescored_records": rescored,
        "linking_pairs": linkable,
        "ambiguous_pairs_held": len(held),
        "guarded": blocked,
        "joined_through_relatives": len(joined.via),
        "relative_joins_refused": joined.refused,
        "seconds": clock.seconds,
    }
    since = saved.token if saved is not None and changed_links is not None else None
    return MatchResult(
        links, review, events, model.version, stats, token, since, changed_links, keep
    )


def _in_turn(writes: list[Callable[[], object]]) -> None:
    for write in writes:
        write()


def _guards(
    built: features.Features,
    relationships: Iterable[dict[str, Any]],
    row_of: dict[str, int],
    keeping: bool,
) -> tuple[Guards, pa.Array | None]:
    """The guards, and (when results are kept) each record's signature (`reuse`),
    worked out from all the relationship records at once."""
    guards = Guards(built, relationships, row_of)
    return guards, reuse.signatures(guards.said, built.id_array) if keeping else None


def _by_part(parts: Sequence[feature_cache.Part], records: int, relationships: int) -> bool:
    """Whether the parts cover the records and carry their relationship records (the
    ETL's: `relationships` is those of every part, in order)."""
    return (
        bool(parts)
        and sum(part.records for part in parts) == records
        and sum(len(part.relationships) for part in parts) == relationships
    )


@dataclass
class _Decided:
    verdict: list[str | None]  # the guards' verdict on each pair
    held: set[int]  # linking pairs held back as ambiguous
    blocked: list[str | None]  # why clustering refused to join each pair
    clusters: Clusters


def _decide(
    edges: Edges,
    linkable: int,
    guards: Guards,
    threshold: float,
    same: list[tuple[int, int]],
    different: list[tuple[int, int]],
    plan: reuse.Plan | None,
) -> _Decided:
    """Guard verdicts, held pairs and groups: afresh for the pairs `plan` marks dirty
    (all, without a plan), last run's answers for the rest."""
    left, right = edges.left, edges.right
    if plan is None:
        work = list(range(len(edges)))
        verdicts: list[str | None] = [None] * len(edges)
        blocked: list[str | None] = [None] * len(edges)
        held: set[int] = set()
        clusters = Clusters(len(guards.f))
    else:
        work = [index for index, dirty in enumerate(plan.dirty) if dirty]
        verdicts, blocked, held = plan.verdict, plan.blocked, set(plan.held)
        clusters = Clusters(len(guards.f))
        clusters.adopt(plan.joined)
    conflict = guards.conflict
    for index in work:
        verdicts[index] = conflict(left[index], right[index])
    linking = [index for index in work if index < linkable]
    held |= ambiguous(edges, linking, verdicts, guards, threshold)
    outcome = cluster(
        len(guards.f),
        ((left[i], right[i], verdicts[i]) for i in linking if i not in held),
        guards,
        same=same,
        different=different,
        clusters=clusters,
    )
    if outcome.blocked:
        index_of = {(left[i], right[i]): i for i in linking}
        for a, b, why in outcome.blocked:
            blocked[index_of[(a, b)]] = why
    return _Decided(verdicts, held, blocked, clusters)


def ambiguous(
    edges: Edges,
    linking: Iterable[int] | int,
    verdicts: list[str | None],
    guards: Guards,
    threshold: float,
) -> set[int]:
    """Linking pairs to hold back for review because the record has a rival match.

    When a record's best match and another of its matches can never be one person
    (twins; a mother and daughter of one name), the chance it belongs with the best
    one is its odds shared among all of them. If that falls below the link threshold,
    the record joins neither: its pairs go to review instead. `verdicts[i]` is the
    guards' verdict on pair i; `linking`: the linking pairs to look at, ascending (a
    count: the first that many), each with all the other linking pairs of its records."""
    left, right, probability = edges.left, edges.right, edges.probability
    indices = range(linking) if isinstance(linking, int) else list(linking)
    degree: dict[int, int] = {}
    for index in indices:
        if verdicts[index] is None:
            a, b = left[index], right[index]
            degree[a] = degree.get(a, 0) + 1
            degree[b] = degree.get(b, 0) + 1
    by_row: dict[int, list[int]] = {}
    for index in indices:
        if verdicts[index] is None:
            for row in (left[index], right[index]):
                if degree[row] > 1:
                    by_row.setdefault(row, []).append(index)
    held: set[int] = set()
    for row, indices in by_row.items():
        # Edges are sorted strongest first, so the first is the best.
        others = [right[i] if left[i] == row else left[i] for i in indices]
        best = others[0]
        rivals = [i for i, other in zip(indices[1:], others[1:], strict=True)
                  if guards.conflict(best, other)]  # fmt: skip
        if not rivals:
            continue
        odds = [_odds(probability[i]) for i in (indices[0], *rivals)]
        if odds[0] / (1 + sum(odds)) < threshold:
            held.update((indices[0], *rivals))
    return held


def _odds(probability: float) -> float:
    return probability / max(1 - probability, 1e-300)
