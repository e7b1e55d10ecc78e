"""Standard forms of names, dates and addresses, used for linking and search."""

from __future__ import annotations

import re
import unicodedata

_NOT_LETTERS = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")


def name_key(value: str | None) -> str:
    """Lower case, accents and punctuation removed, hyphens as spaces: `"Zoë O'Brien-Smith"`
    -> `"zoe obrien smith"`."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    ascii_only = "".join(char for char in decomposed if not unicodedata.combining(char))
    lowered = ascii_only.lower().replace("-", " ")
    lowered = lowered.replace("'", "").replace("\u2019", "")
    return _SPACES.sub(" ", _NOT_LETTERS.sub(" ", lowered)).strip()


def address_key(line1: str | None, postcode: str | None) -> str:
    """Address identity for matching and de-duplication: first line + postcode."""
    line = re.sub(r"[^a-z0-9]+", " ", (line1 or "").lower()).strip()  # keeps house numbers
    return f"{line}|{(postcode or '').replace(' ', '').upper()}"
