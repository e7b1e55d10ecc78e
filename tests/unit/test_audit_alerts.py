"""Alerts: refusals and break-glass uses reach administrators and the webhook."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask

from webapp import alerts, audit, create_app, users
from webapp.audit import AuditFilter

PASSWORD = "a-long-password"


class Receiver(ThreadingHTTPServer):
    """A webhook endpoint on 127.0.0.1 that keeps what it is sent."""

    daemon_threads = True

    def __init__(self, delay: float = 0.0) -> None:
        self.delay, self.bodies, self.arrived = delay, [], threading.Event()
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook?token=secret"


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(self.server.delay)
        self.server.bodies.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(204)
        self.end_headers()
        self.server.arrived.set()

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving(receiver: Receiver) -> Iterator[Receiver]:
    thread = threading.Thread(target=receiver.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.shutdown()
        receiver.server_close()
        thread.join(5)


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    with serving(Receiver()) as running:
        yield running


@pytest.fixture()
def app(tmp_path: Path, monkeypatch) -> Flask:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    monkeypatch.delenv(alerts.WEBHOOK_ENV, raising=False)
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'alerts.sqlite'}",
            "WTF_CSRF_ENABLED": False,
            "TESTING": True,
        }
    )
    for role in ("admin", "social_worker", "duty_team"):
        users.upsert(app.extensions["store"], role, PASSWORD, role, organisation="Exampleshire")
    return app


def signed_in(app: Flask, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.post("/login", data={"username": username, "password": PASSWORD})
    return client


def test_what_counts_as_an_alert() -> None:
    assert alerts.is_alert("denied", "denied")
    assert alerts.is_alert("view_person", "denied")
    assert alerts.is_alert("break_glass", "ok")
    assert not alerts.is_alert("break_glass_end", "ok")
    assert not alerts.is_alert("login", "refused")
    assert not alerts.is_alert("search", "ok")


def test_refusals_post_to_the_webhook(app: Flask, receiver: Receiver, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(alerts.WEBHOOK_ENV, receiver.url)
    signed_in(app, "social_worker").get("/admin/users")
    assert receiver.arrived.wait(5), "the webhook was not called"
    [(content_type, body)] = receiver.bodies
    assert content_type == "application/json"
    assert body["alert"] == "denied" and body["outcome"] == "denied"
    assert body["username"] == "social_worker" and body["role"] == "social_worker"
    assert body["organisation"] == "Exampleshire"
    assert body["detail"] == {"capability": "admin", "path": "/admin/users"}
    [event] = audit.search(app.extensions["store"], AuditFilter(outcome="denied")).events
    assert body["event_id"] == event.id and body["at"] == event.at.isoformat()


def test_break_glass_uses_raise_alerts(app: Flask, receiver: Receiver, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(alerts.WEBHOOK_ENV, receiver.url)
    with app.test_request_context("/break-glass"):
        audit.record("break_glass", {"reason": "Police at the door, child missing"})
    assert receiver.arrived.wait(5)
    assert receiver.bodies[0][1]["alert"] == "break_glass"
    assert receiver.bodies[0][1]["detail"]["reason"].startswith("Police at the door")
    found, total = alerts.listing(app.extensions["store"])
    assert total == 1 and found[0].kind == "break_glass"


def test_no_webhook_configured_means_nothing_is_sent(app: Flask, receiver: Receiver) -> None:
    signed_in(app, "social_worker").get("/admin/users")
    assert not receiver.arrived.wait(0.3)
    assert alerts.unacknowledged_count(app.extensions["store"]) == 1


def test_a_slow_webhook_does_not_hold_up_the_user(app: Flask, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with serving(Receiver(delay=3.0)) as slow:
        monkeypatch.setenv(alerts.WEBHOOK_ENV, slow.url)
        worker = signed_in(app, "social_worker")
        started = time.monotonic()
        assert worker.get("/admin/users").status_code == 403
        assert time.monotonic() - started < 2.0  # (a busy machine can take a second)
        assert slow.arrived.wait(10)  # it still arrives


def test_webhook_failures_are_logged_not_raised(caplog) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/hook?token=secret"
    with caplog.at_level(logging.WARNING, logger="webapp.alerts"):
        assert alerts.post_json(url, b"{}", timeout=1) is False
        assert alerts.post_json("file:///etc/passwd", b"{}") is False
    assert "alert webhook on 127.0.0.1 failed" in caplog.text
    assert "secret" not in caplog.text  # the URL's token is never logged
    assert "not an http(s) URL" in caplog.text


def test_alerts_page_lists_unacknowledged_first_and_acknowledging_is_audited(app: Flask) -> None:
    worker = signed_in(app, "social_worker")
    for path in ("/admin/", "/admin/users", "/admin/alerts"):
        worker.get(path)
    engine = app.extensions["store"]
    first = audit.search(engine, AuditFilter(outcome="denied", text='/admin/"')).events[0]
    admin = signed_in(app, "admin")
    done = admin.post("/admin/alerts/acknowledge", data={"event_id": str(first.id)})
    assert done.status_code == 302
    found, total = alerts.listing(engine)
    assert total == 3 and [a.acknowledged_by for a in found] == [None, None, "admin"]
    assert found[0].event.id > found[1].event.id  # newest first among the unacknowledged
    html = admin.get("/admin/alerts").get_data(as_text=True)
    assert "2 to review (3 in all)" in html and "Acknowledged by admin" in html
    assert html.count('name="event_id"') == 2  # a button for each unacknowledged alert
    assert "2 to review" in admin.get("/admin/").get_data(as_text=True)
    again = admin.post("/admin/alerts/acknowledge", data={"event_id": str(first.id)})
    assert again.status_code == 302
    acks = audit.search(engine, AuditFilter(action="alert_acknowledge")).events
    assert [(a.username, a.details["event_id"], a.outcome) for a in acks] == [
        ("admin", first.id, "repeat"),
        ("admin", first.id, "ok"),
    ]


def test_acknowledging_rejects_what_is_not_an_alert(app: Flask) -> None:
    admin = signed_in(app, "admin")
    login = audit.search(app.extensions["store"], AuditFilter(action="login")).events[0]
    assert (
        admin.post("/admin/alerts/acknowledge", data={"event_id": str(login.id)}).status_code == 404
    )
    assert admin.post("/admin/alerts/acknowledge", data={"event_id": "x"}).status_code == 400
    assert admin.post("/admin/alerts/acknowledge", data={}).status_code == 400
