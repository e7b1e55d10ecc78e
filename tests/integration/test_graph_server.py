"""The launcher and the driver module, against the real local graph server."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from graph_etl import cypher_files, graph_server
from graph_etl.graph import (
    Graph,
    GraphConstraintError,
    GraphTimeoutError,
    GraphUnavailableError,
    WriteInReadError,
    ping,
)
from tests.conftest import another_server


def test_server_is_ready_and_answers(graph, graph_settings) -> None:  # type: ignore[no-untyped-def]
    assert ping(graph_settings)
    if graph_settings.local:
        assert "running" in graph_server.status(graph_settings)


def test_command_binds_to_loopback_only(graph_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    command = graph_server.server_command(graph_settings, graph_server.ServerPaths(tmp_path))
    assert "-Darcadedb.bolt.host=127.0.0.1" in command
    assert "-Darcadedb.server.httpIncomingHost=127.0.0.1" in command


def test_start_status_stop_on_a_fresh_data_folder(graph_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if not graph_settings.local:
        pytest.skip("NEO4J_URI is set: no local server to launch")
    settings = another_server(graph_settings, tmp_path)
    assert graph_server.start(settings, timeout=90)
    try:
        assert "running" in graph_server.status(settings)
        assert graph_server.start(settings) is False  # already running: no second copy
    finally:
        assert graph_server.stop(settings)
    assert "stopped" in graph_server.status(settings)
    assert (tmp_path / "graph" / "work" / "server.log").exists()


def test_start_interrupted_before_its_pid_file_is_written_leaves_no_server(  # type: ignore[no-untyped-def]
    graph_settings, tmp_path: Path, monkeypatch
) -> None:
    """Ctrl-C (or `kill`, in the demo) just after the server was launched, before its
    PID file is in place: the launcher stops the process itself."""
    if not graph_settings.local:
        pytest.skip("NEO4J_URI is set: no local server to launch")
    settings = another_server(graph_settings, tmp_path)
    running = set(graph_server._children)  # (this session's own server among them)
    launched: set[int] = set()
    real_replace = graph_server.os.replace

    def interrupted(source: Path, target: Path) -> None:
        if Path(target).name == "server.pid":
            launched.update(set(graph_server._children) - running)
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(graph_server.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        graph_server.start(settings, timeout=90)
    assert len(launched) == 1
    (pid,) = launched
    cmdline = Path(f"/proc/{pid}/cmdline")
    assert not cmdline.exists() or graph_server._MAIN_CLASS.encode() not in cmdline.read_bytes()
    assert set(graph_server._children) == running
    assert not list((tmp_path / "graph").glob("server.*"))
    assert "stopped" in graph_server.status(settings)


def test_a_read_that_writes_is_refused(graph) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WriteInReadError):
        graph.read("admin/write_in_read_probe")


def test_unreachable_server_is_reported_as_unavailable(graph_settings) -> None:  # type: ignore[no-untyped-def]
    settings = dataclasses.replace(graph_settings, uri="bolt://127.0.0.1:9")
    with Graph(settings, retry_seconds=1) as down, pytest.raises(GraphUnavailableError):
        down.read("queries/sources", sources=["schools"])


# Test-only writes, from a Cypher folder of the test's own (nothing in cypher/ is
# meant to break a constraint). Person ids below are the probes' alone, removed after.
PROBE_QUERIES = {
    "create_people": "UNWIND $rows AS r CREATE (p:Person {id: r.id})",
    "rename_person": "UNWIND $rows AS r MATCH (p:Person {id: r.id}) SET p.id = r.new_id",
    "delete_people": "UNWIND $ids AS id MATCH (p:Person {id: id}) DETACH DELETE p",
    "count_people": "UNWIND $ids AS id MATCH (p:Person {id: id}) RETURN count(p) AS n",
}
PROBE_IDS = ["constraint-probe-1", "constraint-probe-2", "constraint-probe-3"]


@pytest.fixture()
def probe_queries(graph, tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    folder = tmp_path / "cypher" / "constraint_probe"
    folder.mkdir(parents=True)
    for name, text in PROBE_QUERIES.items():
        (folder / f"{name}.cypher").write_text(text + "\n", encoding="utf-8")
    monkeypatch.setattr(cypher_files, "CYPHER_DIR", tmp_path / "cypher")
    graph.write("constraint_probe/delete_people", ids=PROBE_IDS)
    yield graph
    graph.write("constraint_probe/delete_people", ids=PROBE_IDS)


def probes(graph) -> int:  # type: ignore[no-untyped-def]
    return graph.read("constraint_probe/count_people", ids=PROBE_IDS)[0]["n"]


def test_a_batch_repeating_an_id_fails_clearly_and_writes_nothing_of_that_batch(
    probe_queries,
) -> None:  # type: ignore[no-untyped-def]
    graph = probe_queries
    rows = [{"id": PROBE_IDS[0]}, {"id": PROBE_IDS[1]}, {"id": PROBE_IDS[2]}, {"id": PROBE_IDS[2]}]
    with pytest.raises(GraphConstraintError) as raised:
        graph.write_batches("constraint_probe/create_people", rows, batch_size=2)
    error = raised.value
    assert error.name == "constraint_probe/create_people"
    assert "constraint_probe/create_people" in str(error) and "rows 3-4" in str(error)
    assert error.key is not None and PROBE_IDS[2] in error.key  # from the server or the batch
    assert probes(graph) == 2  # the first batch stays; the failing one is rolled back


def test_a_set_that_breaks_a_unique_key_fails_clearly_even_at_commit(probe_queries) -> None:  # type: ignore[no-untyped-def]
    graph = probe_queries
    graph.write("constraint_probe/create_people", rows=[{"id": i} for i in PROBE_IDS[:2]])
    clash = [{"id": PROBE_IDS[0], "new_id": PROBE_IDS[1]}]
    with pytest.raises(GraphConstraintError) as raised:
        graph.write("constraint_probe/rename_person", rows=clash)
    error = raised.value
    assert error.name == "constraint_probe/rename_person" and error.rows is None
    assert "constraint_probe/rename_person" in str(error)
    if graph.settings.local:
        # The local server accepts the statement and refuses the commit (rule 5), and
        # its message names the key.
        assert error.at == "commit"
        assert error.key == f"Person.id = {PROBE_IDS[1]!r}"
    else:
        assert error.at in ("statement", "commit")
    assert probes(graph) == 2


# A write whose every row costs about a twentieth of a second here (a quarter of a million
# numbers summed): a batch of 64 runs well past one second, a batch of one well within it.
SLOW_WRITE = """UNWIND $rows AS r
UNWIND range(1, r.work) AS i
WITH r, sum(i) AS total
MERGE (t:TimeoutProbe {id: r.id}) SET t.total = total"""
COUNT_PROBES = "MATCH (t:TimeoutProbe) RETURN count(t) AS n"
DELETE_PROBES = "MATCH (t:TimeoutProbe) DETACH DELETE t"


@pytest.fixture()
def one_second_graph(graph, graph_settings, tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    """A Graph whose queries may take one second: on a local server of the test's own
    (it enforces the limit server-side), or on NEO4J_URI through the driver."""
    folder = tmp_path / "cypher" / "timeout_probe"
    folder.mkdir(parents=True)
    for name, text in {"slow": SLOW_WRITE, "count": COUNT_PROBES, "delete": DELETE_PROBES}.items():
        (folder / f"{name}.cypher").write_text(text + "\n", encoding="utf-8")
    monkeypatch.setattr(cypher_files, "CYPHER_DIR", tmp_path / "cypher")
    settings = dataclasses.replace(graph_settings, query_timeout_ms=1000)
    if settings.local:
        settings = another_server(settings, tmp_path / "state")
        assert graph_server.start(settings, timeout=90)
    try:
        with Graph(settings) as limited:
            limited.write("timeout_probe/delete")
            yield limited
            limited.write("timeout_probe/delete")
    finally:
        if settings.local:
            graph_server.stop(settings)


def test_a_write_past_the_time_limit_is_rolled_back_then_written_in_halves(
    one_second_graph, caplog
) -> None:  # type: ignore[no-untyped-def]
    graph = one_second_graph
    rows = [{"id": f"probe-{n}", "work": 250_000} for n in range(64)]
    with pytest.raises(GraphTimeoutError) as raised:
        graph.write("timeout_probe/slow", rows=rows)  # about three seconds' work
    assert raised.value.name == "timeout_probe/slow"
    assert graph.read("timeout_probe/count")[0]["n"] == 0  # nothing of it was written

    with caplog.at_level(logging.WARNING, logger="graph_etl.graph"):
        assert graph.write_batches("timeout_probe/slow", rows, batch_size=64) == 64
    assert "a batch of 64 rows ran past the time limit" in caplog.text
    assert graph.read("timeout_probe/count")[0]["n"] == 64
