"""Reading the extracts that changed, in worker processes when they are large.

Each source's extract is read on its own (no source's read looks at another's), so
on a machine with more than one core the sources that must be read are shared out
among worker processes, largest first, while this process does the caller's other
work (`meanwhile`: loading the last good reads of the extracts that have not changed,
for one); even a single changed extract is read in a worker when it is large. Small
extracts (the demo, the tests) are read in this process, where starting workers
would cost more than it saves.

A worker is a new interpreter running `graph_etl.read_worker`, which imports the
reader and no more (a `multiprocessing` worker imports the caller's main module
again, the whole ETL: 1 to 1.5 s before it could start reading). Each worker also
saves its own last good read. What it hands back depends on what it read from:

- Reusing the rows of the last good read (a refresh), it hands back only what is new
  (`Delta`: the records that read did not hold, and each other record's place in
  it), and then saves its read. This process loads the same last good read while
  the worker reads, and puts the two together: at 1,000,000 records, loading health's
  saved read again after the worker took 1.2 to 2.6 s. It loads that read's person
  records as kept merged (`ReadResult.people`, `snapshots.LAST_GOOD_FORMAT`), not as
  read: the records the worker reused take theirs. The ETL goes on to match while the
  worker saves, and waits for it at the end of the run.
- Else it saves its read and hands back only that it did; this process then loads
  the saved copy (parsing it takes about as long as unpickling the result would,
  and the worker is spared pickling it: 3 s for health's 492,425 records).
- Without a state folder, it hands back its `ReadResult` (or the
  `SourceFailedError` that stopped it).
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
from array import array
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from graph_etl import snapshots
from graph_etl.gc_pauses import no_gc_pauses
from graph_etl.sources import Manifest, ReadResult, SourceFailedError, read_source

# Below this many bytes of extracts to read, workers cost more than they save.
MIN_PARALLEL_BYTES = 32 * 1024 * 1024
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # (for the worker's imports)


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


def _previous(job: ReadJob, merged: bool = False) -> ReadResult | None:
    """The last good read whose rows a read of `job` may reuse (`merged`: with its
    person records merged, as this process puts a worker's `Delta` together with it;
    see `snapshots.load`)."""
    if job.state_dir is None:
        return None
    return snapshots.load_reusable(job.state_dir, job.manifest, merged)


def _read(job: ReadJob, previous: ReadResult | None) -> ReadResult:
    result = read_source(job.manifest, job.folder, previous)
    result.read_digest = job.digest
    return result


def _save(job: ReadJob, result: ReadResult) -> None:
    assert job.state_dir is not None
    snapshots.save(job.state_dir, result, job.digest, snapshots.read_basis(job.manifest))


def read_one(job: ReadJob) -> ReadResult:
    """Read one extract (reusing rows its last good read validated) and keep it as
    that source's last good read. Raises `SourceFailedError`."""
    with no_gc_pauses():
        result = _read(job, _previous(job))
        if job.state_dir is not None:
            _save(job, result)
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


@dataclass
class Delta:
    """A worker's answer for a read that reused the rows of the last good read whose
    `read_digest` is `previous`: the result with, of each kind, only the records that
    read did not hold (in order), and each record's place in that read (-1: one of
    those given). (It then saves the whole read.)"""

    result: ReadResult
    previous: str
    places: dict[str, array]

    @classmethod
    def of(cls, result: ReadResult, previous: str) -> Delta:
        assert result.places is not None
        places: dict[str, array] = {}
        fresh: dict[str, list[Any]] = {}
        for kind, records in result.records.items():
            taken: set[int] = set()  # (a record given twice is sent the second time)
            at_list, given = array("i"), []
            for record, place in zip(records, result.places[kind], strict=True):
                if place >= 0 and place not in taken:
                    taken.add(place)
                    at_list.append(place)
                else:
                    at_list.append(-1)
                    given.append(record)
            places[kind], fresh[kind] = at_list, given
        answer = ReadResult(result.source, result.extracted_at, fresh, result.files)
        answer.quarantine, answer.rows = result.quarantine, result.rows
        answer.read_digest, answer.same_as = result.read_digest, result.same_as
        return cls(answer, previous, places)

    def applied(self, previous: ReadResult | None) -> ReadResult | None:
        """The whole result, taking records from `previous`; None unless that is the
        last good read this was worked out against."""
        if previous is None or previous.read_digest != self.previous:
            return None
        records: dict[str, list[Any]] = {}
        try:
            for kind, places in self.places.items():
                then, given = previous.records.get(kind, []), iter(self.result.records[kind])
                records[kind] = [then[at] if at >= 0 else next(given) for at in places]
                if next(given, None) is not None:
                    return None
        except (IndexError, StopIteration):
            return None
        # (the records `previous` gives are merged when its person records are)
        return dataclasses.replace(
            self.result, records=records, persons_merged=previous.persons_merged
        )


Answer = ReadResult | SourceFailedError | Saved | Delta


def work(job: ReadJob, send: Callable[[Answer], None]) -> None:
    """A worker's read of `job`, its answers given to `send` (see the module docstring)."""
    with no_gc_pauses():
        try:
            previous = _previous(job)
            result = _read(job, previous)
        except SourceFailedError as exc:
            send(exc)
            return
        if job.state_dir is None:
            send(result)
            return
        if previous is not None and previous.read_digest and result.places is not None:
            send(Delta.of(result, previous.read_digest))  # (this process goes on meanwhile)
        _save(job, result)
        send(Saved(job.source))


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def read_each(
    jobs: list[ReadJob],
    processes: int,
    meanwhile: Callable[[], None] | None = None,
    saves: ExitStack | None = None,
) -> list[tuple[str, ReadResult | SourceFailedError]]:
    """Each job's source with its result or the error that stopped it, in job order.
    `meanwhile` is run in this process once, while the workers read (if any do).
    With `saves`, a worker that answered with a `Delta` may still be saving its read
    when this returns: the stack waits for it when closed (else this does)."""
    workers = min(processes, len(jobs))
    done: dict[str, ReadResult | SourceFailedError] = {}
    # Workers pay when there are several, or when this process has other work.
    wanted = workers > 1 or (workers == 1 and meanwhile is not None)
    if processes > 1 and wanted:
        sizes = {job.source: _size(job.folder) for job in jobs}
        if sum(sizes.values()) >= MIN_PARALLEL_BYTES:
            ordered = sorted(jobs, key=lambda job: -sizes[job.source])
            done = _in_workers(ordered, workers, meanwhile, saves)
            meanwhile = None  # (run while they read)
    if meanwhile is not None:
        meanwhile()
    for job in jobs:
        if job.source not in done:  # small, or its worker died: read here
            done[job.source] = _attempt(job)
    return [(job.source, done[job.source]) for job in jobs]


class _Worker:
    """One job read in a worker process: its answers, as they come."""

    def __init__(self, job: ReadJob) -> None:
        self.job = job
        self.first: Future[Answer | None] = Future()  # None: the worker stopped first
        self.last: Future[Answer | None] = Future()  # after a `Delta`: `Saved` once saved
        self.process: subprocess.Popen[bytes] | None = None
        self.stopped = False

    def run(self) -> None:
        """Start the worker and take its answers (in a thread of this process)."""
        if self.stopped:
            return
        try:
            reading, writing = os.pipe()
            with os.fdopen(reading, "rb") as answers:
                try:
                    self.process = subprocess.Popen(
                        [sys.executable, "-m", "graph_etl.read_worker", str(writing)],
                        stdin=subprocess.PIPE,
                        pass_fds=(writing,),
                        env={**os.environ, "PYTHONPATH": os.pathsep.join(_import_path())},
                    )
                finally:
                    os.close(writing)  # (the worker's copy stays open: EOF when it ends)
                assert self.process.stdin is not None
                with self.process.stdin:
                    pickle.dump(self.job, self.process.stdin)
                first = _answer(answers)
                _give(self.first, first)
                if isinstance(first, Delta):
                    _give(self.last, _answer(answers))
            self.process.wait()
        except OSError:  # (it could not start, or stopped before taking the job)
            pass  # its answers are None: the job is read in this process
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop the worker if it still runs; an answer it did not give is None."""
        self.stopped = True
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        _give(self.first, None)
        _give(self.last, None)


def _give(future: Future[Answer | None], answer: Answer | None) -> None:
    if not future.done():
        future.set_result(answer)


def _import_path() -> list[str]:
    """This process's import path for the worker, with this package's folder first."""
    return [str(_PACKAGE_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]


def _answer(channel: BinaryIO) -> Answer | None:
    """The worker's next answer; None when it stopped before giving one."""
    try:
        return pickle.load(channel)  # noqa: S301 (from the worker this process started)
    except (EOFError, pickle.UnpicklingError):
        return None


def _in_workers(
    jobs: list[ReadJob],
    workers: int,
    meanwhile: Callable[[], None] | None = None,
    saves: ExitStack | None = None,
) -> dict[str, ReadResult | SourceFailedError]:
    """What the workers read, `meanwhile` run here while they do; none of a job whose
    worker died (killed, out of memory) or whose saved read cannot be loaded. The
    workers still saving their reads are waited for here, or (with `saves`) when
    that stack is closed: this process has no more use for them."""
    done: dict[str, ReadResult | SourceFailedError] = {}
    running = [_Worker(job) for job in jobs]
    pool = ThreadPoolExecutor(workers, thread_name_prefix="read-worker")
    threads = [pool.submit(worker.run) for worker in running]

    def finish() -> None:
        """Wait for the workers to end (those stopped by a failure here are killed)."""
        try:
            for thread in threads:
                thread.result()
        finally:
            for worker in running:
                worker.stop()
            pool.shutdown()

    try:
        # First what the workers read from (before any saves its new read over it).
        previous = {job.source: _previous(job, merged=True) for job in jobs}
        if meanwhile is not None:
            meanwhile()
        for worker in running:
            outcome = _settled(worker, previous.pop(worker.job.source))
            if outcome is not None:
                done[worker.job.source] = outcome
    except BaseException:
        for worker in running:
            worker.stop()
        finish()
        raise
    if saves is None:
        finish()
    else:
        saves.callback(finish)
    return done


def _settled(worker: _Worker, previous: ReadResult | None) -> ReadResult | SourceFailedError | None:
    """A worker's outcome: a `Delta` put together with `previous`, a saved read loaded
    (None if it cannot be, or if the worker died)."""
    if previous is not None:
        # (merged while the worker reads: the records it reuses take theirs from these)
        previous.people()
    job, answer = worker.job, worker.first.result()
    if isinstance(answer, Delta):
        whole = answer.applied(previous)
        if whole is not None:
            assert previous is not None  # (a `Delta` applies to nothing else)
            whole.take_people_from(previous)
            return whole
        answer = Saved(job.source) if isinstance(worker.last.result(), Saved) else None
    if not isinstance(answer, Saved):
        return answer
    assert job.state_dir is not None  # (only then does a worker answer `Saved`)
    return snapshots.load(job.state_dir, job.source, job.digest, merged=True)
