"""The driver module without a server: constraint errors at the statement or at commit
(PORTABILITY.md rule 5) become `GraphConstraintError`, naming the query and the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from neo4j.exceptions import ConstraintError, Neo4jError

from graph_etl.graph import (
    Graph,
    GraphConstraintError,
    GraphQueryError,
    GraphTimeoutError,
    constraint_key,
    repeated_id,
)
from graph_etl.settings import GraphSettings

NEO4J_MESSAGE = "Node(7) already exists with label `Person` and property `id` = 'P1'"
LOCAL_MESSAGE = "Duplicated key [P1] found on index 'Person[id]' already assigned to record #1:0"
LOCAL_AT_RUN = "Error executing Cypher command: UNWIND $rows AS r CREATE (p:Person {id: r.id})"


def constraint_error(message: str) -> ConstraintError:
    """The error the driver builds from the server's failure message."""
    error = Neo4jError._hydrate_neo4j(
        code="Neo.ClientError.Schema.ConstraintValidationFailed", message=message
    )
    assert isinstance(error, ConstraintError)
    return error


class FakeResult:
    def __init__(self, fail: Exception | None, rows: list[dict[str, Any]] | None = None) -> None:
        self.fail = fail
        self.rows = rows or []

    def data(self) -> list[dict[str, Any]]:
        """One row back for each row sent (`left`: its id)."""
        return [{"left": row["id"]} for row in self.rows]

    def consume(self) -> Any:
        if self.fail:
            raise self.fail
        return type("Summary", (), {"counters": type("Counters", (), {})()})()


class FakeTx:
    def __init__(self, fail: Exception | None) -> None:
        self.fail = fail
        self.params: list[dict[str, Any]] = []

    def run(self, query: str, params: dict[str, Any]) -> FakeResult:
        self.params.append(params)
        return FakeResult(self.fail, params.get("rows"))


class FakeSession:
    """Runs the transaction function like the driver, then fails at the statement or
    at commit as told; `fail_on` picks which call (1-based) fails."""

    def __init__(
        self, at: str, message: str, fail_on: int = 1, calls: list[Any] | None = None
    ) -> None:
        self.at, self.message, self.fail_on = at, message, fail_on
        self.calls = calls if calls is not None else []

    def __enter__(self) -> FakeSession:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def execute_write(self, work: Any) -> Any:
        self.calls.append(work)
        failing = len(self.calls) == self.fail_on
        tx = FakeTx(constraint_error(self.message) if failing and self.at == "statement" else None)
        summary = work(tx)
        if failing and self.at == "commit":
            raise constraint_error(self.message)  # what the driver's commit raises
        return summary

    def run(self, statement: str) -> FakeResult:
        return FakeResult(constraint_error(self.message))


@pytest.fixture()
def graph(monkeypatch) -> Any:  # type: ignore[no-untyped-def]
    settings = GraphSettings(
        uri="bolt://127.0.0.1:9",
        user="root",
        password="unused-password",
        database="family",
        local=True,
        bolt_port=9,
        http_port=10,
        state_dir=Path("/nonexistent"),
        heap="1g",
        query_timeout_ms=1000,
    )
    with Graph(settings, retry_seconds=0) as connection:  # the driver connects lazily: never here
        yield connection


@pytest.mark.parametrize("message", [NEO4J_MESSAGE, LOCAL_MESSAGE])
@pytest.mark.parametrize("at", ["statement", "commit"])
def test_a_constraint_error_at_statement_or_commit_names_query_and_key(
    graph, monkeypatch, at: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(graph, "_session", lambda: FakeSession(at, message))
    with pytest.raises(GraphConstraintError) as raised:
        graph.write("load/persons", rows=[{"id": "P1"}])
    error = raised.value
    assert isinstance(error, GraphQueryError)  # the web app's handler still applies
    assert isinstance(error.__cause__, ConstraintError)
    assert error.name == "load/persons" and error.at == at
    assert error.key == "Person.id = 'P1'"
    text = str(error)
    assert "load/persons" in text and "Person.id = 'P1'" in text and f"at {at}" in text
    assert message in error.message


def test_write_batches_names_the_failing_rows_and_a_repeated_id(graph, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls: list[Any] = []
    monkeypatch.setattr(
        graph, "_session", lambda: FakeSession("commit", LOCAL_AT_RUN, fail_on=2, calls=calls)
    )
    rows = [{"id": "A"}, {"id": "B"}, {"id": "C"}, {"id": "C"}, {"id": "D"}]
    with pytest.raises(GraphConstraintError) as raised:
        graph.write_batches("load/persons", rows, batch_size=2)
    error = raised.value
    assert len(calls) == 2  # the first batch went through; nothing after the failing one
    assert error.rows == (3, 4) and error.at == "commit"
    assert error.key == "id = 'C' (repeated within the batch)"
    assert "rows 3-4" in str(error) and "load/persons" in str(error)
    assert isinstance(error.__cause__, ConstraintError)


@pytest.mark.parametrize("writers", [1, 2])
def test_write_batches_gives_back_the_rows_every_batch_returns(graph, monkeypatch, writers) -> None:  # type: ignore[no-untyped-def]
    calls: list[Any] = []
    monkeypatch.setattr(graph, "_session", lambda: FakeSession("none", "", fail_on=0, calls=calls))
    rows = [{"id": name} for name in "ABCDE"]
    returned: list[dict[str, Any]] = []
    written = graph.write_batches(
        "load/households", rows, batch_size=2, writers=writers, returned=returned
    )
    assert written == 5 and len(calls) == 3
    assert [row["left"] for row in returned] == list("ABCDE")  # in the order of the rows
    assert graph.write_batches("load/households", rows, batch_size=2) == 5  # (none kept)


class SlowSession(FakeSession):
    """A server that runs past the time limit on any batch of more than `limit` rows
    (`param`: the batch's name in the statement's parameters); `sent`: the batches it
    took, in order."""

    def __init__(self, limit: int, sent: list[list[str]], param: str = "rows") -> None:
        super().__init__("none", "", fail_on=0)
        self.limit, self.sent, self.param = limit, sent, param

    def execute_write(self, work: Any) -> Any:
        tx = FakeTx(None)
        summary = work(tx)
        batch = tx.params[-1][self.param]
        if len(batch) > self.limit:
            raise Neo4jError._hydrate_neo4j(
                code="Neo.ClientError.Transaction.TransactionTimedOut", message="timed out"
            )
        self.sent.append([row if isinstance(row, str) else row["id"] for row in batch])
        return summary


@pytest.mark.parametrize("writers", [1, 2])
def test_a_batch_past_the_time_limit_goes_in_halves(graph, monkeypatch, writers) -> None:  # type: ignore[no-untyped-def]
    sent: list[list[str]] = []
    monkeypatch.setattr(graph, "_session", lambda: SlowSession(2, sent))
    rows = [{"id": name} for name in "ABCDEFG"]
    returned: list[dict[str, Any]] = []
    written = graph.write_batches(
        "load/households", rows, batch_size=5, writers=writers, returned=returned
    )
    assert written == 7
    assert sorted(map(tuple, sent)) == [("A", "B"), ("C",), ("D", "E"), ("F", "G")]
    assert [row["left"] for row in returned] == list("ABCDEFG")  # still in order

    keys: list[list[str]] = []
    monkeypatch.setattr(graph, "_session", lambda: SlowSession(1, keys, param="keys"))
    graph.write_batches("retire/persons", ["P1", "P2", "P3"], param="keys", now="t")
    assert keys == [["P1"], ["P2"], ["P3"]]


def test_a_single_row_past_the_time_limit_fails_with_a_timeout(graph, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(graph, "_session", lambda: SlowSession(0, []))
    with pytest.raises(GraphTimeoutError) as raised:
        graph.write_batches("load/persons", [{"id": "A"}, {"id": "B"}])
    assert isinstance(raised.value, GraphQueryError)  # the web app's handlers still apply
    assert raised.value.name == "load/persons"


def test_a_key_the_server_names_wins_over_a_repeated_id(graph, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(graph, "_session", lambda: FakeSession("statement", LOCAL_MESSAGE))
    with pytest.raises(GraphConstraintError) as raised:
        graph.write_batches("load/persons", [{"id": "X"}, {"id": "X"}])
    assert raised.value.key == "Person.id = 'P1'" and raised.value.rows == (1, 2)


def test_auto_commit_statements_raise_it_too(graph, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(graph, "_session", lambda: FakeSession("statement", NEO4J_MESSAGE))
    with pytest.raises(GraphConstraintError) as raised:
        graph.run_statements(["CREATE (:Person {id: 'P1'})"], "schema")
    assert raised.value.name == "schema" and raised.value.key == "Person.id = 'P1'"


def test_constraint_key_reads_both_servers_messages_or_says_nothing() -> None:
    assert constraint_key(NEO4J_MESSAGE) == "Person.id = 'P1'"
    assert constraint_key(LOCAL_MESSAGE) == "Person.id = 'P1'"
    assert constraint_key(LOCAL_AT_RUN) is None


def test_repeated_id_compares_ids_as_text() -> None:
    assert repeated_id([{"id": "1"}, {"id": 1}]) == "id = 1 (repeated within the batch)"
    assert repeated_id([{"id": "1"}, {"id": "2"}, {"x": 1}, {"x": 1}]) is None
