"""Read one agency's extract folder against its manifest.

Every row ends up either accepted (its canonical records emitted) or quarantined
with its file, line and reason; per file, rows read = accepted + quarantined. A
row is every CSV record after the header: blank ones, ones of the wrong width, ones
with bytes that are not UTF-8 and ones the CSV rules cannot read all count, and are
quarantined with a reason (the line break that ends the last row is not a row). A
missing file or a missing column fails the whole source with a message naming it.
"""

from __future__ import annotations

import csv
import json
import re
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import repeat
from pathlib import Path
from typing import Any, TextIO

from graph_etl.sources.manifest import (
    FAMILY_TYPES,
    INVERSE_TYPES,
    FileSpec,
    Manifest,
    OutputSpec,
)
from graph_etl.sources.reuse import (
    ACCEPTED_MAX,
    BAD_VALUES,
    DANGLING,
    NO_HASH,
    NOT_ITEMS,
    QUARANTINED,
    Earlier,
    FileRows,
    Outcome,
    RowLog,
    SameAs,
    index_digest,
    row_hash,
    row_hashes,
)
from graph_etl.sources.values import BadValueError, parse

Record = dict[str, Any]
RELATIONSHIP_TYPES = frozenset(FAMILY_TYPES) | frozenset(INVERSE_TYPES)


class SourceFailedError(RuntimeError):
    """The extract as a whole cannot be read (missing file, missing column)."""


@dataclass(frozen=True)
class Quarantined:
    file: str
    line: int
    reason: str


@dataclass
class FileReport:
    path: str
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0


@dataclass
class ReadResult:
    """Canonical records of one source, and the account of every row."""

    source: str
    extracted_at: datetime
    records: dict[str, list[Record]] = field(default_factory=dict)
    files: dict[str, FileReport] = field(default_factory=dict)
    quarantine: list[Quarantined] = field(default_factory=list)
    rows: dict[str, RowLog] = field(default_factory=dict, repr=False, compare=False)
    # What it was read from (`snapshots.extract_digest`), when known: equal digests,
    # equal records.
    read_digest: str | None = field(default=None, repr=False, compare=False)
    # Its person records as the read before held them, when read reusing that read's rows.
    same_as: SameAs | None = field(default=None, repr=False, compare=False)
    # Per kind, each record's place among the last read's records when it is that very
    # record (given again by a reused row), else -1 (only when read reusing rows).
    places: dict[str, array] | None = field(default=None, repr=False, compare=False)
    _people: list[Record] | None = field(default=None, repr=False, compare=False)
    # The merged person records of the read `same_as` names, to take those of the
    # records as it held them from (`take_people_from`).
    _earlier: list[Record] | None = field(default=None, repr=False, compare=False)
    # Whether its person records are (some or all of them) merged already, as `people`
    # gives them: a last good read loaded with those in place of the records as read
    # (`snapshots.load`'s `merged`), for this process's use, never kept again.
    persons_merged: bool = field(default=False, repr=False, compare=False)

    @property
    def rows_read(self) -> int:
        return sum(report.rows_read for report in self.files.values())

    @property
    def rows_accepted(self) -> int:
        return sum(report.rows_accepted for report in self.files.values())

    @property
    def rows_quarantined(self) -> int:
        return sum(report.rows_quarantined for report in self.files.values())

    def people(self) -> list[Record]:
        """Person records, with the strong identifiers and the latest address a source
        keeps in side tables filled in where the person record lacks them (worked out
        once: matching and the model both ask)."""
        if self._people is None:
            self._people = self._merged_people()
            self._earlier = None
        return self._people

    def merged_already(self) -> None:
        """Say that the person records are merged already (`people` gives them as they
        are): so a last good read kept with its merged person records is loaded."""
        self._people, self.persons_merged = self.records.get("person", []), True

    def take_people_from(self, earlier: ReadResult) -> None:
        """Let `people` take the merged records of `earlier`, the read `same_as` names
        (when its people are merged already), for the records as it held them: a
        record and its items as they were merge as they did."""
        same = self.same_as
        if (
            self._people is None
            and earlier._people is not None
            and same is not None
            and same.read == earlier.read_digest
            and len(same.places) == len(self.records.get("person", []))
            and max(same.places, default=-1) < len(earlier._people)
        ):
            self._earlier = earlier._people

    def _merged_people(self) -> list[Record]:
        people = self.records.get("person", [])
        earlier, places = self._earlier, self.same_as.places if self.same_as else None
        # (with the earlier read's merged records, only the others' items are looked at)
        wanted = None
        if earlier is not None and places is not None:
            wanted = {record["id"] for record, at in zip(people, places, strict=True) if at < 0}
        extra: dict[str, dict[str, Any]] = {}
        for item in self.records.get("identifier", []):
            if wanted is None or item["person"] in wanted:
                extra.setdefault(item["person"], {}).setdefault(item["type"], item["value"])
        latest: dict[str, Record] = {}
        for item in self.records.get("address", []):
            if wanted is not None and item["person"] not in wanted:
                continue
            kept = latest.get(item["person"])
            if kept is None or _address_order(item) > _address_order(kept):
                latest[item["person"]] = item
        for person, item in latest.items():
            extra.setdefault(person, {}).update(
                {name: item.get(name) for name in ("line1", "line2", "town", "postcode", "uprn")},
                address_from=item.get("from"),
            )
        if earlier is not None and places is not None:
            return [
                earlier[at] if at >= 0 else _merged(record, extra)
                for record, at in zip(people, places, strict=True)
            ]
        return [_merged(record, extra) for record in people]

    def relationships(self) -> list[Record]:
        """What the source says of how its person records relate, for the matcher's
        guards: each relationship record (`person`, `related`, `type`) and each
        household or family group membership (`person`, `group`), as they are (not
        copied: a manifest can give neither kind the other's fields)."""
        return [*self.records.get("relationship", []), *self.records.get("family_group", [])]

    def reasons(self) -> dict[str, int]:
        """Quarantine reasons counted, with the row-specific value left out."""
        return dict(Counter(_reason_family(item.reason) for item in self.quarantine))

    def report(self) -> dict[str, Any]:
        return {
            "status": "loaded",
            "extracted_at": self.extracted_at.isoformat(),
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined,
            "files": {
                name: {
                    "path": report.path,
                    "rows_read": report.rows_read,
                    "rows_accepted": report.rows_accepted,
                    "rows_quarantined": report.rows_quarantined,
                }
                for name, report in self.files.items()
            },
            "quarantine_reasons": self.reasons(),
            "records": {kind: len(rows) for kind, rows in self.records.items()},
        }


def _merged(record: Record, extra: dict[str, dict[str, Any]]) -> Record:
    """A person record with what side tables give about it, where it lacks that."""
    return {**extra.get(record["id"], {}), **{k: v for k, v in record.items() if v}}


def _address_order(item: Record) -> tuple[bool, str]:
    """Open addresses after closed ones, then by start date: max() is the latest."""
    return (not item.get("to"), item.get("from") or "")


def _reason_family(reason: str) -> str:
    """`pers_dob: '1990-13-01' is not a date ...` -> `pers_dob: is not a date ...`;
    line numbers in brackets (`(lines 5-7)`, `(first on line 5)`) go too."""
    without_values = re.sub(r"'[^']*'|\"[^\"]*\"|\s*\((?:first on )?lines? [0-9-]+\)", "", reason)
    return re.sub(r"\s+", " ", without_values).strip()


def extract_time(folder: Path) -> datetime:
    """When the agency made the extract: `_extract.json`, else the files' age."""
    stamp = folder / "_extract.json"
    if stamp.is_file():
        try:
            value = datetime.fromisoformat(json.loads(stamp.read_text())["extracted_at"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceFailedError(f"{stamp}: no valid extracted_at ({exc})") from None
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    newest = max((path.stat().st_mtime for path in folder.iterdir()), default=0.0)
    return datetime.fromtimestamp(newest, tz=UTC)


class _Resolver:
    """Turns a row into field values by the manifest's field specs."""

    def __init__(self, manifest: Manifest, lookups: dict[str, dict[str, Record]]) -> None:
        self.source = manifest.id
        self.lookups = lookups

    def ref(self, file_name: str, key: Any) -> str:
        return f"{self.source}:{file_name}:{key}"

    def value(self, spec: Any, row: Record) -> Any:
        if spec is None:
            return None
        if isinstance(spec, str):
            return row.get(spec)
        if "first" in spec:
            for inner in spec["first"]:
                found = self.value(inner, row)
                if found not in (None, ""):
                    return found
            return None
        if "value" in spec:
            return spec["value"]
        if "join" in spec:
            parts = [self.value(inner, row) for inner in spec["join"]]
            found = None if None in parts else spec.get("sep", "/").join(map(str, parts))
        elif "lookup" in spec:
            key = self.value(spec.get("via"), row)
            target = None if key is None else self.lookups[spec["lookup"]].get(str(key))
            if key is not None and target is None:
                raise BadValueError(f"{spec['via']}: {key!r} is not in {spec['lookup']}")
            found = None if target is None else target.get(spec["column"])
        elif "json" in spec:
            document = row.get(spec["json"]) or {}
            found = (document.get(spec["key"]) or None) if isinstance(document, dict) else None
        else:
            found = row.get(spec["column"]) if "column" in spec else None
        if "map" in spec and found is not None:
            if found not in spec["map"]:
                raise BadValueError(f"{spec.get('column')}: {found!r} has no mapping")
            found = spec["map"][found]
        if "ref" in spec and found is not None:
            return self.ref(spec["ref"], found)
        return found

    def matches(self, where: dict[str, Any] | None, row: Record) -> bool:
        if not where:
            return True
        value = row.get(where["column"])
        if "in" in where:
            return value in where["in"]
        return value not in where["not_in"]

    def emit(self, output: OutputSpec, row: Record, line: int) -> Record | None:
        if not self.matches(output.where, row):
            return None
        key = self.value(output.key, row) if output.key is not None else line
        record: Record = {"source": self.source, "id": self.ref(output.source_file, key)}
        for name, spec in output.fields.items():
            value = self.value(spec, row)
            record[name] = value.isoformat() if isinstance(value, date) else value
        if output.kind == "relationship" and record["type"] not in RELATIONSHIP_TYPES:
            raise BadValueError(f"relationship type {record['type']!r} is not known")
        if output.kind == "identifier":
            # Strong identifiers are validated by their type, as columns are.
            record["value"] = parse(str(record["value"]), {"type": record["type"]})
        return record


BLANK_ROW = "blank row"
REPEATED_HEADER = "repeats the header row"
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # undecodable bytes, as `surrogateescape` keeps them


def _bare(value: str) -> str:
    """A cell without surrounding space or byte order marks (a file saved twice, or
    two files joined, can carry a BOM at the start of a line)."""
    return value.replace("\ufeff", "").strip()


def _undecodable(values: list[str], header: list[str]) -> str | None:
    """The reason a row holds bytes that are not UTF-8, or None when it does not."""
    if not _NOT_UTF8.search("".join(values)):
        return None
    for index, value in enumerate(values):
        if _NOT_UTF8.search(value):
            column = header[index] if index < len(header) else f"field {index + 1}"
            shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            quote = '"' if "'" in shown else "'"
            return f"{column}: {quote}{shown}{quote} is not valid UTF-8"
    return None


def _lines(start: int, end: int) -> str:
    return f" (lines {start}-{end})" if end > start else ""


def _row_problem(values: list[str], header: list[str], start: int, end: int) -> str | None:
    """Why a CSV record cannot be a row, or None when it can."""
    if not any(_bare(value) for value in values):
        return BLANK_ROW
    undecodable = _undecodable(values, header)
    if undecodable:
        return undecodable
    if end > start:
        return (
            f"a value runs onto later lines{_lines(start, end)}: a quote left open, "
            "or a line break inside a value"
        )
    if len(values) != len(header):
        return f"expected {len(header)} fields, found {len(values)}"
    if _bare(values[0]) == header[0] and [_bare(value) for value in values] == header:
        return REPEATED_HEADER
    return None


def _csv_error(exc: csv.Error, start: int, end: int) -> str:
    if str(exc) == "unexpected end of data":
        return f"a quote is left open to the end of the file{_lines(start, end)}"
    return f"not readable as CSV{_lines(start, end)}: {exc}"


CHUNK_BYTES = 1 << 20  # lines are read about this much at a time (some 8,000 rows)

# A one-line CSV record: its values, or (a plain line: `_plain`) its text still to be
# split at its commas.
Values = list[str] | str


@dataclass
class _Run:
    """Lines that are each one whole CSV record, from line `start` on: each one's
    values and `row_hash` of them."""

    start: int
    rows: list[Values]
    digests: list[bytes]


# A record that runs onto later lines, or that the CSV rules cannot read: its first
# and last lines, its values or the reason it is quarantined, and `row_hash` of the
# values (None for a reason).
_Record = tuple[int, int, list[str] | str, bytes | None]


@contextmanager
def _records(path: Path, spec: FileSpec) -> Iterator[tuple[list[str], Iterator[_Run | _Record]]]:
    """The header, and every CSV record after it, most of them in runs of one-line
    records; a record the CSV rules cannot read comes back as the reason it is
    quarantined. Nothing is skipped: blank lines are records too (the line break that
    ends the last one is not)."""
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        lines = _Lines(handle)
        reader = csv.reader(lines, strict=True)
        yield _header(reader, path, spec), _after_header(reader, lines)


class _Lines:
    """A file's lines, read a chunk at a time and counted as they are taken (by the
    CSV reader too)."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.chunk: list[str] = []
        self.rows: list[Values | None] = []  # each line of the chunk as a record (`_one_line`)
        self.at = 0  # the next line's place in the chunk
        self.taken = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.at == len(self.chunk) and not self._refill():
            raise StopIteration
        self.at += 1
        self.taken += 1
        return self.chunk[self.at - 1]

    def _refill(self) -> bool:
        self.chunk, self.at = self.handle.readlines(CHUNK_BYTES), 0
        self.rows = []
        return bool(self.chunk)

    def run(self) -> list[Values]:
        """Takes the next lines of the chunk up to the first that is not a record by
        itself, and gives them as records ([] when the next line is not one)."""
        if self.at == len(self.chunk) and not self._refill():
            return []
        if not self.rows:  # (worked out for the whole chunk once it is first asked)
            self.rows = _one_line(self.chunk)
        try:
            stop = self.rows.index(None, self.at)
        except ValueError:
            stop = len(self.rows)
        rows = self.rows[self.at : stop]
        self.at, self.taken = stop, self.taken + len(rows)
        return rows  # type: ignore[return-value]  # (no None before `stop`)


def _one_line(lines: list[str]) -> list[Values | None]:
    """Each line as the CSV rules read it when a record starts there: a plain line's
    text (`_plain`), the values of a record that ends on that line, or None."""
    text = "".join(lines)
    if "\r" in text or "\0" in text:
        rows = [_plain(line) for line in lines]
    else:  # (as `_plain`, with every line but the file's last ending in one "\n")
        rows = [None if '"' in line else line[:-1] or None for line in lines]
        if not lines[-1].endswith("\n"):
            rows[-1] = _plain(lines[-1])
    others = [at for at, row in enumerate(rows) if row is None]
    if others:  # (read together when each is a record by itself, as they mostly are)
        reader = csv.reader([lines[at] for at in others], strict=True)
        with suppress(csv.Error):
            records = list(reader)
            if reader.line_num == len(records) == len(others):
                for at, values in zip(others, records, strict=True):
                    rows[at] = values
                return rows
        for at in others:
            with suppress(csv.Error, StopIteration):
                rows[at] = next(csv.reader((lines[at],), strict=True))
    return rows


def _plain(line: str) -> str | None:
    """The line without its line break, when the CSV rules read it as that text split
    at its commas (no quote, no other line break, no NUL, not blank); else None."""
    body = line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith("\n") else line
    if not body or '"' in body or "\r" in body or "\0" in body:
        return None
    return body


def _header(reader: Any, path: Path, spec: FileSpec) -> list[str]:
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise SourceFailedError(f"{path.name}: the header row is unreadable ({exc})") from None
    if header is None:
        raise SourceFailedError(f"{path.name}: the file is empty (no header row)")
    if _undecodable(header, header):
        raise SourceFailedError(f"{path.name}: the header row is not valid UTF-8")
    header = [_bare(column) for column in header]
    missing = [column for column in spec.columns if column not in header]
    if missing:
        raise SourceFailedError(
            f"{path.name}: missing column(s) {', '.join(missing)} (found: {', '.join(header)})"
        )
    twice = [column for column in spec.columns if header.count(column) > 1]
    if twice:
        raise SourceFailedError(
            f"{path.name}: column(s) {', '.join(twice)} appear more than once in the header"
        )
    return header


def _after_header(reader: Any, lines: _Lines) -> Iterator[_Run | _Record]:
    """The records after the header (see `_records`): runs of one-line records, taken
    a chunk at a time (at 1,000,000 records, a line at a time took most of the time
    a source read again takes), and each other record on its own."""
    while True:
        start = lines.taken + 1
        rows = lines.run()
        if rows:
            yield _Run(start, rows, row_hashes(rows))
            continue
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = max(lines.taken, start)
            yield start, end, _csv_error(exc, start, end), None
            continue
        yield start, lines.taken, values, row_hash(values)


def _column_specs(spec: FileSpec, latest: date) -> list[tuple[str, dict[str, Any]]]:
    """Each column's spec, with dates capped at the extract date unless `future_ok`."""
    return [
        (
            column,
            {**column_spec, "max": latest}
            if column_spec.get("type") == "date" and not column_spec.get("future_ok")
            else column_spec,
        )
        for column, column_spec in spec.columns.items()
    ]


def _typed(row: dict[str, str], columns: list[tuple[str, dict[str, Any]]]) -> Record:
    typed: Record = {}
    errors: list[str] = []
    for column, column_spec in columns:
        try:
            typed[column] = parse(row.get(column), column_spec)
        except BadValueError as exc:
            errors.append(f"{column}: {exc}")
    if errors:
        raise BadValueError("; ".join(errors))
    return typed


def read_source(manifest: Manifest, folder: Path, previous: ReadResult | None = None) -> ReadResult:
    """Validate every file of one source and emit its canonical records. `previous`,
    the last good read of the same manifest by the same code, spares validating the
    rows it already held (see `reuse`): the result is the same as without it. (Not a
    read loaded with its person records merged: it would give those again.)"""
    if previous is not None and previous.persons_merged:
        raise ValueError("rows are reused from a last good read as read, not merged")
    if not folder.is_dir():
        raise SourceFailedError(f"{manifest.id}: extract folder {folder} does not exist")
    reader = _SourceReader(manifest, extract_time(folder), previous)
    for name in manifest.read_order():
        reader.read_file(name, folder)
    return reader.finish()


_NOTHING: dict[bytes, Outcome] = {}
GIVEN = bytes([1])  # the outcome of a row `_GivenAgain` gives


@dataclass
class _File:
    """One file being read, and what its rows are checked against."""

    source: str
    name: str
    spec: FileSpec
    report: FileReport
    header: list[str]
    outputs: list[OutputSpec]
    columns: list[tuple[str, dict[str, Any]]]
    index: dict[str, Record] | None  # key -> typed row, when other files look rows up
    keys: dict[str, int] = field(default_factory=dict)  # key -> the line that first had it
    key_at: int | None = None  # the key's column in the header
    key_spec: dict[str, Any] = field(default_factory=dict)  # and its spec
    key_output: int | None = None  # an output whose records' ids end in the row's key
    id_prefix: int = 0  # the length of those ids before the key

    def __post_init__(self) -> None:
        if self.spec.key:
            self.key_at = self.header.index(self.spec.key)
            self.key_spec = dict(self.columns)[self.spec.key]
            keyed = [number for number, out in enumerate(self.outputs) if out.key == self.spec.key]
            self.key_output = keyed[0] if keyed else None
            self.id_prefix = len(f"{self.source}:{self.name}:")

    def reused_key(
        self, values: list[str], made: tuple[tuple[int, Record, int], ...]
    ) -> str | None:
        """The key of a row accepted last time: as its record's id ends (`_Resolver.ref`
        formats the same typed value as `_row_key`), else parsed again; None when it
        cannot be had without validating the row."""
        for number, record, _ in made:
            if number == self.key_output:
                return record["id"][self.id_prefix :]
        try:
            value = parse(values[self.key_at], self.key_spec)  # type: ignore[index]
        except BadValueError:
            return None
        return None if value is None else str(value)


class _GivenAgain:
    """The common row of a file read again, as the last read had it (outcome 1): one
    record of the file's one output, whose id ends in the row's key. Such rows are
    given in runs, as `_SourceReader._reuse` would give them one by one but without
    its calls and tuples (a million rows at 1,000,000 records). Each row given counts
    as accepted."""

    def __init__(self, reader: _SourceReader, file: _File, rows: FileRows) -> None:
        self.reader, self.file = reader, file
        self.row_of, self.codes = rows.row_of, rows.outcomes
        _, _, self.held, self.first, _ = rows.places[0]

    @classmethod
    def of(cls, reader: _SourceReader, file: _File, rows: FileRows | None) -> _GivenAgain | None:
        """None unless the file's rows can be of that kind."""
        if (
            rows is None
            or len(file.outputs) != 1
            or len(rows.places) != 1
            or file.key_at is None
            or file.key_output != 0  # (the output keyed by the row's key: never by line)
        ):
            return None
        return cls(reader, file, rows)

    def places(self, digests: list[bytes]) -> list[int]:
        """For each row, its record's place among the last read's when the row is of
        that kind (its key not yet checked), else -1."""
        codes, first = self.codes, self.first
        return [
            -1 if row is None or codes[row] != 1 else first[row]
            for row in map(self.row_of.get, digests)
        ]

    def give(self, places: list[int], line: int) -> int:
        """Gives the records at `places`, of the rows from `line` on, in order, up to
        the first whose key an earlier row has; how many it gave."""
        file = self.file
        records = list(map(self.held.__getitem__, places))
        keys = [record["id"][file.id_prefix :] for record in records]
        lines = range(line, line + len(keys))
        new = dict(zip(keys, lines, strict=True))
        if len(new) < len(keys) or not file.keys.keys().isdisjoint(new.keys()):
            count = _new_keys(keys, file.keys)
            if count == 0:
                return 0
            records, places, lines = records[:count], places[:count], lines[:count]
            new = dict(zip(keys[:count], lines, strict=True))
        file.keys.update(new)
        file.report.rows_accepted += len(records)
        kept, origins, at = self.reader._emitting(file.outputs[0].kind)
        kept += records
        origins += zip(repeat(file.name), lines)
        at.extend(places)
        return len(records)


def _new_keys(keys: list[str], taken: dict[str, int]) -> int:
    """How many of `keys` come before the first that is taken or an earlier one's."""
    seen: set[str] = set()
    for count, key in enumerate(keys):
        if key in taken or key in seen:
            return count
        seen.add(key)
    return len(keys)


class _SourceReader:
    """One read of a source: every row of every file, then the checks across files.
    Each row's hash and outcome are logged for the next read (`ReadResult.rows`)."""

    def __init__(
        self, manifest: Manifest, extracted_at: datetime, previous: ReadResult | None
    ) -> None:
        self.manifest = manifest
        self.result = ReadResult(manifest.id, extracted_at)
        self.lookups: dict[str, dict[str, Record]] = {}
        self.resolver = _Resolver(manifest, self.lookups)
        self.previous = previous
        self.earlier = Earlier.of(manifest, previous, extracted_at)
        self.origins: dict[str, list[tuple[str, int]]] = {}  # per kind: each record's row
        # Per kind: each record's place among the last read's, when it is that very
        # record (given again by a reused row), else -1.
        self.places: dict[str, array] = {}
        self.logs: dict[str, tuple[list[str], bytes, bytearray, list[int]]] = {}
        self.indexes: dict[str, str] = {}  # lookup file -> digest of its index

    def read_file(self, name: str, folder: Path) -> None:
        spec = self.manifest.files[name]
        path = folder / spec.path
        if not path.is_file():
            raise SourceFailedError(
                f"{self.manifest.id}: file {spec.path} is missing from {folder}"
            )
        report = self.result.files.setdefault(name, FileReport(spec.path))
        outputs = [output for output in self.manifest.outputs if output.source_file == name]
        index = self.lookups.setdefault(name, {}) if name in self.manifest.lookup_files() else None
        columns = _column_specs(spec, self.result.extracted_at.date())
        hashes, outcomes, starts = bytearray(), bytearray(), []
        with _records(path, spec) as (header, records):
            file = _File(self.manifest.id, name, spec, report, header, outputs, columns, index)
            rows = self._earlier_rows(file)
            earlier = rows.get if rows else _NOTHING.get
            again = _GivenAgain.of(self, file, rows)
            for item in records:
                if isinstance(item, _Run):
                    report.rows_read += len(item.rows)
                    starts += range(item.start, item.start + len(item.rows))
                    hashes += b"".join(item.digests)
                    outcomes += self._read_run(file, item, earlier, again)
                    continue
                start, end, record, digest = item
                report.rows_read += 1
                starts.append(start)
                if isinstance(record, str):  # (not readable as CSV: the record is why)
                    hashes += NO_HASH
                    outcomes.append(self._quarantine(file, start, record, QUARANTINED))
                else:  # (a record on its own is never one the last read had)
                    hashes += digest or NO_HASH
                    outcomes.append(self._validate(file, record, start, end))
        if index is not None:
            self.indexes[name] = index_digest(index)
        self.logs[name] = (header, bytes(hashes), outcomes, starts)

    def _read_run(
        self,
        file: _File,
        run: _Run,
        earlier: Callable[[bytes], Outcome | None],
        again: _GivenAgain | None,
    ) -> bytearray:
        """Each row of a run given again, reused or validated, in order; their outcomes.
        Rows are given a stretch at a time until a key clashes, then one at a time to
        the end of the run: handing over the rest of a stretch after each clash would
        cost the square of its length when many rows clash (an extract written twice)."""
        outcomes = bytearray()
        places = again.places(run.digests) if again is not None else None
        at, count, whole = 0, len(run.rows), True
        while at < count:
            if again is not None and places is not None and places[at] >= 0:
                stop = at + 1
                if whole:
                    try:
                        stop = places.index(-1, at)
                    except ValueError:
                        stop = count
                given = again.give(places[at:stop], run.start + at)
                outcomes += GIVEN * given
                at += given
                if at == stop:
                    continue
                whole = False
            # (the row is reused when it can be: its key may be an earlier row's)
            line, row = run.start + at, run.rows[at]
            values = row.split(",") if isinstance(row, str) else row
            outcome = earlier(run.digests[at])
            code = None if outcome is None else self._reuse(file, values, line, outcome)
            outcomes.append(self._validate(file, values, line, line) if code is None else code)
            at += 1
        return outcomes

    def _earlier_rows(self, file: _File) -> FileRows | None:
        """What each row of the last read gave (by hash), where that can be reused."""
        targets = self.manifest.lookups_of(file.name)
        if self.earlier is None:
            return None
        return self.earlier.rows(file.name, file.header, targets, self.indexes)

    def _emitting(self, kind: str) -> tuple[list[Record], list[tuple[str, int]], array]:
        """Where `_emit` puts records of `kind` (made ready as it does)."""
        if kind not in self.origins:
            self.result.records[kind] = []
            self.origins[kind] = []
            self.places[kind] = array("i")
        return self.result.records[kind], self.origins[kind], self.places[kind]

    def _validate(self, file: _File, values: list[str], start: int, end: int) -> int:
        """Every check of one row; its outcome code (see `reuse`)."""
        problem = _row_problem(values, file.header, start, end)
        if problem:
            return self._quarantine(file, start, problem, QUARANTINED)
        try:
            typed = _typed(dict(zip(file.header, values, strict=True)), file.columns)
        except BadValueError as exc:
            return self._quarantine(file, start, str(exc), BAD_VALUES)
        try:
            key = _row_key(file.spec, typed, file.keys)
            emitted = [self.resolver.emit(output, typed, start) for output in file.outputs]
        except BadValueError as exc:
            return self._quarantine(file, start, str(exc), QUARANTINED)
        file.report.rows_accepted += 1
        if key is not None:
            file.keys[key] = start
            if file.index is not None:
                file.index[key] = typed
        code = 0
        for number, (output, record) in enumerate(zip(file.outputs, emitted, strict=True)):
            if record is not None:
                self._emit(output.kind, record, file.name, start)
                code |= 1 << number
        return min(code, ACCEPTED_MAX)  # more outputs than bits: never reused (`reuse`)

    def _reuse(self, file: _File, values: list[str], start: int, outcome: Outcome) -> int | None:
        """Give what a row with these values gave in the last read; None when its key
        is now an earlier row's (then it is validated, to say so)."""
        code, made = outcome
        if isinstance(made, str):
            return self._quarantine(file, start, made, code)
        if file.key_at is not None:
            key = file.reused_key(values, made)
            if key is None or key in file.keys:
                return None
            file.keys[key] = start
        file.report.rows_accepted += 1
        for number, record, place in made:
            output = file.outputs[number]
            if output.key is None:  # keyed by its line
                ident = self.resolver.ref(file.name, start)
                place = place if ident == record["id"] else -1
                record = {**record, "id": ident}
            elif file.key_at is None:  # rows with equal values may each be accepted
                record = dict(record)
            self._emit(output.kind, record, file.name, start, place)
        return code

    def _emit(self, kind: str, record: Record, name: str, line: int, place: int = -1) -> None:
        records, origins, places = self._emitting(kind)  # kinds come in the order first emitted
        records.append(record)
        origins.append((name, line))
        places.append(place)

    def _quarantine(self, file: _File, line: int, reason: str, code: int) -> int:
        file.report.rows_quarantined += 1
        self.result.quarantine.append(Quarantined(file.spec.path, line, reason))
        return code

    def finish(self) -> ReadResult:
        """The checks across files, and the row logs."""
        result = self.result
        for name, line in _quarantine_dangling(result, self.origins, self.places):
            _, _, outcomes, starts = self.logs[name]
            outcomes[bisect_left(starts, line)] = DANGLING
        for report in result.files.values():
            if report.rows_read != report.rows_accepted + report.rows_quarantined:
                raise RuntimeError(f"{self.manifest.id}: {report.path}: rows went unaccounted for")
        result.rows = {
            name: RowLog(header, hashes, bytes(outcomes), self.indexes.get(name))
            for name, (header, hashes, outcomes, _) in self.logs.items()
        }
        result.same_as = self._same_as()
        if self.earlier is not None:
            result.places = self.places
        return result

    def _same_as(self) -> SameAs | None:
        """Which person records are as the last read held them (`SameAs`): given again
        by a reused row, with every item about them given again, in the same order, and
        none gone. None without a last read (or not knowing what it was read from), or
        when the items come in another order (rows moved: a record's may be reordered)."""
        previous, result = self.previous, self.result
        if previous is None or previous.read_digest is None:
            return None
        kinds = [kind for kind in result.records if kind not in NOT_ITEMS]
        if kinds != [kind for kind in previous.records if kind not in NOT_ITEMS]:
            return None
        touched: set[Any] = set()  # persons with an item new, changed or gone
        for kind in kinds:
            items, then, last = result.records[kind], previous.records[kind], -1
            for item, place in zip(items, self.places[kind], strict=True):
                if place < 0:
                    touched.add(item.get("person"))
                elif place <= last:
                    return None
                else:
                    last = place
            if len(items) - self.places[kind].count(-1) < len(then):  # some gone
                kept = set(self.places[kind])
                touched.update(item.get("person") for at, item in enumerate(then) if at not in kept)
        people = result.records.get("person", [])
        places = self.places.get("person", array("i"))
        if touched:
            pairs = zip(people, places, strict=True)
            places = array("i", (-1 if r["id"] in touched else at for r, at in pairs))
        return SameAs(previous.read_digest, places)


def _row_key(spec: FileSpec, typed: Record, seen: dict[str, int]) -> str | None:
    """The row's key, which must be present and not that of an earlier row: a second
    row with one key would replace the first in lookups and in the graph."""
    if not spec.key:
        return None
    value = typed[spec.key]
    if value is None:
        raise BadValueError(f"{spec.key}: is empty, and it is the row's key")
    key = str(value)
    if key in seen:
        raise BadValueError(f"{spec.key}: {key!r} is a duplicate key (first on line {seen[key]})")
    return key


def _quarantine_dangling(
    result: ReadResult, origins: dict[str, list[tuple[str, int]]], places: dict[str, array]
) -> list[tuple[str, int]]:
    """Rows that name a person record the extract does not hold are quarantined too
    (`origins`: each record's file and line; `places`, beside them, dropped with them);
    returns those rows."""
    known = {
        "person": {record["id"] for record in result.records.get("person", [])},
        "professional": {record["id"] for record in result.records.get("professional", [])},
    }
    refs = {"person": "person", "related": "person", "professional": "professional"}
    bad: dict[tuple[str, int], str] = {}
    for kind, rows in result.records.items():
        if kind == "person":
            continue
        for record, origin in zip(rows, origins[kind], strict=True):
            for ref_field, target in refs.items():
                ref = record.get(ref_field)
                if ref is not None and ref not in known[target]:
                    reason = f"{ref_field}: {ref!r} is not a {target} in this extract"
                    bad.setdefault(origin, reason)
    if not bad:
        return []
    for kind, rows in result.records.items():
        kept = [number for number, origin in enumerate(origins[kind]) if origin not in bad]
        result.records[kind] = [rows[number] for number in kept]
        places[kind] = array("i", (places[kind][number] for number in kept))
    for (file_name, line), reason in sorted(bad.items()):
        report = result.files[file_name]
        report.rows_accepted -= 1
        report.rows_quarantined += 1
        result.quarantine.append(Quarantined(report.path, line, reason))
    return sorted(bad)
