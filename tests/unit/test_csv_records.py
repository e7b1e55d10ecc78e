"""The extract reader's records (`reader._records`): one-line records are read a
chunk at a time, plain lines hashed as their text and not split, every other record
read on its own; either way each record, its lines and its hash are what the CSV
reader alone gives."""

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
    got: list[tuple[int, int, Any, bytes | None]] = []
    with reader._records(path, spec) as (_, records):
        for item in records:
            if isinstance(item, reader._Run):
                lines = range(item.start, item.start + len(item.rows))
                rows = [row.split(",") if isinstance(row, str) else row for row in item.rows]
                got += zip(lines, lines, rows, item.digests, strict=True)
            else:
                got.append(item)
    return got


@pytest.mark.parametrize("chunk", [1, 40, 1 << 20])
@pytest.mark.parametrize("seed", range(60))
def test_records_are_those_the_csv_rules_give(
    seed: int, chunk: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "CHUNK_BYTES", chunk)
    rng = random.Random(seed)
    lines = ["a,b\n"]
    for _ in range(rng.randint(0, 30)):
        fields = [rng.choice(PIECES[:6]) if rng.random() < 0.8 else rng.choice(PIECES)
                  for _ in range(rng.randint(1, 4))]  # fmt: skip
        lines.append(",".join(fields) + rng.choice(BREAKS[:2] if rng.random() < 0.8 else BREAKS))
    path = tmp_path / "file.csv"
    path.write_bytes("".join(lines).encode("utf-8", "surrogateescape"))
    assert read(path) == list(reference(path)), "".join(lines)
