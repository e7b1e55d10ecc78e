"""`family-network demo` end to end, as a person runs it: the real command in a process
of its own (own state folder, free ports), the sample county loaded, a social worker
signing in through the login form, and Ctrl-C stopping the demo and its graph server.

Skipped when NEO4J_URI is set: the demo would then load the sample county into the
database the rest of the suite uses.
"""

from __future__ import annotations

import contextlib
import csv
import html
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from graph_etl.cli import SAMPLE_COUNTY, demo_school
from graph_etl.graph_server import ServerPaths
from graph_etl.settings import REPO_ROOT
from tests.conftest import command, free_port

pytestmark = pytest.mark.graph

PASSWORD = "demo-test-password"
READY_SECONDS = 420  # the load takes about a minute; far more on a busy machine
STOP_SECONDS = 60
SERVER_CLASS = b"com.arcadedb.server.ArcadeDBServer"


def graph_servers_for(state_dir: Path) -> list[int]:
    """PIDs of local graph servers whose command line names this state folder."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if SERVER_CLASS in cmdline and str(state_dir).encode() in cmdline:
            found.append(int(entry.name))
    return found


@contextlib.contextmanager
def sigint_reaches_children() -> Iterator[None]:
    """A shell running the tests in the background may ignore SIGINT, and a child
    inherits an ignored signal: then Ctrl-C could not reach the demo. A handled signal
    is reset to its default in the child, so handle it while starting one."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@dataclass
class Demo:
    process: subprocess.Popen[bytes]
    port: int
    state_dir: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def failure(self) -> str:
        """The end of the demo's output, and of its graph server's log (what a failure
        on another machine needs to be understood)."""
        server_log = ServerPaths(self.state_dir / "graph").log_file
        try:
            server = server_log.read_text(encoding="utf-8", errors="replace")[-2000:]
        except OSError:
            server = "(none)"
        return f"{self.output()[-3000:]}\n--- graph server log, its end:\n{server}"

    def stop(self, signum: int = signal.SIGINT) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the demo ignored signal {signum}:\n{self.output()[-3000:]}")


@pytest.fixture()
def demo(tmp_path: Path) -> Iterator[Demo]:
    """The demo command, started; always stopped afterwards, with its graph server."""
    if os.environ.get("NEO4J_URI", "").strip():
        pytest.skip("NEO4J_URI is set: the demo would load the sample county into it")
    state_dir = tmp_path / "state"
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("FAMILY_NETWORK_DATABASE_URL", "FAMILY_NETWORK_SECURE_COOKIES")
    }
    env.update(
        PORT=str(port),
        FAMILY_NETWORK_STATE_DIR=str(state_dir),
        FAMILY_NETWORK_BOLT_PORT=str(free_port()),
        FAMILY_NETWORK_HTTP_PORT=str(free_port()),
        DEMO_PASSWORD=PASSWORD,
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "demo.log"
    with log.open("wb") as out, sigint_reaches_children():
        process = subprocess.Popen(
            [str(command()), "demo"],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = Demo(process, port, state_dir, log)
    try:
        yield running
    finally:
        if process.poll() is None:  # the test failed before stopping it
            process.send_signal(signal.SIGINT)
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for pid in graph_servers_for(state_dir):  # never leave a server behind
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and pid in graph_servers_for(state_dir):
                time.sleep(0.2)
            if pid in graph_servers_for(state_dir):
                os.kill(pid, signal.SIGKILL)


def wait_until_serving(demo: Demo) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if demo.process.poll() is not None:
            pytest.fail(f"the demo exited with {demo.process.returncode}:\n{demo.failure()}")
        try:
            with urllib.request.urlopen(f"{demo.url}/login", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    pytest.fail(f"the demo did not serve within {READY_SECONDS}s:\n{demo.failure()}")


class Client:
    """A browser's cookies and forms, with the standard library only."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def open(self, path: str, form: dict[str, str] | None = None) -> tuple[str, str]:
        """(final URL after redirects, page text)"""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=30) as response:
                return response.url, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            body = error.read().decode("utf-8", errors="replace")
            pytest.fail(f"{path}: HTTP {error.code}\n{body[:2000]}")

    def sign_in(self, username: str, password: str) -> str:
        _, page = self.open("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, "the login form has no CSRF token"
        url, page = self.open(
            "/login",
            {"csrf_token": html.unescape(token[1]), "username": username, "password": password},
        )
        assert url.endswith("/search"), (url, page[:2000])
        return page


def sample_children_with_involvements(limit: int = 10) -> list[str]:
    """Names of social care children of the committed county who have a worker and a
    recorded family: what a social worker of the demo would look up."""
    folder = SAMPLE_COUNTY / "social_care"

    def rows(name: str) -> list[dict[str, str]]:
        with (folder / name).open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    involved = {row["invo_person_id"] for row in rows("ssd_involvements.csv")}
    families: dict[str, list[str]] = {}
    for row in rows("ssd_family.csv"):
        families.setdefault(row["fami_family_id"], []).append(row["fami_person_id"])
    in_a_family = {
        person for members in families.values() if len(members) > 1 for person in members
    }
    names = [
        f"{row['pers_forename']} {row['pers_surname']}"
        for row in rows("ssd_person.csv")
        if row["pers_person_id"] in involved & in_a_family
    ]
    assert names, "the sample county has no social care child with a worker and a family"
    return names[:limit]


def person_page_with_family_and_involvement(client: Client) -> tuple[str, str]:
    """Search for sample children until a result's page shows both family members and
    an involvement; returns (name, page)."""
    seen = []
    for name in sample_children_with_involvements():
        _, results = client.open("/search?" + urllib.parse.urlencode({"name": name}))
        assert "Search for a person" in results
        links = [
            (href, html.unescape(text))
            for href, text in re.findall(
                r'<a class="govuk-link" href="(/person/[^"]+)">([^<]+)</a>', results
            )
        ]
        for href, text in links:
            if text != name:
                continue
            _, page = client.open(href)
            family = re.findall(r'data-member="([^"]+)"', page)
            involvements = re.findall(r'data-kind="([^"]+)"', page)
            seen.append((name, href, len(family), len(involvements)))
            if family and involvements:
                return name, page
    pytest.fail(f"no person page with family and an involvement: {seen}")


def test_demo_loads_the_county_serves_a_social_worker_and_stops_on_ctrl_c(demo: Demo) -> None:
    from webapp.policy import roles

    wait_until_serving(demo)
    output = demo.output()
    assert f"Family network web app on {demo.url}/" in output
    block = output.split("Demo users (username = role), all with password: ", 1)
    assert len(block) == 2, output[-3000:]
    password_line, *lines = block[1].split("\n\n", 1)[0].splitlines()
    assert password_line.strip() == PASSWORD
    listed = {line.split()[0]: line.split(None, 1)[1] for line in lines}
    assert sorted(listed) == sorted(roles()) and len(lines) == len(roles())
    assert listed["school_dsl"] == demo_school()

    client = Client(demo.url)
    assert "Search for a person" in client.sign_in("social_worker", PASSWORD)
    name, page = person_page_with_family_and_involvement(client)
    assert f'<h1 class="govuk-heading-l">{html.escape(name)}</h1>' in page
    assert "mailto:" in page  # a lead professional's contact details

    assert demo.stop(signal.SIGINT) == 0
    output = demo.output()
    assert "Traceback" not in output, output[-3000:]
    assert output.rstrip().endswith("local graph server stopped"), output[-1000:]
    assert graph_servers_for(demo.state_dir) == []
    assert not (demo.state_dir / "graph" / "server.pid").exists()


def test_demo_killed_while_starting_stops_its_graph_server(demo: Demo) -> None:
    pid_file = demo.state_dir / "graph" / "server.pid"
    deadline = time.monotonic() + READY_SECONDS
    while not pid_file.exists() and demo.process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pid_file.exists(), demo.output()[-3000:]
    assert demo.stop(signal.SIGTERM) == 0  # `kill <pid>`: as Ctrl-C, so no server is left
    output = demo.output()
    assert "Traceback" not in output, output[-3000:]
    assert output.rstrip().endswith("local graph server stopped"), output[-3000:]
    assert graph_servers_for(demo.state_dir) == []
