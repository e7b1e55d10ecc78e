"""The one module that owns the `neo4j` driver.

Everything that touches the graph goes through `Graph`: named Cypher files, always
with parameters, reads in read transactions (refused if the text writes), writes
in write transactions, errors wrapped with the query's name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
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
        except ConstraintError:
            raise
        except (Neo4jError, DriverError) as exc:
            if isinstance(exc, DriverError) and "connect" in str(exc).lower():
                raise GraphUnavailableError(str(exc)) from exc
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
        """Run a named write in one transaction; returns the summary counters."""
        query = cypher_files.load(name)

        def work() -> dict[str, int]:
            with self._session() as session:
                summary = session.execute_write(
                    self._unit(lambda tx: tx.run(query, params).consume())
                )
                return dict(vars(summary.counters))

        return self._guard(name, work)

    def write_batches(
        self,
        name: str,
        rows: Iterable[Row],
        batch_size: int = 5000,
        progress: Callable[[int], None] | None = None,
        **params: Any,
    ) -> int:
        """`UNWIND $rows` a stream of rows through a named write, one batch per transaction."""
        total = 0
        for batch in batched(rows, batch_size):
            self.write(name, rows=batch, **params)
            total += len(batch)
            if progress:
                progress(len(batch))
        return total

    def run_statements(self, statements: Sequence[str], label: str) -> None:
        """Auto-commit statements such as schema DDL (idempotent `IF NOT EXISTS`)."""

        def work() -> None:
            with self._session() as session:
                for statement in statements:
                    session.run(statement).consume()  # type: ignore[arg-type]

        self._guard(label, work)

    def apply_schema(self) -> None:
        self.run_statements(cypher_files.statements("schema"), "schema")
