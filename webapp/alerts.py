"""Alerts: audit events an administrator should look at.

A denied attempt (outcome `denied`) or a break-glass use (action `break_glass`) is
an alert. Alerts are audit events, listed on the admin alerts page until someone
acknowledges them; when FAMILY_NETWORK_ALERT_WEBHOOK is set each is also POSTed
there as JSON, from a background thread, so the user's request never waits on it.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import Engine, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from webapp.audit import AuditEvent, as_utc, event_from_row
from webapp.store import alert_acknowledgements, audit_events

ALERT_OUTCOMES = frozenset({"denied"})
ALERT_ACTIONS = frozenset({"break_glass"})
WEBHOOK_ENV = "FAMILY_NETWORK_ALERT_WEBHOOK"
TIMEOUT_SECONDS = 3.0
QUEUE_LIMIT = 1000
log = logging.getLogger(__name__)


def is_alert(action: str, outcome: str) -> bool:
    return outcome in ALERT_OUTCOMES or action in ALERT_ACTIONS


def kind(action: str, outcome: str) -> str:
    return "break_glass" if action in ALERT_ACTIONS else outcome


def payload(event_id: int, event: dict[str, Any]) -> dict[str, Any]:
    """The JSON body sent to the webhook: the audit event, with its detail parsed."""
    try:
        detail = json.loads(event["detail"])
    except (TypeError, ValueError):
        detail = {"text": str(event.get("detail"))}
    at = event["at"]
    return {
        "service": "family-network",
        "alert": kind(event["action"], event["outcome"]),
        "event_id": event_id,
        "at": at.isoformat() if isinstance(at, datetime) else str(at),
        "username": event.get("username"),
        "role": event.get("role"),
        "organisation": event.get("organisation"),
        "action": event["action"],
        "outcome": event["outcome"],
        "detail": detail,
    }


def webhook_url() -> str:
    """The configured webhook (app config `ALERT_WEBHOOK` wins over the environment)."""
    configured = current_app.config.get("ALERT_WEBHOOK") if current_app else None
    return (configured or os.environ.get(WEBHOOK_ENV, "")).strip()


def on_event(event_id: int, event: dict[str, Any]) -> None:
    """Called by `audit.record` for every event: send the alerts on."""
    if not is_alert(event["action"], event["outcome"]):
        return
    url = webhook_url()
    if url:
        sender.send(url, json.dumps(payload(event_id, event)).encode())


def post_json(url: str, body: bytes, timeout: float = TIMEOUT_SECONDS) -> bool:
    """POST once; True on a 2xx answer. Failures are logged (host only, as webhook URLs
    often carry a secret), never raised."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        log.error("alert webhook: %s is not an http(s) URL; alert not sent", WEBHOOK_ENV)
        return False
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "family-network-alerts"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            ok = 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log.warning("alert webhook on %s failed: %s", parts.hostname, exc)
        return False
    if not ok:
        log.warning("alert webhook on %s answered %s", parts.hostname, response.status)
    return ok


class WebhookSender:
    """One background thread posting queued alerts; a full queue drops (and logs)."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS, limit: int = QUEUE_LIMIT) -> None:
        self.timeout = timeout
        self._queue: queue.Queue[tuple[str, bytes]] = queue.Queue(limit)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def send(self, url: str, body: bytes) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="alert-webhook", daemon=True)
                self._thread.start()
        try:
            self._queue.put_nowait((url, body))
        except queue.Full:
            log.error("alert webhook queue full; alert dropped (it is still on the alerts page)")

    def _run(self) -> None:
        while True:
            url, body = self._queue.get()
            try:
                post_json(url, body, self.timeout)
            except Exception:  # the thread must outlive any one alert
                log.exception("alert webhook failed")
            finally:
                self._queue.task_done()


sender = WebhookSender()


# -- the alerts page --------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    event: AuditEvent
    acknowledged_at: datetime | None
    acknowledged_by: str | None

    @property
    def kind(self) -> str:
        return kind(self.event.action, self.event.outcome)


def _is_alert_row() -> Any:
    return or_(
        audit_events.c.outcome.in_(sorted(ALERT_OUTCOMES)),
        audit_events.c.action.in_(sorted(ALERT_ACTIONS)),
    )


def unacknowledged_count(engine: Engine) -> int:
    query = (
        select(func.count())
        .select_from(audit_events.outerjoin(alert_acknowledgements))
        .where(_is_alert_row(), alert_acknowledgements.c.event_id.is_(None))
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def listing(engine: Engine, page: int = 1, per_page: int = 50) -> tuple[list[Alert], int]:
    """One page of alerts, unacknowledged first, newest first; and the total."""
    joined = audit_events.outerjoin(alert_acknowledgements)
    with engine.connect() as conn:
        total = conn.execute(
            select(func.count()).select_from(joined).where(_is_alert_row())
        ).scalar_one()
        rows = conn.execute(
            select(
                audit_events,
                alert_acknowledgements.c.at.label("ack_at"),
                alert_acknowledgements.c.username.label("ack_by"),
            )
            .select_from(joined)
            .where(_is_alert_row())
            .order_by(alert_acknowledgements.c.event_id.is_not(None), audit_events.c.id.desc())
            .limit(per_page)
            .offset((max(1, page) - 1) * per_page)
        )
        alerts = [
            Alert(
                event_from_row(row),
                as_utc(row.ack_at) if row.ack_at else None,
                row.ack_by,
            )
            for row in rows
        ]
    return alerts, int(total)


class NotAnAlert(ValueError):
    """The event does not exist or is not an alert."""


def acknowledge(engine: Engine, event_id: int, username: str) -> bool:
    """Mark an alert seen; False if it already was. Raises `NotAnAlert`."""
    with engine.connect() as conn:
        found = conn.execute(
            select(audit_events.c.id).where(audit_events.c.id == event_id, _is_alert_row())
        ).first()
        if found is None:
            raise NotAnAlert(event_id)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(alert_acknowledgements).values(
                    event_id=event_id,
                    at=datetime.now(UTC).replace(microsecond=0),
                    username=username,
                )
            )
    except IntegrityError:
        return False
    return True
