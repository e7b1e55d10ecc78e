"""Benchmark the graph load: a full load of an N-record county, then a 1% refresh.

Usage: ``python benchmarks/load.py --records N [--heap 8g] [--keep]``

Generates a synthetic county of about N source (person) records under /tmp, starts
its own local graph server on a fresh data folder, runs the whole ETL (read, match,
model, load), changes 1% of the person records in the extracts and runs it again.
Progress goes to stderr; the figures are one JSON object on the last line of stdout.
Against NEO4J_URI instead, set it: the database given is emptied first.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.county_graph import generate_county, graph_settings, work_dir
from graph_etl import etl, graph_server
from graph_etl.graph import Graph


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def graph_size(graph: Graph) -> tuple[int, int]:
    rows = graph.read("admin/graph_counts")
    nodes = sum(row["count"] for row in rows if row["kind"] == "node")
    return nodes, sum(row["count"] for row in rows if row["kind"] == "relationship")


def change_one_percent(county: Path, records: int) -> int:
    """Move 1% of all person records (health patients) to a new address line."""
    path = county / "health" / "patients.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    line1 = header.index("address_line1")
    wanted = max(1, records // 100)
    step = max(1, len(body) // wanted)
    changed = 0
    for row in body[::step][:wanted]:
        row[line1] = f"Flat {changed % 9 + 1}, {row[line1]}"
        changed += 1
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *body])
    return changed


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
    args = parser.parse_args()

    work = work_dir(args.records)
    shutil.rmtree(work, ignore_errors=True)
    county = work / "county"
    records = generate_county(work, args.records, args.seed)
    settings = graph_settings(work, args.heap)
    if settings.local:
        graph_server.start(settings)
    try:
        with Graph(settings) as graph:
            graph.write("admin/clear_graph")
            started = time.perf_counter()
            full = etl.run(graph, county, state_dir=work / "etl-state")
            full_seconds = time.perf_counter() - started
            nodes, relationships = graph_size(graph)
            changed = change_one_percent(county, records)
            started = time.perf_counter()
            refresh = etl.run(graph, county, state_dir=work / "etl-state")
            refresh_seconds = time.perf_counter() - started
    finally:
        if settings.local:
            graph_server.stop(settings)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    load_seconds = full.phases["load"]
    figures = {
        "records": records,
        "people": full.people,
        "nodes": nodes,
        "relationships": relationships,
        "full_seconds": round(full_seconds, 1),
        "full_phases": full.phases,
        "nodes_per_second": round(nodes / load_seconds),
        "relationships_per_second": round(relationships / load_seconds),
        "refresh_changed_records": changed,
        "refresh_seconds": round(refresh_seconds, 1),
        "refresh_phases": refresh.phases,
        "refresh_written": {k: v["written"] for k, v in refresh.loaded.items() if v["written"]},
        "peak_mb": round(peak_mb()),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
