"""The committed county through the readers: clean as generated, and corrupted copies
quarantined row by row with every row accounted for."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graph_etl import etl
from graph_etl.settings import REPO_ROOT
from graph_etl.sources import load_manifests

COUNTY = REPO_ROOT / "sample_data" / "county"


def read(folder: Path) -> etl.EtlReport:
    report = etl.EtlReport(datetime.now(UTC))
    etl.read_all(load_manifests(), folder, report)
    return report


def test_every_agency_reads_clean() -> None:
    report = read(COUNTY)
    assert set(report.sources) == set(load_manifests())
    for source, item in report.sources.items():
        assert item["status"] == "loaded", source
        assert item["rows_quarantined"] == 0, (source, item["quarantine_reasons"])
        assert item["rows_read"] == item["rows_accepted"] > 0


def replace_line(path: Path, line_number: int, change) -> None:  # type: ignore[no-untyped-def]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line_number - 1] = change(lines[line_number - 1])
    path.write_text("".join(lines), encoding="utf-8")


@pytest.fixture()
def corrupted(tmp_path: Path) -> Path:
    county = tmp_path / "county"
    shutil.copytree(COUNTY, county)
    # social care: an impossible date of birth
    replace_line(
        county / "social_care" / "ssd_person.csv",
        2,
        lambda line: line.replace("2025-05-16 00:00:00", "2025-13-16 00:00:00"),
    )
    # health: an NHS number with a wrong check digit, and an episode naming no patient
    replace_line(
        county / "health" / "patients.csv", 2, lambda line: line.replace("9992394404", "9992394405")
    )
    replace_line(
        county / "health" / "involvements.csv",
        2,
        lambda line: line.replace("PT0000057", "PT9999999"),
    )
    # police: a row cut short
    replace_line(county / "police" / "persons.csv", 2, lambda line: "NOM10000014,MARSH\n")
    # housing: a relationship outside the code list, and a date in the wrong format
    replace_line(
        county / "housing" / "household_members.csv",
        2,
        lambda line: line.replace("Lead tenant", "Landlord"),
    )
    replace_line(county / "housing" / "household_members.csv", 3, _iso_date)
    # probation: a renamed column fails that source only
    replace_line(
        county / "probation" / "people_on_probation.csv",
        1,
        lambda line: line.replace("date_of_birth", "dob"),
    )
    return county


def _iso_date(line: str) -> str:
    parts = line.split(",")
    parts[6] = "1980-01-01"  # date_of_birth should be DD-MON-YYYY
    return ",".join(parts)


def test_corrupted_rows_are_quarantined_and_counted(corrupted: Path) -> None:
    clean = read(COUNTY).sources
    report = read(corrupted).sources
    # Rows that name a quarantined person are quarantined too ("is not a person in this
    # extract"), so one bad row can take its dependants with it:
    expected_quarantined = {
        "social_care": 1 + 5,  # the baby's address, family, identifier and mother rows
        "health": 2,  # the bad NHS number, and an episode of a patient not in the extract
        "police": 1 + 1,  # the short row and that person's incident row
        "housing": 2 + 1,  # the lead tenant's row, and a member related to them
    }
    for source, count in expected_quarantined.items():
        item = report[source]
        assert item["rows_quarantined"] == count, (source, item["quarantine_reasons"])
        assert item["rows_read"] == item["rows_accepted"] + item["rows_quarantined"]
        assert item["rows_read"] == clean[source]["rows_read"]
    assert report["probation"]["status"] == "failed"
    assert (
        "people_on_probation.csv: missing column(s) date_of_birth" in report["probation"]["error"]
    )
    for source in ("schools", "youth_justice", "adult_social_care"):
        assert report[source]["rows_quarantined"] == 0
    reasons = " | ".join(
        reason for item in report.values() for reason in item.get("quarantine_reasons", {})
    )
    for fragment in (
        "pers_dob: is not a date",
        "not a valid NHS number",
        "is not a person in this extract",
        "expected 7 fields, found 2",
        "relationship_to_lead_tenant: is not one of",
        "date_of_birth: is not a date",
    ):
        assert fragment in reasons


def test_quarantine_file_lists_each_row(corrupted: Path, tmp_path: Path) -> None:
    manifests = load_manifests()
    report = etl.EtlReport(datetime.now(UTC))
    results = etl.read_all(manifests, corrupted, report)
    etl.write_report(report, results, tmp_path / "report.json")
    rows = (tmp_path / "report.quarantine.csv").read_text().splitlines()
    assert rows[0] == "source,file,line,reason"
    assert len(rows) == 1 + 6 + 2 + 2 + 3
    assert any(row.startswith("police,persons.csv,2,") for row in rows)
