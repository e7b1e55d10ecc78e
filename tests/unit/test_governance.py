"""The data inventory for information governance (DPIA, sharing agreements)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from graph_etl import governance
from graph_etl.cli import main
from graph_etl.sources import load_manifests
from graph_etl.sources.manifest import Manifest, parse_manifest
from webapp.policy import load_policies

# A made-up hospital: two files, an identifier table, one lookup, one unused column.
HOSPITAL = {
    "id": "hospital",
    "title": "Hospital episodes",
    "owner": "Example NHS Trust",
    "organisation": {"id": "org-trust", "name": "Example NHS Trust", "sector": "health"},
    "refresh": "weekly",
    "lawful_basis": "UK GDPR Art 6(1)(e); Art 9(2)(h)",
    "legal_gateway": "Children Act 2004 s11",
    "sharing_agreement": "DSA-1",
    "id_scheme": "hospital number",
    "deep_link": "https://pas.example/patient/{key}",
    "files": {
        "patients": {
            "path": "patients.csv",
            "key": "hospital_no",
            "columns": {
                "hospital_no": {"required": True},
                "forename": {},
                "religion": {},  # declared, checked, never loaded
                "ward": {},
            },
        },
        "ids": {
            "path": "ids.csv",
            "columns": {"hospital_no": {}, "scheme": {}, "value": {}},
        },
        "wards": {"path": "wards.csv", "key": "ward", "columns": {"ward": {}, "ward_name": {}}},
        "stays": {
            "path": "stays.csv",
            "columns": {"hospital_no": {}, "ward": {}, "why_left": {}},
        },
    },
    "records": {
        "person": [{"from": "patients", "fields": {"given_name": "forename"}}],
        "identifier": [
            {
                "from": "ids",
                "fields": {
                    "person": {"ref": "patients", "column": "hospital_no"},
                    "type": {"column": "scheme", "map": {"NHS": "nhs_number"}},
                    "value": "value",
                },
            }
        ],
        "involvement": [
            {
                "from": "stays",
                "fields": {
                    "person": {"ref": "patients", "column": "hospital_no"},
                    "kind": {"value": "Hospital stay"},
                    "service": {"lookup": "wards", "via": "ward", "column": "ward_name"},
                    "end_reason": "why_left",
                },
            }
        ],
    },
}


@dataclass(frozen=True)
class FakePolicy:
    title: str
    levels: dict[str, str]
    kinds: tuple[str, ...] | None = None
    fields: frozenset[str] = frozenset()
    capabilities: frozenset[str] = frozenset()


POLICIES = {
    "nurse": FakePolicy(
        "Nurse",
        {"hospital": "full"},
        fields=frozenset({"involvement.end_reason", "person.nhs_number"}),
    ),
    "clerk": FakePolicy("Clerk", {"hospital": "summary"}, fields=frozenset({"person.nhs_number"})),
    "counter": FakePolicy("Counter", {"hospital": "count"}),
    "teacher": FakePolicy("Teacher", {"hospital": "summary"}, kinds=("School pupil",)),
    "duty": FakePolicy("Duty", {}, capabilities=frozenset({"break_glass"})),
    "nobody": FakePolicy("Nobody", {}),
}
RESTRICTED = ["involvement.end_reason", "person.nhs_number", "involvement.detail"]
BREAK_GLASS = governance.BreakGlass(minutes=30, levels={"hospital": "summary"})


@pytest.fixture()
def hospital() -> Manifest:
    return parse_manifest(Path("hospital.yaml"), HOSPITAL)


@pytest.fixture()
def inventory(hospital: Manifest) -> governance.SourceInventory:
    [found] = governance.inventory({"hospital": hospital}, POLICIES, RESTRICTED, BREAK_GLASS)
    return found


def test_columns_are_traced_to_what_they_are_loaded_as(hospital: Manifest) -> None:
    uses = governance.canonical_fields(hospital)
    assert uses[("patients", "hospital_no")] == {"person.key"}  # in ids and deep links
    assert uses[("stays", "hospital_no")] == {"involvement.person"}
    assert uses[("patients", "forename")] == {"person.given_name"}
    assert uses[("ids", "value")] == {"person.nhs_number"}  # an identifier's value
    assert uses[("wards", "ward_name")] == {"involvement.service"}  # through the lookup
    assert ("stays", "ward") not in uses  # only joins, never stored
    assert ("patients", "religion") not in uses
    assert governance.involvement_kinds(hospital) == ("Hospital stay",)


def test_field_specs_name_their_columns() -> None:
    spec = {"first": [{"column": "a"}, {"json": "address", "key": "postcode"}, "b"]}
    assert governance.columns_in(spec, "f") == {("f", "a"), ("f", "address"), ("f", "b")}
    assert governance.columns_in({"value": "x"}, "f") == set()
    assert governance.constants_in({"first": [{"value": "x"}, {"map": {"a": "y"}}]}) == {"x", "y"}
    assert governance.constants_in({"first": [{"value": "x"}, "column"]}) is None


def test_each_role_gets_its_level_restricted_fields_and_kinds(
    inventory: governance.SourceInventory,
) -> None:
    access = {item.role: item for item in inventory.access}
    assert set(access) == {"nurse", "clerk", "counter", "teacher", "duty"}  # not `nobody`
    assert access["nurse"].restricted_fields == ("involvement.end_reason", "person.nhs_number")
    # a restricted involvement field needs the source in full; a person field does not
    assert access["clerk"].restricted_fields == ("person.nhs_number",)
    assert (access["counter"].level, access["counter"].kinds) == ("count", "counts only")
    assert access["teacher"].kinds == "none"  # sees records, no hospital stays
    assert access["nurse"].kinds == "all"
    assert (access["duty"].level, access["duty"].break_glass_level) == ("none", "summary")
    assert inventory.restricted_fields == ("involvement.end_reason", "person.nhs_number")


def test_column_rows_say_who_sees_the_values(inventory: governance.SourceInventory) -> None:
    columns = {(c.file, c.column): c for c in inventory.columns}
    assert columns[("patients", "forename")].seen_by == ("nurse", "clerk", "teacher")
    assert columns[("stays", "why_left")].seen_by == ("nurse",)
    assert columns[("stays", "why_left")].restricted == ("involvement.end_reason",)
    assert columns[("ids", "value")].seen_by == ("nurse", "clerk")
    assert columns[("patients", "religion")].loaded_as == ()
    assert columns[("patients", "religion")].seen_by == ()


def test_markdown_report(inventory: governance.SourceInventory) -> None:
    text = governance.to_markdown([inventory], POLICIES, BREAK_GLASS, date(2026, 3, 5))
    assert text.startswith("# Data inventory") and "Made on 05 March 2026" in text
    assert (
        "| Hospital episodes (`hospital`) | Example NHS Trust | UK GDPR Art 6(1)(e); Art 9(2)(h) |"
        in text
    )
    assert "| Nurse (`nurse`) | full |" in text and "| Nobody (`nobody`) | none |" in text
    assert "## Break-glass" in text and "`duty` may widen their view for 30 minutes" in text
    assert "#### `stays` (`stays.csv`)" in text
    assert "| `why_left` | string | no | `involvement.end_reason` (restricted) |" in text
    assert "| `religion` | string | no | not loaded into the graph" in text
    assert "| `involvement.end_reason` | Hospital episodes | `nurse` |" in text
    pipes = governance._cell("a|b\nc")
    assert pipes == "a\\|b c"


def test_csv_report_has_a_row_per_column(inventory: governance.SourceInventory) -> None:
    rows = list(csv.DictReader(io.StringIO(governance.to_csv([inventory]))))
    assert len(rows) == 12 and tuple(rows[0]) == governance.CSV_COLUMNS
    why = next(row for row in rows if row["column"] == "why_left")
    assert why["restricted"] == "involvement.end_reason" and why["values_seen_by"] == "nurse"
    assert why["sharing_agreement"] == "DSA-1" and why["refresh"] == "weekly"
    assert why["roles_summary"] == "clerk teacher" and why["break_glass_widens"] == "duty:summary"


def test_report_follows_the_rule_the_app_enforces() -> None:
    """`sees_restricted` must agree with `webapp.policy.Policy.sees_field`."""
    sources = list(load_manifests())
    fields = ("person.nhs_number", "person.upn", "involvement.end_reason", "involvement.detail")
    for policy in load_policies().values():
        for field in fields:
            for source in sources:
                enforced = policy.sees_field(field, None if field.startswith("person.") else source)
                assert governance.sees_restricted(policy, field, source) == enforced


@pytest.mark.parametrize("form", ["md", "csv"])
def test_governance_report_command(tmp_path: Path, capsys, form: str) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / f"inventory.{form}"
    assert main(["governance-report", "--format", form, "--out", str(out)]) == 0
    assert "wrote the data inventory for 8 sources" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert "DSA-EXS-2026-001" in text and "Children Act 1989 s17 and s47" in text
    if form == "md":
        assert "## Children's social care (Standard Safeguarding Dataset) (`social_care`)" in text
        assert "| Social worker (`social_worker`) | full |" in text
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
        nhs = [r for r in rows if r["source"] == "health" and "person.nhs_number" in r["loaded_as"]]
        assert nhs and "duty_team" in nhs[0]["values_seen_by"].split()


def test_governance_report_prints_markdown_by_default(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["governance-report"]) == 0
    assert capsys.readouterr().out.startswith("# Data inventory")
