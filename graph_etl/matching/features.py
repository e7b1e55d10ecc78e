"""Canonical person records -> the standardised columns the model compares.

One pass over the records; each distinct name, postcode or address line is
standardised once. The result is columnar: a pyarrow table for the scoring backend
and plain lists (indexed by row number) for the guards and explanations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from graph_etl import standardise as std
from graph_etl.matching.given_names import is_known
from graph_etl.matching.types import Record

EMPTY: frozenset[str] = frozenset()
# The raw fields read, in one pass over the records.
RAW = (
    "given_name", "other_given_names", "family_name", "dob", "sex",
    "nhs_number", "upn", "uprn", "line1", "postcode",
)  # fmt: skip


def row_numbers(count: int) -> pa.Array:
    """0, 1, 2... up to `count`, as int64 (built in Arrow: `pa.array(range(...))` takes
    a quarter of a second for a million)."""
    return pc.indices_nonzero(pc.is_null(pa.nulls(count))).cast(pa.int64())


@dataclass
class Features:
    """Standardised values by row number; `ids[i]` is row i's record id."""

    ids: list[str]
    files: list[str] = field(default_factory=list)  # "source:file" of each record
    given: list[str | None] = field(default_factory=list)
    given_full: list[str | None] = field(default_factory=list)
    given_tokens: list[tuple[str, ...]] = field(default_factory=list)
    given_keys: list[frozenset[str]] = field(default_factory=list)
    family: list[str | None] = field(default_factory=list)
    family_tokens: list[tuple[str, ...]] = field(default_factory=list)
    dob: list[tuple[int, int, int] | None] = field(default_factory=list)
    sex: list[str | None] = field(default_factory=list)
    nhs: list[str | None] = field(default_factory=list)
    upn: list[str | None] = field(default_factory=list)
    address: list[str | None] = field(default_factory=list)
    uprn: list[str | None] = field(default_factory=list)
    table: pa.Table | None = None
    # Each row's `rescoring.record_hashes`, when kept with the features (`feature_cache`).
    hashes: pa.Array | None = None
    addresses: dict[Any, tuple[Any, ...]] = field(default_factory=dict)  # see `build`

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def id_array(self) -> pa.Array:
        """`ids` as one Arrow array, made once: matching's steps each look records up
        by id in Arrow, and a million ids take a tenth of a second or more to convert."""
        return pa.array(self.ids, pa.string())

    @cached_property
    def address_array(self) -> pa.Array:
        """`address` as one Arrow array, made once (the joins through relatives ask for
        it, and what matching keeps for the next run)."""
        return pa.array(self.address, pa.string())


def _given(raw: tuple[str | None, str | None]) -> tuple[Any, ...]:
    """(first given name, all given names, every given word, nickname keys)."""
    given, other = raw
    tokens = std.name_tokens(given)
    keys = std.nickname_keys(given) | std.nickname_keys(other) if (given or other) else EMPTY
    first = tokens[0] if tokens else None
    return first, " ".join(tokens) or None, tokens + std.name_tokens(other), keys


@lru_cache(maxsize=1 << 18)
def _postcode(postcode: str | None) -> tuple[str | None, str | None]:
    return std.postcode_compact(postcode), std.postcode_sector(postcode)


@lru_cache(maxsize=1 << 18)
def _line(line1: str | None) -> tuple[str | None, str | None]:
    return std.house_number(line1), std.street_key(line1)


def _address(raw: tuple[str | None, str | None]) -> tuple[Any, ...]:
    line1, postcode = raw
    compact, sector = _postcode(postcode)
    number, street = _line(line1)
    key = f"{compact}|{number or ''}|{street or ''}" if compact and (number or street) else None
    return compact, sector, number, street, key


def _encode(values: Iterable[Any]) -> tuple[list[Any], list[int]]:
    """(distinct values in order of first use, each value's index into them)."""
    index: dict[Any, int] = {}
    known = index.get
    codes: list[int] = []
    append = codes.append
    for value in values:
        code = known(value)
        if code is None:
            code = index[value] = len(index)
        append(code)
    return list(index), codes


class _Column:
    """One raw field, dictionary-encoded: standardise each distinct value once."""

    def __init__(self, values: Iterable[Any]) -> None:
        self.distinct, codes = _encode(values)
        self.codes = codes
        self._indices: pa.Array | None = None

    def derive(self, function: Any) -> list[Any]:
        """`function` of each distinct value."""
        return [function(value) for value in self.distinct]

    def rows(self, derived: list[Any]) -> list[Any]:
        """Per-record values of a derived list."""
        return list(map(derived.__getitem__, self.codes))

    def arrow(self, derived: list[Any], kind: pa.DataType) -> pa.Array:
        if self._indices is None:
            self._indices = pa.array(self.codes, pa.int32())
        return pa.array(derived, kind).take(self._indices)


def _raw(records: Sequence[Record]) -> dict[str, Sequence[Any]]:
    """Each raw field's values, by row (one pass over the records)."""
    if not records:
        return {name: () for name in RAW}
    rows = [tuple(map(record.get, RAW)) for record in records]
    return dict(zip(RAW, zip(*rows, strict=True), strict=True))


def build(
    records: Sequence[Record], addresses: dict[Any, tuple[Any, ...]] | None = None
) -> Features:
    """Standardise every record; the pyarrow table has one row per record, in order.
    `addresses`: (first line, postcode) -> standardised parts, known from an earlier run
    of this code (the rest are worked out); `Features.addresses` holds this run's."""
    ids = [record["id"] for record in records]
    raw = _raw(records)
    features = Features(ids=ids, files=[record_id.rpartition(":")[0] for record_id in ids])
    text, words, number = pa.string(), pa.list_(pa.string()), pa.int32()
    arrays: dict[str, pa.Array] = {"unique_id": row_numbers(len(ids))}

    given = _Column(zip(raw["given_name"], raw["other_given_names"], strict=True))
    parts = given.derive(_given)
    for position, name in enumerate(("given", "given_full", "given_tokens", "given_keys")):
        setattr(features, name, given.rows([part[position] for part in parts]))
    arrays["given"] = given.arrow([part[0] for part in parts], text)
    arrays["given_full"] = given.arrow([part[1] for part in parts], text)
    arrays["given_meta"] = given.arrow([std.phonetic_key(part[0]) or None for part in parts], text)
    arrays["given_keys"] = given.arrow([sorted(part[3]) or None for part in parts], words)
    arrays["given_all"] = given.arrow([sorted(set(part[2])) or None for part in parts], words)
    arrays["given_known"] = given.arrow([is_known(part[0]) for part in parts], pa.bool_())

    family = _Column(raw["family_name"])
    keys = family.derive(lambda value: std.name_key(value) or None)
    tokens = family.derive(std.name_tokens)
    features.family, features.family_tokens = family.rows(keys), family.rows(tokens)
    arrays["family"] = family.arrow(keys, text)
    arrays["family_tokens"] = family.arrow([list(t) or None for t in tokens], words)
    arrays["family_meta"] = family.arrow([std.phonetic_key(k) or None for k in keys], text)

    dob = _Column(raw["dob"])
    dates = dob.derive(std.dob_parts)
    features.dob = dob.rows(dates)
    arrays["dob"] = dob.arrow(
        [f"{d[0]:04d}-{d[1]:02d}-{d[2]:02d}" if d else None for d in dates], text
    )
    for position, name in enumerate(("dob_y", "dob_m", "dob_d")):
        arrays[name] = dob.arrow([d[position] if d else None for d in dates], number)

    sex = _Column(raw["sex"])
    arrays["sex"] = sex.arrow(sex.derive(std.sex), text)
    for field_name, name, function in (
        ("nhs_number", "nhs", std.nhs_number),
        ("upn", "upn", std.upn),
        ("uprn", "uprn", lambda value: str(value) if value else None),
    ):
        column = _Column(raw[field_name])
        derived = column.derive(function)
        setattr(features, name, column.rows(derived))
        arrays[name] = column.arrow(derived, text)

    address = _Column(zip(raw["line1"], raw["postcode"], strict=True))
    known = addresses or {}
    parts = [known.get(value) or _address(value) for value in address.distinct]
    features.addresses = dict(zip(address.distinct, parts, strict=True))
    features.address = address.rows([part[4] for part in parts])
    for position, name in enumerate(("postcode", "sector", "addr_num", "street")):
        arrays[name] = address.arrow([part[position] for part in parts], text)
    features.table = pa.table(arrays)
    return features
