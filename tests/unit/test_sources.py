"""Manifests and readers on the hand-made mini county and corrupted copies of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from graph_etl.sources import ManifestError, SourceFailedError, load_manifests, read_source
from graph_etl.sources.manifest import MANIFEST_DIR, load_manifest, parse_manifest
from tests.conftest import MINI_COUNTY


@pytest.fixture()
def manifests():  # type: ignore[no-untyped-def]
    return load_manifests()


@pytest.fixture()
def county(tmp_path: Path) -> Path:
    target = tmp_path / "county"
    shutil.copytree(MINI_COUNTY, target)
    return target


def test_every_committed_manifest_loads(manifests) -> None:  # type: ignore[no-untyped-def]
    assert {"social_care", "schools"} <= set(manifests)
    for manifest in manifests.values():
        assert manifest.governance["deep_link"].count("{key}") == 1


def test_mini_county_reads_clean(manifests) -> None:  # type: ignore[no-untyped-def]
    result = read_source(manifests["schools"], MINI_COUNTY / "schools")
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (7, 7, 0)
    assert len(result.records["person"]) == 5  # 3 pupils + 2 contact rows
    pupil = next(r for r in result.records["person"] if r["id"] == "schools:pupils:H930123456010")
    assert pupil["dob"] == "2014-06-03"
    assert pupil["postcode"] == "EX9 4QA"  # normalised from "ex94qa"


def test_side_tables_fill_in_identifiers_and_address(manifests) -> None:  # type: ignore[no-untyped-def]
    result = read_source(manifests["social_care"], MINI_COUNTY / "social_care")
    people = {record["id"]: record for record in result.people()}
    sarah = people["social_care:ssd_person:1001"]
    assert sarah["nhs_number"] == "9990000018"
    assert sarah["line1"] == "14 Mill Lane"  # the open address, not the older one


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def test_bad_rows_are_quarantined_and_counted(manifests, county: Path) -> None:  # type: ignore[no-untyped-def]
    pupils = county / "schools" / "pupils.csv"
    _append(pupils, "A930123456010,Bad,Upn,,01/01/2015,M,,,,,110001,,,N")  # check letter
    _append(pupils, "H930123456099,Bad,Date,,31/02/2015,M,,,,,110001,,,N")  # no such date
    _append(pupils, "H930123456011,Too,Few,fields")  # wrong width
    _append(
        county / "schools" / "pupil_contacts.csv", "C000009,J930123456030,Ann,Evans,Auntie,Y,1,,"
    )  # not in code list
    result = read_source(manifests["schools"], county / "schools")
    assert result.rows_read == 11
    assert result.rows_quarantined == 4
    assert result.rows_read == result.rows_accepted + result.rows_quarantined
    reasons = {(item.file, item.line): item.reason for item in result.quarantine}
    assert "not a valid UPN" in reasons[("pupils.csv", 5)]
    assert "is not a date" in reasons[("pupils.csv", 6)]
    assert "expected 14 fields, found 4" in reasons[("pupils.csv", 7)]
    assert "is not one of" in reasons[("pupil_contacts.csv", 4)]
    report = result.report()
    assert report["files"]["pupils"]["rows_quarantined"] == 3
    assert sum(report["quarantine_reasons"].values()) == 4


def test_row_naming_an_unknown_person_is_quarantined(manifests, county: Path) -> None:  # type: ignore[no-untyped-def]
    _append(county / "social_care" / "ssd_mother.csv", "3,1001,4242,")
    result = read_source(manifests["social_care"], county / "social_care")
    assert result.rows_quarantined == 1
    assert "'social_care:ssd_person:4242' is not a person" in result.quarantine[0].reason
    assert result.rows_read == result.rows_accepted + result.rows_quarantined


def test_renamed_column_fails_the_source_naming_file_and_column(manifests, county: Path) -> None:  # type: ignore[no-untyped-def]
    path = county / "schools" / "pupils.csv"
    path.write_text(path.read_text().replace("date_of_birth", "dob", 1))
    with pytest.raises(SourceFailedError, match=r"pupils.csv: missing column\(s\) date_of_birth"):
        read_source(manifests["schools"], county / "schools")


def test_missing_file_fails_the_source(manifests, county: Path) -> None:  # type: ignore[no-untyped-def]
    (county / "schools" / "schools.csv").unlink()
    with pytest.raises(SourceFailedError, match=r"schools\.csv is missing"):
        read_source(manifests["schools"], county / "schools")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.pop("lawful_basis"), "missing governance fields: lawful_basis"),
        (lambda m: m.update(refresh="sometimes"), "refresh must be one of"),
        (
            lambda m: m["records"]["person"][0]["fields"].update(given_name="no_such_column"),
            "column 'no_such_column' is not declared",
        ),
        (lambda m: m["records"].update(pets=[]), "unknown record kind 'pets'"),
        (
            lambda m: m["files"]["pupils"]["columns"]["gender"].update(type="colour"),
            "unknown type 'colour'",
        ),
    ],
)
def test_broken_manifest_is_refused_with_reason(change, message: str) -> None:  # type: ignore[no-untyped-def]
    path = MANIFEST_DIR / "schools.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    with pytest.raises(ManifestError, match=message):
        parse_manifest(path, data)


def test_a_new_tabular_source_needs_only_a_manifest(tmp_path: Path) -> None:
    """A made-up agency: one CSV and one YAML file, no code."""
    folder = tmp_path / "extracts" / "libraries"
    folder.mkdir(parents=True)
    (folder / "members.csv").write_text(
        "card,first,last,born,postcode,librarian,librarian_email\n"
        "L1,Liam,Jones,2014-06-03,EX9 4QA,Ann Reed,ann.reed@libraries.example\n"
        "L2,,Nobody,not-a-date,,Ann Reed,ann.reed@libraries.example\n"
    )
    manifest_path = tmp_path / "libraries.yaml"
    manifest_path.write_text(
        yaml.safe_dump(
            {
                "id": "libraries",
                "title": "Libraries",
                "owner": "Exampleshire Libraries",
                "organisation": {
                    "id": "org-libraries",
                    "name": "Exampleshire Libraries",
                    "sector": "culture",
                },
                "refresh": "weekly",
                "lawful_basis": "Art 6(1)(e)",
                "legal_gateway": "Children Act 2004 s10",
                "sharing_agreement": "DSA-LIB-1",
                "id_scheme": "library card number",
                "deep_link": "https://libraries.example/member/{key}",
                "files": {
                    "members": {
                        "path": "members.csv",
                        "key": "card",
                        "columns": {
                            "card": {"required": True},
                            "first": {"required": True},
                            "last": {},
                            "born": {"type": "date"},
                            "postcode": {"type": "postcode"},
                            "librarian": {},
                            "librarian_email": {"type": "email"},
                        },
                    }
                },
                "records": {
                    "person": [
                        {
                            "from": "members",
                            "fields": {
                                "given_name": "first",
                                "family_name": "last",
                                "dob": "born",
                                "postcode": "postcode",
                            },
                        }
                    ],
                    "involvement": [
                        {
                            "from": "members",
                            "fields": {
                                "person": {"ref": "members", "column": "card"},
                                "kind": {"value": "Library member"},
                            },
                        }
                    ],
                },
            }
        )
    )
    manifest = load_manifest(manifest_path)
    result = read_source(manifest, folder)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (2, 1, 1)
    assert result.records["person"][0]["given_name"] == "Liam"
    assert result.records["involvement"][0]["person"] == "libraries:members:L1"
