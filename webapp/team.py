"""The team around the family: every professional currently involved with a person,
their family or their household, as the viewer may see them, ready to invite.

Built from the person page's own (policy-filtered) content, so it can never show
more than that page does. Closed involvements are history, not the team.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from webapp.audit import csv_line
from webapp.repository import Involvement, PersonPage
from webapp.templating import source_title

CSV_COLUMNS = (
    "name",
    "role",
    "team",
    "organisation",
    "email",
    "phone",
    "works with",
    "services",
    "source",
)


@dataclass
class Professional:
    name: str
    role: str | None
    team: str | None
    organisation: str | None
    email: str | None
    phone: str | None
    source: str
    works_with: list[str] = field(default_factory=list)  # "Name (relationship)"
    services: list[str] = field(default_factory=list)  # "kind: service"

    def add(self, who: str, involvement: Involvement) -> None:
        if who not in self.works_with:
            self.works_with.append(who)
        service = involvement.kind
        if involvement.service:
            service = f"{service}: {involvement.service}"
        if service not in self.services:
            self.services.append(service)


@dataclass
class Team:
    professionals: list[Professional]
    without_lead: list[tuple[str, Involvement]]  # current involvements naming no one

    @property
    def emails(self) -> list[str]:
        return sorted({p.email for p in self.professionals if p.email})


def team_around(page: PersonPage) -> Team:
    """Lead professionals of the current involvements of the person, their family
    and household: one entry per professional, with whom and which services."""
    people = [(f"{page.name} (this person)", page.involvements)]
    seen = {page.person["id"]}
    for member in [*page.family, *page.household]:
        if member.person.id not in seen:
            seen.add(member.person.id)
            who = f"{member.person.name} ({member.relationship.lower()})"
            people.append((who, member.involvements))
    found: dict[tuple[str, str], Professional] = {}
    without_lead: list[tuple[str, Involvement]] = []
    for who, involvements in people:
        for involvement in involvements:
            if involvement.status != "current":
                continue
            lead = involvement.professional
            if not lead or not lead.get("name"):
                without_lead.append((who, involvement))
                continue
            key = (lead["name"], lead.get("email") or lead.get("phone") or involvement.source)
            if key not in found:
                found[key] = Professional(
                    name=lead["name"],
                    role=lead.get("role"),
                    team=lead.get("team"),
                    organisation=involvement.organisation,
                    email=lead.get("email"),
                    phone=lead.get("phone"),
                    source=involvement.source,
                )
            found[key].add(who, involvement)
    ordered = sorted(found.values(), key=lambda p: (p.organisation or "", p.name))
    return Team(ordered, without_lead)


def invitations_csv(team: Team) -> Iterator[str]:
    """The team as CSV lines, a header first; cells safe to open in a spreadsheet."""
    yield csv_line(CSV_COLUMNS)
    for p in team.professionals:
        yield csv_line(
            (
                p.name,
                p.role,
                p.team,
                p.organisation,
                p.email,
                p.phone,
                "; ".join(p.works_with),
                "; ".join(p.services),
                source_title(p.source),
            )
        )
