"""Shared fixtures: the real local graph server (or NEO4J_URI), loaded once per run.

Tests use a fresh temporary state folder and free ports, so a running demo (or another
test run) is left alone. When
NEO4J_URI is set the suite runs against that Neo4j instead and WIPES its database:
point it at a throwaway database.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
MINI_COUNTY = FIXTURES / "mini_county"


def free_port() -> int:
    """A port nothing listens on now (for the graph servers tests start)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _own_state_and_ports() -> None:
    """Give this test process a state folder and graph server ports of its own, unless
    the person running the tests set them. Each pytest-xdist worker inherits the
    environment of the pytest process that started it: what this function chose there
    (named in FAMILY_NETWORK_TEST_CHOSE) is chosen again, so workers never share."""
    for name in filter(None, os.environ.pop("FAMILY_NETWORK_TEST_CHOSE", "").split(",")):
        os.environ.pop(name, None)
    defaults = {
        "FAMILY_NETWORK_STATE_DIR": lambda: tempfile.mkdtemp(prefix="family-network-test-"),
        "FAMILY_NETWORK_BOLT_PORT": lambda: str(free_port()),
        "FAMILY_NETWORK_HTTP_PORT": lambda: str(free_port()),
    }
    chosen = [name for name in defaults if name not in os.environ]
    for name in chosen:
        os.environ[name] = defaults[name]()
    os.environ["FAMILY_NETWORK_TEST_CHOSE"] = ",".join(chosen)


# Before anything reads settings: test runs never touch the demo's state or ports.
_own_state_and_ports()


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("NEO4J_URI") and getattr(config.option, "numprocesses", None):
        raise pytest.UsageError(
            "NEO4J_URI is set: every test process would empty that one database; "
            "run the suite in one process (-n 0, or make test TEST_WORKERS=0)"
        )


def another_server(settings, state_dir: Path):  # type: ignore[no-untyped-def]
    """Settings for a second local graph server of a test's own, on free ports."""
    import dataclasses

    bolt = free_port()
    return dataclasses.replace(
        settings,
        state_dir=state_dir,
        bolt_port=bolt,
        http_port=free_port(),
        uri=f"bolt://127.0.0.1:{bolt}",
    )


@pytest.fixture(scope="session")
def graph_settings():  # type: ignore[no-untyped-def]
    from graph_etl.settings import GraphSettings

    return GraphSettings.from_env()


@pytest.fixture(scope="session")
def graph(graph_settings) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A Graph on the real server, emptied, with the mini county loaded."""
    from graph_etl import etl, graph_server
    from graph_etl.graph import Graph

    started = graph_server.start(graph_settings)
    with Graph(graph_settings) as connection:
        connection.write("admin/clear_graph")
        etl.run(connection, MINI_COUNTY, quiet=True)
        yield connection
    if started:
        graph_server.stop(graph_settings)
        if graph_settings.state_dir.name.startswith("family-network-test-"):
            shutil.rmtree(graph_settings.state_dir, ignore_errors=True)
