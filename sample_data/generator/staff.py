"""Professionals: fake names, unique work emails and drama-range phone numbers."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from random import Random

from .identifiers import landline, london, mobile
from .names import pick_given, pick_heritage, pick_surname_key, surname_form

_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "đ": "d", "ß": "ss"})


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters only: ``"O'Brien-Núñez"`` -> ``"obriennunez"``."""
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in folded.lower() if "a" <= ch <= "z")


@dataclass(eq=False, slots=True)
class Staff:
    """One professional in one agency."""

    staff_id: str
    given: str
    family: str
    role: str
    team: str
    team_id: str
    organisation: str
    email: str
    phone: str
    extra: dict[str, str] = field(default_factory=dict)
    caseload: int = 0

    @property
    def name(self) -> str:
        """Display name."""
        return f"{self.given} {self.family}"


class StaffFactory:
    """Makes professionals with unique emails and (as far as the ranges allow) phones."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self._emails: set[str] = set()
        self._phone = 0

    def name(self) -> tuple[str, str]:
        """A working-age adult's name."""
        sex = "F" if self.rng.random() < 0.7 else "M"
        heritage = pick_heritage(self.rng)
        year = self.rng.randint(1962, 2001)
        given = pick_given(self.rng, sex, year, heritage)
        family = surname_form(pick_surname_key(self.rng, heritage), sex)
        return given, family

    def email(self, given: str, family: str, domain: str) -> str:
        """``firstname.lastname@domain``, numbered when already taken."""
        base = f"{ascii_slug(given)}.{ascii_slug(family)}"
        candidate, n = f"{base}@{domain}", 1
        while candidate in self._emails:
            n += 1
            candidate = f"{base}{n}@{domain}"
        self._emails.add(candidate)
        return candidate

    def phone(self) -> str:
        """The next drama-range number: mobiles, then landlines, then London lines."""
        index = self._phone % 3000
        self._phone += 1
        if index < 1000:
            return mobile(index)
        if index < 2000:
            return landline(index)
        return london(index)

    def make(
        self,
        staff_id: str,
        role: str,
        team: str,
        team_id: str,
        organisation: str,
        domain: str,
    ) -> Staff:
        """One professional."""
        given, family = self.name()
        return Staff(
            staff_id,
            given,
            family,
            role,
            team,
            team_id,
            organisation,
            self.email(given, family, domain),
            self.phone(),
        )


class Pool:
    """The professionals of one agency, grouped by team."""

    def __init__(self) -> None:
        self.staff: list[Staff] = []
        self.by_team: dict[str, list[Staff]] = {}

    def add(self, member: Staff) -> Staff:
        """Add a professional."""
        self.staff.append(member)
        self.by_team.setdefault(member.team, []).append(member)
        return member

    def pick(self, rng: Random, *teams: str) -> Staff:
        """A professional from one of the named teams."""
        team = teams[rng.randrange(len(teams))] if len(teams) > 1 else teams[0]
        members = self.by_team[team]
        return members[rng.randrange(len(members))]


def scaled(people: int, per: int, minimum: int) -> int:
    """A team size that grows with the population."""
    return max(minimum, -(-people // per))
