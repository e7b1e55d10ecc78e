"""The ETL pipeline: read every extract, link people, build graph rows, load them."""

from __future__ import annotations

import csv
import gc
import json
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph_etl import arrow_pool, read_pool, record_nodes, refresh_scope, snapshots
from graph_etl.gc_pauses import no_gc_pauses
from graph_etl.graph import Graph
from graph_etl.load import held_states, load_rows, previous_person_ids
from graph_etl.matching import Decision, MatchSettings, match, rescoring
from graph_etl.matching import decisions as decision_store
from graph_etl.matching.feature_cache import Part
from graph_etl.matching.types import person_ids
from graph_etl.sources import (
    Manifest,
    ReadResult,
    SourceFailedError,
    load_manifests,
)


@dataclass
class EtlReport:
    started_at: datetime
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    people: int = 0
    matching: dict[str, Any] = field(default_factory=dict)
    # Whether the model was built only for what changed, and for how much.
    model: dict[str, Any] = field(default_factory=dict)
    loaded: dict[str, dict[str, int]] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    load_steps: dict[str, float] = field(default_factory=dict)  # write seconds per load step
    # Rows written ahead of the load, while matching ran (`graph_etl.record_nodes`), and
    # the seconds it took.
    written_early: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "seconds": round(self.seconds, 2),
            "people": self.people,
            "matching": self.matching,
            "model": self.model,
            "phases": self.phases,
            "load_steps": self.load_steps,
            "written_early": self.written_early,
            "sources": self.sources,
            "loaded": self.loaded,
        }

    def summary(self) -> str:
        lines = [f"ETL finished in {self.seconds:.1f}s: {self.people:,} people"]
        if self.matching:
            said = [f"{self.matching['review_pairs']:,} pairs for clerical review"]
            said += [f"{n:,} {kind}" for kind, n in sorted(self.matching["events"].items())]
            lines.append(f"  matching ({self.matching['model_version']}): {'; '.join(said)}")
        for source, report in self.sources.items():
            if report["status"] != "loaded":
                kept = report.get("kept_previous_extract")
                note = f" (kept the previous extract of {kept})" if kept else ""
                lines.append(f"  {source:<20} {report['status'].upper()}: {report['error']}{note}")
                continue
            lines.append(
                f"  {source:<20} read {report['rows_read']:>8,}  accepted "
                f"{report['rows_accepted']:>8,}  quarantined {report['rows_quarantined']:>6,}"
            )
            for reason, count in sorted(report["quarantine_reasons"].items()):
                lines.append(f"      {count:>6,} x {reason}")
        return "\n".join(lines)


def read_all(
    manifests: dict[str, Manifest],
    extracts: Path,
    report: EtlReport,
    state_dir: Path | None = None,
    processes: int | None = None,
    meanwhile: Callable[[], None] | None = None,
    saves: ExitStack | None = None,
) -> dict[str, ReadResult]:
    """Read each source's folder. A source that fails (or is absent) is reported and,
    when a last good read of it is kept in `state_dir`, that is used instead; so is
    the last good read of an extract that has not changed since (reported `unchanged`).
    Of an extract that has changed, rows the last good read held are not validated
    again (see `graph_etl.sources.reuse`). Large extracts are read in `processes`
    worker processes (default: `read_pool.processes_from_env`), while this one loads
    the last good reads of those unchanged (with their person records merged, as
    matching asks for them next, and as they are kept) and runs `meanwhile` (the
    caller's work that does not need the reads). With `saves`, a worker may still be
    saving its read as its source's last good read when this returns: closing that
    stack waits for it."""
    results: dict[str, ReadResult] = {}

    def failed(source: str, folder: Path, exc: SourceFailedError) -> None:
        previous = snapshots.load(state_dir, source, merged=True) if state_dir else None
        status = "absent" if not folder.is_dir() else "failed"
        report.sources[source] = {"status": status, "error": str(exc)}
        if previous is not None:
            results[source] = previous
            report.sources[source]["kept_previous_extract"] = previous.extracted_at.isoformat()

    jobs: list[read_pool.ReadJob] = []
    unchanged: list[read_pool.ReadJob] = []  # extracts whose last good read is kept
    for source, manifest in manifests.items():
        folder = extracts / source
        if not folder.is_dir():
            failed(source, folder, SourceFailedError(f"no folder {folder.name}/ in {extracts}"))
            continue
        digest = snapshots.extract_digest(manifest, folder) if state_dir is not None else None
        job = read_pool.ReadJob(source, manifest, folder, digest, state_dir)
        kept = state_dir is not None and snapshots.kept_digest(state_dir, source) == digest
        (unchanged if kept else jobs).append(job)

    damaged: list[read_pool.ReadJob] = []  # unchanged, but the last good read is unreadable

    def load_unchanged() -> None:
        for job in unchanged:
            assert job.state_dir is not None
            kept = snapshots.load(job.state_dir, job.source, job.digest, merged=True)
            if kept is None:
                damaged.append(job)
                continue
            kept.people()
            results[job.source] = kept
            report.sources[job.source] = {**kept.report(), "unchanged": True}
        if meanwhile is not None:
            meanwhile()

    workers = processes if processes is not None else read_pool.processes_from_env()
    outcomes = read_pool.read_each(jobs, workers, load_unchanged, saves)
    for source, outcome in [*outcomes, *read_pool.read_each(damaged, 1)]:
        if isinstance(outcome, SourceFailedError):
            failed(source, extracts / source, outcome)
        else:
            results[source] = outcome
            report.sources[source] = outcome.report()
    # In manifest order (unchanged and failed sources were settled first): matching
    # takes records in the order of the results.
    order = {source: position for position, source in enumerate(manifests)}
    report.sources = dict(
        sorted(report.sources.items(), key=lambda item: order.get(item[0], len(order)))
    )
    return {source: results[source] for source in manifests if source in results}


# The working data of runs that keep it until the process ends (`run`'s
# `keep_until_exit`).
_KEPT_UNTIL_EXIT: list[object] = []


@no_gc_pauses()
def run(
    graph: Graph,
    extracts: Path,
    report_path: Path | None = None,
    manifests: dict[str, Manifest] | None = None,
    quiet: bool = False,
    state_dir: Path | None = None,
    match_settings: MatchSettings | None = None,
    decisions: list[Decision] | None = None,
    rescore_all: bool = False,
    keep_until_exit: bool = False,
) -> EtlReport:
    """Read, match, build and load. `state_dir` (default: the graph settings' state
    folder) keeps each source's last good read and the pairs matching scored, so that
    a refresh scores only pairs with a new or changed record (`rescore_all`: score
    them all again). Clerical `decisions` default to those in the relational store;
    person ids carry forward from what the graph holds.

    The run's working data (4 to 5 GB at 1,000,000 records) is freed as this
    returns, which takes Python about a second at that size. With `keep_until_exit`
    it is kept instead (and frozen out of the garbage collector's passes), for a
    caller that ends its process straight after without freeing it (the command line,
    with `os._exit`)."""
    started = datetime.now(UTC)
    arrow_pool.choose()
    report = EtlReport(started)
    manifests = manifests if manifests is not None else load_manifests()
    if not quiet:
        print(f"Reading extracts in {extracts}", file=sys.stderr)
    state_dir = state_dir if state_dir is not None else graph.settings.state_dir
    clock = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.phases[name] = round(now - clock, 2)
        clock = now
        if not quiet:
            print(f"  {name} done in {report.phases[name]:.1f}s", file=sys.stderr)

    scores_dir = state_dir / "last_match" if state_dir is not None else None
    if rescore_all and scores_dir is not None:
        shutil.rmtree(scores_dir, ignore_errors=True)
    settings = match_settings or MatchSettings.from_env(quiet=quiet)
    kept: dict[str, Any] = {}
    scores: Future[rescoring.Saved | None] | None = None
    if scores_dir is not None and settings.backend == "duckdb":
        # Matching's kept scores are read in a thread from the start (Arrow reads them
        # without holding the interpreter lock), beside the extracts and the other state.
        aside = ThreadPoolExecutor(1, thread_name_prefix="kept-scores")
        scores = aside.submit(rescoring.load, scores_dir)
        aside.shutdown(wait=False)  # (its thread ends once they are read)

    def load_kept_state() -> None:
        """What the last load and the last matching left (see `graph_etl.load` and
        `graph_etl.matching.rescoring`): loaded while workers read extracts."""
        began = time.perf_counter()
        kept["person_of"] = previous_person_ids(graph, state_dir)
        kept["held"] = held = held_states(graph, state_dir)
        saves.callback(held.close)  # (closed even when reading then fails)
        kept["inputs"] = refresh_scope.last_inputs(state_dir, held)
        kept["scores"] = scores.result() if scores is not None else None
        report.phases["read_kept_state"] = round(time.perf_counter() - began, 2)

    # Closed at the end: waits for any read worker still saving what it read (it goes on
    # while matching starts), and closes the saved state's file.
    saves = ExitStack()
    try:
        results = read_all(
            manifests, extracts, report, state_dir, meanwhile=load_kept_state, saves=saves
        )
        person_of, held = kept["person_of"], kept["held"]
        phase("read")
        # The nodes of records whose own values changed are written while matching runs.
        nodes = record_nodes.NodeWrites.of(graph, held, manifests, results)
        saves.callback(nodes.close)
        # Once matching has scored its pairs (from there it leaves a core idle), the
        # saved state's log goes into its file in a thread (the model asks it for keys),
        # and those nodes are written in another.
        folding = ThreadPoolExecutor(1, thread_name_prefix="fold-log")
        saves.callback(folding.shutdown)  # (waits for it before the state is closed)

        def after_scoring() -> None:
            nodes.start()
            folding.submit(held.fold_log)

        store = decision_store.make_engine() if decisions is None else None
        parts = [
            Part(
                source, result.read_digest, len(result.people()), result.same_as,
                result.relationships(),
            )
            for source, result in results.items()
        ]  # fmt: skip
        matched = match(
            [record for result in results.values() for record in result.people()],
            previous=person_of,
            decisions=decision_store.load_decisions(store) if store is not None else decisions,
            settings=settings,
            relationships=[item for part in parts for item in part.relationships],
            scores_dir=scores_dir,
            saved=kept.pop("scores"),
            parts=parts,
            keep_later=True,
            after_scoring=after_scoring,
        )
        report.people = matched.stats["people"]
        report.matching = {
            "model_version": matched.model_version,
            "review_pairs": len(matched.review_pairs),
            "events": dict(Counter(event["kind"] for event in matched.events)),
            **matched.stats,
        }
        phase("match")
        folding.shutdown()  # (the fold done)
        built = refresh_scope.build_rows(
            manifests, results, matched, started, held, kept.pop("inputs"), person_of
        )
        report.model = built.report
        phase("model")
        report.written_early = {"source_record_nodes": nodes.finish(), "seconds": nodes.seconds}
        load_times: dict[str, Any] = {}

        def keep_for_next_run(digest: str) -> None:
            """While the server writes: what matching keeps, and the inputs the next
            refresh needs (a full build's worked out now; kept, as the load's state,
            for the load of `digest`)."""
            if matched.keep is not None:
                matched.keep()
            if state_dir is not None and (built.inputs_changed or digest != held.digest):
                refresh_scope.save(state_dir, digest, built.inputs)

        loaded = load_rows(
            graph,
            built.rows,
            person_ids(matched.links),
            quiet=quiet,
            state_dir=state_dir,
            timings=load_times,
            held=held,
            scopes=built.scopes,
            meanwhile=keep_for_next_run,
        )
        report.loaded = loaded.counts
        if store is not None:
            decision_store.record_events(store, matched.events)
    finally:
        saves.close()
    phase("load")
    for part in ("build", "state", "write", "retire_early", "retire"):  # of which
        report.phases[f"load_{part}"] = load_times[part]
    report.load_steps = load_times["steps"]
    report.seconds = (datetime.now(UTC) - started).total_seconds()
    if report_path is not None:
        write_report(report, results, report_path)
    if keep_until_exit:
        _KEPT_UNTIL_EXIT.append((results, matched, built, person_of, held, scores))
        # Out of the collector's sight: turned back on as this returns, it would
        # otherwise first go over every object the run made (0.6 s at 1,000,000
        # records), none of which is ever freed.
        gc.freeze()
    return report


def write_report(report: EtlReport, results: dict[str, ReadResult], path: Path) -> None:
    """The JSON load report, and beside it every quarantined row (file, line, reason)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    quarantine = path.with_name(f"{path.stem}.quarantine.csv")
    with quarantine.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "file", "line", "reason"])
        for source, result in sorted(results.items()):
            for item in result.quarantine:
                writer.writerow([source, item.file, item.line, item.reason])
    body = {**report.as_dict(), "quarantine_file": quarantine.name}
    path.write_text(json.dumps(body, indent=2) + "\n")
