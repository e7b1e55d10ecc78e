"""Probation: adults under supervision, their orders and probation practitioners."""

from __future__ import annotations

from random import Random

from ..dates import add_years, between, compact, days
from ..model import Group, Person
from ..staff import scaled
from .base import Agency, Ids, RunContext

PERSON_COLUMNS = (
    "crn",
    "forename",
    "surname",
    "date_of_birth",
    "gender",
    "address_line1",
    "town",
    "postcode",
)
EVENT_COLUMNS = (
    "event_id",
    "crn",
    "order_type",
    "sentence_date",
    "termination_date",
    "termination_reason",
    "status",
    "practitioner_code",
)
STAFF_COLUMNS = ("staff_code", "name", "grade", "team", "organisation", "email", "phone")
ORGANISATION = "Probation Service - Exampleshire PDU"
_FIELDS = frozenset({"dob", "sex", "address"})
_CRN_LETTERS = "ABCDEFGHJKLMNPRSTVWXY"
TEAMS = (
    (
        "Hartsmere Offender Management",
        ("Probation Officer", "Probation Services Officer"),
        12000,
        1,
    ),
    ("Lydmouth Offender Management", ("Probation Officer", "Probation Services Officer"), 12000, 1),
    (
        "Community Integration Team",
        ("Probation Services Officer", "Senior Probation Officer"),
        30000,
        1,
    ),
)
_ORDERS = (
    ("Community Order", 45),
    ("Suspended Sentence Order", 25),
    ("Licence", 20),
    ("Post Sentence Supervision", 10),
)
_ENDS = (
    "Completed",
    "Completed",
    "Completed",
    "Early termination - good progress",
    "Revoked - further offence",
    "Licence expired",
)


class Probation(Agency):
    """A small number of adults, more of them parents in families known to services."""

    folder_name = "probation"
    system = "nDelius"

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.people = self.folder.table("people_on_probation", PERSON_COLUMNS)
        self.events = self.folder.table("events", EVENT_COLUMNS)
        self.crn_numbers = Ids(100000, gap=11)
        self.event_ids = Ids(2500000000, gap=97)
        rng = ctx.setup
        codes = Ids(0)
        for team, grades, per, minimum in TEAMS:
            for _ in range(scaled(ctx.people, per, minimum)):
                codes.take()
                code = f"N57{rng.choice('PST')}{codes.value:03d}"
                self.pool.add(
                    ctx.staff.make(
                        code, rng.choice(grades), team, team, ORGANISATION, "justice.example.gov.uk"
                    )
                )

    def add_group(self, group: Group, rng: Random) -> None:
        for person in group.people:
            age = person.age_on(self.as_of)
            if not 18 <= age <= 65:
                continue
            need = person.household.need
            chance = 0.15 if need < 0.04 else 0.06 if need < 0.12 else 0.005
            if person.sex == "F":
                chance /= 4
            if rng.random() < chance:
                self._person(person, rng)

    def _person(self, person: Person, rng: Random) -> None:
        self.crn_numbers.take(rng)
        crn = f"{rng.choice(_CRN_LETTERS)}{self.crn_numbers.value:06d}"
        seen = self.see(rng, "people_on_probation", crn, person, _FIELDS)
        address = seen.address
        self.people.write(
            (
                crn,
                seen.given,
                seen.family,
                compact(seen.dob),
                {"M": "Male", "F": "Female"}.get(seen.sex, ""),
                address.line1 if address else "",
                address.town if address else "",
                seen.postcode,
            )
        )
        start = between(
            rng, max(add_years(person.dob, 18), add_years(self.as_of, -5)), self.as_of - days(14)
        )
        order = rng.choices([o for o, _ in _ORDERS], [w for _, w in _ORDERS])[0]
        end = start + days(rng.randint(180, 730))
        open_now = end >= self.as_of
        team = (
            "Hartsmere Offender Management"
            if person.current_address.postcode.startswith("FX")
            else "Lydmouth Offender Management"
        )
        if rng.random() < 0.15:
            team = "Community Integration Team"
        worker = self.pool.pick(rng, team)
        self.events.write(
            (
                self.event_ids.take(rng),
                crn,
                order,
                compact(start),
                "" if open_now else compact(end),
                "" if open_now else rng.choice(_ENDS),
                "Active" if open_now else "Terminated",
                worker.staff_id,
            )
        )

    def write_staff(self) -> None:
        self.folder.write_rows(
            "practitioners",
            STAFF_COLUMNS,
            [
                [s.staff_id, s.name, s.role, s.team, s.organisation, s.email, s.phone]
                for s in self.pool.staff
            ],
        )
