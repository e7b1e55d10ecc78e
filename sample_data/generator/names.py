"""Weighted choice of given names and surnames from the curated lists."""

from __future__ import annotations

from bisect import bisect, bisect_right
from collections.abc import Sequence
from itertools import accumulate
from random import Random

from .name_lists import BANDS, GIVEN_BY_BAND, GIVEN_BY_HERITAGE, HERITAGE_WEIGHTS, SURNAMES


class Weighted:
    """Draws items with fixed weights using one uniform number per draw."""

    def __init__(self, items: Sequence[str], weights: Sequence[float]) -> None:
        self.items = tuple(items)
        self._cum = tuple(accumulate(weights))
        self._total = self._cum[-1]

    @classmethod
    def ranked(cls, items: Sequence[str]) -> Weighted:
        """Weights falling with rank, like a name frequency table."""
        return cls(items, [1.0 / (rank + 15) for rank in range(len(items))])

    def pick(self, rng: Random) -> str:
        """One item."""
        return self.items[bisect_right(self._cum, rng.random() * self._total)]


_BAND_PICKERS = {key: Weighted.ranked(names) for key, names in GIVEN_BY_BAND.items()}
_HERITAGE_PICKERS = {key: Weighted.ranked(names) for key, names in GIVEN_BY_HERITAGE.items()}
_SURNAME_PICKERS = {
    heritage: Weighted([n for n, _ in pairs], [w for _, w in pairs])
    for heritage, pairs in SURNAMES.items()
}
_HERITAGE = Weighted([h for h, _ in HERITAGE_WEIGHTS], [w for _, w in HERITAGE_WEIGHTS])


def pick_heritage(rng: Random) -> str:
    """The heritage of a family group founder."""
    return _HERITAGE.pick(rng)


def band_of(year: int) -> int:
    """The birth-period band a birth year falls in."""
    return BANDS[bisect(BANDS, year) - 1]


def pick_given(rng: Random, sex: str, birth_year: int, heritage: str) -> str:
    """A given name typical for sex, birth year and community.

    Minority communities mostly use their own names; later generations born here
    mix in the names popular at the time.
    """
    own = _HERITAGE_PICKERS.get((heritage, sex))
    if own is not None:
        mainstream_share = 0.15 if birth_year < 1990 else 0.35
        if heritage in ("caribbean", "chinese"):
            mainstream_share += 0.4
        if rng.random() >= mainstream_share:
            return own.pick(rng)
    elif heritage == "irish" and rng.random() < 0.5:
        return _HERITAGE_PICKERS[("irish", sex)].pick(rng)
    return _BAND_PICKERS[(band_of(birth_year), sex)].pick(rng)


def pick_surname_key(rng: Random, heritage: str) -> str:
    """A surname key; gendered surnames look like ``"Kowalski/Kowalska"``."""
    picker = _SURNAME_PICKERS.get(heritage, _SURNAME_PICKERS["british"])
    if heritage == "caribbean" and rng.random() < 0.5:
        picker = _SURNAME_PICKERS["british"]
    return picker.pick(rng)


def surname_form(key: str, sex: str) -> str:
    """The form of a surname key used by someone of the given sex."""
    male, sep, female = key.partition("/")
    if not sep:
        return key
    return female if sex == "F" else male


def double_barrel(first: str, second: str) -> str:
    """Join two surname keys, keeping male/female forms aligned."""
    if first == second or "-" in first or "-" in second:
        return first
    m1, f1 = surname_form(first, "M"), surname_form(first, "F")
    m2, f2 = surname_form(second, "M"), surname_form(second, "F")
    male, female = f"{m1}-{m2}", f"{f1}-{f2}"
    return male if male == female else f"{male}/{female}"
