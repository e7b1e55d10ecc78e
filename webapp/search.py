"""Search input: read and check the form, and rank people by how well names match.

Pure functions (no Flask, no graph) so the rules are tested on tiny inline data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graph_etl.sources.values import nhs_number_valid, normalise_postcode, upn_valid
from graph_etl.standardise import name_key

MAX_NAME = 100
TYPO_SIMILARITY = 0.8  # score below which a name does not count as a match


@dataclass
class SearchQuery:
    name: str = ""
    dob: date | None = None
    postcode: str | None = None
    nhs_number: str | None = None
    upn: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    submitted: bool = False

    @property
    def words(self) -> list[str]:
        return name_key(self.name).split()

    def terms(self) -> dict[str, str]:
        """What was searched for, for the audit log."""
        found = {
            "name": self.name,
            "dob": self.dob.isoformat() if self.dob else "",
            "postcode": self.postcode or "",
            "nhs_number": self.nhs_number or "",
            "upn": self.upn or "",
        }
        return {key: value for key, value in found.items() if value}


def _date(day: str, month: str, year: str, errors: dict[str, str]) -> date | None:
    if not (day or month or year):
        return None
    if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
        errors["dob"] = "Date of birth must include a day, month and year, like 27 3 2015"
        return None
    try:
        born = date(int(year), int(month), int(day))
    except ValueError:
        errors["dob"] = "Date of birth must be a real date"
        return None
    if born > date.today() or born.year < 1900:
        errors["dob"] = "Date of birth must be in the past and after 1900"
        return None
    return born


def parse(args: Any) -> SearchQuery:
    """Read the search form (a mapping of query-string values) and check it."""

    def value(name: str) -> str:
        return (args.get(name) or "").strip()

    query = SearchQuery(
        submitted=any(
            value(k) for k in ("name", "dob-day", "dob-month", "dob-year", "postcode", "identifier")
        )
        or "name" in args
    )
    if not query.submitted:
        return query
    errors = query.errors
    query.name = value("name")
    if len(query.name) > MAX_NAME:
        errors["name"] = f"Name must be {MAX_NAME} characters or fewer"
    query.dob = _date(value("dob-day"), value("dob-month"), value("dob-year"), errors)
    if value("postcode"):
        query.postcode = normalise_postcode(value("postcode"))
        if query.postcode is None:
            errors["postcode"] = "Enter a real postcode, like FX4 7QA"
    identifier = value("identifier").replace(" ", "").upper()
    if identifier:
        if nhs_number_valid(identifier):
            query.nhs_number = identifier
        elif upn_valid(identifier):
            query.upn = identifier
        else:
            errors["identifier"] = (
                "Enter a valid NHS number (10 digits) or unique pupil number (13 characters)"
            )
    if not errors and not (query.words or query.dob or query.postcode or identifier):
        errors["name"] = "Enter a name, date of birth, postcode, NHS number or UPN"
    return query


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and
    swaps of neighbouring letters each cost one (the common typing slips)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = char_a != char_b
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _similar(wanted: str, found: str) -> float:
    """1 for a prefix; slightly less per typing slip (one slip allowed in names of
    four or more letters, two in names of eight or more); 0 otherwise."""
    if not wanted or not found:
        return 0.0
    if found.startswith(wanted):
        return 1.0
    allowed = 2 if len(wanted) >= 8 else 1 if len(wanted) >= 4 else 0
    slips = edit_distance(wanted, found)
    return 1.0 - 0.05 * slips if slips <= allowed else 0.0


def name_score(words: list[str], row: dict[str, Any]) -> float:
    """How well a person's names match the searched words (0 when they do not):
    prefixes and near misses (typos) count, as do names held by other sources and
    given and family names recorded the wrong way round."""
    if not words:
        return 1.0
    given_wanted, family_wanted = (words[0], words[-1]) if len(words) > 1 else ("", words[0])
    givens = {row.get("given_key") or ""}
    families = {row.get("family_key") or ""}
    for other in row.get("other_names") or []:
        parts = name_key(other).split()
        if parts:
            givens.add(parts[0])
            families.add(parts[-1])

    def best(wanted: str, names: set[str]) -> float:
        return max((_similar(wanted, name) for name in names), default=0.0)

    if not given_wanted:
        score = max(best(family_wanted, families), best(family_wanted, givens))
        return score if score >= TYPO_SIMILARITY else 0.0
    straight = min(best(given_wanted, givens), best(family_wanted, families))
    swapped = min(best(given_wanted, families), best(family_wanted, givens))
    score = max(straight, swapped * 0.95)
    return score if score >= TYPO_SIMILARITY else 0.0
