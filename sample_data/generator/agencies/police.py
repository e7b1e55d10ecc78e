"""Police: a minimised extract of incidents involving children."""

from __future__ import annotations

from random import Random

from ..dates import add_years, between, days, uk, uk_time
from ..model import Group, Household, Person
from ..staff import scaled
from .base import Agency, Ids, RunContext, residents

PERSON_COLUMNS = (
    "nominal_id",
    "surname",
    "forenames",
    "date_of_birth",
    "gender",
    "address",
    "postcode",
)
INCIDENT_COLUMNS = (
    "incident_ref",
    "reported_datetime",
    "incident_type_codes",
    "location_postcode",
    "child_present",
    "status",
    "closed_date",
    "officer_in_charge",
)
LINK_COLUMNS = ("incident_ref", "nominal_id", "involvement", "child_present")
OFFICER_COLUMNS = ("officer_id", "name", "rank", "team", "organisation", "email", "phone")
SELECTION_RATE = 0.05  # households with children: share with police incidents
ORGANISATION = "Exampleshire Constabulary"
_FIELDS = frozenset({"dob", "sex", "address"})
# (team, ranks, people per officer, minimum)
TEAMS = (
    ("Public Protection Unit", ("DC", "DC", "DS"), 8000, 2),
    ("Domestic Abuse Investigation Team", ("DC", "DC", "DS"), 8000, 2),
    ("Neighbourhood Policing Team North", ("PC", "PC", "PCSO", "PS"), 6000, 2),
    ("Neighbourhood Policing Team South", ("PC", "PC", "PCSO", "PS"), 6000, 2),
    ("MASH Police Team", ("DC", "DS"), 20000, 1),
)
_KINDS = (
    (("DA", "CHILD_PRESENT"), "Domestic Abuse Investigation Team", 40),
    (("DA",), "Domestic Abuse Investigation Team", 15),
    (("CHILD_CONCERN",), "Public Protection Unit", 15),
    (("ASB",), "Neighbourhood Policing Team", 10),
    (("MISSING_CHILD",), "Neighbourhood Policing Team", 8),
    (("ASSAULT", "CHILD_PRESENT"), "Public Protection Unit", 6),
    (("CRIM_DAMAGE",), "Neighbourhood Policing Team", 6),
)
_STATUSES = (
    "Closed - NFA",
    "Closed - Charged",
    "Closed - Outcome 16 (victim declined)",
    "Closed - Community Resolution",
    "Open - Under investigation",
)


class Police(Agency):
    """Incidents at a few households with children, and the people involved."""

    folder_name = "police"
    system = "Niche RMS (minimised safeguarding extract)"

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.persons = self.folder.table("persons", PERSON_COLUMNS)
        self.incidents = self.folder.table("incidents", INCIDENT_COLUMNS)
        self.links = self.folder.table("incident_persons", LINK_COLUMNS)
        self.nominal_ids = Ids(10000000, "NOM{}", gap=40)
        self.incident_counter = Ids(0, gap=25)
        rng = ctx.setup
        collar = Ids(1000, gap=37)
        for team, ranks, per, minimum in TEAMS:
            for _ in range(scaled(ctx.people, per, minimum)):
                self.pool.add(
                    ctx.staff.make(
                        f"XC{collar.take(rng)}",
                        rng.choice(ranks),
                        team,
                        team,
                        ORGANISATION,
                        "example-police.uk",
                    )
                )

    def add_group(self, group: Group, rng: Random) -> None:
        nominals: dict[int, str] = {}
        for home in group.households:
            if home.need >= SELECTION_RATE:
                continue
            here = residents(home.members, home)
            children = [p for p in here if p.age_on(self.as_of) < 18]
            if children:
                for _ in range(rng.choice((1, 1, 2, 3))):
                    self._incident(home, here, children, nominals, rng)

    def _nominal(self, person: Person, nominals: dict[int, str], rng: Random) -> str:
        if person.pid not in nominals:
            key = self.nominal_ids.take(rng)
            nominals[person.pid] = key
            seen = self.see(rng, "persons", key, person, _FIELDS)
            address = seen.address
            text = f"{address.line1}, {address.town}" if address else ""
            self.persons.write(
                (
                    key,
                    seen.family.upper(),
                    seen.given,
                    uk(seen.dob),
                    seen.sex or "U",
                    text,
                    seen.postcode,
                )
            )
        return nominals[person.pid]

    def _incident(
        self,
        home: Household,
        here: list[Person],
        children: list[Person],
        nominals: dict[int, str],
        rng: Random,
    ) -> None:
        youngest = max(c.dob for c in children)
        when = between(rng, max(youngest, add_years(self.as_of, -3)), self.as_of - days(1))
        codes, team, _ = rng.choices(_KINDS, [w for *_, w in _KINDS])[0]
        if team == "Neighbourhood Policing Team":
            north = home.address_on(when).postcode.startswith("FX")
            team += " North" if north else " South"
        officer = self.pool.pick(rng, team)
        self.incident_counter.take(rng)
        ref = f"XC-{when.year % 100:02d}-{self.incident_counter.value:07d}"
        status = rng.choice(_STATUSES)
        closed = ""
        if not status.startswith("Open"):
            closed = uk(min(when + days(rng.randint(1, 120)), self.as_of))
        present = [c for c in children if c.dob < when]
        adults = [p for p in here if p.age_on(when) >= 18]
        domestic = "DA" in codes
        involved: list[tuple[Person, str, str]] = []
        for index, adult in enumerate(adults[:2]):
            role = (
                ("Victim" if index == 0 else "Suspect")
                if domestic
                else rng.choice(("Reporting person", "Witness", "Victim"))
            )
            involved.append((adult, role, "N"))
        for child in present:
            role = "Missing person" if "MISSING_CHILD" in codes else "Child present"
            if "MISSING_CHILD" in codes and child.age_on(when) < 11:
                continue
            involved.append((child, role, "Y"))
        if not any(flag == "Y" for *_, flag in involved):
            return
        self.incidents.write(
            (
                ref,
                uk_time(when, rng.randint(0, 23), rng.randint(0, 59)),
                ";".join(codes),
                home.address_on(when).postcode,
                "Y",
                status,
                closed,
                officer.staff_id,
            )
        )
        for person, role, child_flag in involved:
            self.links.write((ref, self._nominal(person, nominals, rng), role, child_flag))

    def write_staff(self) -> None:
        self.folder.write_rows(
            "officers",
            OFFICER_COLUMNS,
            [
                [s.staff_id, s.name, s.role, s.team, s.organisation, s.email, s.phone]
                for s in self.pool.staff
            ],
        )
