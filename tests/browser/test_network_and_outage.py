"""The network picture expands when a person in it is selected; the page a user meets
while the graph server is down is accessible too."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import PASSWORD, axe_violations, serving
from webapp import create_app, users


def sign_in(page, base: str = "") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("#username", "social_worker")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_selecting_a_person_in_the_picture_adds_their_family(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page)
    page.goto("/search?name=Liam+Jones")
    page.get_by_role("link", name="Liam Jones", exact=True).click()
    page.get_by_role("heading", level=1, name="Liam Jones").wait_for()
    page.wait_for_function("() => document.getElementById('network').familyNetwork !== undefined")
    page.locator("#network").scroll_into_view_if_needed()
    # Cytoscape maps a click to the picture through the canvas position it last saw,
    # refreshed by the scroll event, which fires on the next frame: let it fire.
    page.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )
    # The layout is randomised, so bring Sarah to the middle of the picture (as a user
    # would by panning) before clicking her: an edge label or the picture's edge can
    # otherwise sit where she is drawn.
    sarah = page.evaluate(
        """() => {
             const graph = document.getElementById('network').familyNetwork;
             const node = graph.nodes().filter(n => (n.data('label') || '').startsWith('Sarah'))[0];
             graph.center(node);
             return {id: node.id(), expanded: node.hasClass('expanded'),
                     x: node.renderedPosition('x'), y: node.renderedPosition('y')};
           }"""
    )
    assert not sarah["expanded"]
    box = page.locator("#network").bounding_box()
    with page.expect_response(f"**/person/{sarah['id']}/network.json") as response:
        page.mouse.click(box["x"] + sarah["x"], box["y"] + sarah["y"])
    assert response.value.status == 200
    page.wait_for_function(
        "(id) => document.getElementById('network').familyNetwork"
        ".getElementById(id).hasClass('expanded')",
        arg=sarah["id"],
    )


@pytest.fixture()
def outage_server(graph_settings, tmp_path: Path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    down = dataclasses.replace(graph_settings, uri="bolt://127.0.0.1:9")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'down.sqlite'}",
                      "GRAPH_SETTINGS": down})  # fmt: skip
    users.upsert(app.extensions["store"], "social_worker", PASSWORD, "social_worker")
    with serving(app) as url:
        yield url


def test_the_graph_outage_page_is_accessible(page, outage_server: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, outage_server)
    response = page.goto(f"{outage_server}/search?name=Liam+Jones")
    assert response is not None and response.status == 503
    assert "try again" in page.locator("#main-content").inner_text().lower()
    assert axe_violations(page) == []
