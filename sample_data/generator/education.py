"""Schools in the county, and which school each child attends (with their UPN)."""

from __future__ import annotations

import math
from datetime import date
from random import Random

from .dates import academic_age, days, term_start
from .identifiers import HOME_LA_CODE, UpnIssuer, landline
from .model import Group, Household, Person, School
from .places import LOCALITIES, TOWNS
from .staff import StaffFactory, ascii_slug

OTHER_LA_CODES = ("970", "971", "973", "974", "975", "976", "977", "978", "979")
DSL_ROLES = (
    "Designated Safeguarding Lead",
    "Deputy Headteacher and DSL",
    "Headteacher and DSL",
    "Assistant Headteacher (Pastoral) and DSL",
    "Inclusion Manager and DSL",
)
_PRIMARY_NAMES = (
    "{town} Primary School",
    "{locality} Primary School",
    "St Mary's C of E Primary School",
    "{town} Community Primary School",
    "Holy Family Catholic Primary School",
    "{locality} Infant and Junior School",
    "{town} Park Primary Academy",
    "St Aldric's C of E Primary School",
    "{locality} Primary Academy",
    "Our Lady of Lourdes Catholic Primary School",
    "{town} Fields Primary School",
)
_SECONDARY_NAMES = (
    "{town} Academy",
    "{town} High School",
    "{locality} School",
    "St Bede's Catholic High School",
    "{town} Grammar School",
    "{town} Community College",
)


def school_count(people: int) -> int:
    """About 15 schools for 2,000 people, growing with the square root of the size."""
    return max(4, round(15 * math.sqrt(people / 2000)))


def build_schools(rng: Random, people: int, staff: StaffFactory) -> list[School]:
    """The county's schools with their safeguarding leads."""
    total = school_count(people)
    special = 1 + total // 40
    all_through = (1 if total >= 10 else 0) + total // 60
    secondary = max(1, round(total * 0.18))
    phases = (
        ["Special"] * special
        + ["All-through"] * all_through
        + ["Secondary"] * secondary
        + ["Primary"] * (total - special - all_through - secondary)
    )
    towns = [town for town, _, _ in TOWNS]
    weights = [share for _, share, _ in TOWNS]
    urns = sorted(rng.sample(range(900000, 1000000), total))
    numbers = {"Primary": 2001, "Secondary": 4001, "All-through": 4501, "Special": 7001}
    used: set[str] = set()
    schools = []
    primaries = 0
    for index, phase in enumerate(phases):
        if phase == "Primary" and primaries < len(towns):
            town = towns[primaries]  # every town has at least one primary school
        else:
            town = rng.choices(towns, weights)[0]
        primaries += phase == "Primary"
        name = _school_name(rng, phase, town, used)
        dsl_given, dsl_family = staff.name()
        domain = f"{ascii_slug(name)[:24]}.example.sch.uk"
        school = School(
            urn=str(urns[index]),
            name=name,
            phase=phase,
            town=town,
            establishment=str(numbers[phase]),
            dsl_name=f"{dsl_given} {dsl_family}",
            dsl_role=rng.choice(DSL_ROLES),
            dsl_email=staff.email(dsl_given[0], dsl_family, domain),
            dsl_phone=staff.phone(),
            phone=landline(rng.randrange(1000)),
        )
        numbers[phase] += 1
        schools.append(school)
    return schools


def _school_name(rng: Random, phase: str, town: str, used: set[str]) -> str:
    for attempt in range(50):
        locality = rng.choice(LOCALITIES[town])
        if phase == "Primary":
            pattern = rng.choice(_PRIMARY_NAMES)
        elif phase == "Special":
            pattern = rng.choice(("{locality} School", "{town} Special School"))
        elif phase == "All-through":
            pattern = "{town} All-through Academy"
        else:
            pattern = rng.choice(_SECONDARY_NAMES)
        name = pattern.format(town=town, locality=locality)
        if attempt > 20:
            name = f"{name} ({attempt})"
        if name not in used:
            used.add(name)
            return name
    raise ValueError("could not name a school uniquely")


class Enrolment:
    """Places every school-age child (academic age 4-17) in a school and issues UPNs."""

    def __init__(self, schools: list[School], as_of: date) -> None:
        self.as_of = as_of
        self.upns = UpnIssuer()
        self.by_phase: dict[str, list[School]] = {}
        self.by_town_phase: dict[tuple[str, str], list[School]] = {}
        for school in schools:
            phases = ("Primary", "Secondary") if school.phase == "All-through" else (school.phase,)
            for phase in phases:
                self.by_phase.setdefault(phase, []).append(school)
                self.by_town_phase.setdefault((school.town, phase), []).append(school)
        self.year = as_of.year if as_of.month >= 9 else as_of.year - 1

    def choose(self, rng: Random, town: str, phase: str) -> School:
        """A school of the phase in the town, or anywhere in the county."""
        options = self.by_town_phase.get((town, phase)) or self.by_phase[phase]
        return options[rng.randrange(len(options))]

    def enrol_group(self, group: Group, rng: Random) -> None:
        """Enrol the group's school-age children."""
        chosen: dict[tuple[int, str], School] = {}
        for person in group.people:
            age = academic_age(person.dob, self.as_of)
            if 4 <= age <= 17:
                self.enrol(person, age, rng, chosen)

    def enrol(
        self,
        person: Person,
        age: int,
        rng: Random,
        chosen: dict[tuple[int, str], School],
    ) -> None:
        """Choose school, SEN status, entry/leaving dates and UPN for one child."""
        history = person.address_history()
        address, moved_in, _ = history[-1]
        home: Household = person.household
        need = home.need < 0.15
        roll = rng.random()
        person.sen = (
            "E"
            if roll < (0.06 if need else 0.03)
            else ("K" if roll < (0.26 if need else 0.15) else "N")
        )
        phase = "Primary" if age <= 10 else "Secondary"
        if person.sen == "E" and rng.random() < 0.4:
            phase = "Special"
        key = (home.hid, phase)
        if key not in chosen or rng.random() < 0.1:
            chosen[key] = self.choose(rng, address.town, phase)
        school = chosen[key]
        person.school = school
        reception_year = self.year - (age - 4)
        first_year = reception_year if phase != "Secondary" else self.year - (age - 11)
        entry = term_start(first_year)
        previous_town = history[-2][0].town if len(history) > 1 else address.town
        if moved_in > entry and previous_town != address.town:
            entry = min(moved_in + days(rng.randint(5, 40)), self.as_of - days(1))
        if age >= 16 and rng.random() < 0.4:
            person.school_leaving = date(self.year - (age - 16), 7, 22)
            if entry >= person.school_leaving:
                entry = term_start(first_year)
        person.school_entry = entry
        first = school if phase == "Primary" else self.choose(rng, address.town, "Primary")
        if rng.random() < 0.08:
            la = rng.choice(OTHER_LA_CODES)
            estab = str(rng.randint(2000, 2999))
        else:
            la, estab = HOME_LA_CODE, first.establishment
        person.upn = self.upns.issue(la, estab, reception_year)
        if rng.random() < 0.02:
            person.former_upn = self.upns.issue(
                rng.choice(OTHER_LA_CODES), str(rng.randint(2000, 2999)), reception_year
            )
