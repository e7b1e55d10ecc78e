"""A real browser (Debian's chromium through Playwright) against the real app and graph."""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from webapp import create_app, users

PASSWORD = "browser-password"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Debian's chromium is not installed: run `make browser` (make test does)")
    return found


@contextlib.contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app on a free loopback port, in a thread; stopped, and its graph connection
    closed, afterwards."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        app.extensions.get("graph") and app.extensions["graph"].close()


@pytest.fixture(scope="session")
def live_server(graph, graph_settings, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    database = Path(tmp_path_factory.mktemp("browser")) / "web.sqlite"
    app = create_app({"DATABASE_URL": f"sqlite:///{database}", "GRAPH_SETTINGS": graph_settings})
    for role in ("social_worker", "housing_officer", "duty_team", "analyst"):
        users.upsert(app.extensions["store"], role, PASSWORD, role)
    with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture()
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """Serious or critical axe-core violations on the current page (WCAG 2.x A/AA)."""
    # Served by the app itself: the strict CSP (rightly) refuses inline scripts.
    page.add_script_tag(url="/static/vendor/axe.min.js")
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
