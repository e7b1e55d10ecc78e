"""What matching returns: a link per record, review pairs, id events; and decisions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]


@dataclass
class Link:
    """Which person a source record belongs to, and why.

    `probability` is the match probability of the strongest link that joins the record
    to its person (1.0 for a person's only record or a clerical "same person"; for a
    record joined through its relatives, that of the pair with the record of its name,
    or None when that pair was not scored: see `relatives`);
    `reasons` are short sentences; `explanation` holds one `{"field", "level",
    "weight"}` entry per compared field of that link (weights in bits, JSON-ready);
    `matched_with` is the record at the other end of that link.

    Links that share an explanation share the same list objects: treat them as read-only.
    """

    person_id: str
    probability: float | None
    reasons: list[str] = field(default_factory=list)
    explanation: list[dict[str, Any]] = field(default_factory=list)
    matched_with: str | None = None


@dataclass
class ReviewPair:
    """Two records the model is unsure about, for clerical review (record ids, the
    smaller first). `guard` says why a family-safe guard would keep them apart, if one
    would: only a "same person" decision can join such a pair."""

    record_a: str
    record_b: str
    probability: float
    explanation: list[dict[str, Any]]
    guard: str | None = None


@dataclass(frozen=True)
class Decision:
    """A clerical decision on a pair of records: the same person or different people."""

    record_a: str
    record_b: str
    same_person: bool


@dataclass
class MatchResult:
    """Everything `match()` returns.

    `token` names the state this run kept for the next (None: none kept); `since`, the
    state of the run it compared against, and `changed_links` the records whose links
    may differ from those that run gave (None: any may). `links` works each link out
    when it is first asked for (`results.Links`): `person_ids` gives every record's
    person id without them. `keep`, when the caller asked to keep that state later
    (`match(keep_later=True)`), saves it: until it is called, `token` names a state
    not yet kept (the next run then compares against the one before)."""

    links: Mapping[str, Link]
    review_pairs: list[ReviewPair]
    events: list[dict[str, Any]]
    model_version: str
    stats: dict[str, Any] = field(default_factory=dict)
    token: str | None = None
    since: str | None = None
    changed_links: set[str] | None = None
    keep: Callable[[], object] | None = field(default=None, repr=False, compare=False)


def person_ids(links: Mapping[str, Link]) -> Mapping[str, str]:
    """Each record's person id, by record id: matching's `person_of` when it gives one,
    so that asking does not work out every record's link and explanation."""
    known = getattr(links, "person_of", None)
    if known is not None:
        return known
    return {record_id: link.person_id for record_id, link in links.items()}
