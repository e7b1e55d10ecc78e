"""Reading the extracts that changed, in several processes when they are large.

Each source's extract is read on its own (no source's read looks at another's), so
on a machine with more than one core the sources that must be read are shared out
among worker processes, largest first; each also saves its own last good read. A
worker hands back its `ReadResult` (or the `SourceFailedError` that stopped it) by
pickling, which costs far less than reading: at 1,000,000 records, reading every
extract is over a minute of Python. Small extracts (the demo, the tests) are read in
this process, where starting workers would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
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


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def read_each(
    jobs: list[ReadJob], processes: int
) -> Iterator[tuple[str, ReadResult | SourceFailedError]]:
    """Each job's source with its result or the error that stopped it, in job order."""
    workers = min(processes, len(jobs))
    done: dict[str, ReadResult | SourceFailedError] = {}
    if workers > 1:  # (else the folders' sizes are not needed)
        sizes = {job.source: _size(job.folder) for job in jobs}
        if sum(sizes.values()) >= MIN_PARALLEL_BYTES:
            done = _in_workers(sorted(jobs, key=lambda job: -sizes[job.source]), workers)
    for job in jobs:
        if job.source not in done:  # small, or its worker died: read here
            done[job.source] = _attempt(job)
        yield job.source, done[job.source]


def _in_workers(jobs: list[ReadJob], workers: int) -> dict[str, ReadResult | SourceFailedError]:
    """What the workers read; none of a job whose worker died (killed, out of memory)."""
    done: dict[str, ReadResult | SourceFailedError] = {}
    # "spawn": a forked child would inherit the locks of the parent's threads. (It
    # imports the main module, as `multiprocessing` does: scripts need a main guard.)
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = {job.source: pool.submit(_attempt, job) for job in jobs}
            for source, future in futures.items():
                done[source] = future.result()
    except BrokenProcessPool:
        pass
    return done
