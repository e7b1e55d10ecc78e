"""The one module that owns the `neo4j` driver.

Everything that touches the graph goes through `Graph`: named Cypher files, always
with parameters, reads in read transactions (refused if the text writes), writes
in write transactions, errors wrapped with the query's name. A broken uniqueness
constraint becomes `GraphConstraintError` whether the server reports it at the
statement (Neo4j) or only at commit (the local server, PORTABILITY.md rule 5).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import Any, TypeVar

import neo4j
from neo4j import GraphDatabase
from neo4j.exceptions import ConstraintError, DriverError, Neo4jError, ServiceUnavailable

from graph_etl import cypher_files
from graph_etl.settings import GraphSettings

log = logging.getLogger(__name__)

Row = dict[str, Any]
T = TypeVar("T")


class GraphUnavailableError(RuntimeError):
    """The graph server cannot be reached (down, starting, or refusing us)."""


class GraphQueryError(RuntimeError):
    """A named query failed on the server."""

    def __init__(self, name: str, cause: Exception) -> None:
        super().__init__(f"query {name!r} failed: {cause}")
        self.name = name


class GraphTimeoutError(GraphQueryError):
    """A query ran past the time limit (`FAMILY_NETWORK_QUERY_TIMEOUT_MS`); the server
    stopped it and rolled its transaction back, so nothing of it was written."""


def _timed_out(exc: Neo4jError) -> bool:
    # Neo4j and the local server both name it so (Neo4j 5 adds a suffix).
    return "TransactionTimedOut" in (exc.code or "")


class GraphConstraintError(GraphQueryError):
    """A write broke a uniqueness constraint; nothing of its transaction was written.

    `key` names the offending key (e.g. `Person.id = 'P1'`) where the server's message
    or the batch shows it, else None; `at` is "statement" or "commit" (where the
    server reported it) when known; `rows` is the 1-based range of the rows in the
    batch that failed, for `Graph.write_batches`.
    """

    def __init__(
        self,
        name: str,
        message: str,
        key: str | None = None,
        *,
        at: str | None = None,
        rows: tuple[int, int] | None = None,
    ) -> None:
        where = f" at {at}" if at else ""
        which = f" in rows {rows[0]}-{rows[1]}" if rows else ""
        offending = f", key {key}" if key else ""
        detail = f"uniqueness constraint violated{where}{which}{offending}: {message}"
        super().__init__(name, RuntimeError(detail))
        self.message = message
        self.key = key
        self.at = at
        self.rows = rows


# Where the server names the duplicate key (best effort: rule 9, messages differ).
_NEO4J_KEY = re.compile(
    r"label `(?P<label>[^`]+)` and propert(?:y|ies) `(?P<prop>[^`]+)` = "
    r"(?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s,}]+)"
)
_LOCAL_KEY = re.compile(
    r"Duplicated key \[(?P<value>[^\]]*)\] found on index '(?P<label>[^'\[]+)\[(?P<prop>[^\]]+)\]'"
)


def constraint_key(text: str) -> str | None:
    """`Label.property = 'value'` from a constraint error's text, if it says."""
    if found := _NEO4J_KEY.search(text):
        return f"{found['label']}.{found['prop']} = {found['value']}"
    if found := _LOCAL_KEY.search(text):
        return f"{found['label']}.{found['prop']} = {found['value']!r}"
    return None


def repeated_id(rows: Sequence[Any]) -> str | None:
    """The first `id` that two rows of a batch share (compared as text: the local
    server collides '1' and 1 under one constraint), as `id = 'value'`."""
    seen: set[str] = set()
    for row in rows:
        if not isinstance(row, dict) or row.get("id") is None:
            continue
        text = str(row["id"])
        if text in seen:
            return f"id = {row['id']!r} (repeated within the batch)"
        seen.add(text)
    return None


def _constraint_error(name: str, exc: ConstraintError, at: str | None) -> GraphConstraintError:
    message = exc.message or str(exc)
    key = constraint_key(message) or constraint_key(str(exc))
    return GraphConstraintError(name, message, key, at=at)


class WriteInReadError(RuntimeError):
    """A query with a write clause was sent through `read` (Neo4j would reject it)."""


def _driver(settings: GraphSettings, retry_seconds: float = 30.0) -> neo4j.Driver:
    return GraphDatabase.driver(
        settings.uri,
        auth=(settings.user, settings.password),
        connection_timeout=5.0,
        connection_acquisition_timeout=10.0,
        max_connection_lifetime=600,
        max_transaction_retry_time=retry_seconds,
    )


def ping(settings: GraphSettings) -> bool:
    """True when a query against the target database succeeds."""
    try:
        with _driver(settings) as driver, driver.session(database=settings.database) as session:
            return session.run("RETURN 1 AS ok").single(strict=True)["ok"] == 1
    except (Neo4jError, DriverError, OSError):
        return False


def batched(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


# The local server refuses a Bolt message over 16 MiB (and the driver then waits for
# an answer that never comes); Neo4j's own limits are larger. A batch is kept well
# under this many bytes of rows (estimated as JSON, which packs larger than Bolt).
MAX_BATCH_BYTES = 6_000_000
_SAMPLE = 16


def estimated_bytes(rows: Sequence[Any]) -> int:
    """About how many bytes `rows` take on the wire: the JSON size of up to 16 rows
    spread through them, scaled up (cheap; exact sizing would cost more than packing)."""
    if not rows:
        return 0
    sample = rows[:: max(1, len(rows) // _SAMPLE)][:_SAMPLE]
    size = sum(len(json.dumps(row, default=str, separators=(",", ":"))) for row in sample)
    return math.ceil(size * len(rows) / len(sample))


def sized_batches(
    rows: Iterable[T], size: int, max_bytes: int = MAX_BATCH_BYTES
) -> Iterator[list[T]]:
    """Batches of at most `size` rows, each split into equal parts when its rows would
    take more than about `max_bytes` (rows with long text: explanations, notes)."""
    for batch in batched(rows, size):
        parts = math.ceil(estimated_bytes(batch) / max_bytes) if max_bytes else 1
        if parts <= 1:
            yield batch
            continue
        step = math.ceil(len(batch) / parts)
        yield from batched(batch, step)


class Graph:
    """A connection pool to one graph database, opened once per process."""

    def __init__(self, settings: GraphSettings, retry_seconds: float = 30.0) -> None:
        """`retry_seconds`: how long transient failures are retried; short for the web
        app (a person waiting should get the 503 page quickly), longer for the ETL."""
        self.settings = settings
        self._driver = _driver(settings, retry_seconds)
        self._timeout = settings.query_timeout_ms / 1000

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _unit(self, work: Callable[[neo4j.ManagedTransaction], Any]) -> Any:
        """A transaction function carrying our time limit (Neo4j honours it)."""
        return neo4j.unit_of_work(timeout=self._timeout)(work)

    def _session(self) -> neo4j.Session:
        return self._driver.session(database=self.settings.database)

    def _guard(self, name: str, work: Callable[[], Any]) -> Any:
        try:
            return work()
        except (ServiceUnavailable, OSError) as exc:
            raise GraphUnavailableError(f"graph server unavailable during {name!r}: {exc}") from exc
        except ConstraintError as exc:  # auto-commit statements; writes handle their own
            raise _constraint_error(name, exc, at=None) from exc
        except (Neo4jError, DriverError) as exc:
            if isinstance(exc, DriverError) and "connect" in str(exc).lower():
                raise GraphUnavailableError(str(exc)) from exc
            if isinstance(exc, Neo4jError) and _timed_out(exc):
                raise GraphTimeoutError(name, exc) from exc
            raise GraphQueryError(name, exc) from exc

    def read(self, name: str, **params: Any) -> list[Row]:
        """Run a read-only named query and return its rows as dicts."""
        query = cypher_files.load(name)
        if not cypher_files.is_read_only(query):
            raise WriteInReadError(f"{name} writes; use Graph.write")

        def work() -> list[Row]:
            with self._session() as session:
                return session.execute_read(self._unit(lambda tx: tx.run(query, params).data()))

        return self._guard(name, work)

    def read_one(self, name: str, **params: Any) -> Row | None:
        rows = self.read(name, **params)
        return rows[0] if rows else None

    def write(self, name: str, **params: Any) -> dict[str, int]:
        """Run a named write in one transaction; returns the summary counters.

        A broken uniqueness constraint raises `GraphConstraintError`, whether the
        server refuses the statement or only the commit (PORTABILITY.md rule 5)."""
        return self._write(name, params, keep_rows=False)[0]

    def write_rows(self, name: str, **params: Any) -> list[Row]:
        """`write`, for a named write that returns rows: its rows."""
        return self._write(name, params, keep_rows=True)[1]

    def _write(
        self, name: str, params: dict[str, Any], keep_rows: bool
    ) -> tuple[dict[str, int], list[Row]]:
        query = cypher_files.load(name)
        stage = "statement"

        def unit(tx: neo4j.ManagedTransaction) -> tuple[neo4j.ResultSummary, list[Row]]:
            nonlocal stage
            stage = "statement"  # again on every retry
            result = tx.run(query, params)
            rows = result.data() if keep_rows else []
            summary = result.consume()
            stage = "commit"  # the driver commits when this returns
            return summary, rows

        def work() -> tuple[dict[str, int], list[Row]]:
            with self._session() as session:
                try:
                    summary, rows = session.execute_write(self._unit(unit))
                except ConstraintError as exc:
                    raise _constraint_error(name, exc, stage) from exc
                return dict(vars(summary.counters)), rows

        return self._guard(name, work)

    def write_batches(
        self,
        name: str,
        rows: Iterable[Row],
        batch_size: int = 5000,
        progress: Callable[[int], None] | None = None,
        writers: int = 1,
        max_bytes: int = MAX_BATCH_BYTES,
        returned: list[Row] | None = None,
        param: str = "rows",
        **params: Any,
    ) -> int:
        """`UNWIND $rows` a stream of rows through a named write, one batch per transaction.

        Batches hold at most `batch_size` rows and about `max_bytes` bytes. With
        `writers` > 1, that many batches are written at once, each in its own
        transaction: only for rows no two of which touch the same node (new nodes with
        distinct keys: PORTABILITY.md rule 5), and the order batches commit in is then
        not fixed. Batches before a failing one stay written; a `GraphConstraintError`
        says which rows failed and, if the server did not say, an `id` the batch repeats.
        A batch that runs past the time limit (a busy machine) was rolled back: it is
        written again in halves, down to single rows, so a slow server slows the load
        rather than failing it. `returned`: the rows the statement returns are added to
        it (`write_rows`). `param`: the name the statement gives the batch."""

        found = returned if returned is not None else []

        def send(batch: list[Row]) -> list[Row]:
            """Write one batch; the rows it returns, when they are wanted."""
            try:
                if returned is None:
                    self.write(name, **{param: batch}, **params)
                    return []
                return self.write_rows(name, **{param: batch}, **params)
            except GraphTimeoutError:
                if len(batch) == 1:
                    raise
                half = len(batch) // 2
                log.warning(
                    "%s: a batch of %d rows ran past the time limit; writing it in halves",
                    name, len(batch),
                )  # fmt: skip
                return send(batch[:half]) + send(batch[half:])

        def failed(exc: GraphConstraintError, batch: list[Row], first: int) -> GraphConstraintError:
            return GraphConstraintError(
                name,
                exc.message,
                exc.key or repeated_id(batch),
                at=exc.at,
                rows=(first + 1, first + len(batch)),
            )

        total = 0
        if writers <= 1:
            for batch in sized_batches(rows, batch_size, max_bytes):
                try:
                    found.extend(send(batch))
                except GraphConstraintError as exc:
                    raise failed(exc, batch, total) from exc.__cause__
                total += len(batch)
                if progress:
                    progress(len(batch))
            return total

        # Several writers: at most `writers` batches in flight, settled in order.
        pending: list[tuple[Future[list[Row]], list[Row], int]] = []
        with ThreadPoolExecutor(writers, thread_name_prefix="graph-write") as pool:
            try:
                for batch in sized_batches(rows, batch_size, max_bytes):
                    if len(pending) >= writers:
                        found.extend(self._settle(*pending.pop(0), failed, progress))
                    future = pool.submit(send, batch)
                    pending.append((future, batch, total))
                    total += len(batch)
                while pending:
                    found.extend(self._settle(*pending.pop(0), failed, progress))
            except BaseException:
                for future, _, _ in pending:
                    future.cancel()
                raise
        return total

    @staticmethod
    def _settle(
        future: Future[list[Row]],
        batch: list[Row],
        first: int,
        failed: Callable[[GraphConstraintError, list[Row], int], GraphConstraintError],
        progress: Callable[[int], None] | None,
    ) -> list[Row]:
        """Wait for one batch a parallel `write_batches` sent (rows `first`+1 on)."""
        try:
            found = future.result()
        except GraphConstraintError as exc:
            raise failed(exc, batch, first) from exc.__cause__
        if progress:
            progress(len(batch))
        return found

    def run_statements(self, statements: Sequence[str], label: str) -> None:
        """Auto-commit statements such as schema DDL (idempotent `IF NOT EXISTS`)."""

        def work() -> None:
            with self._session() as session:
                for statement in statements:
                    session.run(statement).consume()  # type: ignore[arg-type]

        self._guard(label, work)

    def apply_schema(self) -> None:
        self.run_statements(cypher_files.statements("schema"), "schema")
