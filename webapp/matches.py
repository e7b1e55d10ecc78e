"""Read what clerical match review needs: named queries in, dataclasses out.

The review queue and each pair come from the graph (`POSSIBLE_MATCH` between two
`SourceRecord`s, loaded by the ETL), filtered inside the query by the viewer's
policy; decisions already recorded come from the relational store
(`graph_etl.matching.decisions`), which the next ETL run honours. Views never see
Cypher, SQL or the driver.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from graph_etl.matching import decisions as decision_store
from webapp.policy import Policy
from webapp.repository import graph

PER_PAGE = 25
MAX_RECORD_ID = 300  # the width of match_decisions.record_a / record_b
# `source:file:key`: our own source and file names, then the source's key (any
# printable characters but spaces: housing keys hold a `/`).
RECORD_ID = re.compile(r"[a-z][a-z0-9_]{0,39}:[a-z0-9_]{1,60}:[!-~]{1,200}")  # fullmatch

FIELD_NAMES = {
    "given_name": "Given name",
    "family_name": "Family name",
    "dob": "Date of birth",
    "address": "Address",
    "sex": "Sex",
    "nhs_number": "NHS number",
    "upn": "Unique pupil number",
}
LEVEL_NAMES = {
    "exact": "Agrees",
    "different": "Differs",
    "missing": "Missing on one record",
}


def valid_record_id(value: str | None) -> bool:
    """A record id as the ETL writes it, no longer than the decisions table holds."""
    return value is not None and len(value) <= MAX_RECORD_ID and bool(RECORD_ID.fullmatch(value))


def _may_review(policy: Policy) -> bool:
    """Review is a county-wide task: a role limited to its own organisation's people
    (a school) gets an empty queue even if it were ever granted the capability."""
    return policy.allows("review_matches") and policy.organisation_scope is None


# -- the queue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordName:
    id: str
    source: str
    given_name: str | None
    family_name: str | None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p) or "(no name)"


@dataclass(frozen=True)
class QueuedPair:
    a: RecordName
    b: RecordName
    probability: float
    guard: str | None
    decision: bool | None = None  # recorded, awaiting the next refresh: True = same person

    @property
    def percent(self) -> str:
        return percent(self.probability)


@dataclass(frozen=True)
class Queue:
    pairs: list[QueuedPair]
    total: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def percent(probability: float | None) -> str:
    """0.8734 -> `87%`; never rounds an uncertain pair up to 100% or down to 0%."""
    if probability is None:
        return "Not known"
    value = round(probability * 100)
    if value >= 100 and probability < 1:
        value = 99
    if value <= 0 < probability:
        value = 1
    return f"{value}%"


def _record_name(row: dict[str, Any]) -> RecordName:
    return RecordName(row["id"], row["source"], row.get("given_name"), row.get("family_name"))


def pair_key(record_a: str, record_b: str) -> tuple[str, str]:
    """How the decisions table stores a pair: the smaller id first."""
    first, second = sorted((record_a, record_b))
    return first, second


def queue(policy: Policy, engine: Engine, page: int = 1, per_page: int = PER_PAGE) -> Queue:
    """One page of the pairs the viewer may review, most probable first, each marked
    with the decision already recorded on it (if any). A page past the end shows the
    last page."""
    if not _may_review(policy) or not policy.sources:
        return Queue([], 0, 1, per_page)
    page = max(1, page)
    rows = _queue_rows(policy, page, per_page)
    total = int(rows["total"])
    last = max(1, -(-total // per_page))
    if page > last:
        page = last
        rows = _queue_rows(policy, page, per_page)
        total = int(rows["total"])
    decided = {(d.record_a, d.record_b): d.same_person for d in load_decisions(engine)}
    pairs = []
    for item in rows["pairs"]:
        a, b = _record_name(item["a"]), _record_name(item["b"])
        if a.source not in policy.sources or b.source not in policy.sources:
            continue  # second line of defence behind the query's own filter
        pairs.append(
            QueuedPair(a, b, item["probability"], item["guard"], decided.get(pair_key(a.id, b.id)))
        )
    return Queue(pairs, total, page, per_page)


def _queue_rows(policy: Policy, page: int, per_page: int) -> dict[str, Any]:
    found = graph().read_one(
        "queries/review_pairs", skip=(page - 1) * per_page, limit=per_page, **policy.params()
    )
    return found or {"total": 0, "pairs": []}


# -- one pair -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRef:
    id: str
    given_name: str | None
    family_name: str | None
    sources: list[str]

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p) or "(no name)"


@dataclass(frozen=True)
class Record:
    id: str
    source: str
    given_name: str | None
    family_name: str | None
    other_given_names: str | None
    dob: str | None
    sex: str | None
    line1: str | None
    postcode: str | None
    nhs_number: str | None
    upn: str | None
    person: PersonRef | None

    @property
    def key(self) -> str:
        """The record's key in its source system (the id is `source:file:key`)."""
        parts = self.id.split(":", 2)
        return parts[2] if len(parts) == 3 else self.id

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p) or "(no name)"


@dataclass(frozen=True)
class Evidence:
    """One compared field: its level of agreement and its match weight in bits."""

    field: str
    level: str
    weight: float

    @property
    def field_name(self) -> str:
        return FIELD_NAMES.get(self.field, self.field.replace("_", " ").capitalize())

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES.get(self.level, self.level.capitalize())

    @property
    def signed_weight(self) -> str:
        return f"{self.weight:+.1f}".replace("-", "\u2212")

    @property
    def direction(self) -> str:
        if self.weight > 0:
            return "For the same person"
        if self.weight < 0:
            return "Against"
        return "Neither"


@dataclass(frozen=True)
class RecordedDecision:
    same_person: bool
    decided_by: str
    decided_at: datetime
    reason: str

    @property
    def decision_text(self) -> str:
        return "Same person" if self.same_person else "Different people"


@dataclass
class Pair:
    a: Record
    b: Record
    probability: float
    explanation: list[Evidence]
    guard: str | None
    decisions: list[RecordedDecision] = field(default_factory=list)  # newest first

    @property
    def percent(self) -> str:
        return percent(self.probability)

    @property
    def latest_decision(self) -> RecordedDecision | None:
        return self.decisions[0] if self.decisions else None

    @property
    def same_person_now(self) -> bool:
        return bool(self.a.person and self.b.person and self.a.person.id == self.b.person.id)


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value if item) or None
    return str(value)


def _record(policy: Policy, row: dict[str, Any], people: list[dict[str, Any]]) -> Record:
    person = people[0] if people else None
    return Record(
        id=row["id"],
        source=row["source"],
        given_name=row.get("given_name"),
        family_name=row.get("family_name"),
        other_given_names=_text(row.get("other_given_names")),
        dob=row.get("dob"),
        sex=row.get("sex"),
        line1=row.get("line1"),
        postcode=row.get("postcode"),
        # Projected out again here, behind the query's own CASE, as a second line of defence.
        nhs_number=row.get("nhs_number") if policy.sees_field("person.nhs_number") else None,
        upn=row.get("upn") if policy.sees_field("person.upn") else None,
        person=PersonRef(
            person["id"],
            person.get("given_name"),
            person.get("family_name"),
            [s for s in person.get("sources") or [] if s in policy.sources],
        )
        if person
        else None,
    )


def explanation(text: str | None) -> list[Evidence]:
    """The stored explanation (JSON: a list of {field, level, weight}), in the model's
    field order; anything unreadable is left out."""
    try:
        items = json.loads(text or "[]")
    except ValueError:
        return []
    found = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        try:
            weight = float(item.get("weight") or 0.0)
        except (TypeError, ValueError):
            continue
        found.append(Evidence(str(item.get("field", "")), str(item.get("level", "")), weight))
    return found


def pair(policy: Policy, engine: Engine, record_a: str, record_b: str) -> Pair | None:
    """A pair of the queue, or None when it is not in the queue or either record comes
    from a source the viewer may not see. Ids must already be valid (`valid_record_id`)."""
    if not _may_review(policy) or record_a == record_b:
        return None
    for record_id in (record_a, record_b):
        if record_id.split(":", 1)[0] not in policy.sources:
            return None
    row = graph().read_one(
        "queries/review_pair", record_a=record_a, record_b=record_b, **policy.params()
    )
    if row is None:
        return None
    a = _record(policy, row["a"], row["a_people"])
    b = _record(policy, row["b"], row["b_people"])
    if a.source not in policy.sources or b.source not in policy.sources:
        return None
    return Pair(
        a=a,
        b=b,
        probability=row["probability"],
        explanation=explanation(row["explanation"]),
        guard=row["guard"],
        decisions=decisions_on(engine, record_a, record_b),
    )


# -- decisions (relational store) ---------------------------------------------------------


def load_decisions(engine: Engine) -> list[decision_store.Decision]:
    """The latest decision on each pair."""
    return decision_store.load_decisions(engine)


def decisions_on(engine: Engine, record_a: str, record_b: str) -> list[RecordedDecision]:
    """Every decision recorded on one pair, newest first (the newest counts)."""
    first, second = pair_key(record_a, record_b)
    table = decision_store.match_decisions
    query = (
        select(table.c.decision, table.c.decided_by, table.c.decided_at, table.c.reason)
        .where(table.c.record_a == first, table.c.record_b == second)
        .order_by(table.c.decided_at.desc(), table.c.id.desc())
    )
    with engine.connect() as connection:
        return [
            RecordedDecision(decision == decision_store.SAME, decided_by, decided_at, reason or "")
            for decision, decided_by, decided_at, reason in connection.execute(query)
        ]


def record_decision(
    engine: Engine, record_a: str, record_b: str, same_person: bool, decided_by: str, reason: str
) -> None:
    """Store a clerical decision; the next ETL run honours it."""
    decision_store.record_decision(engine, record_a, record_b, same_person, decided_by, reason)
