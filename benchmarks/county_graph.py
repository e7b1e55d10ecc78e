"""A generated county loaded into its own local graph server, shared by benchmarks.

`benchmarks/load.py` builds it (and times that); `benchmarks/web.py` reuses it when
it is already there for the same size, so the 1,000,000-record load runs once.
Generated counties are cached under the temp folder by size and seed (generation is
deterministic), so a rerun of a benchmark copies the county instead of generating
it again.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph_etl.settings import GraphSettings
from sample_data.generator import generate

RECORDS_PER_PERSON = 1.97  # measured on generated counties
BENCH_ROOT = Path(tempfile.gettempdir()) / "family-network-graph-bench"


def work_dir(records: int) -> Path:
    return BENCH_ROOT / str(records)


def cached_county(records: int, seed: int = 1) -> tuple[Path, int]:
    """The generated county of about `records` records (generated once per size and
    seed, then kept); returns its folder and the exact record count."""
    cache = BENCH_ROOT / "counties" / f"{records}-seed{seed}"
    marker = cache / "total_records.json"
    if not marker.is_file():
        shutil.rmtree(cache, ignore_errors=True)
        people = max(1, round(records / RECORDS_PER_PERSON))
        print(
            f"generating about {records:,} records ({people:,} people) in {cache}", file=sys.stderr
        )
        total = generate(cache / "county", seed=seed, people=people).total_records
        marker.write_text(json.dumps({"total_records": total}))  # written last: complete
    return cache / "county", int(json.loads(marker.read_text())["total_records"])


def generate_county(work: Path, records: int, seed: int = 1) -> int:
    """Put a county of about `records` source records in `work/county` (a copy of the
    cached one: benchmarks change their copy); returns the exact count."""
    source, total = cached_county(records, seed)
    shutil.rmtree(work / "county", ignore_errors=True)
    shutil.copytree(source, work / "county")
    return total


def graph_settings(work: Path, heap: str = "8g") -> GraphSettings:
    """The benchmark's own local server (or NEO4J_URI when set)."""
    settings = GraphSettings.from_env()
    if not settings.local:
        return settings
    return dataclasses.replace(
        settings,
        state_dir=work / "state",
        bolt_port=17801,
        http_port=12801,
        uri="bolt://127.0.0.1:17801",
        heap=heap,
        query_timeout_ms=600_000,
    )
