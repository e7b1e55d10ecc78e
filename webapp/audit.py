"""Append-only, hash-chained audit of every login, search, view, export and denial.

Writing: `record` (in a request) and `append`. Reading: `search` (filters and
pages), `month_report` (counts for a calendar month) and `events_csv`. Nothing
here, or anywhere else, updates or deletes an event; `verify` proves it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_login import current_user
from sqlalchemy import ColumnElement, Connection, Engine, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from webapp.store import audit_events

GENESIS = "0" * 64
EVENT_FIELDS = ("at", "username", "role", "organisation", "action", "detail", "outcome")
NOT_SIGNED_IN = "(not signed in)"
LOCAL_TIME = ZoneInfo("Europe/London")  # days and months are the council's; storage is UTC
_chain_lock = threading.Lock()  # one writer per process; the database serialises the rest
CHAIN_LOCK_KEY = 0x66616D696C79  # PostgreSQL advisory lock id for appending to the chain
log = logging.getLogger(__name__)


def _digest(prev_hash: str, event: dict[str, Any]) -> str:
    body = json.dumps(event, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def append(engine: Engine, event: dict[str, Any], attempts: int = 5) -> int:
    """Add one event to the chain (serialised: one writer at a time); its id. Two
    writers that read the same newest hash cannot both insert (prev_hash is unique):
    the loser reads again and retries."""
    for attempt in range(attempts):
        try:
            with _chain_lock, engine.begin() as conn:
                prev_hash = conn.execute(_latest_hash(conn)).scalar() or GENESIS
                result = conn.execute(
                    insert(audit_events).values(
                        **event, prev_hash=prev_hash, hash=_digest(prev_hash, event)
                    )
                )
                return int(result.inserted_primary_key[0])
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _latest_hash(conn: Connection) -> Any:
    """The query for the newest hash, with other writers held off until commit: an
    advisory lock on PostgreSQL (so the app needs no UPDATE grant on the audit table),
    a row lock elsewhere. SQLite takes no lock here: the unique prev_hash catches a race."""
    latest = select(audit_events.c.hash).order_by(audit_events.c.id.desc()).limit(1)
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    elif conn.dialect.name != "sqlite":
        latest = latest.with_for_update()
    return latest


def record(
    action: str, detail: dict[str, Any], outcome: str = "ok", username: str | None = None
) -> None:
    """Audit the current request's user doing `action`; raise an alert if it is one."""
    from webapp import alerts  # late: alerts reads audit events

    user = current_user if current_user and current_user.is_authenticated else None
    event = {
        "at": datetime.now(UTC).replace(microsecond=0),
        "username": username or (user.username if user else None),
        "role": user.role if user else None,
        "organisation": user.organisation if user else None,
        "action": action,
        "detail": json.dumps({**detail, "path": request.path}, sort_keys=True),
        "outcome": outcome,
    }
    event_id = append(current_app.extensions["store"], event)
    try:
        alerts.on_event(event_id, event)
    except Exception:  # an alert must never cost the user their request
        log.exception("could not raise an alert for audit event %s", event_id)


def verify(engine: Engine) -> tuple[bool, int, str]:
    """Recompute the chain: (intact, events checked, first problem)."""
    prev_hash = GENESIS
    count = 0
    with engine.connect() as conn:
        for row in conn.execute(select(audit_events).order_by(audit_events.c.id)):
            event = {key: getattr(row, key) for key in EVENT_FIELDS}
            event["at"] = as_utc(event["at"])
            if row.prev_hash != prev_hash or row.hash != _digest(prev_hash, event):
                return False, count, f"event {row.id} does not follow from the one before"
            prev_hash = row.hash
            count += 1
    return True, count, ""


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment  # SQLite: naive


# -- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: datetime
    username: str | None
    role: str | None
    organisation: str | None
    action: str
    detail: str
    outcome: str

    @property
    def details(self) -> dict[str, Any]:
        """The detail as a dict (an unreadable one comes back under `text`)."""
        try:
            parsed = json.loads(self.detail)
        except ValueError:
            return {"text": self.detail}
        return parsed if isinstance(parsed, dict) else {"text": self.detail}


def event_from_row(row: Any) -> AuditEvent:
    return AuditEvent(row.id, as_utc(row.at), *(getattr(row, key) for key in EVENT_FIELDS[1:]))


@dataclass(frozen=True)
class AuditFilter:
    """What to look for; every part optional. Dates are UK days, both inclusive."""

    username: str | None = None
    action: str | None = None
    outcome: str | None = None
    since: date | None = None
    until: date | None = None
    text: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        table = audit_events.c
        found: list[ColumnElement[bool]] = []
        if self.username:
            found.append(func.lower(table.username) == self.username.lower())
        if self.action:
            found.append(table.action == self.action)
        if self.outcome:
            found.append(table.outcome == self.outcome)
        if self.since:
            found.append(table.at >= day_start(self.since))
        if self.until:
            found.append(table.at < day_start(self.until + timedelta(days=1)))
        if self.text:
            found.append(table.detail.icontains(self.text, autoescape=True))
        return found


def day_start(day: date) -> datetime:
    """Midnight at the start of a UK day, in UTC."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TIME).astimezone(UTC)


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search(engine: Engine, where: AuditFilter, page: int = 1, per_page: int = 50) -> AuditPage:
    """Events matching `where`, newest first, one page of them."""
    conditions = where.conditions()
    with engine.connect() as conn:
        total = conn.execute(
            select(func.count()).select_from(audit_events).where(*conditions)
        ).scalar_one()
        page = min(max(1, page), max(1, -(-total // per_page)))
        rows = conn.execute(
            select(audit_events)
            .where(*conditions)
            .order_by(audit_events.c.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        events = [event_from_row(row) for row in rows]
    return AuditPage(events, total, page, per_page)


def distinct(engine: Engine, column: str) -> list[str]:
    """Every value the log holds in `action` or `outcome` (for filter choices)."""
    if column not in ("action", "outcome"):
        raise ValueError(column)
    chosen = audit_events.c[column]
    with engine.connect() as conn:
        return list(conn.execute(select(chosen).distinct().order_by(chosen)).scalars())


# -- monthly report ---------------------------------------------------------------------


def month_filter(year: int, month: int) -> AuditFilter:
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return AuditFilter(since=first, until=last)


@dataclass(frozen=True)
class MonthReport:
    year: int
    month: int
    total: int
    by_action: list[tuple[str, int]]
    by_outcome: list[tuple[str, int]]
    by_user: list[tuple[str, int]]
    by_role: list[tuple[str, int]]
    chain_intact: bool
    chain_events: int
    chain_problem: str = ""
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def title(self) -> str:
        return f"{date(self.year, self.month, 1):%B %Y}"


def month_report(engine: Engine, year: int, month: int) -> MonthReport:
    """Counts by action, outcome, user and role for a calendar month (UK time), and whether
    the whole chain verifies."""
    conditions = month_filter(year, month).conditions()

    def counts(column: str) -> list[tuple[str, int]]:
        chosen = audit_events.c[column]
        query = (
            select(chosen, func.count())
            .where(*conditions)
            .group_by(chosen)
            .order_by(func.count().desc(), chosen)
        )
        with engine.connect() as conn:
            return [(value or NOT_SIGNED_IN, count) for value, count in conn.execute(query)]

    by_action = counts("action")
    intact, checked, problem = verify(engine)
    return MonthReport(
        year=year,
        month=month,
        total=sum(count for _, count in by_action),
        by_action=by_action,
        by_outcome=counts("outcome"),
        by_user=counts("username"),
        by_role=counts("role"),
        chain_intact=intact,
        chain_events=checked,
        chain_problem=problem,
    )


# -- CSV --------------------------------------------------------------------------------

CSV_COLUMNS = ("id", *EVENT_FIELDS, "prev_hash", "hash")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A value safe to open in a spreadsheet: text that could start a formula is
    prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_line(values: Any) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([csv_cell(value) for value in values])
    return buffer.getvalue()


def events_csv(engine: Engine, where: AuditFilter) -> Iterator[str]:
    """The matching events, oldest first, as CSV lines (with a header), streamed."""
    yield csv_line(CSV_COLUMNS)
    query = select(audit_events).where(*where.conditions()).order_by(audit_events.c.id)
    with engine.connect() as conn:
        for row in conn.execution_options(yield_per=1000).execute(query):
            yield csv_line(getattr(row, column) for column in CSV_COLUMNS)


def summary_csv(report: MonthReport) -> str:
    """The month's counts as CSV: measure, value, count; then the chain check."""
    lines = [csv_line(("measure", "value", "count")), csv_line(("total", "", report.total))]
    for measure, counts in (
        ("action", report.by_action),
        ("outcome", report.by_outcome),
        ("user", report.by_user),
        ("role", report.by_role),
    ):
        lines.extend(csv_line((measure, value, count)) for value, count in counts)
    state = "intact" if report.chain_intact else f"broken: {report.chain_problem}"
    lines.append(csv_line(("audit chain", state, report.chain_events)))
    return "".join(lines)
