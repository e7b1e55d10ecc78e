"""The last good read of each source, kept so a failed extract never empties the graph.

When a source's new extract cannot be read (a missing file, a renamed column), the
ETL carries on with that source's previous accepted records instead: the graph
keeps what it had for that source, and the report says so.
"""

from __future__ import annotations

import gzip
import json
import os
from datetime import datetime
from pathlib import Path

from graph_etl.sources.reader import FileReport, ReadResult


def _path(state_dir: Path, source: str) -> Path:
    return state_dir / "last_good" / f"{source}.json.gz"


def save(state_dir: Path, result: ReadResult) -> None:
    """Write atomically: a killed run leaves the previous snapshot intact."""
    path = _path(state_dir, result.source)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "source": result.source,
        "extracted_at": result.extracted_at.isoformat(),
        "records": result.records,
        "files": {name: vars(report) for name, report in result.files.items()},
    }
    partial = path.with_suffix(".partial")
    with gzip.open(partial, "wt", encoding="utf-8", compresslevel=1) as handle:
        json.dump(body, handle)
    os.replace(partial, path)


def load(state_dir: Path, source: str) -> ReadResult | None:
    path = _path(state_dir, source)
    if not path.is_file():
        return None
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        body = json.load(handle)
    result = ReadResult(source, datetime.fromisoformat(body["extracted_at"]))
    result.records = body["records"]
    result.files = {name: FileReport(**report) for name, report in body["files"].items()}
    return result
