"""Strong identifiers and contact numbers: NHS numbers, UPNs, postcodes, phones.

Everything here is fake by construction:

* NHS numbers come from the 999 range, which is reserved for testing.
* UPNs use a local authority code that belongs to no English authority.
* Postcodes use the areas ``FX`` and ``WX``, which are valid in form but unused.
* Phone numbers come from Ofcom's ranges set aside for drama.
"""

from __future__ import annotations

import re

NHS_PREFIX = "999"
NHS_CAPACITY = 1_000_000  # six free digits after the prefix
_NHS_STEP = 7919  # prime, so i -> i * step mod capacity is a permutation

UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters: no I, O or S
HOME_LA_CODE = "972"  # not the code of any English local authority

# Letters allowed in the inward code of a UK postcode (never C, I, K, M, O, V).
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2}$")

LANDLINE_PREFIX = "01632 960"  # Ofcom drama range, 960000-960999
MOBILE_PREFIX = "07700 900"  # Ofcom drama range, 900000-900999
LONDON_PREFIX = "020 7946 0"  # Ofcom drama range, 7946 0000-0999


def nhs_check_digit(nine_digits: str) -> int | None:
    """Modulus 11 check digit for the first nine digits, or None if none is valid."""
    total = sum(int(ch) * weight for ch, weight in zip(nine_digits, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str) -> bool:
    """True when ``value`` is ten digits whose last digit is the modulus 11 check digit."""
    if len(value) != 10 or not value.isdigit():
        return False
    return nhs_check_digit(value[:9]) == int(value[9])


class NhsNumbers:
    """Hands out unique, valid NHS numbers from the 999 test range in a shuffled order."""

    def __init__(self, offset: int) -> None:
        self._offset = offset % NHS_CAPACITY
        self._next = 0

    def take(self) -> str:
        """Return the next unused valid number."""
        while self._next < NHS_CAPACITY:
            body = (self._next * _NHS_STEP + self._offset) % NHS_CAPACITY
            self._next += 1
            nine = f"{NHS_PREFIX}{body:06d}"
            check = nhs_check_digit(nine)
            if check is not None:
                return f"{nine}{check}"
        raise ValueError("the NHS test range is exhausted: generate fewer people")


def upn_check_letter(last_twelve: str) -> str:
    """DfE check letter for characters 2-13 of a UPN.

    Each character is multiplied by its position (2 to 13); a letter in position 13
    counts as its index in ``UPN_ALPHABET``. The sum modulo 23 indexes the alphabet.
    """
    if len(last_twelve) != 12:
        raise ValueError("a UPN has twelve characters after the check letter")
    total = 0
    for weight, ch in enumerate(last_twelve, start=2):
        total += weight * (int(ch) if ch.isdigit() else UPN_ALPHABET.index(ch))
    return UPN_ALPHABET[total % 23]


def make_upn(la_code: str, establishment: str, year: int, serial: int) -> str:
    """Build a permanent 13-character UPN from its parts."""
    body = f"{la_code}{establishment}{year % 100:02d}{serial:03d}"
    return upn_check_letter(body) + body


def is_valid_upn(value: str) -> bool:
    """True when ``value`` is a 13-character UPN with a correct check letter."""
    if len(value) != 13 or value[0] not in UPN_ALPHABET or not value[1:12].isdigit():
        return False
    if not (value[12].isdigit() or value[12] in UPN_ALPHABET):
        return False
    return upn_check_letter(value[1:]) == value[0]


class UpnIssuer:
    """Issues UPNs with a serial per (authority, establishment, year)."""

    def __init__(self) -> None:
        self._serials: dict[tuple[str, str, int], int] = {}

    def issue(self, la_code: str, establishment: str, year: int) -> str:
        """Return a new UPN; rolls into the following year once 999 serials are used."""
        while True:
            key = (la_code, establishment, year % 100)
            serial = self._serials.get(key, 0) + 1
            if serial <= 999:
                self._serials[key] = serial
                return make_upn(la_code, establishment, year, serial)
            year += 1


def inward_code(index: int) -> str:
    """The inward code (digit + two letters) for a unit index below 4,000."""
    if not 0 <= index < 4000:
        raise ValueError("a postcode sector holds at most 4,000 units here")
    sector, unit = divmod(index, 400)
    return f"{sector}{INWARD_LETTERS[unit // 20]}{INWARD_LETTERS[unit % 20]}"


def is_valid_postcode(value: str) -> bool:
    """True for a canonical (upper case, single space) UK postcode."""
    return POSTCODE_RE.match(value) is not None


def landline(index: int) -> str:
    """A drama-range landline, 01632 960000-960999."""
    return f"{LANDLINE_PREFIX}{index % 1000:03d}"


def mobile(index: int) -> str:
    """A drama-range mobile, 07700 900000-900999."""
    return f"{MOBILE_PREFIX}{index % 1000:03d}"


def london(index: int) -> str:
    """A drama-range London number, 020 7946 0000-0999."""
    return f"{LONDON_PREFIX}{index % 1000:03d}"
