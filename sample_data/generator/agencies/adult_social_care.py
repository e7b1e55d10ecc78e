"""Adult social care: clients, the services they receive, and their unpaid carers."""

from __future__ import annotations

from random import Random

from ..dates import add_years, between, days, uk
from ..model import Group, Person
from ..staff import scaled
from .base import Agency, Ids, RunContext, address_parts, residents
from .housing import title_for

CLIENT_COLUMNS = (
    "client_id",
    "title",
    "forename",
    "surname",
    "date_of_birth",
    "gender",
    "nhs_number",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "uprn",
)
SERVICE_COLUMNS = (
    "service_id",
    "client_id",
    "service_type",
    "start_date",
    "end_date",
    "status",
    "end_reason",
    "worker_id",
)
CARER_COLUMNS = (
    "carer_id",
    "client_id",
    "forename",
    "surname",
    "relationship_to_client",
    "address_line1",
    "postcode",
)
WORKER_COLUMNS = ("worker_id", "name", "job_title", "team", "organisation", "email", "phone")
ORGANISATION = "Exampleshire County Council Adult Social Care"
_FIELDS = frozenset({"dob", "sex", "address", "nhs"})
_CARER_FIELDS = frozenset({"address"})
TEAMS = (
    (
        "Older People's Team North",
        ("Social Worker", "Care Coordinator", "Occupational Therapist"),
        6000,
        1,
    ),
    (
        "Older People's Team South",
        ("Social Worker", "Care Coordinator", "Occupational Therapist"),
        6000,
        1,
    ),
    ("Learning Disability Team", ("Social Worker", "Senior Practitioner"), 20000, 1),
    (
        "Community Mental Health Team",
        ("Social Worker", "Approved Mental Health Professional"),
        20000,
        1,
    ),
    ("Adult Safeguarding Hub", ("Senior Practitioner", "Social Worker"), 30000, 1),
)
_OLDER = (
    "Home Care",
    "Reablement",
    "Day Opportunities",
    "Residential Care",
    "Direct Payment",
    "Assistive Technology",
)
_YOUNGER = (
    "Mental Health Support",
    "Learning Disability Support",
    "Direct Payment",
    "Supported Living",
    "Carers Support",
)
_ENDS = (
    "Needs met",
    "Moved to residential care",
    "Moved out of area",
    "Service no longer required",
    "Funding ended",
)


class AdultSocialCare(Agency):
    """Mostly older people, plus some working-age adults."""

    folder_name = "adult_social_care"
    system = "LAS (Liquidlogic Adults System)"

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.clients = self.folder.table("clients", CLIENT_COLUMNS)
        self.services = self.folder.table("services", SERVICE_COLUMNS)
        self.carers = self.folder.table("carers", CARER_COLUMNS)
        self.client_ids = Ids(300000, gap=5)
        self.service_ids = Ids(0, "SRV{:06d}", gap=2)
        self.carer_ids = Ids(0, "CAR{:06d}")
        rng = ctx.setup
        worker_ids = Ids(10000, "W{}", gap=3)
        for team, roles, per, minimum in TEAMS:
            for _ in range(scaled(ctx.people, per, minimum)):
                self.pool.add(
                    ctx.staff.make(
                        worker_ids.take(rng),
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
            if age < 18:
                continue
            chance = 0.15 if age >= 75 else 0.05 if age >= 65 else 0.012
            if person.household.need < 0.12:
                chance += 0.04
            if rng.random() < chance:
                self._client(person, age, rng)

    def _client(self, person: Person, age: int, rng: Random) -> None:
        key = self.client_ids.take(rng)
        seen = self.see(rng, "clients", key, person, _FIELDS)
        line1, line2, town = address_parts(seen.address)
        uprn = seen.address.uprn if seen.address else ""
        self.clients.write(
            (
                key,
                title_for(person, self.as_of),
                seen.given,
                seen.family,
                uk(seen.dob),
                {"M": "Male", "F": "Female"}.get(seen.sex, "Unknown"),
                seen.nhs,
                line1,
                line2,
                town,
                seen.postcode,
                uprn,
            )
        )
        older = age >= 65
        if older:
            team = (
                "Older People's Team North"
                if person.current_address.postcode.startswith("FX")
                else "Older People's Team South"
            )
        else:
            team = rng.choice(("Learning Disability Team", "Community Mental Health Team"))
        if rng.random() < 0.06:
            team = "Adult Safeguarding Hub"
        worker = self.pool.pick(rng, team)
        start = between(
            rng, max(add_years(person.dob, 18), add_years(self.as_of, -4)), self.as_of - days(7)
        )
        for _ in range(rng.choice((1, 1, 2))):
            end = start + days(rng.randint(42, 900))
            open_now = end >= self.as_of
            kind = (
                "Safeguarding Enquiry"
                if team == "Adult Safeguarding Hub"
                else rng.choice(_OLDER if older else _YOUNGER)
            )
            self.services.write(
                (
                    self.service_ids.take(rng),
                    key,
                    kind,
                    uk(start),
                    "" if open_now else uk(end),
                    "Active" if open_now else "Ended",
                    "" if open_now else rng.choice(_ENDS),
                    worker.staff_id,
                )
            )
            start = end + days(rng.randint(1, 60))
            if start >= self.as_of:
                break
        self._carer(person, key, rng)

    def _carer(self, person: Person, key: str, rng: Random) -> None:
        home = person.household
        partner = next((p for p in residents(home.members, home) if p in person.partners), None)
        adult_children = [c for c in person.children if c.age_on(self.as_of) >= 18]
        carer, relationship = None, ""
        if partner is not None and rng.random() < 0.7:
            carer, relationship = partner, "Spouse or partner"
        elif adult_children and rng.random() < 0.5:
            carer = adult_children[rng.randrange(len(adult_children))]
            relationship = "Son" if carer.sex == "M" else "Daughter"
        if carer is None:
            return
        carer_key = self.carer_ids.take()
        seen = self.see(rng, "carers", carer_key, carer, _CARER_FIELDS)
        self.carers.write(
            (
                carer_key,
                key,
                seen.given,
                seen.family,
                relationship,
                seen.address.line1 if seen.address else "",
                seen.postcode,
            )
        )

    def write_staff(self) -> None:
        self.folder.write_rows(
            "workers",
            WORKER_COLUMNS,
            [
                [s.staff_id, s.name, s.role, s.team, s.organisation, s.email, s.phone]
                for s in self.pool.staff
            ],
        )
