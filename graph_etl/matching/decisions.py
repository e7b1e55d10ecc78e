"""Clerical decisions on record pairs, and person-id events, in the relational store.

In the database at `FAMILY_NETWORK_DATABASE_URL` (default: `webapp.sqlite` in the
state folder, beside users and the audit log):

* `match_decisions` (record_a, record_b, decision, decided_by, decided_at, reason): a
  pair is stored with the smaller record id first; every decision is kept (an audit
  trail) and the latest one counts;
* `person_events` (at, kind, person_ids, records): each merge, split and new person
  of a refresh (see `ids.py`), written once the refresh has loaded.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    select,
)

from graph_etl.matching.types import Decision
from graph_etl.settings import GraphSettings

SAME, DIFFERENT = "same_person", "different_people"

metadata = MetaData()

match_decisions = Table(
    "match_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_a", String(300), nullable=False),
    Column("record_b", String(300), nullable=False),
    Column("decision", String(20), nullable=False),
    Column("decided_by", String(80), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Index("match_decisions_pair", "record_a", "record_b"),
)

person_events = Table(
    "person_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("kind", String(10), nullable=False),
    Column("person_ids", Text, nullable=False),  # JSON list
    Column("records", Text, nullable=False),  # JSON list
)


def database_url() -> str:
    """`FAMILY_NETWORK_DATABASE_URL`, else the SQLite file in the state folder."""
    url = os.environ.get("FAMILY_NETWORK_DATABASE_URL", "").strip()
    if url:
        return url
    state_dir = GraphSettings.from_env().state_dir
    state_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{state_dir / 'webapp.sqlite'}"


def make_engine(url: str | None = None) -> Engine:
    """An engine on the decisions database, with the table created if missing."""
    engine = create_engine(url or database_url(), future=True)
    metadata.create_all(engine)
    return engine


def record_decision(
    engine: Engine,
    record_a: str,
    record_b: str,
    same_person: bool,
    decided_by: str,
    reason: str = "",
) -> Decision:
    """Store a decision; later runs of `match()` honour it."""
    if record_a == record_b:
        raise ValueError("a decision needs two different records")
    first, second = sorted((record_a, record_b))
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            match_decisions.insert().values(
                record_a=first,
                record_b=second,
                decision=SAME if same_person else DIFFERENT,
                decided_by=decided_by,
                decided_at=datetime.now(UTC),
                reason=reason,
            )
        )
    return Decision(first, second, same_person)


def load_decisions(engine: Engine) -> list[Decision]:
    """The latest decision on each pair."""
    metadata.create_all(engine)
    query = select(
        match_decisions.c.record_a, match_decisions.c.record_b, match_decisions.c.decision
    ).order_by(match_decisions.c.decided_at, match_decisions.c.id)
    latest: dict[tuple[str, str], bool] = {}
    with engine.connect() as connection:
        for record_a, record_b, decision in connection.execute(query):
            latest[(record_a, record_b)] = decision == SAME
    return [Decision(a, b, same) for (a, b), same in sorted(latest.items())]


def record_events(engine: Engine, events: Sequence[dict[str, Any]]) -> None:
    """Keep a refresh's merge, split and new-person events."""
    if not events:
        return
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            person_events.insert(),
            [
                {
                    "at": now,
                    "kind": event["kind"],
                    "person_ids": json.dumps(event["person_ids"]),
                    "records": json.dumps(event["records"]),
                }
                for event in events
            ],
        )
