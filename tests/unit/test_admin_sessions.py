"""Sessions end: when an administrator disables the account, and after idle time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from itsdangerous import TimestampSigner

from webapp import create_app, users

PASSWORD = "a-long-password"


@pytest.fixture()
def app(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'sessions.sqlite'}",
            "WTF_CSRF_ENABLED": False,
            "TESTING": True,
        }
    )
    users.upsert(app.extensions["store"], "social_worker", PASSWORD, "social_worker")
    return app


def signed_in(app):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.post("/login", data={"username": "social_worker", "password": PASSWORD})
    assert client.get("/account").status_code == 200
    return client


def test_a_disabled_users_session_is_refused_on_every_route(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app)
    users.set_active(app.extensions["store"], "social_worker", False, admin_roles={"admin"})
    for url in ("/account", "/search", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    user = users.get(app.extensions["store"], 1)
    assert user is not None and not user.is_authenticated and not user.is_active


def test_sessions_expire_after_the_idle_time(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app)
    idle = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    later = int(time.time() + idle + 60)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_signing_in_starts_a_fresh_session(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/login", data={"username": "social_worker", "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session and session["_user_id"] == "1"
