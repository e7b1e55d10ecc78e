"""Append-only, hash-chained audit of every login, search, view, export and denial."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime
from typing import Any

from flask import current_app, request
from flask_login import current_user
from sqlalchemy import Engine, insert, select

from webapp.store import audit_events

GENESIS = "0" * 64
_chain_lock = threading.Lock()  # one writer per process; the database serialises the rest


def _digest(prev_hash: str, event: dict[str, Any]) -> str:
    body = json.dumps(event, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def append(engine: Engine, event: dict[str, Any]) -> None:
    """Add one event to the chain (serialised: one writer at a time)."""
    with _chain_lock, engine.begin() as conn:
        latest = select(audit_events.c.hash).order_by(audit_events.c.id.desc()).limit(1)
        if engine.dialect.name != "sqlite":
            latest = latest.with_for_update()
        last = conn.execute(latest).scalar()
        prev_hash = last or GENESIS
        conn.execute(
            insert(audit_events).values(
                **event, prev_hash=prev_hash, hash=_digest(prev_hash, event)
            )
        )


def record(
    action: str, detail: dict[str, Any], outcome: str = "ok", username: str | None = None
) -> None:
    """Audit the current request's user doing `action`."""
    user = current_user if current_user and current_user.is_authenticated else None
    event = {
        "at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "username": username or (user.username if user else None),
        "role": user.role if user else None,
        "organisation": user.organisation if user else None,
        "action": action,
        "detail": json.dumps({**detail, "path": request.path}, sort_keys=True),
        "outcome": outcome,
    }
    append(current_app.extensions["store"], {**event, "at": datetime.fromisoformat(event["at"])})


def verify(engine: Engine) -> tuple[bool, int, str]:
    """Recompute the chain: (intact, events checked, first problem)."""
    prev_hash = GENESIS
    count = 0
    with engine.connect() as conn:
        for row in conn.execute(select(audit_events).order_by(audit_events.c.id)):
            event = {
                key: getattr(row, key)
                for key in ("at", "username", "role", "organisation", "action", "detail", "outcome")
            }
            if event["at"].tzinfo is None:
                event["at"] = event["at"].replace(tzinfo=UTC)
            if row.prev_hash != prev_hash or row.hash != _digest(prev_hash, event):
                return False, count, f"event {row.id} does not follow from the one before"
            prev_hash = row.hash
            count += 1
    return True, count, ""
