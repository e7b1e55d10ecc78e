"""Searching the audit log, the monthly report and its CSV, and append-only storage."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, update

from graph_etl.settings import REPO_ROOT
from webapp import audit, create_app, store, users
from webapp.audit import AuditFilter

PASSWORD = "a-long-password"


def event(at: datetime, username: str | None, action: str, outcome: str = "ok", **detail) -> dict:  # type: ignore[no-untyped-def]
    return {
        "at": at,
        "username": username,
        "role": "social_worker" if username else None,
        "organisation": None,
        "action": action,
        "detail": json.dumps(detail, sort_keys=True),
        "outcome": outcome,
    }


@pytest.fixture()
def engine(tmp_path: Path) -> Engine:
    """A store holding seven events over two months (UTC times; London is UTC+1 in June)."""
    engine = store.make_engine(f"sqlite:///{tmp_path / 'audit.sqlite'}")
    for item in (
        event(datetime(2026, 5, 31, 23, 30, tzinfo=UTC), "ann", "search", name="Smith"),
        event(datetime(2026, 6, 1, 9, 0, tzinfo=UTC), "ann", "login"),
        event(datetime(2026, 6, 1, 9, 5, tzinfo=UTC), "ann", "search", name="O'Hara 100%"),
        event(datetime(2026, 6, 2, 10, 0, tzinfo=UTC), "bob", "view_person", person_id="P1"),
        event(
            datetime(2026, 6, 3, 11, 0, tzinfo=UTC), "bob", "denied", "denied", capability="admin"
        ),
        event(datetime(2026, 6, 30, 22, 59, tzinfo=UTC), None, "login", "refused"),
        event(datetime(2026, 7, 1, 0, 0, tzinfo=UTC), "bob", "search", name="=HYPERLINK(1)"),
    ):
        audit.append(engine, item)
    return engine


def ids(engine: Engine, where: AuditFilter, per_page: int = 50, page: int = 1) -> list[int]:
    return [item.id for item in audit.search(engine, where, page, per_page).events]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (AuditFilter(), [7, 6, 5, 4, 3, 2, 1]),  # newest first
        (AuditFilter(username="ANN"), [3, 2, 1]),  # usernames match regardless of case
        (AuditFilter(action="search"), [7, 3, 1]),
        (AuditFilter(outcome="denied"), [5]),
        (AuditFilter(action="login", outcome="refused"), [6]),
        (AuditFilter(text="smith"), [1]),  # free text in the detail, any case
        (AuditFilter(text="100%"), [3]),  # % and _ are literal, not wildcards
        (AuditFilter(text="o'hara"), [3]),
        (AuditFilter(text="_"), [4]),  # only person_id has an underscore
        # UK days: 23:30 UTC on 31 May is 00:30 on 1 June in London (BST)
        (AuditFilter(since=date(2026, 6, 1), until=date(2026, 6, 1)), [3, 2, 1]),
        (AuditFilter(since=date(2026, 6, 2)), [7, 6, 5, 4]),
        (AuditFilter(until=date(2026, 6, 2)), [4, 3, 2, 1]),
        (AuditFilter(username="bob", since=date(2026, 6, 3), until=date(2026, 6, 30)), [5]),
    ],
)
def test_search_filters(engine: Engine, where: AuditFilter, expected: list[int]) -> None:
    assert ids(engine, where) == expected


def test_search_pages(engine: Engine) -> None:
    first = audit.search(engine, AuditFilter(), page=1, per_page=3)
    assert (first.total, first.pages, [e.id for e in first.events]) == (7, 3, [7, 6, 5])
    assert ids(engine, AuditFilter(), per_page=3, page=3) == [1]
    assert ids(engine, AuditFilter(), per_page=3, page=99) == [1]  # clamped to the last


def test_month_report_counts_and_verifies_the_chain(engine: Engine) -> None:
    report = audit.month_report(engine, 2026, 6)  # June in UK time: events 1 to 6
    assert report.title == "June 2026" and report.total == 6
    assert report.by_action == [("login", 2), ("search", 2), ("denied", 1), ("view_person", 1)]
    assert report.by_outcome == [("ok", 4), ("denied", 1), ("refused", 1)]
    assert report.by_user == [("ann", 3), ("bob", 2), ("(not signed in)", 1)]
    assert report.by_role == [("social_worker", 5), ("(not signed in)", 1)]
    assert report.chain_intact and report.chain_events == 7
    with engine.begin() as conn:  # tamper, as an attacker with database access might
        conn.execute(
            update(store.audit_events).where(store.audit_events.c.id == 2).values(outcome="x")
        )
    broken = audit.month_report(engine, 2026, 6)
    assert not broken.chain_intact and "event 2" in broken.chain_problem


def test_month_csv_is_spreadsheet_safe_and_verifiable(engine: Engine) -> None:
    text = "".join(audit.events_csv(engine, audit.month_filter(2026, 7)))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["id"] for row in rows] == ["7"]
    assert json.loads(rows[0]["detail"].lstrip("'"))["name"] == "=HYPERLINK(1)"
    assert rows[0]["at"] == "2026-07-01T00:00:00+00:00" and len(rows[0]["hash"]) == 64
    assert audit.csv_cell("=1+1") == "'=1+1" and audit.csv_cell("-2") == "'-2"
    assert audit.csv_cell("@SUM") == "'@SUM" and audit.csv_cell("Smith") == "Smith"
    summary = list(csv.reader(io.StringIO(audit.summary_csv(audit.month_report(engine, 2026, 6)))))
    assert summary[0] == ["measure", "value", "count"] and ["total", "", "6"] in summary
    assert ["action", "search", "2"] in summary and summary[-1] == ["audit chain", "intact", "7"]


def test_no_code_updates_or_deletes_audit_events() -> None:
    """Append-only: nothing in the app or the ETL writes to the audit tables except by
    inserting (the tamper test above is the only writer, and it lives in tests/)."""
    offenders = []
    for folder in ("webapp", "graph_etl"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for table in ("audit_events", "alert_acknowledgements"):
                if re.search(rf"(update|delete)\(\s*{table}\b|\b{table}\.(update|delete)\(", text):
                    offenders.append(f"{path.relative_to(REPO_ROOT)}: {table}")
            if re.search(
                r"(UPDATE|DELETE FROM)\s+(audit_events|alert_acknowledgements)", text, re.I
            ):
                offenders.append(f"{path.relative_to(REPO_ROOT)}: SQL text")
    assert not offenders


# -- through the web app ----------------------------------------------------------------


@pytest.fixture()
def app(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'web.sqlite'}",
            "WTF_CSRF_ENABLED": False,
            "TESTING": True,
        }
    )
    for role in ("admin", "social_worker"):
        users.upsert(app.extensions["store"], role, PASSWORD, role)
    return app


def admin_client(app):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": PASSWORD})
    return client


def test_audit_page_filters_and_pages(app) -> None:  # type: ignore[no-untyped-def]
    worker = app.test_client()
    worker.post("/login", data={"username": "social_worker", "password": PASSWORD})
    for _ in range(3):
        worker.get("/admin/")  # refused: recorded as denied
    admin = admin_client(app)
    today = datetime.now(audit.LOCAL_TIME).date()
    html = admin.get(
        "/admin/audit?user=social_worker&outcome=denied"
        f"&from_day={today.day}&from_month={today.month}&from_year={today.year}"
    ).get_data(as_text=True)
    assert "3 events" in html and "capability: admin" in html and "/admin/" in html
    assert '<option value="denied" selected>' in html
    searches = [
        e for e in audit.search(app.extensions["store"], AuditFilter(action="audit_search")).events
    ]
    assert searches[-1].details["username"] == "social_worker"  # searching the audit is audited
    assert searches[-1].details["outcome"] == "denied"


def test_audit_page_pagination_links_keep_the_filters(app) -> None:  # type: ignore[no-untyped-def]
    engine = app.extensions["store"]
    for number in range(120):
        audit.append(engine, event(datetime.now(UTC), "ann", "search", name=f"n{number}"))
    html = admin_client(app).get("/admin/audit?user=ann").get_data(as_text=True)
    assert "120 events, page 1 of 3" in html
    assert 'href="/admin/audit?user=ann&amp;page=2"' in html and 'rel="next"' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from_day=31&from_month=2&from_year=2026", "Date from must be a real date"),
        ("from_day=1&from_year=2026", "Date from must include a day, month and year"),
        ("to_day=1&to_month=1&to_year=26", "Date to must be a real date"),
        (
            "from_day=2&from_month=1&from_year=2026&to_day=1&to_month=1&to_year=2026",
            "Date to must be the same as or after date from",
        ),
        ("text=" + "x" * 101, "Text must be 100 characters or fewer"),
    ],
)
def test_bad_audit_filters_get_an_error_summary(app, query: str, message: str) -> None:  # type: ignore[no-untyped-def]
    response = admin_client(app).get(f"/admin/audit?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in html and message in html and "Traceback" not in html


def test_monthly_report_page_and_downloads(app) -> None:  # type: ignore[no-untyped-def]
    admin = admin_client(app)
    today = datetime.now(audit.LOCAL_TIME).date()
    html = admin.get(f"/admin/audit/report?year={today.year}&month={today.month}").get_data(
        as_text=True
    )
    assert f"Monthly audit report: {today:%B %Y}" in html
    assert "The audit log is intact" in html and "By role" in html
    events = admin.get(f"/admin/audit/report.csv?year={today.year}&month={today.month}")
    assert events.mimetype == "text/csv" and events.headers["Cache-Control"] == "no-store"
    name = f"audit-{today.year}-{today.month:02d}-events.csv"
    assert events.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    rows = list(csv.DictReader(io.StringIO(events.get_data(as_text=True))))
    assert {"login", "audit_report"} <= {row["action"] for row in rows}
    summary = admin.get(
        f"/admin/audit/report.csv?year={today.year}&month={today.month}&part=summary"
    )
    assert "audit chain,intact" in summary.get_data(as_text=True)
    exports = audit.search(app.extensions["store"], AuditFilter(action="audit_export")).events
    assert [e.details["part"] for e in exports] == ["summary", "events"]
    for bad in ("year=1999&month=1", "year=2026&month=13", "year=abc"):
        assert admin.get(f"/admin/audit/report?{bad}").status_code == 400
        assert admin.get(f"/admin/audit/report.csv?{bad}").status_code == 400


def test_concurrent_writers_never_fork_the_chain(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Separate processes do not share the in-process lock: emulate them with threads,
    each with its own engine, and no lock."""
    monkeypatch.setattr(audit, "_chain_lock", contextlib.nullcontext())
    url = f"sqlite:///{tmp_path / 'race.sqlite'}"
    engines = [store.make_engine(url) for _ in range(4)]

    def write(engine: Engine) -> None:
        for number in range(25):
            audit.append(engine, event(datetime.now(UTC), "ann", "search", n=number), attempts=50)

    threads = [threading.Thread(target=write, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert audit.verify(engines[0]) == (True, 100, "")
    for engine in engines:
        engine.dispose()


def test_sign_in_decisions_are_audited(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.post("/login", data={"username": "social_worker", "password": "wrong"})
    client.post("/login", data={"username": "nobody", "password": "wrong"})
    client.post("/login", data={"username": "social_worker", "password": PASSWORD})
    client.post("/logout")
    events = audit.search(app.extensions["store"], AuditFilter()).events
    assert [(e.action, e.username, e.outcome) for e in reversed(events)] == [
        ("login", "social_worker", "refused"),
        ("login", "nobody", "refused"),
        ("login", "social_worker", "ok"),
        ("logout", "social_worker", "ok"),
    ]
    assert all(PASSWORD not in e.detail and "wrong" not in e.detail for e in events)
