"""The extract reader's records (`reader._records`): plain lines are hashed as their
text and not split, every other record goes through the CSV rules; either way each
record, its lines and its hash are what the CSV reader alone gives."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph_etl.sources import reader
from graph_etl.sources.manifest import FileSpec
from graph_etl.sources.reuse import row_hash

PIECES = [
    "a", "bb", "", " ", "Flat 1", "x,y", '"q"', '"a,b"', '"two\nlines"', '"open', 'mid"dle',
    "\r", "\x00", "é", "\udcff", "\ufeff",
]  # fmt: skip
BREAKS = ["\n", "\r\n", "\r", ""]


def reference(path: Path) -> Iterator[tuple[int, int, Any, bytes | None]]:
    """The CSV reader alone, as the reader read records before plain lines."""
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        rows = csv.reader(handle, strict=True)
        next(rows)
        end = rows.line_num
        while True:
            start = end + 1
            try:
                values = next(rows)
            except StopIteration:
                return
            except csv.Error as exc:
                end = max(rows.line_num, start)
                yield start, end, reader._csv_error(exc, start, end), None
                continue
            end = rows.line_num
            yield start, end, values, row_hash(values)


def read(path: Path) -> list[tuple[int, int, Any, bytes | None]]:
    spec = FileSpec(name="file", path=path.name, key=None, columns={"a": {}})
    with reader._records(path, spec) as (_, records):
        return [
            (
                start,
                end,
                record.split(",") if digest and isinstance(record, str) else record,
                digest,
            )
            for start, end, record, digest in records
        ]


@pytest.mark.parametrize("seed", range(60))
def test_records_are_those_the_csv_rules_give(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    lines = ["a,b\n"]
    for _ in range(rng.randint(0, 30)):
        fields = [rng.choice(PIECES[:6]) if rng.random() < 0.8 else rng.choice(PIECES)
                  for _ in range(rng.randint(1, 4))]  # fmt: skip
        lines.append(",".join(fields) + rng.choice(BREAKS[:2] if rng.random() < 0.8 else BREAKS))
    path = tmp_path / "file.csv"
    path.write_bytes("".join(lines).encode("utf-8", "surrogateescape"))
    assert read(path) == list(reference(path)), "".join(lines)
