"""Benchmark the graph load: a full load of an N-record county, then 1% refreshes.

Usage: ``python benchmarks/load.py --records N [--heap 8g] [--keep] [--new-extract-time]
[--later-refreshes N]``

Generates a synthetic county of about N source (person) records under /tmp, starts
its own local graph server on a fresh data folder, runs the whole ETL (read, match,
model, load) in a process of its own, changes 1% of the person records in the
extracts and, once the server has finished with the full load, runs it again in
another: a scheduled refresh is its own process, meets an idle server, and does not
share the machine's memory with the process that made the full load. Then another 1%
of the records change and a second refresh runs (`next_refresh`): the server has
already refreshed once, as it has day to day, where the first refresh after a full
load meets a server that has only created records (its code for updating them not
yet compiled, and less of the state in the file cache). Then, by default, two more
(`later_refreshes`, `--later-refreshes N`): the server's just-in-time compiler works
through each of the first two refreshes after a full load again, and has settled by
the third, as on a server that has been refreshing day after day.
Progress goes to stderr; the figures are one JSON object on the last line of stdout,
with how fast the machine was at the start and at the end (`machine_pace`), and the
CPU time and page faults of the ETL, its read workers and the server in each run.
Against NEO4J_URI instead, set it: the database given is emptied first.
"""

from __future__ import annotations

import argparse
import csv
import gc
import importlib.util
import json
import mmap
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.county_graph import generate_county, graph_settings, work_dir
from graph_etl import etl, graph_server
from graph_etl.graph import Graph
from graph_etl.load import STEPS
from graph_etl.settings import GraphSettings


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def graph_size(graph: Graph) -> tuple[int, int]:
    rows = graph.read("admin/graph_counts")
    nodes = sum(row["count"] for row in rows if row["kind"] == "node")
    return nodes, sum(row["count"] for row in rows if row["kind"] == "relationship")


def load_average() -> float:
    return round(os.getloadavg()[0], 1)


def step_figures(report: etl.EtlReport) -> dict[str, dict[str, Any]]:
    """Per load step: rows written, seconds, rows per second."""
    figures = {}
    for step in STEPS:
        written = report.loaded[step.name]["written"]
        seconds = report.load_steps.get(step.name, 0.0)
        if written:
            rate = round(written / seconds) if seconds else None
            figures[step.name] = {"rows": written, "seconds": seconds, "rows_per_second": rate}
    return figures


def change_one_percent(
    county: Path, records: int, new_time: bool = False, delivery: int = 0
) -> int:
    """Move 1% of all person records (health patients) to a new address line (and,
    with `new_time`, give the health extract a time a day later, as a new delivery
    would have). Each `delivery` number moves another 1% (the same for the same number)."""
    path = county / "health" / "patients.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    line1 = header.index("address_line1")
    wanted = max(1, records // 100)
    step = max(1, len(body) // wanted)
    changed = 0
    for row in body[delivery % step :: step][:wanted]:
        row[line1] = f"Flat {changed % 9 + 1}, {row[line1]}"
        changed += 1
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *body])
    if new_time:
        stamp = county / "health" / "_extract.json"
        extract = json.loads(stamp.read_text())
        when = datetime.fromisoformat(extract["extracted_at"]) + timedelta(days=1)
        stamp.write_text(json.dumps({**extract, "extracted_at": when.isoformat()}))
    return changed


def own_peak_mb() -> float:
    """This process's peak memory since it started (a spawned process's `peak_mb`
    counts its parent's peak too)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return peak_mb()


def server_usage(settings: GraphSettings) -> dict[str, float] | None:
    """The CPU time (user and system, and system alone) the local graph server has
    used since it started, and its minor page faults; None when it is not a local
    server running here."""
    try:
        pid = int(graph_server.ServerPaths.for_settings(settings).pid_file.read_text())
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, ValueError):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    return {
        "server": (int(fields[11]) + int(fields[12])) / tick,
        "server_system": int(fields[12]) / tick,
        "server_page_faults": int(fields[7]),
    }


def server_cpu_seconds(settings: GraphSettings) -> float | None:
    """The CPU time (user and system) the local graph server has used since it
    started; None when it is not a local server running here."""
    usage = server_usage(settings)
    return usage["server"] if usage is not None else None


def wait_for_idle_server(
    settings: GraphSettings, limit: float = 300.0, window: float = 5.0
) -> float:
    """Seconds until the local graph server stops using the CPU (after a big load it
    goes on flushing and collecting garbage for a while), at most `limit`."""
    started = time.perf_counter()
    before = server_cpu_seconds(settings)
    if before is None:
        return 0.0  # not a local server
    while time.perf_counter() - started < limit:
        time.sleep(window)
        now = server_cpu_seconds(settings) or before
        if now - before < 0.1 * window:
            break
        before = now
    return round(time.perf_counter() - started, 1)


def cpu_used(settings: GraphSettings) -> dict[str, float]:
    """CPU seconds so far: this process's, its waited-for child processes' (the
    workers that read extracts), and the local graph server's (0 when not local);
    and the minor page faults of this process and of the server. (A page touched for
    the first time costs system time, and what it costs varies by the hour on a
    virtual machine: see `machine_pace`.)"""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = server_usage(settings) or {
        "server": 0.0,
        "server_system": 0.0,
        "server_page_faults": 0,
    }
    return {
        "etl": own.ru_utime + own.ru_stime,
        "etl_system": own.ru_stime,
        "read_workers": children.ru_utime + children.ru_stime,
        **server,
        "etl_page_faults": own.ru_minflt,
    }


def cpu_figures(
    before: dict[str, float], after: dict[str, float], seconds: float
) -> dict[str, Any]:
    """What a run used between two `cpu_used`: CPU seconds by whom, their total, and the
    cores that total kept busy on average over the run's `seconds`."""
    used = {name: round(after[name] - before[name], 1) for name in before}
    for name in ("etl_page_faults", "server_page_faults"):
        used[name] = int(used[name])
    total = used["etl"] + used["read_workers"] + used["server"]
    return {**used, "total": round(total, 1), "cores_busy": round(total / seconds, 2)}


# A fixed loop of Python (in a function: its names are then locals, as they were when
# the loop ran in this process), started at the time given so that copies run at once.
_LOOP = """
import sys, time

def loop():
    total = 0
    for number in range(5_000_000):
        total += number

time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
started = time.perf_counter()
loop()
print(time.perf_counter() - started)
"""


def loop_seconds(processes: int = 1) -> float:
    """The seconds the fixed loop takes, run in `processes` processes at once (the
    slowest of them)."""
    start_at = time.time() + 0.5  # (each interpreter started by then)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _LOOP, str(start_at)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(processes)
    ]
    return max(float(run.communicate()[0]) for run in runs)


def machine_pace(megabytes: int = 256) -> dict[str, float]:
    """How fast the machine is at the moment, to read one run's figures against
    another's: the seconds a fixed loop of Python takes (the ETL's kind of work),
    alone and in two processes at once (where a machine's two cores are one core's
    two threads, or the host's other work takes one, two at once are slower), and the
    microseconds a page of fresh memory takes to be touched for the first time
    (about 2 in a good hour here; on a virtual machine it varies from hour to hour,
    and a refresh's memory and the server's writes with it)."""
    loop, both = loop_seconds(), loop_seconds(2)
    size = megabytes << 20
    with mmap.mmap(-1, size) as memory:  # (fresh pages, not reused from this process)
        started = time.perf_counter()
        for offset in range(0, size, mmap.PAGESIZE):
            memory[offset] = 1
        touched = time.perf_counter() - started
    return {
        "python_loop_seconds": round(loop, 2),
        "two_loops_seconds": round(both, 2),
        "fresh_page_microseconds": round(touched * 1e6 / (size // mmap.PAGESIZE), 2),
    }


def kept_for_the_collector() -> None:
    """Give the run's kept data back to the collector once it is timed: this process
    ends as processes do, not at once as the command's (`etl.run`'s
    `keep_until_exit`), and its end would otherwise find DuckDB's objects never freed."""
    gc.unfreeze()


def full_figures(settings: GraphSettings, county: Path, state_dir: Path) -> dict[str, Any]:
    """Empty the graph and run the whole ETL (in its own process, as the refresh: see
    the module docstring); its figures."""
    with Graph(settings) as graph:
        graph.write("admin/clear_graph")
        start_load = load_average()
        cpu = cpu_used(settings)
        started = time.perf_counter()
        # (as `family-network etl` runs it: the run's data is freed at the process's end)
        full = etl.run(graph, county, state_dir=state_dir, keep_until_exit=True)
        seconds = time.perf_counter() - started
        kept_for_the_collector()
        cpu_seconds = cpu_figures(cpu, cpu_used(settings), seconds)
        end_load = load_average()
        nodes, relationships = graph_size(graph)
    load_seconds = full.phases["load"]
    return {
        "people": full.people,
        "nodes": nodes,
        "relationships": relationships,
        "full_seconds": round(seconds, 1),
        "full_cpu_seconds": cpu_seconds,
        "full_phases": full.phases,
        "full_matching_seconds": full.matching.get("seconds", {}),
        "nodes_per_second": round(nodes / load_seconds),
        "relationships_per_second": round(relationships / load_seconds),
        "full_steps": step_figures(full),
        "peak_mb": round(own_peak_mb()),
        # The largest process that read extracts for it: counted from the moment it was
        # started (forked) from this one, whose pages it shared until it ran the reader.
        "read_worker_peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "load_average": {"full_start": start_load, "full_end": end_load},
    }


def refresh_figures(settings: GraphSettings, county: Path, state_dir: Path) -> dict[str, Any]:
    """Run the ETL again (in its own process: see the module docstring); its figures."""
    cpu = cpu_used(settings)
    started = time.perf_counter()
    with Graph(settings) as graph:
        refresh = etl.run(graph, county, state_dir=state_dir, keep_until_exit=True)
    seconds = time.perf_counter() - started
    kept_for_the_collector()
    return {
        "refresh_seconds": round(seconds, 1),
        "refresh_cpu_seconds": cpu_figures(cpu, cpu_used(settings), seconds),
        "refresh_phases": refresh.phases,
        "refresh_steps": step_figures(refresh),
        "refresh_written_early": refresh.written_early,
        "refresh_matching_seconds": refresh.matching.get("seconds", {}),
        "refresh_model": refresh.model,
        "refresh_sources_reread": sorted(
            name for name, source in refresh.sources.items() if not source.get("unchanged")
        ),
        "refresh_peak_mb": round(own_peak_mb()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--heap", default="8g", help="Java heap of the benchmark's graph server")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the county and its graph for benchmarks/web.py (in the temp folder)",
    )
    parser.add_argument(
        "--new-extract-time",
        action="store_true",
        help="the changed extract also gets a new time, a day later",
    )
    parser.add_argument(
        "--later-refreshes",
        type=int,
        default=2,
        help="refreshes after the second, each with another 1%% of the records changed",
    )
    args = parser.parse_args()
    pace = {"start": machine_pace()}

    work = work_dir(args.records)
    shutil.rmtree(work, ignore_errors=True)
    county = work / "county"
    records = generate_county(work, args.records, args.seed)
    settings = graph_settings(work, args.heap)
    if settings.local:
        graph_server.start(settings)
    try:
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=spawn) as pool:
            full = pool.submit(full_figures, settings, county, work / "etl-state").result()
        changed = change_one_percent(county, records, args.new_extract_time)
        waited = wait_for_idle_server(settings)
        loads = {**full.pop("load_average"), "refresh_start": load_average()}
        with ProcessPoolExecutor(1, mp_context=spawn) as pool:
            refresh = pool.submit(refresh_figures, settings, county, work / "etl-state").result()
        loads["refresh_end"] = load_average()
        again = []
        for delivery in range(1, 2 + max(args.later_refreshes, 0)):
            change_one_percent(county, records, args.new_extract_time, delivery=delivery)
            wait_for_idle_server(settings)
            with ProcessPoolExecutor(1, mp_context=spawn) as pool:
                run = pool.submit(refresh_figures, settings, county, work / "etl-state").result()
            again.append({key.removeprefix("refresh_"): value for key, value in run.items()})
        pace["end"] = machine_pace()
    finally:
        if settings.local:
            graph_server.stop(settings)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    figures = {
        "records": records,
        **full,
        "refresh_changed_records": changed,
        "server_settled_seconds": waited,
        **refresh,
        "next_refresh": again[0],
        "later_refreshes": [
            {key: run[key] for key in ("seconds", "cpu_seconds", "phases", "matching_seconds")}
            for run in again[1:]
        ],
        "load_average": loads,
        "machine_pace": pace,
        # The driver packs and unpacks Bolt messages in Rust when this is installed.
        "neo4j_rust_ext": importlib.util.find_spec("neo4j._rust") is not None,
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
