"""Schools: a school MIS export of pupils, their contacts, and the schools."""

from __future__ import annotations

from random import Random

from ..dates import uk
from ..model import Group, Person
from ..nicknames import nicknames_of
from .base import Agency, Ids, RunContext, address_parts

PUPIL_COLUMNS = (
    "upn",
    "legal_forename",
    "legal_surname",
    "preferred_forename",
    "date_of_birth",
    "gender",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "school_urn",
    "entry_date",
    "leaving_date",
    "sen_provision",
)
CONTACT_COLUMNS = (
    "contact_id",
    "upn",
    "contact_forename",
    "contact_surname",
    "relationship",
    "parental_responsibility",
    "priority",
    "address_line1",
    "postcode",
)
SCHOOL_COLUMNS = (
    "school_urn",
    "school_name",
    "phase",
    "dsl_name",
    "dsl_role",
    "dsl_email",
    "dsl_phone",
    "school_phone",
)
_PUPIL_FIELDS = frozenset({"dob", "sex", "address"})
_CONTACT_FIELDS = frozenset({"address"})


def _relationship(pupil: Person, adult: Person) -> tuple[str, str]:
    """(relationship, parental responsibility) of an adult to a pupil."""
    if adult in pupil.parents:
        return ("Mother" if adult.sex == "F" else "Father"), "Y"
    if adult in pupil.carers:
        return ("Grandmother" if adult.sex == "F" else "Grandfather"), "Y"
    if any(adult in parent.partners for parent in pupil.parents):
        return ("Step-mother" if adult.sex == "F" else "Step-father"), "N"
    if any(adult in parent.parents for parent in pupil.parents):
        return ("Grandmother" if adult.sex == "F" else "Grandfather"), "N"
    if any(adult in gp.children for parent in pupil.parents for gp in parent.parents):
        return ("Aunt" if adult.sex == "F" else "Uncle"), "N"
    return "Other", "N"


class Schools(Agency):
    """Pupils aged 4-18 at the county's schools, with their contacts."""

    folder_name = "schools"
    system = "School MIS census export"

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx)
        self.pupils = self.folder.table("pupils", PUPIL_COLUMNS)
        self.contacts = self.folder.table("pupil_contacts", CONTACT_COLUMNS)
        self.contact_ids = Ids(0, "C{:06d}")

    def add_group(self, group: Group, rng: Random) -> None:
        for pupil in group.people:
            if pupil.school is not None:
                self._pupil(pupil, rng)

    def _pupil(self, pupil: Person, rng: Random) -> None:
        seen = self.see(rng, "pupils", pupil.upn, pupil, _PUPIL_FIELDS)
        line1, line2, town = address_parts(seen.address)
        preferred = pupil.given
        options = nicknames_of(pupil.given)
        if options and rng.random() < 0.3:
            preferred = rng.choice(options)
        urn = pupil.school.urn if pupil.school else ""
        self.pupils.write(
            (
                pupil.upn,
                seen.given,
                seen.family,
                preferred,
                uk(seen.dob),
                seen.sex,
                line1,
                line2,
                town,
                seen.postcode,
                urn,
                uk(pupil.school_entry),
                uk(pupil.school_leaving),
                pupil.sen,
            )
        )
        for priority, adult in enumerate(self._contacts(pupil, rng), start=1):
            relationship, responsibility = _relationship(pupil, adult)
            key = self.contact_ids.take()
            contact = self.see(rng, "pupil_contacts", key, adult, _CONTACT_FIELDS)
            self.contacts.write(
                (
                    key,
                    pupil.upn,
                    contact.given,
                    contact.family,
                    relationship,
                    responsibility,
                    priority,
                    contact.address.line1 if contact.address else "",
                    contact.postcode,
                )
            )

    def _contacts(self, pupil: Person, rng: Random) -> list[Person]:
        """Up to three adults, most responsible first."""
        home = pupil.household
        at_home = [
            m for m in home.members if m.stints[-1].household is home and m.age_on(self.as_of) >= 18
        ]
        ranked = [a for a in at_home if a in pupil.carers]
        ranked += [a for a in at_home if a in pupil.parents and a not in ranked]
        ranked.sort(key=lambda a: a.sex != "F")
        ranked += [
            a for a in at_home if a not in ranked and any(a in p.partners for p in pupil.parents)
        ]
        ranked += [p for p in pupil.parents if p not in ranked and rng.random() < 0.6]
        if len(ranked) < 3 and rng.random() < 0.15:
            relatives = [
                c
                for parent in pupil.parents
                for gp in parent.parents
                for c in gp.children
                if c not in pupil.parents and c.age_on(self.as_of) >= 18
            ]
            if relatives:
                ranked.append(relatives[rng.randrange(len(relatives))])
        return ranked[:3]

    def write_staff(self) -> None:
        self.folder.write_rows(
            "schools",
            SCHOOL_COLUMNS,
            [
                [s.urn, s.name, s.phase, s.dsl_name, s.dsl_role, s.dsl_email, s.dsl_phone, s.phone]
                for s in self.ctx.schools
            ],
        )
