"""Reading the extracts that changed, in several processes when they are large.

Each source's extract is read on its own (no source's read looks at another's), so
on a machine with more than one core the sources that must be read are shared out
among worker processes, largest first; each also saves its own last good read. A
worker that saved its read hands back only that it did, and this process reads the
saved copy (parsing it takes about as long as unpickling the result would, and the
worker is spared pickling it: 3 s for health's 492,425 records); without a state
folder it hands back its `ReadResult` (or the `SourceFailedError` that stopped it) by
pickling. While workers read, this process does the caller's other work
(`meanwhile`: loading the last good reads of the extracts that have not changed, for
one), so even a single changed extract is read in a worker when it is large. Small
extracts (the demo, the tests) are read in this process, where starting workers
would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from graph_etl import snapshots
from graph_etl.gc_pauses import no_gc_pauses
from graph_etl.sources import Manifest, ReadResult, SourceFailedError, read_source

# Below this many bytes of extracts to read, workers cost more than they save.
MIN_PARALLEL_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class ReadJob:
    source: str
    manifest: Manifest
    folder: Path
    digest: str | None  # `snapshots.extract_digest` of the folder, when state is kept
    state_dir: Path | None


def processes_from_env() -> int:
    """`FAMILY_NETWORK_READ_PROCESSES`, else one per core (at most 4)."""
    value = os.environ.get("FAMILY_NETWORK_READ_PROCESSES", "").strip()
    if not value:
        return max(1, min(4, os.cpu_count() or 1))
    if not value.isdigit():
        raise ValueError(f"FAMILY_NETWORK_READ_PROCESSES must be a whole number, not {value!r}")
    return max(1, int(value))


def read_one(job: ReadJob) -> ReadResult:
    """Read one extract (reusing rows its last good read validated) and keep it as
    that source's last good read. Raises `SourceFailedError`."""
    with no_gc_pauses():
        previous = snapshots.load_reusable(job.state_dir, job.manifest) if job.state_dir else None
        result = read_source(job.manifest, job.folder, previous)
        result.read_digest = job.digest
        if job.state_dir is not None:
            snapshots.save(job.state_dir, result, job.digest, snapshots.read_basis(job.manifest))
        return result


def _attempt(job: ReadJob) -> ReadResult | SourceFailedError:
    """`read_one`, with the error that stopped it as its result."""
    try:
        return read_one(job)
    except SourceFailedError as exc:
        return exc


@dataclass(frozen=True)
class Saved:
    """A worker's answer for a read it kept as its source's last good read."""

    source: str


def _attempt_in_worker(job: ReadJob) -> ReadResult | SourceFailedError | Saved:
    """`_attempt`, answering `Saved` instead of the result when it was kept."""
    outcome = _attempt(job)
    if isinstance(outcome, ReadResult) and job.state_dir is not None:
        return Saved(job.source)
    return outcome


def _settled(
    job: ReadJob, outcome: ReadResult | SourceFailedError | Saved
) -> ReadResult | SourceFailedError | None:
    """A worker's outcome, the saved read loaded (None if it cannot be)."""
    if not isinstance(outcome, Saved):
        return outcome
    assert job.state_dir is not None  # (only then does a worker answer `Saved`)
    return snapshots.load(job.state_dir, job.source, job.digest)


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def read_each(
    jobs: list[ReadJob], processes: int, meanwhile: Callable[[], None] | None = None
) -> list[tuple[str, ReadResult | SourceFailedError]]:
    """Each job's source with its result or the error that stopped it, in job order.
    `meanwhile` is run in this process once, while the workers read (if any do)."""
    workers = min(processes, len(jobs))
    done: dict[str, ReadResult | SourceFailedError] = {}
    # Workers pay when there are several, or when this process has other work; a
    # daemonic process (a `multiprocessing.Pool` worker) may not start any.
    wanted = workers > 1 or (workers == 1 and meanwhile is not None)
    if processes > 1 and wanted and not multiprocessing.current_process().daemon:
        sizes = {job.source: _size(job.folder) for job in jobs}
        if sum(sizes.values()) >= MIN_PARALLEL_BYTES:
            ordered = sorted(jobs, key=lambda job: -sizes[job.source])
            done = _in_workers(ordered, workers, meanwhile)
            meanwhile = None  # (run while they read)
    if meanwhile is not None:
        meanwhile()
    for job in jobs:
        if job.source not in done:  # small, or its worker died: read here
            done[job.source] = _attempt(job)
    return [(job.source, done[job.source]) for job in jobs]


def _in_workers(
    jobs: list[ReadJob], workers: int, meanwhile: Callable[[], None] | None = None
) -> dict[str, ReadResult | SourceFailedError]:
    """What the workers read, `meanwhile` run here while they do; none of a job whose
    worker died (killed, out of memory) or whose saved read cannot be loaded."""
    done: dict[str, ReadResult | SourceFailedError] = {}
    # "spawn": a forked child would inherit the locks of the parent's threads. (It
    # imports the main module, as `multiprocessing` does: scripts need a main guard.)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = {job.source: pool.submit(_attempt_in_worker, job) for job in jobs}
        if meanwhile is not None:
            meanwhile()
        try:
            for job in jobs:
                outcome = _settled(job, futures[job.source].result())
                if outcome is not None:
                    done[job.source] = outcome
        except BrokenProcessPool:
            pass
    return done
