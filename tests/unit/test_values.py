from datetime import date

import pytest

from graph_etl.sources.values import (
    BadValueError,
    nhs_number_valid,
    normalise_postcode,
    parse,
    upn_valid,
)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("9990000018", True),
        ("9990000026", True),
        ("9990000019", False),  # wrong check digit
        ("999000001", False),  # nine digits
        ("99900000AB", False),
    ],
)
def test_nhs_number_check_digit(value: str, valid: bool) -> None:
    assert nhs_number_valid(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("H930123456010", True),
        ("W930123456020", True),
        ("A930123456010", False),  # wrong check letter
        ("H93012345601", False),  # too short
    ],
)
def test_upn_check_letter(value: str, valid: bool) -> None:
    assert upn_valid(value) is valid


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ex94qa", "EX9 4QA"),
        ("EX9  4QA", "EX9 4QA"),
        (" sw1a 1aa ", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("NOTAPOSTCODE", None),
        ("12345", None),
    ],
)
def test_postcode_normalised(raw: str, expected: str | None) -> None:
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize(
    ("raw", "spec", "message"),
    [
        ("", {"required": True}, "is required"),
        ("31/02/2020", {"type": "date", "format": "%d/%m/%Y"}, "is not a date"),
        ("1850-01-01", {"type": "date"}, "before 1900"),
        ("2030-01-01", {"type": "date", "max": date(2026, 11, 1)}, "after the extract date"),
        ("X", {"type": "code", "codes": ["M", "F"]}, "is not one of"),
        ("12a", {"type": "integer"}, "not a whole number"),
        ("not-an-email", {"type": "email"}, "not an email"),
        ("[1, 2]", {"type": "json"}, "not a JSON object"),
    ],
)
def test_bad_values_say_why(raw: str, spec: dict, message: str) -> None:
    with pytest.raises(BadValueError, match=message):
        parse(raw, spec)


def test_empty_optional_value_is_none() -> None:
    assert parse("  ", {"type": "date"}) is None
    assert parse("2020-02-29", {"type": "date"}) == date(2020, 2, 29)
