"""The team around the family is built from the person page's own content."""

from __future__ import annotations

from webapp.repository import Involvement, Member, PersonPage, PersonSummary
from webapp.team import invitations_csv, team_around


def involvement(status: str, lead: dict | None, kind: str = "Child in need") -> Involvement:
    return Involvement(kind, status, "2025-01-01", None, "social_care", "Assessment team",
                       "Exampleshire Council", lead)  # fmt: skip


PRIYA = {"name": "Priya Shah", "role": "Social worker", "team": "Assessment",
         "email": "priya@example.test", "phone": "01632 960101"}  # fmt: skip
OMAR = {"name": "Omar Hussain", "role": "DSL", "team": None,
        "email": "=HYPERLINK(1)", "phone": None}  # fmt: skip


def member(person_id: str, name: str, relationship: str, items: list[Involvement]) -> Member:
    given, family = name.split()
    summary = PersonSummary(person_id, given, family, None, None, None, [])
    return Member(summary, relationship, items)


def page() -> PersonPage:
    sister = member("P2", "Mia Jones", "Sibling", [involvement("current", OMAR, "School pupil")])
    return PersonPage(
        person={"id": "P1", "given_name": "Liam", "family_name": "Jones"},
        records=[],
        addresses=[],
        family=[sister, member("P3", "Sarah Jones", "Parent", [involvement("closed", OMAR)])],
        household=[
            member("P2", "Mia Jones", "Sibling", sister.involvements),
            member("P4", "Ann Lee", "Lives at the same address", [involvement("current", None)]),
        ],
        involvements=[involvement("current", PRIYA), involvement("current", PRIYA, "CP plan")],
        counts=[],
        sources={},
        no_record_in=[],
    )


def test_one_entry_per_current_lead_with_whom_and_which_services() -> None:
    team = team_around(page())
    assert [p.name for p in team.professionals] == ["Omar Hussain", "Priya Shah"]
    priya = team.professionals[1]
    assert priya.works_with == ["Liam Jones (this person)"]
    assert priya.services == ["Child in need: Assessment team", "CP plan: Assessment team"]
    omar = team.professionals[0]
    assert omar.works_with == ["Mia Jones (sibling)"]  # not Sarah: her involvement closed
    assert team.emails == ["=HYPERLINK(1)", "priya@example.test"]


def test_current_involvements_naming_no_one_are_listed_apart() -> None:
    team = team_around(page())
    assert [(who, item.kind) for who, item in team.without_lead] == [
        ("Ann Lee (lives at the same address)", "Child in need")
    ]


def test_csv_has_a_header_and_cells_safe_for_spreadsheets() -> None:
    lines = list(invitations_csv(team_around(page())))
    assert lines[0].startswith("name,role,team,organisation,email,phone,works with")
    assert len(lines) == 3
    assert "'=HYPERLINK(1)" in lines[1]
