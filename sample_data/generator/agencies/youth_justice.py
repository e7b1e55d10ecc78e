"""Youth justice: young people aged 10-17, their interventions and their carers."""

from __future__ import annotations

from random import Random

from ..dates import add_years, between, days, iso
from ..model import Group, Person
from ..staff import scaled
from .base import Agency, Ids, RunContext, residents

PERSON_COLUMNS = (
    "yp_id",
    "forename",
    "surname",
    "date_of_birth",
    "sex",
    "ethnicity",
    "address_line1",
    "town",
    "postcode",
    "upn",
)
INTERVENTION_COLUMNS = (
    "case_id",
    "yp_id",
    "intervention_type",
    "start_date",
    "end_date",
    "status",
    "closure_reason",
    "yot_worker_id",
)
CARER_COLUMNS = (
    "carer_id",
    "yp_id",
    "forename",
    "surname",
    "relationship",
    "address_line1",
    "postcode",
)
STAFF_COLUMNS = ("worker_id", "name", "role", "team", "organisation", "email", "phone")
ORGANISATION = "Exampleshire Youth Justice Service"
_FIELDS = frozenset({"dob", "sex", "address", "upn"})
_CARER_FIELDS = frozenset({"address"})
TEAMS = (
    ("YJS Prevention Team", ("Prevention Worker", "Senior Practitioner"), 15000, 1),
    (
        "YJS Court and Orders Team",
        ("YOT Case Manager", "YOT Case Manager", "Senior Practitioner"),
        12000,
        1,
    ),
)
_TYPES = (
    ("Prevention (Turnaround)", "YJS Prevention Team", 30),
    ("Out of Court Disposal (Triage)", "YJS Prevention Team", 20),
    ("Youth Caution", "YJS Prevention Team", 10),
    ("Youth Conditional Caution", "YJS Court and Orders Team", 10),
    ("Referral Order", "YJS Court and Orders Team", 18),
    ("Youth Rehabilitation Order", "YJS Court and Orders Team", 10),
    ("Detention and Training Order", "YJS Court and Orders Team", 2),
)
_CLOSURES = (
    "Completed",
    "Completed",
    "Completed",
    "Breach - returned to court",
    "Transferred to another YJS",
    "Disengaged",
)


class YouthJustice(Agency):
    """A few teenagers, far more often from families known to social care."""

    folder_name = "youth_justice"
    system = "ChildView Youth Justice"

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.people = self.folder.table("young_people", PERSON_COLUMNS)
        self.interventions = self.folder.table("interventions", INTERVENTION_COLUMNS)
        self.carers = self.folder.table("carers", CARER_COLUMNS)
        self.yp_ids = Ids(20000, "YP{}", gap=3)
        self.case_counter = Ids(0, gap=2)
        self.carer_ids = Ids(0, "YJP{:05d}")
        rng = ctx.setup
        worker_ids = Ids(100, "YOT{}")
        for team, roles, per, minimum in TEAMS:
            for _ in range(scaled(ctx.people, per, minimum)):
                self.pool.add(
                    ctx.staff.make(
                        worker_ids.take(),
                        rng.choice(roles),
                        team,
                        team,
                        ORGANISATION,
                        "examplecounty.gov.uk",
                    )
                )

    def add_group(self, group: Group, rng: Random) -> None:
        for person in group.people:
            age = person.age_on(self.as_of)
            if 10 <= age <= 17:
                chance = 0.15 if person.household.need < 0.12 else 0.012
                if rng.random() < chance:
                    self._young_person(person, rng)

    def _young_person(self, person: Person, rng: Random) -> None:
        key = self.yp_ids.take(rng)
        seen = self.see(rng, "young_people", key, person, _FIELDS)
        address = seen.address
        self.people.write(
            (
                key,
                seen.given,
                seen.family,
                iso(seen.dob),
                {"M": "Male", "F": "Female"}.get(seen.sex, ""),
                person.ethnicity,
                address.line1 if address else "",
                address.town if address else "",
                seen.postcode,
                seen.upn,
            )
        )
        start = between(
            rng, max(add_years(person.dob, 10), add_years(self.as_of, -3)), self.as_of - days(7)
        )
        for _ in range(rng.choice((1, 1, 2))):
            if start >= self.as_of:
                break
            kind, team, _ = rng.choices(_TYPES, [w for *_, w in _TYPES])[0]
            end = start + days(rng.randint(60, 365))
            open_now = end >= self.as_of
            worker = self.pool.pick(rng, team)
            self.case_counter.take(rng)
            self.interventions.write(
                (
                    f"YJ-{start.year}-{self.case_counter.value:05d}",
                    key,
                    kind,
                    iso(start),
                    "" if open_now else iso(end),
                    "Open" if open_now else "Closed",
                    "" if open_now else rng.choice(_CLOSURES),
                    worker.staff_id,
                )
            )
            start = end + days(rng.randint(30, 300))
        home = person.household
        adults = [
            a
            for a in residents(home.members, home)
            if a.age_on(self.as_of) >= 18
            and (
                a in person.parents
                or a in person.carers
                or any(a in p.partners for p in person.parents)
            )
        ]
        for adult in adults[:2]:
            relationship = "Mother" if adult.sex == "F" else "Father"
            if adult in person.carers:
                relationship = "Grandmother" if adult.sex == "F" else "Grandfather"
            elif adult not in person.parents:
                relationship = "Step-mother" if adult.sex == "F" else "Step-father"
            carer_key = self.carer_ids.take()
            seen_carer = self.see(rng, "carers", carer_key, adult, _CARER_FIELDS)
            self.carers.write(
                (
                    carer_key,
                    key,
                    seen_carer.given,
                    seen_carer.family,
                    relationship,
                    seen_carer.address.line1 if seen_carer.address else "",
                    seen_carer.postcode,
                )
            )

    def write_staff(self) -> None:
        self.folder.write_rows(
            "staff",
            STAFF_COLUMNS,
            [
                [s.staff_id, s.name, s.role, s.team, s.organisation, s.email, s.phone]
                for s in self.pool.staff
            ],
        )
