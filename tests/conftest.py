"""Shared fixtures: the real local graph server (or NEO4J_URI), loaded once per run.

Tests use a fresh temporary state folder and free ports, so a running demo (or another
test run) is left alone. When
NEO4J_URI is set the suite runs against that Neo4j instead and WIPES its database:
point it at a throwaway database.
"""

from __future__ import annotations

import atexit
import os
import random
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
MINI_COUNTY = FIXTURES / "mini_county"


def _quiet_ports() -> range:
    """Ports below the kernel's ephemeral range: it never hands them out on its own, so
    no client connection and no bind to port 0 (Chromium, PostgreSQL, another test's
    server) takes one between our choosing it and the server listening on it."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    return range(max(10000, low - 16384), low)


_PORT_BLOCK = 64  # ports set aside for each run's workers: two each, up to 32 workers
_BLOCK_NAME = "FAMILY_NETWORK_TEST_PORT_BLOCK"


def _is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A port nothing listens on now, outside the kernel's ephemeral range and outside
    this run's block of server ports (for the graph servers tests start)."""
    ports = _quiet_ports()
    block = int(os.environ.get(_BLOCK_NAME, "0"))
    if len(ports) >= 1024:
        for _ in range(200):
            port = random.choice(ports)
            if not block <= port < block + _PORT_BLOCK and _is_free(port):
                return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_ports() -> tuple[int, int]:
    """Bolt and HTTP ports for this process's session server: a pair of its own in a
    block the first pytest process set aside, so two xdist workers never pick the same
    port, and a port chosen minutes before the server starts is not taken meanwhile."""
    ports = _quiet_ports()
    if _BLOCK_NAME not in os.environ and len(ports) >= 1024:
        os.environ[_BLOCK_NAME] = str(random.randrange(ports.start, ports.stop - _PORT_BLOCK))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    if _BLOCK_NAME in os.environ and worker.isdigit():
        bolt = int(os.environ[_BLOCK_NAME]) + 2 * (int(worker) % (_PORT_BLOCK // 2))
        if _is_free(bolt) and _is_free(bolt + 1):
            return bolt, bolt + 1
    return free_port(), free_port()


def _own_state_and_ports() -> None:
    """Give this test process a state folder and graph server ports of its own, unless
    the person running the tests set them. Each pytest-xdist worker inherits the
    environment of the pytest process that started it: what this function chose there
    (named in FAMILY_NETWORK_TEST_CHOSE) is chosen again, so workers never share."""
    for name in filter(None, os.environ.pop("FAMILY_NETWORK_TEST_CHOSE", "").split(",")):
        os.environ.pop(name, None)
    bolt, http = _server_ports()
    defaults = {
        "FAMILY_NETWORK_STATE_DIR": lambda: tempfile.mkdtemp(prefix="family-network-test-"),
        "FAMILY_NETWORK_BOLT_PORT": lambda: str(bolt),
        "FAMILY_NETWORK_HTTP_PORT": lambda: str(http),
    }
    chosen = [name for name in defaults if name not in os.environ]
    for name in chosen:
        os.environ[name] = defaults[name]()
    os.environ["FAMILY_NETWORK_TEST_CHOSE"] = ",".join(chosen)
    if "FAMILY_NETWORK_STATE_DIR" in chosen:  # (ours: gone when this process ends)
        atexit.register(shutil.rmtree, os.environ["FAMILY_NETWORK_STATE_DIR"], True)


# Before anything reads settings: test runs never touch the demo's state or ports.
_own_state_and_ports()


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("NEO4J_URI") and getattr(config.option, "numprocesses", None):
        raise pytest.UsageError(
            "NEO4J_URI is set: every test process would empty that one database; "
            "run the suite in one process (-n 0, or make test TEST_WORKERS=0)"
        )


def command() -> Path:
    """The installed `family-network` command, to run as a person does."""
    for found in (
        Path(sys.executable).with_name("family-network"),
        Path(__file__).resolve().parents[1] / ".venv/bin/family-network",
    ):
        if found.exists():
            return found
    pytest.fail("no family-network command next to this Python: run `make setup`")


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

    # (the ports were chosen when this process started: choose again any that another
    # program has taken since, as the server is not listening on them yet)
    chose = os.environ.get("FAMILY_NETWORK_TEST_CHOSE", "").split(",")
    for name in ("FAMILY_NETWORK_BOLT_PORT", "FAMILY_NETWORK_HTTP_PORT"):
        if name in chose and not _is_free(int(os.environ[name])):
            os.environ[name] = str(free_port())
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
