"""Realistic recording errors, injected per source at tunable rates.

A rate is the chance that one person record which *could* carry the error does carry
it (a DOB swap needs a day of 12 or less; a stale address needs an earlier address).
Every injected error is logged to ``ground_truth/injected_errors.csv``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

from .model import Person
from .nicknames import alternatives
from .places import Address

KINDS: tuple[str, ...] = (
    "nickname",
    "typo",
    "name_swap",
    "dob_day_month_swap",
    "dob_off_by_one",
    "missing_dob",
    "missing_sex",
    "missing_postcode",
    "postcode_format",
    "stale_address",
    "stale_surname",
    "missing_strong_id",
)

# Default rates per source, in the order of KINDS. Strong ids are the NHS number or UPN
# that a source normally holds; "-" marks an error that cannot happen in that source.
_TABLE = """
source             nick  typo  swap  dmsw  dob1  nodob nosex nopc  pcfmt stale oldsn noid
social_care        0.05  0.02  0.005 0.01  0.01  0.03  0.01  0.03  0.05  0.10  0.30  0.10
schools            0.01  0.01  0.002 0.003 0.003 -     -     0.01  0.02  0.05  0.10  -
health             0.02  0.01  0.002 0.003 0.003 0.002 0.005 0.01  0.03  0.08  0.15  0.01
police             0.15  0.04  0.02  0.03  0.02  0.05  0.03  0.10  0.08  0.15  0.40  -
housing            0.08  0.02  0.005 0.01  0.01  0.03  0.02  -     -     -     0.25  -
youth_justice      0.06  0.02  0.005 0.01  0.01  0.01  0.01  0.05  0.05  0.10  0.30  0.40
probation          0.10  0.02  0.01  0.01  0.02  0.01  0.01  0.08  0.05  0.20  0.40  -
adult_social_care  0.06  0.02  0.005 0.01  0.01  0.01  0.01  0.03  0.05  0.08  0.25  0.10
"""


def _parse(table: str) -> dict[str, dict[str, float]]:
    rates: dict[str, dict[str, float]] = {}
    for line in table.strip().splitlines()[1:]:
        source, *cells = line.split()
        rates[source] = {
            kind: float(cell) for kind, cell in zip(KINDS, cells, strict=True) if cell != "-"
        }
    return rates


DEFAULT_RATES: dict[str, dict[str, float]] = _parse(_TABLE)

ERROR_LOG_COLUMNS = (
    "source",
    "file",
    "record_key",
    "person_id",
    "error",
    "field",
    "true_value",
    "recorded_value",
)

_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


@dataclass(slots=True)
class Seen:
    """A person as one source recorded them."""

    given: str
    family: str
    dob: date | None
    sex: str
    history: list[tuple[Address, date, date | None]]
    postcode: str
    nhs: str
    upn: str

    @property
    def address(self) -> Address | None:
        """The address the source believes is current."""
        return self.history[-1][0] if self.history else None


def typo(name: str, rng: Random) -> str:
    """One keyboard slip: substitution, deletion, transposition or a doubled letter."""
    if len(name) < 3:
        return name + name[-1]
    for _ in range(5):
        i = rng.randrange(1, len(name))
        op = rng.randrange(4)
        if op == 0:
            out = name[:i] + rng.choice(_KEYBOARD) + name[i + 1 :]
        elif op == 1:
            out = name[:i] + name[i + 1 :]
        elif op == 2 and i < len(name) - 1:
            out = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        else:
            out = name[:i] + name[i] + name[i:]
        if out != name and out.strip() and not out.endswith(("-", " ", "'")):
            return out
    return name + name[-1]


def format_postcode(postcode: str, rng: Random) -> str:
    """A common mis-keying of a correct postcode."""
    out, inward = postcode[:-4], postcode[-3:]
    variant = rng.randrange(4)
    if variant == 0:
        return out + inward
    if variant == 1:
        return postcode.lower()
    if variant == 2:
        return f"{out}  {inward}"
    return (out + inward).lower()


def _shift_dob(dob: date, rng: Random) -> date:
    if rng.random() < 0.5:
        return dob + timedelta(days=rng.choice((-1, 1)))
    try:
        return dob.replace(year=dob.year + rng.choice((-1, 1)))
    except ValueError:
        return dob + timedelta(days=1)


class Distorter:
    """Applies and logs errors for one run.

    A source's effective rate for an error is its default rate x ``scale`` x the
    source's own multiplier in ``source_scale`` (1 when not given), at most 1. Each
    agency draws from random streams of its own, so tuning one source's rates leaves
    the people and every other source's extract as they were.
    """

    def __init__(
        self,
        scale: float,
        log: Callable[[list[str]], None],
        rates: dict[str, dict[str, float]] | None = None,
        source_scale: Mapping[str, float] | None = None,
    ) -> None:
        self.scale = scale
        self.log = log
        self.rates = rates or DEFAULT_RATES
        self.source_scale = dict(source_scale or {})
        unknown = sorted(set(self.source_scale) - set(self.rates))
        if unknown:
            raise ValueError(
                f"no such source: {', '.join(unknown)} (sources: {', '.join(self.rates)})"
            )
        self.stats: dict[str, dict[str, list[int]]] = {
            source: {kind: [0, 0] for kind in kinds} for source, kinds in self.rates.items()
        }

    def scale_for(self, source: str) -> float:
        """What ``source``'s default rates are multiplied by."""
        return self.scale * self.source_scale.get(source, 1.0)

    def rate(self, source: str, kind: str) -> float:
        """The effective rate (default x scale x the source's multiplier, at most 1)."""
        return min(1.0, self.rates[source].get(kind, 0.0) * self.scale_for(source))

    def view(
        self,
        rng: Random,
        where: tuple[str, str, str],
        person: Person,
        as_of: date,
        fields: frozenset[str],
    ) -> Seen:
        """How ``where`` = (source, file, record key) recorded ``person``."""
        source = where[0]
        rates = self.rates[source]
        stats = self.stats[source]
        scale = self.scale_for(source)

        def hit(kind: str) -> bool:
            if kind not in rates:
                return False
            counts = stats[kind]
            counts[0] += 1
            if rng.random() < rates[kind] * scale:
                counts[1] += 1
                return True
            return False

        def note(kind: str, field: str, true: object, recorded: object) -> None:
            self.log([*where, person.person_id, kind, field, str(true or ""), str(recorded or "")])

        given, family = person.given, person.family
        if person.former_surnames and hit("stale_surname"):
            family = person.former_surnames[-1][0]
            note("stale_surname", "family_name", person.family, family)
        options = alternatives(given)
        if options and hit("nickname"):
            given = rng.choice(options)
            note("nickname", "given_name", person.given, given)
        if hit("typo"):
            if rng.random() < 0.5:
                new = typo(given, rng)
                note("typo", "given_name", given, new)
                given = new
            else:
                new = typo(family, rng)
                note("typo", "family_name", family, new)
                family = new
        if hit("name_swap"):
            given, family = family, given
            note("name_swap", "given_name+family_name", person.given, given)

        dob: date | None = None
        if "dob" in fields:
            dob = person.dob
            # A source refuses a date of birth after its extract date, so errors never
            # make one; the random draw is made all the same, keeping every other
            # record as it would be.
            if dob.day <= 12 and dob.day != dob.month:
                swapped = dob.replace(day=dob.month, month=dob.day)
                if swapped > as_of:
                    if "dob_day_month_swap" in rates:
                        rng.random()
                elif hit("dob_day_month_swap"):
                    dob = swapped
                    note("dob_day_month_swap", "date_of_birth", person.dob, dob)
            if hit("dob_off_by_one"):
                shifted = _shift_dob(dob, rng)
                if shifted > as_of:
                    shifted = dob - timedelta(days=1)
                note("dob_off_by_one", "date_of_birth", dob, shifted)
                dob = shifted
            if hit("missing_dob"):
                note("missing_dob", "date_of_birth", person.dob, "")
                dob = None

        sex = ""
        if "sex" in fields:
            sex = person.sex
            if hit("missing_sex"):
                note("missing_sex", "sex", sex, "")
                sex = ""

        history: list[tuple[Address, date, date | None]] = []
        postcode = ""
        if "address" in fields:
            history = person.address_history()
            if len(history) > 1 and hit("stale_address"):
                note(
                    "stale_address", "address", history[-1][0].address_id, history[-2][0].address_id
                )
                history = history[:-1]
                last, start, _ = history[-1]
                history[-1] = (last, start, None)
            postcode = history[-1][0].postcode
            if hit("missing_postcode"):
                note("missing_postcode", "postcode", postcode, "")
                postcode = ""
            elif hit("postcode_format"):
                formatted = format_postcode(postcode, rng)
                note("postcode_format", "postcode", postcode, formatted)
                postcode = formatted

        nhs = person.nhs if "nhs" in fields else ""
        upn = person.upn if "upn" in fields else ""
        for field, value in (("nhs_number", nhs), ("upn", upn)):
            if value and hit("missing_strong_id"):
                note("missing_strong_id", field, value, "")
                if field == "nhs_number":
                    nhs = ""
                else:
                    upn = ""
        return Seen(given, family, dob, sex, history, postcode, nhs, upn)
