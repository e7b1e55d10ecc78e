"""The committed county through the readers: clean as generated, and corrupted copies
quarantined row by row with every row accounted for."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graph_etl import etl
from graph_etl.settings import REPO_ROOT
from graph_etl.sources import load_manifests, read_source

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


def test_no_row_is_dropped_silently(tmp_path: Path) -> None:
    """Every way a row could vanish on the way in: each is a row read, and either
    accepted or quarantined with its file, line and reason."""
    schools = tmp_path / "schools"
    shutil.copytree(COUNTY / "schools", schools)
    contacts = schools / "pupil_contacts.csv"
    header, *rows = contacts.read_text(encoding="utf-8").splitlines()
    upn = rows[0].split(",")[1]  # a real pupil, so the added contacts name someone known
    added: list[tuple[bytes, str | None]] = [  # (raw record, reason; None: accepted)
        (b",,,,,,,,", "blank row"),
        (b"", "blank row"),  # an empty line
        (b"  , ,\t", "blank row"),  # spaces only, and too few commas
        (b"C900001,X", "expected 9 fields, found 2"),
        (f"C900002,{upn},Ann,Evans,Aunt,N,3,,,,".encode(), "expected 9 fields, found 11"),
        (
            f"C900003,{upn},Zo\xeb,Evans,Aunt,N,3,,".encode("latin-1"),
            "contact_forename: 'Zo\\xeb' is not valid UTF-8",
        ),
        (("\ufeff" + header).encode(), "repeats the header row"),  # two files joined
        (rows[0].encode(), "contact_id: 'C000001' is a duplicate key (first on line 2)"),
        (f'C900004,{upn},"Ann"x,Evans,Aunt,N,3,,'.encode(), "not readable as CSV: "),
        (f'C900005,{upn},"Ann\nMarie",Evans,Aunt,N,3,,'.encode(), "runs onto later lines"),
        (f"\ufeffC900006,{upn},Ann,Evans,Aunt,N,3,,".encode(), None),  # a stray BOM: ignored
    ]
    records = [header.encode(), *(row.encode() for row in rows[:5])]
    expected: dict[int, str] = {}
    line = 1 + 5  # the physical line each record starts on
    for raw, reason in added:
        line += 1
        if reason is not None:
            expected[line] = reason
        records.append(raw)
        line += raw.count(b"\n")
    records += [row.encode() for row in rows[5:-1]]
    line += len(rows[5:-1]) + 1
    # A quote left open swallows the line after it: one row, its lines named.
    expected[line] = f"a quote is left open to the end of the file (lines {line}-{line + 1})"
    records += [f'C900007,{upn},"Ann,Evans,Aunt,N,3,,'.encode(), rows[-1].encode()]
    contacts.write_bytes(b"\n".join(records) + b"\n")

    pupils = schools / "pupils.csv"  # a BOM twice, CRLF line ends, two blank lines at the end
    pupil_lines = pupils.read_text(encoding="utf-8").splitlines()
    pupils.write_bytes(("\ufeff\ufeff" + "\r\n".join([*pupil_lines, "", "", ""])).encode())
    listed = schools / "schools.csv"  # no line break after the last row
    listed.write_bytes(listed.read_bytes().rstrip(b"\n"))

    manifest = load_manifests()["schools"]
    clean = read_source(manifest, COUNTY / "schools").files
    result = read_source(manifest, schools)
    files = result.files
    for name, report in files.items():
        assert report.rows_read == report.rows_accepted + report.rows_quarantined, name
    assert (
        files["schools"].rows_read == files["schools"].rows_accepted == clean["schools"].rows_read
    )
    assert files["pupils"].rows_read == clean["pupils"].rows_read + 2
    assert files["pupils"].rows_accepted == clean["pupils"].rows_read
    # Every CSV record is a row: the originals and the added ones, less the one the
    # open quote swallowed; accepted: the originals less that one, plus C900006.
    assert files["pupil_contacts"].rows_read == len(rows) + len(added)
    assert files["pupil_contacts"].rows_accepted == len(rows)

    found = {(item.file, item.line): item.reason for item in result.quarantine}
    first_blank = clean["pupils"].rows_read + 2
    assert found.pop(("pupils.csv", first_blank)) == "blank row"
    assert found.pop(("pupils.csv", first_blank + 1)) == "blank row"
    assert set(found) == {("pupil_contacts.csv", line) for line in expected}
    for line, reason in expected.items():
        assert reason in found[("pupil_contacts.csv", line)], line
    assert "schools:pupil_contacts:C900006" in {r["id"] for r in result.records["person"]}
    reasons = result.reasons()
    assert sum(reasons.values()) == result.rows_quarantined == len(expected) + 2
    assert reasons["blank row"] == 5
    assert reasons["contact_id: is a duplicate key"] == 1
