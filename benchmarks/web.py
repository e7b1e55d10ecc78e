"""Benchmark the web app's reads on a generated county, and the same family question
in SQL over the same data in DuckDB.

Usage: ``python benchmarks/web.py --records N [--samples 200]``

Reuses the county and graph that ``benchmarks/load.py --records N --keep`` left in
the temp folder, or builds them. Times, on the server side (Flask test client, no
network), the person page and the address trace for a sample of people with
families, the two-hop family query on its own, and the analyst figures (the first view, which
reads the whole county, then views of the figures kept in memory); then loads the persons and family
relationships into DuckDB and times the same two-hop question in SQL. Progress on
stderr; figures as one JSON object on the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.county_graph import generate_county, graph_settings, work_dir
from graph_etl import etl, graph_server
from graph_etl.graph import Graph
from graph_etl.sources.manifest import FAMILY_TYPES
from webapp import create_app, users
from webapp.policy import policy_for

TWO_HOPS_SQL = """
WITH links AS (
    SELECT start_id AS a, end_id AS b FROM family
    UNION ALL SELECT end_id AS a, start_id AS b FROM family
),
near AS (SELECT DISTINCT b AS id FROM links WHERE a = $person),
far AS (
    SELECT DISTINCT l.b AS id FROM links l JOIN near n ON l.a = n.id
    WHERE l.b <> $person AND l.b NOT IN (SELECT id FROM near)
)
SELECT p.id, p.given_name, p.family_name, 1 AS hops FROM near JOIN persons p USING (id)
UNION ALL
SELECT p.id, p.given_name, p.family_name, 2 AS hops FROM far JOIN persons p USING (id)
"""


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": round(p95 * 1000, 2)}


def timed(ids: list[str], run: Callable[[str], object]) -> dict[str, float]:
    for person_id in ids[:10]:  # warm up caches and connections
        run(person_id)
    samples = []
    for person_id in ids:
        started = time.perf_counter()
        run(person_id)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--heap", default="8g")
    args = parser.parse_args()

    work = work_dir(args.records)
    settings = graph_settings(work, args.heap)
    fresh = not (work / "state").exists()
    if fresh:
        generate_county(work, args.records)
    if settings.local:
        graph_server.start(settings)
    try:
        with Graph(settings) as graph:
            if fresh:
                etl.run(graph, work / "county", state_dir=work / "etl-state")
            family_types = list(FAMILY_TYPES)
            candidates = [
                row["id"]
                for row in graph.read(
                    "admin/sample_people", family_types=family_types, limit=20_000
                )
            ]
            ids = random.Random(1).sample(candidates, min(args.samples, len(candidates)))
            print(f"timing {len(ids)} people", file=sys.stderr)

            with tempfile.TemporaryDirectory() as scratch:
                app = create_app(
                    {
                        "DATABASE_URL": f"sqlite:///{scratch}/web.sqlite",
                        "GRAPH_SETTINGS": settings,
                        "WTF_CSRF_ENABLED": False,
                    }
                )
                users.upsert(app.extensions["store"], "bench", "bench-password-1", "social_worker")
                client = app.test_client()
                client.post("/login", data={"username": "bench", "password": "bench-password-1"})

                def page(url: str) -> Callable[[str], object]:
                    def get(person_id: str) -> object:
                        response = client.get(url.format(person_id))
                        assert response.status_code == 200, (url, person_id)
                        return response

                    return get

                person_page = timed(ids, page("/person/{}"))
                trace = timed(ids, page("/trace/{}"))
                # The analyst figures read the whole county once per load, then come
                # from memory: time the first view, then views of the kept figures.
                users.upsert(app.extensions["store"], "counts", "bench-password-1", "analyst")
                analyst = app.test_client()
                analyst.post("/login", data={"username": "counts", "password": "bench-password-1"})
                print("timing the analyst figures", file=sys.stderr)

                def figures_page(_: str) -> object:
                    response = analyst.get("/analyst")
                    assert response.status_code == 200, response.status_code
                    return response

                started = time.perf_counter()
                figures_page("")
                analyst_first_ms = round((time.perf_counter() - started) * 1000)
                analyst_kept = timed(ids[:50], figures_page)
                app.extensions["graph"].close()

            params = {**policy_for("social_worker").params(), "family_types": family_types}
            two_hops = timed(
                ids, lambda pid: graph.read("queries/family_two_hops", person_id=pid, **params)
            )

            print("loading persons and family relationships into DuckDB", file=sys.stderr)
            edges = graph.read("admin/family_edges", family_types=family_types)
            persons = graph.read("admin/person_names")
    finally:
        if settings.local:
            graph_server.stop(settings)

    sql = duckdb.connect()
    sql.execute(
        "CREATE TABLE persons (id VARCHAR PRIMARY KEY, given_name VARCHAR, family_name VARCHAR)"
    )
    sql.executemany(
        "INSERT INTO persons VALUES (?, ?, ?)",
        [(row["id"], row["given_name"], row["family_name"]) for row in persons],
    )
    sql.execute("CREATE TABLE family (start_id VARCHAR, end_id VARCHAR, type VARCHAR)")
    sql.executemany(
        "INSERT INTO family VALUES (?, ?, ?)",
        [(row["start"], row["end"], row["type"]) for row in edges],
    )
    sql.execute("CREATE INDEX family_start ON family (start_id)")
    sql.execute("CREATE INDEX family_end ON family (end_id)")
    duck = timed(ids, lambda pid: sql.execute(TWO_HOPS_SQL, {"person": pid}).fetchall())

    figures = {
        "records": args.records,
        "samples": len(ids),
        "person_page": person_page,
        "address_trace": trace,
        "family_two_hops_graph": two_hops,
        "family_two_hops_duckdb_sql": duck,
        "analyst_page_first_ms": analyst_first_ms,
        "analyst_page_kept": analyst_kept,
        "family_relationships": len(edges),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
