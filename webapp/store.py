"""The relational store for users, the audit log and alert acknowledgements.

SQLite by default. The audit tables are append-only: no code path updates or
deletes them, and in production the database user should hold only INSERT and
SELECT on `audit_events` and `alert_acknowledgements` (see docs/security.md).
"""

from __future__ import annotations

import logging

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.exc import SQLAlchemyError

from graph_etl.matching import decisions as decision_store

log = logging.getLogger(__name__)
metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("organisation", String(120), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("username", String(80), nullable=True),
    Column("role", String(40), nullable=True),
    Column("organisation", String(120), nullable=True),
    Column("action", String(40), nullable=False),
    Column("detail", Text, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)
Index("ux_audit_events_prev_hash", audit_events.c.prev_hash, unique=True)  # no forks
Index("ix_audit_events_at", audit_events.c.at)
Index("ix_audit_events_username", audit_events.c.username)
Index("ix_audit_events_action_outcome", audit_events.c.action, audit_events.c.outcome)

# One row per alert (an audit event) an administrator has acknowledged.
alert_acknowledgements = Table(
    "alert_acknowledgements",
    metadata,
    Column("event_id", Integer, ForeignKey("audit_events.id"), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("username", String(80), nullable=False),
)


def make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):  # type: ignore[no-untyped-def]
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    metadata.create_all(engine)
    # The match review's tables too, so the schema owner creates every table the app
    # uses at its first start (docs/security.md grants the app no CREATE).
    decision_store.metadata.create_all(engine)
    for index in audit_events.indexes:  # stores created before the indexes existed
        try:
            index.create(engine, checkfirst=True)
        except SQLAlchemyError as exc:  # e.g. an old store whose chain already forked
            log.warning("could not create index %s: %s", index.name, exc)
    return engine
