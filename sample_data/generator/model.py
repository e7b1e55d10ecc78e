"""The true population: people, households and where they lived when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .places import Address


@dataclass(eq=False, slots=True)
class School:
    """A school in the county."""

    urn: str
    name: str
    phase: str
    town: str
    establishment: str
    dsl_name: str = ""
    dsl_role: str = ""
    dsl_email: str = ""
    dsl_phone: str = ""
    phone: str = ""


@dataclass(eq=False, slots=True)
class Household:
    """People living together; the household may move between addresses."""

    hid: int
    addresses: list[tuple[Address, date, date | None]] = field(default_factory=list)
    need: float = 1.0  # lower is more need; drives agency involvement
    social_housing: bool = False
    members: list[Person] = field(default_factory=list)

    @property
    def household_id(self) -> str:
        """Ground-truth household id."""
        return f"H{self.hid:06d}"

    def address_on(self, when: date) -> Address:
        """The address the household lived at on a date."""
        for address, start, end in self.addresses:
            if start <= when and (end is None or when < end):
                return address
        return self.addresses[0][0]


@dataclass(slots=True)
class Stint:
    """A period a person spent as a member of a household."""

    household: Household
    start: date
    end: date | None = None


@dataclass(eq=False, slots=True)
class Person:
    """One real (synthetic) person."""

    pid: int
    given: str
    family: str
    family_key: str
    sex: str
    dob: date
    heritage: str
    ethnicity: str
    nationality: str
    nhs: str
    former_surnames: list[tuple[str, date]] = field(default_factory=list)
    stints: list[Stint] = field(default_factory=list)
    parents: list[Person] = field(default_factory=list)
    parent_tokens: tuple[int, int] = (0, 0)
    partners: list[Person] = field(default_factory=list)
    children: list[Person] = field(default_factory=list)
    carers: list[Person] = field(default_factory=list)
    twin: Person | None = None
    upn: str = ""
    former_upn: str = ""
    school: School | None = None
    school_entry: date | None = None
    school_leaving: date | None = None
    sen: str = "N"
    _history: list[tuple[Address, date, date | None]] | None = None

    @property
    def person_id(self) -> str:
        """Ground-truth person id, e.g. ``P000017``."""
        return f"P{self.pid:06d}"

    @property
    def household(self) -> Household:
        """The current household."""
        return self.stints[-1].household

    def age_on(self, when: date) -> int:
        """Age in whole years on a date."""
        years = when.year - self.dob.year
        if (when.month, when.day) < (self.dob.month, self.dob.day):
            years -= 1
        return years

    def address_history(self) -> list[tuple[Address, date, date | None]]:
        """Addresses lived at, oldest first, with from and to dates (to is None if current).

        Computed once, so call it only after the family group is complete.
        """
        if self._history is not None:
            return self._history
        out: list[tuple[Address, date, date | None]] = []
        for stint in self.stints:
            for address, a_start, a_end in stint.household.addresses:
                start = max(stint.start, a_start)
                ends = [e for e in (stint.end, a_end) if e is not None]
                end = min(ends) if ends else None
                if end is not None and end <= start:
                    continue
                if out and out[-1][0] is address and out[-1][2] == start:
                    out[-1] = (address, out[-1][1], end)
                else:
                    out.append((address, start, end))
        self._history = out
        return out

    @property
    def current_address(self) -> Address:
        """Where the person lives now."""
        return self.address_history()[-1][0]


@dataclass(slots=True)
class Group:
    """A connected family group: the unit the generator builds and writes at once."""

    people: list[Person]
    households: list[Household]
    links: list[tuple[Person, Person, str]]
