"""Parsing and validating single extract values by declared column type.

Each parser takes the raw text and returns the typed value or raises `BadValue`
with a reason a data owner can act on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()-]{10,16}$")
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


class BadValueError(ValueError):
    """A value that does not fit its column's declared type."""


def nhs_number_valid(value: str) -> bool:
    """Modulus 11 check digit of a 10-digit NHS number."""
    if not re.fullmatch(r"\d{10}", value):
        return False
    total = sum(
        int(digit) * weight for digit, weight in zip(value[:9], range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(value[9])


def upn_check_letter(body: str) -> str:
    """DfE check letter for the 12 characters after it (positions 2-13, weights 2-13)."""
    total = 0
    for weight, char in enumerate(body, start=2):
        value = int(char) if char.isdigit() else UPN_LETTERS.index(char)
        total += value * weight
    return UPN_LETTERS[total % 23]


def upn_valid(value: str) -> bool:
    """A 13-character UPN: check letter, 11 digits, last character a digit or letter."""
    if not re.fullmatch(r"[A-Z]\d{11}[0-9A-Z]", value):
        return False
    if value[-1].isalpha() and value[-1] not in UPN_LETTERS:
        return False
    return upn_check_letter(value[1:]) == value[0]


def normalise_postcode(value: str) -> str | None:
    """`"ab12cd"` -> `"AB1 2CD"`; None when it is not a UK postcode."""
    compact = re.sub(r"\s+", "", value).upper()
    match = POSTCODE.match(compact[:-3] + " " + compact[-3:]) if len(compact) >= 5 else None
    return f"{match.group(1)} {match.group(2)}" if match else None


def _string(raw: str, spec: dict[str, Any]) -> str:
    max_length = spec.get("max_length", 200)
    if len(raw) > max_length:
        raise BadValueError(f"longer than {max_length} characters")
    return raw


def _integer(raw: str, spec: dict[str, Any]) -> int:
    try:
        return int(raw)
    except ValueError:
        raise BadValueError(f"{raw!r} is not a whole number") from None


@lru_cache(maxsize=200_000)
def _strptime(raw: str, fmt: str) -> date | None:
    """Cached: extracts repeat the same dates (term starts, births) many times."""
    try:
        if fmt == "%Y-%m-%d" and len(raw) == 10:
            return date.fromisoformat(raw)
        return datetime.strptime(raw, fmt).date()
    except ValueError:
        return None


def _date(raw: str, spec: dict[str, Any]) -> date:
    formats = spec.get("formats") or [spec.get("format", "%Y-%m-%d")]
    for fmt in formats:
        parsed = _strptime(raw, fmt)
        if parsed is None:
            continue
        earliest = date.fromisoformat(spec.get("min", "1900-01-01"))
        latest = spec.get("max")
        if parsed < earliest:
            raise BadValueError(f"{raw!r} is before {earliest.isoformat()}")
        if latest and parsed > latest:
            raise BadValueError(f"{raw!r} is after the extract date")
        return parsed
    raise BadValueError(f"{raw!r} is not a date in the form {formats[0]}")


def _code(raw: str, spec: dict[str, Any]) -> str:
    codes = spec["codes"]
    if raw not in codes:
        shown = ", ".join(map(str, codes[:12])) + (", ..." if len(codes) > 12 else "")
        raise BadValueError(f"{raw!r} is not one of: {shown}")
    return raw


def _nhs_number(raw: str, spec: dict[str, Any]) -> str:
    compact = re.sub(r"[\s-]", "", raw)
    if not nhs_number_valid(compact):
        raise BadValueError(f"{raw!r} is not a valid NHS number (10 digits, mod 11 check)")
    return compact


def _upn(raw: str, spec: dict[str, Any]) -> str:
    value = raw.strip().upper()
    if not upn_valid(value):
        raise BadValueError(f"{raw!r} is not a valid UPN (13 characters with a check letter)")
    return value


def _postcode(raw: str, spec: dict[str, Any]) -> str:
    value = normalise_postcode(raw)
    if value is None:
        raise BadValueError(f"{raw!r} is not a UK postcode")
    return value


def _email(raw: str, spec: dict[str, Any]) -> str:
    if not EMAIL.match(raw):
        raise BadValueError(f"{raw!r} is not an email address")
    return raw


def _phone(raw: str, spec: dict[str, Any]) -> str:
    if not PHONE.match(raw):
        raise BadValueError(f"{raw!r} is not a phone number")
    return raw


def _json(raw: str, spec: dict[str, Any]) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise BadValueError("is not valid JSON") from None
    if not isinstance(value, dict):
        raise BadValueError("is not a JSON object")
    return value


PARSERS: dict[str, Callable[[str, dict[str, Any]], Any]] = {
    "string": _string,
    "integer": _integer,
    "date": _date,
    "code": _code,
    "nhs_number": _nhs_number,
    "upn": _upn,
    "postcode": _postcode,
    "email": _email,
    "phone": _phone,
    "json": _json,
}


def parse(raw: str | None, spec: dict[str, Any]) -> Any:
    """Typed value of one cell, None when empty and allowed to be. A stray byte order
    mark (a zero-width character left by joining files) is not part of the value."""
    text = (raw or "").replace("\ufeff", "").strip()
    if not text:
        if spec.get("required"):
            raise BadValueError("is required but empty")
        return None
    return PARSERS[spec.get("type", "string")](text, spec)
