"""Launcher for the bundled local graph server (ArcadeDB's Bolt server).

Runs the server from the `arcadedb-embedded` wheel as a subprocess (its in-process
mode mishandles signals), bound to 127.0.0.1, with a data directory and a working
directory under the project's state folder. Ready means a query against the target
database succeeded: the Bolt port opens before the database exists.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from graph_etl import graph
from graph_etl.settings import GraphSettings

_JVM_FLAGS = [
    "--add-modules=jdk.incubator.vector",
    "--enable-native-access=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/java.nio.channels.spi=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "-Djava.awt.headless=true",
    "-Dfile.encoding=UTF8",
    "-Dpolyglot.engine.WarnInterpreterOnly=false",
]
_MAIN_CLASS = "com.arcadedb.server.ArcadeDBServer"
# Servers this process started, kept so they are reaped (not left as zombies or
# garbage-collected while running) when stopped from the same process.
_children: dict[int, subprocess.Popen[bytes]] = {}


class GraphServerError(RuntimeError):
    """The local graph server could not be started or reached."""


@dataclass(frozen=True)
class ServerPaths:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def pid_file(self) -> Path:
        return self.root / "server.pid"

    @property
    def log_file(self) -> Path:
        return self.work / "server.log"

    @classmethod
    def for_settings(cls, settings: GraphSettings) -> ServerPaths:
        return cls(settings.state_dir / "graph")


def _package_dir() -> Path:
    import arcadedb_embedded  # imported lazily: only the launcher needs the wheel

    return Path(arcadedb_embedded.__file__).resolve().parent


def server_command(settings: GraphSettings, paths: ServerPaths) -> list[str]:
    """The java command line for the server (pure: testable without starting it)."""
    package = _package_dir()
    props = {
        "server.rootPath": paths.data,
        "server.databaseDirectory": paths.data / "databases",
        "server.rootPassword": settings.password,
        "server.plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
        "server.defaultDatabases": f"{settings.database}[]",
        "server.httpIncomingHost": "127.0.0.1",
        "server.httpIncomingPort": settings.http_port,
        "bolt.host": "127.0.0.1",
        "bolt.port": settings.bolt_port,
        "command.timeout": settings.query_timeout_ms,
    }
    return [
        str(package / "jre" / "bin" / "java"),
        f"-Xmx{settings.heap}",
        *_JVM_FLAGS,
        *(f"-Darcadedb.{key}={value}" for key, value in props.items()),
        "-cp",
        str(package / "jars" / "*"),
        _MAIN_CLASS,
    ]


def _read_pid(paths: ServerPaths) -> int | None:
    try:
        pid = int(paths.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    # A stale PID file may name a process that is not ours any more.
    return pid if _MAIN_CLASS.encode() in cmdline else None


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _log_tail(paths: ServerPaths, lines: int = 15) -> str:
    try:
        return "\n".join(paths.log_file.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no server log)"


def status(settings: GraphSettings) -> str:
    """One line saying whether the graph is reachable, and which one it is."""
    if not settings.local:
        state = "reachable" if graph.ping(settings) else "NOT reachable"
        return f"external graph {settings.uri} (database {settings.database}): {state}"
    paths = ServerPaths.for_settings(settings)
    pid = _read_pid(paths)
    if pid is None:
        return f"local graph server: stopped (data in {paths.data})"
    state = "ready" if graph.ping(settings) else "starting or unhealthy"
    return f"local graph server: running, pid {pid}, {settings.uri}, {state}"


def start(settings: GraphSettings, timeout: float = 120.0) -> bool:
    """Start the local server unless it already runs; True if this call started it."""
    if not settings.local:
        return False
    paths = ServerPaths.for_settings(settings)
    if _read_pid(paths) is not None:
        wait_until_ready(settings, paths, timeout)
        return False
    if _port_in_use(settings.bolt_port):
        raise GraphServerError(
            f"port {settings.bolt_port} is already in use by another program; "
            "stop it or set FAMILY_NETWORK_BOLT_PORT"
        )
    paths.data.mkdir(parents=True, exist_ok=True)
    paths.work.mkdir(parents=True, exist_ok=True)
    with paths.log_file.open("ab") as log:
        process = subprocess.Popen(
            server_command(settings, paths),
            cwd=paths.work,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _children[process.pid] = process
    try:
        # Written whole or not at all: an interrupt while writing it must not leave an
        # empty file, by which `stop` would not find the server.
        partial = paths.pid_file.with_suffix(".partial")
        partial.write_text(str(process.pid))
        os.replace(partial, paths.pid_file)
        wait_until_ready(settings, paths, timeout, process)
    except (GraphServerError, KeyboardInterrupt):
        # Interrupted or failed: leave no half-started server behind (by its PID file,
        # or, interrupted before that was written, by the process itself).
        if not stop(settings):
            _children.pop(process.pid, None)
            process.kill()
            process.wait()
            paths.pid_file.with_suffix(".partial").unlink(missing_ok=True)
        raise
    return True


def wait_until_ready(
    settings: GraphSettings,
    paths: ServerPaths,
    timeout: float,
    process: subprocess.Popen[bytes] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise GraphServerError(
                f"local graph server exited with code {process.returncode}:\n{_log_tail(paths)}"
            )
        if graph.ping(settings):
            return
        time.sleep(0.5)
    raise GraphServerError(
        f"local graph server not ready after {timeout:.0f}s:\n{_log_tail(paths)}"
    )


def stop(settings: GraphSettings, timeout: float = 20.0) -> bool:
    """Stop the local server by its PID; True if one was running."""
    if not settings.local:
        return False
    paths = ServerPaths.for_settings(settings)
    pid = _read_pid(paths)
    if pid is None:
        paths.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    child = _children.pop(pid, None)
    if child is not None:
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    else:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _read_pid(paths) is not None:
            time.sleep(0.2)
        if _read_pid(paths) is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    paths.pid_file.unlink(missing_ok=True)
    return True
