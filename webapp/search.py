"""Search input: read and check the form, and rank people by how well names match.

Pure functions (no Flask, no graph) so the rules are tested on tiny inline data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from typing import Any

from graph_etl.matching.given_names import is_known
from graph_etl.sources.values import nhs_number_valid, normalise_postcode, upn_valid
from graph_etl.standardise import name_key, nickname_keys, phonetic_key

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


def refuse_hidden_identifiers(query: SearchQuery, sees_field: Any) -> None:
    """Searching by an identifier would confirm it to a role not allowed to see it:
    `sees_field` is the viewer's `Policy.sees_field`."""
    for name, value in (("nhs_number", query.nhs_number), ("upn", query.upn)):
        if value and not sees_field(f"person.{name}"):
            query.errors["identifier"] = "Your role cannot search by this identifier"


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


# Scores of one searched word against one recorded name word, best first. A name is
# shown when every searched word scores at least TYPO_SIMILARITY.
EXACT = 1.0
PREFIX = 0.98  # "fred" for Frederick
SLIP = 0.05  # taken off per typing slip: 0.95 for one, 0.9 for two
NICKNAME = 0.92  # "bill" for William (times the slip score of the formal names)
KNOWN_NAMES_SLIP = 0.85  # one letter apart but both real given names (Jason, Mason)
SOUNDS_ALIKE = 0.85  # the same phonetic key, too far apart for slips ("filips", Phillips)
SWAPPED = 0.95  # given and family names recorded the wrong way round
OTHER_NAME = 0.99  # a name another record holds, not the one shown


@cache
def _short_forms() -> dict[str, frozenset[str]]:
    """Formal name -> its short forms in the nickname tables ("william" -> bill, liam, ...)."""
    from graph_etl.matching.nicknames import all_names

    found: dict[str, set[str]] = {}
    for name in all_names():
        for formal in nickname_keys(name) - {name}:
            found.setdefault(formal, set()).add(name)
    return {formal: frozenset(shorts) for formal, shorts in found.items()}


def nickname_forms(word: str) -> list[str]:
    """Recorded given names a searched word finds as a nickname: itself, the formal
    names it is short for ("bill" -> william) and its own short forms ("william" ->
    bill, liam, ...). One is always the short form of the other, never two short forms
    of one name (Bill and Liam), as in matching."""
    return sorted(nickname_keys(word) | _short_forms().get(word, frozenset()))


def _slips(wanted: str, found: str) -> float:
    """1 for the same word, a little less for a prefix, less again per typing slip (one
    slip allowed in words of four or more letters, two in words of eight or more); 0
    otherwise."""
    if not wanted or not found:
        return 0.0
    if found == wanted:
        return EXACT
    if found.startswith(wanted):
        return PREFIX
    allowed = 2 if len(wanted) >= 8 else 1 if len(wanted) >= 4 else 0
    if abs(len(wanted) - len(found)) > allowed:
        return 0.0
    slips = edit_distance(wanted, found)
    return 1.0 - SLIP * slips if slips <= allowed else 0.0


@lru_cache(maxsize=1 << 16)  # a search compares the same few words with many names
def _similar(wanted: str, found: str, given: bool = False) -> float:
    """How well one searched word matches one recorded name word (0 when not at all):
    exactly, as a prefix, within a typing slip or two, by sound, and for given names
    as a nickname (one the short form of the other; slips allowed in the typed word)."""
    score = _slips(wanted, found)
    if score >= PREFIX or not wanted or not found:
        return score
    if score and given and is_known(wanted) and is_known(found):
        score = min(score, KNOWN_NAMES_SLIP)  # Jason is not a slip for Mason
    if given:
        # The recorded name's formal names ("bill" recorded, "william" typed) and short
        # forms ("william" recorded, "bill" typed), allowing slips in the typed word.
        forms = (nickname_keys(found) | _short_forms().get(found, frozenset())) - {found}
        score = max(score, NICKNAME * max((_slips(wanted, form) for form in forms), default=0))
    if len(wanted) >= 3 and phonetic_key(wanted) == phonetic_key(found):
        score = max(score, SOUNDS_ALIKE)
    return score


def name_score(words: list[str], row: dict[str, Any]) -> float:
    """How well a person's names match the searched words (0 when they do not):
    prefixes, near misses (typos), sound-alikes and nicknames count, as do each word of
    a name, other names (`other_names`, full names; `other_given_names` and
    `other_family_names`) and given and family names recorded the wrong way round.
    Score only names the viewer may see."""
    if not words:
        return 1.0
    given_wanted, family_wanted = (words[0], words[-1]) if len(words) > 1 else ("", words[0])
    # Each name word with its weight: the names shown count in full, others a little less.
    givens: dict[str, float] = {}
    families: dict[str, float] = {}

    def add(names: dict[str, float], word: str, weight: float) -> None:
        if word:
            names[word] = max(weight, names.get(word, 0.0))

    def add_name(names: dict[str, float], name: str | None, weight: float) -> None:
        key = name_key(name)  # the whole name, and each word of it (Smith-Jones, Mary Jane)
        for word in [key, *key.split()]:
            add(names, word, weight)

    add_name(givens, row.get("given_key"), 1.0)
    add_name(families, row.get("family_key"), 1.0)
    for other in row.get("other_names") or []:
        parts = name_key(other).split()
        if parts:
            add(givens, parts[0], OTHER_NAME)
            add(families, parts[-1], OTHER_NAME)
    for other in row.get("other_given_names") or []:
        add_name(givens, other, OTHER_NAME)
    for other in row.get("other_family_names") or []:
        add_name(families, other, OTHER_NAME)

    def best(wanted: str, names: dict[str, float], given: bool) -> float:
        return max((_similar(wanted, name, given) * w for name, w in names.items()), default=0.0)

    if not given_wanted:
        score = max(best(family_wanted, families, False), best(family_wanted, givens, True))
        return score if score >= TYPO_SIMILARITY else 0.0
    straight = min(best(given_wanted, givens, True), best(family_wanted, families, False))
    swapped = min(best(given_wanted, families, False), best(family_wanted, givens, True))
    score = max(straight, swapped * SWAPPED)
    return score if score >= TYPO_SIMILARITY else 0.0
