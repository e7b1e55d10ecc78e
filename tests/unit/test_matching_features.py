"""Standardising records into feature columns (graph_etl.matching.features)."""

from __future__ import annotations

from graph_etl.matching import features

RECORDS = [
    {"id": "a:x:1", "given_name": "Amy", "family_name": "Ng", "dob": "2001-02-03"},
    {"id": "a:x:2", "given_name": "Amy", "other_given_names": "Jo", "postcode": "FX1 1AA"},
    {"id": "b:y:1", "family_name": "Ng", "line1": "4 High St", "nhs_number": "9434765919"},
]


def test_a_missing_field_reads_as_none_and_columns_stay_in_step() -> None:
    filled = [{name: record.get(name) for name in ("id", *features.RAW)} for record in RECORDS]
    sparse, full = features.build(RECORDS), features.build(filled)
    assert sparse.table.equals(full.table)
    assert sparse.given == full.given == ["amy", "amy", None]
    assert sparse.family == ["ng", None, "ng"]
    assert sparse.files == ["a:x", "a:x", "b:y"]


def test_no_records_give_an_empty_table() -> None:
    built = features.build([])
    assert built.ids == [] and built.table.num_rows == 0
    assert built.table.column_names == features.build(RECORDS).table.column_names
