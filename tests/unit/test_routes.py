"""Every route goes through the policy: a test that fails when one does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from webapp import create_app, users

PUBLIC = {"static", "auth.login", "auth.logout", "people.index"}


@pytest.fixture()
def app(tmp_path: Path):  # type: ignore[no-untyped-def]
    return create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite'}",
            "WTF_CSRF_ENABLED": False,
            "TESTING": True,
        }
    )


def test_every_route_declares_its_capability(app) -> None:  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "static":
            continue
        assert hasattr(view, "required_capability"), f"{rule} has no policy decorator"
        if view.required_capability is None:
            assert rule.endpoint in PUBLIC, f"{rule} is public but not on the public list"


# The JSON API's routes and the capability each needs (the same as the pages').
API = {
    "api.search": "search",
    "api.person": "view_person",
    "api.network": "view_person",
    "api.addresses": "trace_address",
    "api.team_around": "export",
    "api.openapi": "signed_in",
}


def test_every_api_route_needs_its_capability(app) -> None:  # type: ignore[no-untyped-def]
    found = {
        rule.endpoint: app.view_functions[rule.endpoint].required_capability
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
    }
    assert found == API


def test_signed_out_visitors_are_sent_to_sign_in(app) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from webapp.store import audit_events

    client = app.test_client()
    tried = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC or "GET" not in rule.methods:
            continue
        url = rule.rule.replace("<person_id>", "P1")
        tried.append(url)
        response = client.get(url)
        if rule.rule.startswith("/api/"):  # the JSON API: a 401, never a redirect
            assert response.status_code == 401, url
            assert response.get_json()["error"]["status"] == 401, url
            continue
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]
    # ... and each refused attempt is audited (not as an alert: sessions expire daily).
    with app.extensions["store"].connect() as conn:
        events = list(conn.execute(select(audit_events)))
    assert [(event.action, event.outcome, event.username) for event in events] == [
        ("signed_out", "unauthenticated", None)
    ] * len(tried)
    assert ['"path": "/person/P1"' in event.detail for event in events].count(True) == 1


def test_role_without_capability_is_refused_and_audited(app) -> None:  # type: ignore[no-untyped-def]
    users.upsert(app.extensions["store"], "admin", "a-long-password", "admin")
    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": "a-long-password"})
    response = client.get("/search?name=jones")
    assert response.status_code == 403
    assert "do not have permission" in response.get_data(as_text=True)
    from sqlalchemy import select

    from webapp.store import audit_events

    with app.extensions["store"].connect() as conn:
        outcomes = [row.outcome for row in conn.execute(select(audit_events))]
    assert "denied" in outcomes


def test_security_headers_and_no_stack_traces(app) -> None:  # type: ignore[no-untyped-def]
    response = app.test_client().get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    missing = app.test_client().get("/no/such/page")
    assert missing.status_code == 404
    assert "Traceback" not in missing.get_data(as_text=True)


def test_login_lockout_and_rate_limit(app) -> None:  # type: ignore[no-untyped-def]
    users.upsert(app.extensions["store"], "social_worker", "right-password", "social_worker")
    client = app.test_client()
    for _ in range(5):
        bad = client.post("/login", data={"username": "social_worker", "password": "wrong"})
        assert bad.status_code == 400
    locked = client.post("/login", data={"username": "social_worker", "password": "right-password"})
    assert "locked" in locked.get_data(as_text=True)
    for _ in range(10):
        client.post("/login", data={"username": "nobody", "password": "x"})
    assert client.post("/login", data={"username": "nobody", "password": "x"}).status_code == 429


def test_csrf_is_enforced_on_forms(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'csrf.sqlite'}"})
    users.upsert(app.extensions["store"], "social_worker", "right-password", "social_worker")
    response = app.test_client().post(
        "/login", data={"username": "social_worker", "password": "right-password"}
    )
    assert response.status_code == 400


def test_audit_chain_verifies_and_detects_tampering(app) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from webapp import audit
    from webapp.store import audit_events

    users.upsert(app.extensions["store"], "social_worker", "right-password", "social_worker")
    client = app.test_client()
    client.post("/login", data={"username": "social_worker", "password": "right-password"})
    client.post("/login", data={"username": "social_worker", "password": "wrong"})
    engine = app.extensions["store"]
    assert audit.verify(engine)[0]
    with engine.begin() as conn:
        conn.execute(update(audit_events).where(audit_events.c.id == 1).values(username="x"))
    intact, _, problem = audit.verify(engine)
    assert not intact and "event 1" in problem
