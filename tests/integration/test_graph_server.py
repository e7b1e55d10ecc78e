"""The launcher and the driver module, against the real local graph server."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from graph_etl import graph_server
from graph_etl.graph import Graph, GraphUnavailableError, WriteInReadError, ping
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


def test_a_read_that_writes_is_refused(graph) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WriteInReadError):
        graph.read("admin/write_in_read_probe")


def test_unreachable_server_is_reported_as_unavailable(graph_settings) -> None:  # type: ignore[no-untyped-def]
    settings = dataclasses.replace(graph_settings, uri="bolt://127.0.0.1:9")
    with Graph(settings, retry_seconds=1) as down, pytest.raises(GraphUnavailableError):
        down.read("queries/sources", sources=["schools"])
