"""Recognising rows that a source's last good read already validated.

A read keeps, per file, a short hash of each row's values and a one-byte outcome
(`RowLog`). When the extract has changed since, the next read of the same manifest
by the same code looks each row's hash up among the last read's rows: a row with the
same values gives the same records (or the same quarantine reason) without being
validated again. What depends on more than the row's own values is worked out afresh
for every row: its line, duplicate keys, dangling references. A row is reused only
where its outcome cannot have changed otherwise (`Earlier.of`): files that feed
lookups are always validated, files that use lookups only while what they look up
is unchanged, and files with dates capped at the extract date only while the cap has
not moved back (and, for rows quarantined for their values, not moved at all).
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate, compress
from operator import methodcaller
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graph_etl.sources.manifest import FileSpec, Manifest, OutputSpec
    from graph_etl.sources.reader import ReadResult

Record = dict[str, Any]

HASH_SIZE = 16  # (a collision would give a changed row its old records)
NO_HASH = bytes(HASH_SIZE)  # a row that is never looked up again
# Outcomes: up to ACCEPTED_MAX the row was accepted and bit i says output i emitted a
# record; the rest say why it was quarantined.
ACCEPTED_MAX = 127
QUARANTINED = 253  # while read, for a reason that may not hold again (a duplicate key...)
BAD_VALUES = 254  # for its values alone: the same values give the same reason
DANGLING = 255  # accepted, then quarantined for naming a record the extract lacks
MAX_OUTPUTS = 7  # outputs per file that an outcome byte can say
NOT_ITEMS = ("person", "professional")  # the record kinds that are not items about a person

# The records (output index, record, its place among the last read's records of its
# kind) or the quarantine reason a row gave.
Outcome = tuple[int, tuple[tuple[int, Record, int], ...] | str]


@dataclass
class RowLog:
    """One file as read: its header, each row's hash and outcome (in file order), and
    a digest of the lookup index it fed (None when it feeds none)."""

    header: list[str]
    hashes: bytes
    outcomes: bytes
    index: str | None = None


def row_hash(values: list[str]) -> bytes:
    """A short hash of a row's values (NO_HASH when a value holds the separator)."""
    text = "\0".join(values)
    if text.count("\0") != len(values) - 1:
        return NO_HASH
    return _hash(text)


def row_hashes(rows: list[list[str] | str]) -> list[bytes]:
    """`row_hash` of each row: its values, or a text holding no NUL to be split at its
    commas (hashed without the split: at 1,000,000 records splitting took longer than
    reading and hashing)."""
    return [_hash(row.replace(",", "\0")) if type(row) is str else row_hash(row) for row in rows]


def _hash(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=HASH_SIZE).digest()


def index_digest(index: dict[str, Record]) -> str:
    """What rows of other files can look up in a file: equal digests, equal lookups."""
    return hashlib.sha256(repr(index).encode("utf-8", "surrogateescape")).hexdigest()


def capped(spec: FileSpec) -> bool:
    """Whether a row's outcome depends on the extract date (a date that may not be later)."""
    return any(
        column.get("type") == "date" and not column.get("future_ok")
        for column in spec.columns.values()
    )


def _count_table(mask: int) -> bytes:
    """For `bytes.translate`: each outcome to how many records the outputs under `mask`
    gave for that row."""
    return bytes((code & mask).bit_count() if code <= ACCEPTED_MAX else 0 for code in range(256))


def _count(outcomes: bytes, mask: int) -> int:
    return sum(outcomes.translate(_count_table(mask)))


def _kind_masks(outputs: list[OutputSpec]) -> dict[str, int]:
    """Each record kind the outputs give, with the bits of those outputs."""
    masks: dict[str, int] = {}
    for number, output in enumerate(outputs):
        masks[output.kind] = masks.get(output.kind, 0) | 1 << number
    return masks


_QUARANTINED_WHILE_READ = re.compile(b"[%c%c]" % (QUARANTINED, BAD_VALUES))


class FileRows:
    """One file of the last good read: which row had each hash, and what it gave.

    Its records are found where the read put them: records of a kind follow file, row
    and output order (`bases`: how many of each kind earlier files gave)."""

    def __init__(
        self,
        log: RowLog,
        outputs: list[OutputSpec],
        records: dict[str, list[Record]],
        bases: dict[str, int],
        reasons: dict[int, str],
    ) -> None:
        hashes = log.hashes
        rows = [hashes[at : at + HASH_SIZE] for at in range(0, len(hashes), HASH_SIZE)]
        # The first row with each hash: a later one may be a duplicate key.
        self.row_of = dict(zip(reversed(rows), range(len(rows) - 1, -1, -1), strict=True))
        self.row_of.pop(NO_HASH, None)
        self.outcomes = log.outcomes
        self.reasons = reasons  # row -> reason, for rows quarantined for their values
        masks = _kind_masks(outputs)
        firsts = {  # per kind, each row's first record of that kind
            kind: array("q", accumulate(log.outcomes.translate(_count_table(mask)), initial=base))
            for kind, mask in masks.items()
            for base in [bases.get(kind, 0)]
        }
        self.places = [
            (
                number,
                1 << number,
                records.get(output.kind, []),
                firsts[output.kind],
                masks[output.kind] & ((1 << number) - 1),  # the kind's earlier outputs
            )
            for number, output in enumerate(outputs)
        ]

    def get(self, digest: bytes) -> Outcome | None:
        """What the row with this hash gave, if it can be given again."""
        row = self.row_of.get(digest)
        if row is None:
            return None
        code = self.outcomes[row]
        if code <= ACCEPTED_MAX:
            if len(self.places) == 1:  # most files: one output, at most one record a row
                _, _, held, first, _ = self.places[0]
                return code, ((0, held[first[row]], first[row]),) if code else ()
            return code, tuple(
                (number, held[at], at)
                for number, bit, held, first, before in self.places
                if code & bit
                for at in [first[row] + (code & before).bit_count()]
            )
        reason = self.reasons.get(row)
        return None if reason is None else (code, reason)


class Earlier:
    """The last good read of a source, as what each row of each file produced."""

    def __init__(self, logs: dict[str, RowLog], files: dict[str, FileRows]) -> None:
        self.logs = logs
        self.files = files

    @classmethod
    def of(
        cls, manifest: Manifest, previous: ReadResult | None, extracted_at: datetime
    ) -> Earlier | None:
        """What can be reused of `previous` for reading `manifest` again at
        `extracted_at`; None when nothing can (no row logs, or they do not account for
        its records and quarantine row by row)."""
        if previous is None or previous.source != manifest.id or not _accounts(manifest, previous):
            return None
        targets = manifest.lookup_files()
        now, then = extracted_at.date(), previous.extracted_at.date()
        wanted: dict[str, bool] = {}  # file -> whether rows quarantined for values count
        for name, spec in manifest.files.items():
            date_bound = capped(spec)
            if name in targets or (date_bound and now < then):
                continue
            wanted[name] = not date_bound or now == then
        return cls(previous.rows, _file_rows(manifest, previous, wanted))

    def rows(
        self, name: str, header: list[str], targets: Iterable[str], indexes: dict[str, str]
    ) -> FileRows | None:
        """The rows of file `name` that can be reused, now that it is read with `header`
        and the lookup files `targets` give `indexes`; None when none can."""
        rows = self.files.get(name)
        if rows is None or self.logs[name].header != header:
            return None
        for target in targets:
            if indexes.get(target) is None or indexes[target] != self.logs[target].index:
                return None
        return rows


def _accounts(manifest: Manifest, previous: ReadResult) -> bool:
    """Whether `previous` has a row log of every file that agrees with its counts."""
    logs = previous.rows
    if set(logs) != set(manifest.files) or set(previous.files) != set(manifest.files):
        return False
    expected: dict[str, int] = {}
    quarantined = 0
    for name, log in logs.items():
        report = previous.files[name]
        outputs = _outputs(manifest, name)
        accepted = sum(log.outcomes.count(code) for code in range(ACCEPTED_MAX + 1))
        held = sum(log.outcomes.count(code) for code in (QUARANTINED, BAD_VALUES, DANGLING))
        if (
            len(outputs) > MAX_OUTPUTS
            or len(log.hashes) != HASH_SIZE * len(log.outcomes)
            or (report.rows_read, report.rows_accepted, report.rows_quarantined)
            != (len(log.outcomes), accepted, held)
        ):
            return False
        for kind, mask in _kind_masks(outputs).items():
            expected[kind] = expected.get(kind, 0) + _count(log.outcomes, mask)
        quarantined += held
    held_records = {kind: len(rows) for kind, rows in previous.records.items() if rows}
    return {k: n for k, n in expected.items() if n} == held_records and quarantined == len(
        previous.quarantine
    )


def _outputs(manifest: Manifest, name: str) -> list[OutputSpec]:
    return [output for output in manifest.outputs if output.source_file == name]


def _file_rows(
    manifest: Manifest, previous: ReadResult, wanted: dict[str, bool]
) -> dict[str, FileRows]:
    """The `wanted` files' rows (with whether rows quarantined for their values count),
    walking the files in read order as the previous read did. Its quarantine starts
    with the rows quarantined while read, in that order; the dangling follow."""
    bases: dict[str, int] = {}
    quarantined = 0  # rows quarantined while reading the files walked so far
    files: dict[str, FileRows] = {}
    for name in manifest.read_order():
        log = previous.rows[name]
        outputs = _outputs(manifest, name)
        held = [found.start() for found in _QUARANTINED_WHILE_READ.finditer(log.outcomes)]
        if name in wanted:
            reasons = {
                row: previous.quarantine[quarantined + number].reason
                for number, row in enumerate(held)
                if wanted[name] and log.outcomes[row] == BAD_VALUES
            }
            files[name] = FileRows(log, outputs, previous.records, bases, reasons)
        for kind, mask in _kind_masks(outputs).items():
            bases[kind] = bases.get(kind, 0) + _count(log.outcomes, mask)
        quarantined += len(held)
    return files


@dataclass(frozen=True)
class SameAs:
    """Which person records a read holds exactly as the read before it held them (the
    read of `read`, its `read_digest`): each person record's place among that read's,
    in order, or -1 where the record, or anything its source says about it (its
    items: addresses, identifiers, relationships...), is new or not as it was.

    What is worked out from a record and its items alone (standardised features, the
    record half of its input digest) need not be worked out again for the others."""

    read: str
    places: array  # array("i")


_PERSON = methodcaller("get", "person")


def items_of(
    result: ReadResult, wanted: set[Any] | None = None, kinds: Collection[str] | None = None
) -> dict[Any, list[tuple[str, Record]]]:
    """The items a read gives about each person record, in read order: (kind, item);
    for the records `wanted` alone (None: every one), and of `kinds` alone (None: every
    kind). The wanted records' items are picked without a step of Python per item
    (`compress`)."""
    items: dict[Any, list[tuple[str, Record]]] = {}
    for kind, records in result.records.items():
        if kind in NOT_ITEMS or (kinds is not None and kind not in kinds):
            continue
        picked: Iterable[Record] = records
        if wanted is not None:
            picked = compress(records, map(wanted.__contains__, map(_PERSON, records)))
        for item in picked:
            items.setdefault(item.get("person"), []).append((kind, item))
    return items
