"""Break-glass: duty team only, out of hours only, with a reason, time-limited, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from webapp import breakglass, create_app, users
from webapp.policy import current_policy
from webapp.store import audit_events

SUNDAY_NIGHT = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture()
def app(tmp_path: Path):  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bg.sqlite'}",
            "WTF_CSRF_ENABLED": False,
            "TESTING": True,
        }
    )
    for role in ("duty_team", "social_worker"):
        users.upsert(app.extensions["store"], role, "a-long-password", role)
    return app


def client_for(app, role: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.post("/login", data={"username": role, "password": "a-long-password"})
    return client


def actions(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with app.extensions["store"].connect() as conn:
        return [(row.action, row.outcome) for row in conn.execute(select(audit_events))]


def test_out_of_hours_with_a_reason_widens_the_view_for_a_time(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(breakglass, "now", lambda: SUNDAY_NIGHT)
    client = client_for(app, "duty_team")
    short = client.post("/break-glass", data={"reason": "urgent"})
    assert short.status_code == 400 and "between 10 and 500" in short.get_data(as_text=True)
    response = client.post(
        "/break-glass", data={"reason": "Police ref XC-26-0000123, child missing"}
    )
    assert response.status_code == 302
    assert ("break_glass", "ok") in actions(app)
    with client.session_transaction() as session:
        until = session["break_glass_until"]
    assert until == (SUNDAY_NIGHT + timedelta(minutes=60)).timestamp()
    page = client.get("/search").get_data(as_text=True)
    assert "Break-glass view on" in page


def test_policy_widens_only_while_active(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    client = client_for(app, "duty_team")
    with app.test_request_context():
        from flask import session
        from flask_login import login_user

        login_user(users.get(app.extensions["store"], 1))
        assert current_policy().levels["health"] == "count"
        session["break_glass_until"] = datetime.now(UTC).timestamp() + 600
        assert current_policy().levels["health"] == "full"
        session["break_glass_until"] = datetime.now(UTC).timestamp() - 1
        assert current_policy().levels["health"] == "count"
    assert client


def test_refused_in_office_hours_and_audited(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(breakglass, "now", lambda: MONDAY_MORNING)
    client = client_for(app, "duty_team")
    assert "out-of-hours emergencies only" in client.get("/break-glass").get_data(as_text=True)
    response = client.post("/break-glass", data={"reason": "I would like to look around"})
    assert response.status_code == 403
    assert ("break_glass", "denied") in actions(app)


def test_other_roles_cannot_break_glass(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(breakglass, "now", lambda: SUNDAY_NIGHT)
    client = client_for(app, "social_worker")
    assert (
        client.post("/break-glass", data={"reason": "Police ref XC-1, urgent"}).status_code == 403
    )
    assert ("denied", "denied") in actions(app)
