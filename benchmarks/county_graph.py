"""A generated county loaded into its own local graph server, shared by benchmarks.

`benchmarks/load.py` builds it (and times that); `benchmarks/web.py` reuses it when
it is already there for the same size, so the 1,000,000-record load runs once.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph_etl.settings import GraphSettings
from sample_data.generator import generate

RECORDS_PER_PERSON = 1.97  # measured on generated counties


def work_dir(records: int) -> Path:
    return Path(tempfile.gettempdir()) / "family-network-graph-bench" / str(records)


def generate_county(work: Path, records: int, seed: int = 1) -> int:
    """Write a county of about `records` source records; returns the exact count."""
    people = max(1, round(records / RECORDS_PER_PERSON))
    print(f"generating about {records:,} records ({people:,} people) in {work}", file=sys.stderr)
    return generate(work / "county", seed=seed, people=people).total_records


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
