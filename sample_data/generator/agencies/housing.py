"""Housing: social-housing tenancies and the members of each tenant household."""

from __future__ import annotations

from datetime import date
from random import Random

from ..dates import oracle
from ..model import Group, Household, Person
from ..places import Address
from ..staff import scaled
from .base import Agency, Ids, RunContext

TENANCY_COLUMNS = (
    "tenancy_ref",
    "property_ref",
    "provider",
    "address_line_1",
    "address_line_2",
    "town",
    "post_code",
    "uprn",
    "tenure_type",
    "tenancy_start",
    "tenancy_end",
    "end_reason",
    "housing_officer_id",
)
MEMBER_COLUMNS = (
    "member_ref",
    "tenancy_ref",
    "person_no",
    "title",
    "forename",
    "surname",
    "date_of_birth",
    "gender",
    "relationship_to_lead_tenant",
    "start_date",
    "end_date",
)
OFFICER_COLUMNS = ("officer_id", "name", "job_title", "patch", "organisation", "email", "phone")
_FIELDS = frozenset({"dob", "sex"})
# (provider, email domain, share)
PROVIDERS = (
    ("Exampleshire Homes", "exampleshirehomes.example.org.uk", 0.6),
    ("Valeway Housing Association", "valewayha.example.org.uk", 0.25),
    ("Kestrel Homes Group", "kestrelhomes.example.org.uk", 0.15),
)
_TENURES = (
    ("Secure", 50),
    ("Assured", 25),
    ("Introductory", 10),
    ("Starter", 5),
    ("Temporary Accommodation", 10),
)


def title_for(person: Person, as_of: date) -> str:
    """A salutation as a housing system would store it."""
    if person.age_on(as_of) < 18:
        return "Master" if person.sex == "M" else "Miss"
    if person.sex == "M":
        return "Mr"
    return "Mrs" if person.former_surnames else "Ms"


def relationship_to(lead: Person, other: Person, joint: bool) -> str:
    """How a household member relates to the lead tenant."""
    if other is lead:
        return "Lead tenant"
    if other in lead.partners:
        return "Joint tenant" if joint else "Partner"
    male = other.sex == "M"
    if other in lead.children:
        return "Son" if male else "Daughter"
    if any(other in partner.children for partner in lead.partners):
        return "Stepson" if male else "Stepdaughter"
    if any(other in child.children for child in lead.children):
        return "Grandson" if male else "Granddaughter"
    if other in lead.parents:
        return "Father" if male else "Mother"
    if set(other.parents) & set(lead.parents):
        return "Brother" if male else "Sister"
    return "Other relative" if other.parents or other.children else "Lodger"


class Housing(Agency):
    """About a quarter of households rent from a social landlord."""

    folder_name = "housing"
    system = "Northgate Housing (Oracle export)"

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.tenancies = self.folder.table("tenancies", TENANCY_COLUMNS)
        self.members = self.folder.table("household_members", MEMBER_COLUMNS)
        self.tenancy_ids = Ids(100000, "TEN{}", gap=3)
        officer_ids = Ids(100, "HO{}")
        for provider, domain, share in PROVIDERS:
            for index in range(scaled(int(ctx.people * share), 3000, 1)):
                self.pool.add(
                    ctx.staff.make(
                        officer_ids.take(),
                        "Housing Officer" if index else "Senior Housing Officer",
                        provider,
                        provider,
                        provider,
                        domain,
                    )
                )
                self.pool.staff[-1].extra["patch"] = "North" if index % 2 else "South"

    def add_group(self, group: Group, rng: Random) -> None:
        for home in group.households:
            if not home.social_housing:
                continue
            address, start, _ = home.addresses[-1]
            people = [m for m in home.members if m.stints[-1].household is home]
            if not people:
                continue
            if len(home.addresses) > 1 and rng.random() < 0.3:
                previous, p_start, p_end = home.addresses[-2]
                self._tenancy(home, previous, p_start, p_end, people, rng)
            self._tenancy(home, address, start, None, people, rng)

    def _tenancy(
        self,
        home: Household,
        address: Address,
        start: date,
        end: date | None,
        current: list[Person],
        rng: Random,
    ) -> None:
        members = []
        for person in home.members:
            for stint in person.stints:
                if stint.household is not home:
                    continue
                since = max(stint.start, start)
                until = stint.end if end is None else min(stint.end or end, end)
                if until is None or until > since:
                    members.append((person, since, until))
        adults = [m for m in members if m[0].age_on(start) >= 18 and m[0] in current]
        if not adults:
            return
        lead = min(adults, key=lambda m: (m[1], m[0].sex != "F", m[0].dob))[0]
        joint = rng.random() < 0.4
        members.sort(key=lambda m: (m[0] is not lead, m[1], m[0].dob))
        first_start = min(m[1] for m in members)
        provider_index = rng.choices(range(len(PROVIDERS)), [s for *_, s in PROVIDERS])[0]
        provider = PROVIDERS[provider_index][0]
        officer = self.pool.pick(rng, provider)
        ref = self.tenancy_ids.take(rng)
        tenure = rng.choices([t for t, _ in _TENURES], [w for _, w in _TENURES])[0]
        self.tenancies.write(
            (
                ref,
                f"PRP{address.slot:07d}",
                provider,
                address.line1,
                address.line2,
                address.town,
                address.postcode,
                address.uprn,
                tenure,
                oracle(first_start),
                oracle(end),
                "Transfer to another property" if end else "",
                officer.staff_id,
            )
        )
        for number, (person, since, until) in enumerate(members, start=1):
            key = f"{ref}/{number:02d}"
            seen = self.see(rng, "household_members", key, person, _FIELDS)
            self.members.write(
                (
                    key,
                    ref,
                    number,
                    title_for(person, self.as_of),
                    seen.given,
                    seen.family,
                    oracle(seen.dob),
                    {"M": "Male", "F": "Female"}.get(seen.sex, ""),
                    relationship_to(lead, person, joint),
                    oracle(since),
                    oracle(until),
                )
            )

    def write_staff(self) -> None:
        self.folder.write_rows(
            "housing_officers",
            OFFICER_COLUMNS,
            [
                [s.staff_id, s.name, s.role, s.extra["patch"], s.organisation, s.email, s.phone]
                for s in self.pool.staff
            ],
        )
