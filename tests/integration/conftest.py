"""The web app on the shared graph (the mini county), with a user per role the page
and API tests sign in as."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from webapp import create_app, users

PASSWORD = "integration-password"


@pytest.fixture()
def app(graph, graph_settings, tmp_path: Path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'web.sqlite'}",
            "WTF_CSRF_ENABLED": False,
            "GRAPH_SETTINGS": graph_settings,
        }
    )
    for role in ("social_worker", "housing_officer"):
        users.upsert(app.extensions["store"], role, PASSWORD, role)
    users.upsert(
        app.extensions["store"],
        "school_dsl",
        PASSWORD,
        "school_dsl",
        organisation="Mill Lane Primary School",
    )
    yield app
    app.extensions.get("graph") and app.extensions["graph"].close()


def signed_in(app, role: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post("/login", data={"username": role, "password": PASSWORD})
    assert response.status_code == 302
    return client
