"""The web app on the shared graph (the mini county), with a user per role the page
and API tests sign in as."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from webapp import create_app, users

PASSWORD = "integration-password"


def make_app(graph_settings, database: Path, roles: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """The web app on `graph_settings` with its store in `database` and a user (named as
    the role, password PASSWORD) for each of `roles`. Close its graph when done."""
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "WTF_CSRF_ENABLED": False,
            "GRAPH_SETTINGS": graph_settings,
        }
    )
    for role in roles:
        users.upsert(app.extensions["store"], role, PASSWORD, role)
    return app


def close(app) -> None:  # type: ignore[no-untyped-def]
    app.extensions.get("graph") and app.extensions["graph"].close()


@pytest.fixture()
def app(graph, graph_settings, tmp_path: Path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    app = make_app(graph_settings, tmp_path / "web.sqlite", ("social_worker", "housing_officer"))
    users.upsert(
        app.extensions["store"],
        "school_dsl",
        PASSWORD,
        "school_dsl",
        organisation="Mill Lane Primary School",
    )
    yield app
    close(app)


def signed_in(app, role: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post("/login", data={"username": role, "password": PASSWORD})
    assert response.status_code == 302
    return client
