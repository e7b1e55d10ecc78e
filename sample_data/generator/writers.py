"""CSV output: UTF-8, header row, comma separated, ``\\n`` line endings."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TextIO


class Table:
    """One CSV file written row by row."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.path = path
        self.columns = tuple(columns)
        self._file: TextIO = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(self.columns)
        self.rows = 0

    def write(self, row: Sequence[object]) -> None:
        """Append one row; ``None`` is written as an empty cell."""
        self._writer.writerow(row)
        self.rows += 1

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()


class Folder:
    """An agency's (or the ground truth's) output folder and its tables."""

    def __init__(self, root: Path, name: str) -> None:
        self.name = name
        self.path = root / name
        self.path.mkdir(parents=True, exist_ok=True)
        self.tables: dict[str, Table] = {}

    def table(self, name: str, columns: Sequence[str]) -> Table:
        """Open ``<name>.csv`` with the given header."""
        table = Table(self.path / f"{name}.csv", columns)
        self.tables[name] = table
        return table

    def write_rows(self, name: str, columns: Sequence[str], rows: list[list[str]]) -> None:
        """Write a small table in one go (rows sorted by their first column)."""
        table = self.table(name, columns)
        for row in sorted(rows, key=lambda r: r[0]):
            table.write(row)
        table.close()

    def extract_note(self, system: str, as_of: date) -> None:
        """Write ``_extract.json``: which system produced the extract, and when."""
        note = {
            "source": self.name,
            "extracted_at": f"{as_of.isoformat()}T02:00:00+00:00",
            "system": system,
        }
        text = json.dumps(note, indent=2, ensure_ascii=False) + "\n"
        (self.path / "_extract.json").write_text(text, encoding="utf-8")

    def close(self) -> None:
        """Close every table still open."""
        for table in self.tables.values():
            table.close()
