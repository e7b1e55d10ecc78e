"""Manifests and readers on the hand-made mini county and corrupted copies of it."""

from __future__ import annotations

import copy
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from graph_etl import etl, governance, model
from graph_etl.matching import match
from graph_etl.sources import ManifestError, SourceFailedError, load_manifests, read_source
from graph_etl.sources.manifest import MANIFEST_DIR, Manifest, load_manifest, parse_manifest
from tests.conftest import MINI_COUNTY
from webapp.policy import load_policies


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
        (
            lambda text: text.replace(b"legal_surname", b"l\xe9gal_surname", 1),
            r"pupils.csv: the header row is not valid UTF-8",
        ),
        (
            lambda text: text.replace(b"sen_provision\n", b"sen_provision,upn\n", 1),
            r"pupils.csv: column\(s\) upn appear more than once in the header",
        ),
        (lambda text: b"", r"pupils.csv: the file is empty \(no header row\)"),
    ],
)
def test_unusable_header_fails_the_source(manifests, county: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    path = county / "schools" / "pupils.csv"
    path.write_bytes(change(path.read_bytes()))
    with pytest.raises(SourceFailedError, match=message):
        read_source(manifests["schools"], county / "schools")


def test_a_row_without_its_key_is_quarantined(tmp_path: Path) -> None:
    """A key column a manifest does not mark required: a row with it empty would
    have no identity, so it is quarantined rather than loaded as `None`."""
    data = copy.deepcopy(LIBRARIES)
    data["files"]["members"]["columns"]["card"] = {}
    manifest = parse_manifest(tmp_path / "libraries.yaml", data)
    folder = tmp_path / "libraries"
    folder.mkdir()
    (folder / "members.csv").write_text(
        "card,first,last,born,postcode,joined,librarian\n,Ann,Evans,,,,\nL1,Liam,Jones,,,,\n"
    )
    (folder / "librarians.csv").write_text("staff_id,name,branch,email\n")
    result = read_source(manifest, folder)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (2, 1, 1)
    assert result.quarantine[0].line == 2
    assert result.quarantine[0].reason == "card: is empty, and it is the row's key"


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


# A made-up agency: two CSV files and one YAML file, no code.
LIBRARIES = {
    "id": "libraries",
    "title": "Libraries",
    "short_title": "Libraries",
    "owner": "Exampleshire Libraries",
    "organisation": {"id": "org-libraries", "name": "Exampleshire Libraries", "sector": "culture"},
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
                "joined": {"type": "date"},
                "librarian": {},
            },
        },
        "librarians": {
            "path": "librarians.csv",
            "key": "staff_id",
            "columns": {
                "staff_id": {"required": True},
                "name": {"required": True},
                "branch": {},
                "email": {"type": "email"},
            },
        },
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
        "professional": [
            {
                "from": "librarians",
                "fields": {
                    "name": "name",
                    "role": {"value": "Librarian"},
                    "team": "branch",
                    "email": "email",
                },
            }
        ],
        "involvement": [
            {
                "from": "members",
                "fields": {
                    "person": {"ref": "members", "column": "card"},
                    "kind": {"value": "Library member"},
                    "start": "joined",
                    "professional": {"ref": "librarians", "column": "librarian"},
                },
            }
        ],
    },
}


def _libraries(root: Path) -> tuple[Manifest, Path]:
    """The libraries manifest (written to a YAML file and loaded from it) and its
    extract folder `root/libraries/`: Liam Jones of the mini county is a member."""
    folder = root / "libraries"
    folder.mkdir(parents=True)
    (folder / "members.csv").write_text(
        "card,first,last,born,postcode,joined,librarian\n"
        "L1,Liam,Jones,2014-06-03,EX9 4QA,2023-05-01,S1\n"
        "L2,,Nobody,not-a-date,,,S1\n"
    )
    (folder / "librarians.csv").write_text(
        "staff_id,name,branch,email\nS1,Ann Reed,Exeford,ann.reed@libraries.example\n"
    )
    manifest_path = root / "libraries.yaml"
    manifest_path.write_text(yaml.safe_dump(LIBRARIES))
    return load_manifest(manifest_path), folder


def test_a_new_tabular_source_needs_only_a_manifest(tmp_path: Path) -> None:
    manifest, folder = _libraries(tmp_path / "extracts")
    result = read_source(manifest, folder)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (3, 2, 1)
    assert result.records["person"][0]["given_name"] == "Liam"
    assert result.records["involvement"][0]["person"] == "libraries:members:L1"
    assert result.records["involvement"][0]["professional"] == "libraries:librarians:S1"


def test_a_new_source_reaches_the_graph_rows_and_the_governance_report(tmp_path: Path) -> None:
    """The new source goes through the ETL's own steps (read, match, build the graph
    rows) beside the mini county's, and into the data inventory, with no code."""
    extracts = tmp_path / "extracts"
    shutil.copytree(MINI_COUNTY, extracts)
    manifest, _ = _libraries(extracts)
    manifests = {**load_manifests(), "libraries": manifest}
    report = etl.EtlReport(datetime.now(UTC))
    results = etl.read_all(manifests, extracts, report)
    assert report.sources["libraries"]["rows_read"] == 3
    assert report.sources["libraries"]["rows_quarantined"] == 1
    matched = match(
        [record for result in results.values() for record in result.people()],
        relationships=[item for result in results.values() for item in result.relationships()],
    )
    rows = model.build(manifests, results, matched.links, report.started_at, matched.review_pairs)

    [source] = [row for row in rows.sources if row["id"] == "libraries"]
    assert (source["title"], source["sharing_agreement"]) == ("Libraries", "DSA-LIB-1")
    assert source["organisation_id"] == "org-libraries"
    assert source["extracted_at"] is not None
    assert "org-libraries" in {row["id"] for row in rows.organisations}
    [record] = [row for row in rows.source_records if row["source"] == "libraries"]
    assert record["deep_link"] == "https://libraries.example/member/L1"
    # The member is Liam Jones, a pupil known to social care: one person.
    [liam] = [row for row in rows.persons if row["id"] == record["person_id"]]
    assert liam["sources"] == ["libraries", "schools", "social_care"]
    [involvement] = [row for row in rows.involvements if row["source"] == "libraries"]
    assert involvement["person_id"] == liam["id"]
    assert (involvement["kind"], involvement["status"]) == ("Library member", "current")
    assert involvement["service_id"] in {row["id"] for row in rows.services}
    [librarian] = [row for row in rows.professionals if row["source"] == "libraries"]
    assert librarian["id"] == involvement["professional_id"] == "libraries:librarians:S1"
    assert (librarian["name"], librarian["email"]) == ("Ann Reed", "ann.reed@libraries.example")

    # The data inventory lists it; no role sees it until policies/roles.yaml says so
    # (data again, not code).
    policies = load_policies()
    inventory = governance.inventory(manifests, policies)
    [entry] = [item for item in inventory if item.id == "libraries"]
    assert entry.governance["lawful_basis"] == "Art 6(1)(e)"
    assert entry.kinds == ("Library member",)
    assert entry.access == []
    columns = {(c.file, c.column): c for c in entry.columns}
    assert columns[("members", "born")].loaded_as == ("person.dob",)
    assert columns[("librarians", "email")].loaded_as == ("professional.email",)
    markdown = governance.to_markdown(inventory, policies)
    assert "## Libraries (`libraries`)" in markdown
    assert "#### `librarians` (`librarians.csv`)" in markdown
    assert (
        sum(row.startswith("libraries,") for row in governance.to_csv(inventory).splitlines()) == 11
    )
    worker = policies["social_worker"]
    granted = {
        **policies,
        "social_worker": replace(worker, levels={**worker.levels, "libraries": "summary"}),
    }
    [entry] = [item for item in governance.inventory(manifests, granted) if item.id == "libraries"]
    assert [(a.role, a.level) for a in entry.access] == [("social_worker", "summary")]
    assert {(c.column, c.seen_by) for c in entry.columns if c.file == "members"} >= {
        ("born", ("social_worker",))
    }
