"""The web app while the graph server goes away and comes back: a clear 503 with a
retry, then normal service again without a restart of the app."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_etl import etl, graph_server
from graph_etl.graph import Graph
from tests.conftest import MINI_COUNTY, another_server
from tests.integration.conftest import close, make_app, signed_in


def test_graph_outage_and_recovery(graph_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if not graph_settings.local:
        pytest.skip("needs the local graph server, which this test stops and starts")
    settings = another_server(graph_settings, tmp_path / "graph")
    graph_server.start(settings)
    try:
        with Graph(settings) as graph:
            etl.run(graph, MINI_COUNTY, quiet=True, state_dir=tmp_path / "etl")
        app = make_app(settings, tmp_path / "web.sqlite", ("duty_team",))
        client = signed_in(app, "duty_team")
        assert client.get("/search?name=jones").status_code == 200

        graph_server.stop(settings)
        down = client.get("/search?name=jones")
        assert down.status_code == 503
        assert down.headers["Retry-After"]
        # A link to try again, not a timed refresh (WCAG 2.2.1: no time limits).
        assert ">try again</a>" in down.get_data(as_text=True)

        graph_server.start(settings)
        back = client.get("/search?name=jones")
        assert back.status_code == 200 and "Liam Jones" in back.get_data(as_text=True)
        close(app)
    finally:
        graph_server.stop(settings)
