"""Health: GP registrations, community health involvements and mother-baby links."""

from __future__ import annotations

from datetime import date
from random import Random

from ..dates import add_years, between, days, iso
from ..model import Group, Person
from ..places import LOCALITIES, TOWNS
from ..staff import scaled
from .base import Agency, Ids, RunContext, address_parts

PATIENT_COLUMNS = (
    "patient_id",
    "nhs_number",
    "forename",
    "surname",
    "date_of_birth",
    "sex_code",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "gp_practice_code",
    "gp_practice_name",
    "registered_date",
)
LINK_COLUMNS = (
    "link_id",
    "mother_patient_id",
    "mother_nhs_number",
    "baby_patient_id",
    "baby_nhs_number",
    "delivery_date",
    "birth_order",
)
INVOLVEMENT_COLUMNS = (
    "episode_id",
    "patient_id",
    "service",
    "referral_date",
    "discharge_date",
    "status",
    "discharge_reason",
    "lead_professional_id",
)
STAFF_COLUMNS = ("staff_id", "name", "role", "team", "organisation", "email", "phone")
REGISTERED_RATE = 0.97
_FIELDS = frozenset({"dob", "sex", "address", "nhs"})
_COMMUNITY = "Exampleshire Community Health NHS Trust"
_MENTAL = "Exampleshire Partnership NHS Foundation Trust"
_ACUTE = "Exampleshire Hospitals NHS Foundation Trust"
# (team, roles, organisation, people per member, minimum)
TEAMS = (
    ("Health Visiting North", ("Health Visitor",), _COMMUNITY, 3000, 1),
    ("Health Visiting South", ("Health Visitor",), _COMMUNITY, 3000, 1),
    ("School Nursing", ("School Nurse",), _COMMUNITY, 5000, 1),
    ("CAMHS Core Team", ("CAMHS Practitioner", "Clinical Psychologist"), _MENTAL, 6000, 1),
    ("Community Midwifery", ("Community Midwife",), _ACUTE, 5000, 1),
    ("Community Paediatrics", ("Community Paediatrician",), _COMMUNITY, 15000, 1),
)
_PRACTICE_PATTERNS = (
    "The {locality} Surgery",
    "{town} Medical Centre",
    "{town} Health Centre",
    "{locality} Family Practice",
    "Riverside Medical Practice ({town})",
)
_ENDS = (
    "Treatment complete",
    "Moved out of area",
    "Did not attend",
    "Declined further contact",
    "Treatment complete",
)


class Health(Agency):
    """Nearly everyone is registered with a GP; some have community health episodes."""

    folder_name = "health"
    system = "Exampleshire Shared Care Record"

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.patients = self.folder.table("patients", PATIENT_COLUMNS)
        self.links = self.folder.table("mother_baby_links", LINK_COLUMNS)
        self.episodes = self.folder.table("involvements", INVOLVEMENT_COLUMNS)
        self.patient_ids = Ids(0, "PT{:07d}", gap=3)
        self.link_ids = Ids(0, "MBL{:06d}")
        self.episode_ids = Ids(0, "EP{:07d}", gap=2)
        rng = ctx.setup
        staff_ids = Ids(0, "HCP{:04d}")
        for team, roles, organisation, per, minimum in TEAMS:
            for _ in range(scaled(ctx.people, per, minimum)):
                self.pool.add(
                    ctx.staff.make(
                        staff_ids.take(),
                        rng.choice(roles),
                        team,
                        team,
                        organisation,
                        "example-nhs.net",
                    )
                )
        self.practices: dict[str, list[tuple[str, str]]] = {}
        number = 11
        for town, share, _ in TOWNS:
            count = max(1, round(ctx.people * share / 6000))
            names: list[tuple[str, str]] = []
            for index in range(count):
                pattern = _PRACTICE_PATTERNS[index % len(_PRACTICE_PATTERNS)]
                locality = LOCALITIES[town][index % len(LOCALITIES[town])]
                name = pattern.format(town=town, locality=locality)
                if index >= len(_PRACTICE_PATTERNS):
                    name = f"{name} {index // len(_PRACTICE_PATTERNS) + 1}"
                names.append((f"X{number:05d}", name))
                number += rng.randint(1, 40)
            self.practices[town] = names

    def add_group(self, group: Group, rng: Random) -> None:
        ids: dict[int, str] = {}
        for person in group.people:
            if rng.random() < REGISTERED_RATE:
                ids[person.pid] = self.patient_ids.take(rng)
                self._patient(person, ids[person.pid], rng)
        for person in group.people:
            if person.pid in ids:
                self._episodes(person, ids, rng)

    def _patient(self, person: Person, key: str, rng: Random) -> None:
        seen = self.see(rng, "patients", key, person, _FIELDS)
        line1, line2, town = address_parts(seen.address)
        practices = self.practices[person.current_address.town]
        code, name = practices[person.household.hid % len(practices)]
        registered = min(self._arrived(person) + days(rng.randint(10, 90)), self.as_of - days(1))
        self.patients.write(
            (
                key,
                seen.nhs,
                seen.given,
                seen.family,
                iso(seen.dob),
                {"M": "1", "F": "2"}.get(seen.sex, "X"),
                line1,
                line2,
                town,
                seen.postcode,
                code,
                name,
                iso(registered),
            )
        )

    @staticmethod
    def _arrived(person: Person) -> date:
        """When the person started living in their current town (or was born)."""
        history = person.address_history()
        town = history[-1][0].town
        arrived = history[-1][1]
        for address, start, _ in reversed(history):
            if address.town != town:
                break
            arrived = start
        return arrived

    def _episodes(self, person: Person, ids: dict[int, str], rng: Random) -> None:
        age = person.age_on(self.as_of)
        key = ids[person.pid]
        need = person.household.need < 0.12
        north = person.current_address.postcode.startswith("FX")
        if age < 7 and rng.random() < 0.92:
            start = person.dob + days(rng.randint(10, 14))
            end = add_years(person.dob, 5)
            team = "Health Visiting North" if north else "Health Visiting South"
            self._episode(
                key, "Health Visiting", start, end, "Transferred to School Nursing", team, rng
            )
        if 5 <= age < 18 and rng.random() < (0.2 if need else 0.05):
            start = between(
                rng, max(add_years(person.dob, 5), add_years(self.as_of, -3)), self.as_of - days(7)
            )
            self._episode(
                key,
                "School Nursing",
                start,
                start + days(rng.randint(60, 400)),
                rng.choice(_ENDS),
                "School Nursing",
                rng,
            )
        if 8 <= age < 18 and rng.random() < (0.1 if need else 0.035):
            start = between(
                rng, max(add_years(person.dob, 8), add_years(self.as_of, -3)), self.as_of - days(7)
            )
            self._episode(
                key,
                "CAMHS",
                start,
                start + days(rng.randint(90, 700)),
                rng.choice(_ENDS),
                "CAMHS Core Team",
                rng,
            )
        if person.sen == "E" and rng.random() < 0.5:
            start = between(rng, add_years(person.dob, 2), self.as_of - days(7))
            self._episode(
                key, "Community Paediatrics", start, None, "", "Community Paediatrics", rng
            )
        if person.sex == "F":
            for order, baby in self._babies(person):
                if baby.pid not in ids:
                    continue
                if order == 1 and baby.dob > add_years(self.as_of, -2):
                    start = baby.dob - days(rng.randint(190, 250))
                    self._episode(
                        key,
                        "Midwifery",
                        start,
                        baby.dob + days(rng.randint(10, 28)),
                        "Discharged to health visitor",
                        "Community Midwifery",
                        rng,
                    )
                self.links.write(
                    (
                        self.link_ids.take(),
                        key,
                        person.nhs,
                        ids[baby.pid],
                        baby.nhs,
                        iso(baby.dob),
                        order,
                    )
                )

    def _babies(self, mother: Person) -> list[tuple[int, Person]]:
        """Children born in the last six years, with birth order (twins are 1 and 2)."""
        cutoff = add_years(self.as_of, -6)
        out = []
        for child in mother.children:
            if child.dob >= cutoff:
                twin_first = child.twin is not None and child.twin.pid < child.pid
                out.append((2 if twin_first else 1, child))
        return out

    def _episode(
        self,
        key: str,
        service: str,
        start: date,
        end: date | None,
        reason: str,
        team: str,
        rng: Random,
    ) -> None:
        if start >= self.as_of:
            return
        open_now = end is None or end >= self.as_of
        worker = self.pool.pick(rng, team)
        self.episodes.write(
            (
                self.episode_ids.take(rng),
                key,
                service,
                iso(start),
                "" if open_now else iso(end),
                "Open" if open_now else "Discharged",
                "" if open_now else reason,
                worker.staff_id,
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
