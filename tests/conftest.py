"""Shared fixtures: the real local graph server (or NEO4J_URI), loaded once per run.

Tests use their own state folder and ports, so a running demo is left alone. When
NEO4J_URI is set the suite runs against that Neo4j instead and WIPES its database:
point it at a throwaway database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_etl.settings import REPO_ROOT

FIXTURES = Path(__file__).parent / "fixtures"
MINI_COUNTY = FIXTURES / "mini_county"

# Set before anything reads settings: test runs never touch the demo's state.
os.environ.setdefault("FAMILY_NETWORK_STATE_DIR", str(REPO_ROOT / "var" / "test"))
os.environ.setdefault("FAMILY_NETWORK_BOLT_PORT", "17687")
os.environ.setdefault("FAMILY_NETWORK_HTTP_PORT", "12480")


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
