"""The users and audit store on a real PostgreSQL server: sign-in and the audit chain,
writers in separate connections that never fork it, and the least-privilege grants
docs/security.md gives the app (enough to run; no changing the audit)."""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from graph_etl.settings import REPO_ROOT
from tests.conftest import free_port
from webapp import audit, create_app, store, users

PASSWORD = "postgres-test-password"


def postgres_bin() -> Path | None:
    """Where PostgreSQL's server programs are (Debian keeps them off the PATH)."""
    found = shutil.which("initdb") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)), None
    )
    return Path(found).parent if found else None


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1; yields the superuser's URL."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server programs are not installed")
    folder = Path(tempfile.mkdtemp(prefix="family-network-pg-"))
    # PostgreSQL will not run as root: run it as the postgres account then.
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], check=True, capture_output=True, timeout=120)

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "owner", "--auth=trust", "-E", "UTF8")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    log = str(folder / "log")
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "start")
    try:
        yield f"postgresql+psycopg://owner@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture()
def owner(server: str) -> Iterator[Engine]:
    """The schema owner's engine on an emptied store."""
    engine = store.make_engine(server)
    with engine.begin() as conn:
        names = ", ".join(table.name for table in store.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
    yield engine
    engine.dispose()


def sign_in_and_out(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.post("/login", data={"username": "social_worker", "password": "wrong"})
    response = client.post("/login", data={"username": "social_worker", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    client.post("/logout")


def test_users_and_audit_live_in_postgresql(server: str, owner: Engine, tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": server, "WTF_CSRF_ENABLED": False})
    engine = app.extensions["store"]
    assert engine.dialect.name == "postgresql"
    users.upsert(engine, "social_worker", PASSWORD, "social_worker")
    sign_in_and_out(app)
    events = audit.search(engine, audit.AuditFilter()).events
    assert [(e.action, e.outcome) for e in reversed(events)] == [
        ("login", "refused"),
        ("login", "ok"),
        ("logout", "ok"),
    ]
    assert audit.verify(engine) == (True, 3, "")
    engine.dispose()


def test_writers_in_separate_connections_never_fork_the_chain(
    server: str, owner: Engine, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Separate processes share no in-process lock: threads with engines of their own
    and no lock, so only the database's advisory lock keeps the chain in one line."""
    monkeypatch.setattr(audit, "_chain_lock", contextlib.nullcontext())
    engines = [store.make_engine(server) for _ in range(4)]

    def write(engine: Engine) -> None:
        for number in range(25):
            event = {"at": datetime.now(UTC), "username": "ann", "role": "social_worker",
                     "organisation": None, "action": "search", "detail": f'{{"n": {number}}}',
                     "outcome": "ok"}  # fmt: skip
            audit.append(engine, event)

    threads = [threading.Thread(target=write, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert audit.verify(owner) == (True, 100, "")
    for engine in engines:
        engine.dispose()


def documented_grants() -> str:
    """The SQL block docs/security.md tells an administrator to run."""
    doc = (REPO_ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    block = re.search(r"```sql\n(.*?)```", doc, re.DOTALL)
    assert block, "docs/security.md has no sql block of grants"
    return block.group(1).replace("PASSWORD '...'", f"PASSWORD '{PASSWORD}'")


def test_the_documented_grants_run_the_app_and_protect_the_audit(
    server: str, owner: Engine
) -> None:
    with owner.begin() as conn:
        for statement in re.sub(r"--[^\n]*", "", documented_grants()).split(";"):
            if statement.strip():
                conn.execute(text(statement))
    users.upsert(owner, "social_worker", PASSWORD, "social_worker")
    app_url = server.replace("owner@", f"family_network_app:{PASSWORD}@")
    app = create_app({"DATABASE_URL": app_url, "WTF_CSRF_ENABLED": False})
    engine = app.extensions["store"]
    sign_in_and_out(app)  # sign-in, a refused attempt (lockout count), audit appends
    assert audit.verify(engine)[0]
    for statement in ("UPDATE audit_events SET outcome = 'ok'", "DELETE FROM audit_events",
                      "TRUNCATE audit_events"):  # fmt: skip
        with pytest.raises(ProgrammingError, match="permission denied"), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()
