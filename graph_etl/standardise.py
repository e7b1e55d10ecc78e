"""Standard forms of names, dates, addresses and identifiers, used for linking and search.

Every function takes the raw value (or None) and returns its standard form, or an empty
value when there is nothing usable. Name functions are cached: names repeat a lot.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

from graph_etl.sources.values import normalise_postcode

_NOT_LETTERS = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+[a-z]?\b")
_WORD = re.compile(r"[a-z]+")
# Words in a first address line that say what kind of dwelling it is, not where.
_DWELLING_WORDS = frozenset({"flat", "apartment", "apt", "unit", "room", "house", "the", "no"})
_STREET_ABBREVIATIONS = {
    "rd": "road", "st": "street", "ave": "avenue", "av": "avenue", "ln": "lane",
    "cl": "close", "ct": "court", "cres": "crescent", "dr": "drive", "gdns": "gardens",
    "gr": "grove", "pl": "place", "sq": "square", "ter": "terrace", "terr": "terrace",
}  # fmt: skip
_CACHE = 1 << 18


@lru_cache(maxsize=_CACHE)
def name_key(value: str | None) -> str:
    """Lower case, accents and punctuation removed, hyphens as spaces: `"Zoë O'Brien-Smith"`
    -> `"zoe obrien smith"`."""
    if not value:
        return ""
    if value.isascii():
        ascii_only = value
    else:
        decomposed = unicodedata.normalize("NFKD", value)
        ascii_only = "".join(char for char in decomposed if not unicodedata.combining(char))
        ascii_only = ascii_only.replace("ł", "l").replace("Ł", "L").replace("ø", "o")
    lowered = ascii_only.lower().replace("-", " ")
    lowered = lowered.replace("'", "").replace("\u2019", "")
    return _SPACES.sub(" ", _NOT_LETTERS.sub(" ", lowered)).strip()


def address_key(line1: str | None, postcode: str | None) -> str:
    """Address identity for matching and de-duplication: first line + postcode."""
    line = re.sub(r"[^a-z0-9]+", " ", (line1 or "").lower()).strip()  # keeps house numbers
    return f"{line}|{(postcode or '').replace(' ', '').upper()}"


def name_tokens(value: str | None) -> tuple[str, ...]:
    """Words of a standardised name: double-barrelled and hyphenated names give two."""
    return tuple(name_key(value).split())


@lru_cache(maxsize=_CACHE)
def phonetic_key(value: str | None) -> str:
    """Metaphone of the whole standardised name (spaces dropped): `"Smyth"` -> `"SM0"`."""
    import jellyfish

    key = name_key(value).replace(" ", "")
    return jellyfish.metaphone(key) if key else ""


@lru_cache(maxsize=_CACHE)
def nickname_keys(value: str | None) -> frozenset[str]:
    """Each word of a given name and every formal name it may be short for:
    `"Bill"` -> `{"bill", "william"}`."""
    from graph_etl.matching.nicknames import nickname_keys as keys_of

    found: set[str] = set()
    for token in name_tokens(value):
        found |= keys_of(token)
    return frozenset(found)


def dob_parts(value: str | date | None) -> tuple[int, int, int] | None:
    """(year, month, day) of an ISO date, or None when absent or not a date."""
    if not value:
        return None
    text = value.isoformat() if isinstance(value, date) else str(value)[:10]
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        return None
    return parsed.year, parsed.month, parsed.day


def postcode_key(value: str | None) -> str | None:
    """A valid UK postcode in its standard form (`"ab12cd"` -> `"AB1 2CD"`), else None."""
    return normalise_postcode(value) if value else None


def postcode_compact(value: str | None) -> str | None:
    """Any postcode (UK or not) as upper-case letters and digits, for comparison."""
    if not value:
        return None
    valid = postcode_key(value)
    compact = re.sub(r"[^A-Z0-9]", "", (valid or value).upper())
    return compact or None


def postcode_sector(value: str | None) -> str | None:
    """`"AB1 2CD"` -> `"AB1 2"`: the postcode sector, a few streets."""
    valid = postcode_key(value)
    return valid[:-2] if valid else None


def house_number(line1: str | None) -> str | None:
    """The numbers in a first address line: `"Flat 2, 19 Tower Avenue"` -> `"2/19"`."""
    if not line1:
        return None
    numbers = _NUMBER.findall(line1.lower())
    return "/".join(numbers) if numbers else None


def street_key(line1: str | None) -> str | None:
    """The first naming word of the street or building: `"Flat 77, Bluebell Court"` ->
    `"bluebell"`; `"12 High St"` -> `"high"`."""
    if not line1:
        return None
    words = [word for word in _WORD.findall(name_key(line1)) if word not in _DWELLING_WORDS]
    words = [_STREET_ABBREVIATIONS.get(word, word) for word in words]
    return words[0] if words else None


def nhs_number(value: str | None) -> str | None:
    """A valid NHS number (spaces and hyphens removed; modulus 11 check), else None."""
    if not value:
        return None
    compact = str(value)
    if not (len(compact) == 10 and compact.isdigit()):
        compact = re.sub(r"[\s-]", "", compact)
    if not (len(compact) == 10 and compact.isascii() and compact.isdigit()):
        return None
    d = compact.encode()
    total = (
        10 * d[0] + 9 * d[1] + 8 * d[2] + 7 * d[3] + 6 * d[4]
        + 5 * d[5] + 4 * d[6] + 3 * d[7] + 2 * d[8] - 54 * 48
    )  # fmt: skip
    check = 11 - total % 11
    return compact if check % 11 == d[9] - 48 and check != 10 else None


_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_UPN_VALUES = {char: int(char) for char in "0123456789"} | {
    char: index for index, char in enumerate(_UPN_LETTERS)
}
_UPN = re.compile(r"[A-Z]\d{11}[0-9A-HJ-NP-RT-Z]")


def upn(value: str | None) -> str | None:
    """A valid unique pupil number (upper case; DfE check letter), else None."""
    if not value:
        return None
    compact = str(value).strip().upper()
    if not _UPN.fullmatch(compact):
        return None
    total = sum(_UPN_VALUES[char] * weight for weight, char in enumerate(compact[1:], start=2))
    return compact if _UPN_LETTERS[total % 23] == compact[0] else None


def sex(value: str | None) -> str | None:
    """`"M"` or `"F"`; None when unknown."""
    code = (value or "").strip().upper()[:1]
    return code if code in ("M", "F") else None
