"""Read the graph for the web app: named queries in, dataclasses out.

Every function takes the viewer's policy and passes its parameters into the query,
so filtering happens in the database; views never see Cypher or the driver.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app

from graph_etl.graph import Graph
from graph_etl.load import loaded_digest
from graph_etl.model import FAMILY_TYPES, person_details
from graph_etl.standardise import name_key, phonetic_key
from webapp.policy import Policy
from webapp.search import SearchQuery, name_score, nickname_forms

SEARCH_LIMIT = 50
WEB_RETRY_SECONDS = 2.0

RELATIONSHIP_LABELS = {
    # (type, outgoing from the person viewed) -> what the other person is to them
    ("PARENT_OF", True): "Child",
    ("PARENT_OF", False): "Parent",
    ("STEP_PARENT_OF", True): "Stepchild",
    ("STEP_PARENT_OF", False): "Step-parent",
    ("GRANDPARENT_OF", True): "Grandchild",
    ("GRANDPARENT_OF", False): "Grandparent",
    ("CARER_OF", True): "Cared-for child",
    ("CARER_OF", False): "Carer",
    ("RELATIVE_OF", True): "Relative",
    ("RELATIVE_OF", False): "Relative",
    ("PARTNER_OF", True): "Partner",
    ("PARTNER_OF", False): "Partner",
    ("SIBLING_OF", True): "Sibling",
    ("SIBLING_OF", False): "Sibling",
    ("HALF_SIBLING_OF", True): "Half-sibling",
    ("HALF_SIBLING_OF", False): "Half-sibling",
}


# A relationship in words, read from its start node to its end node.
EDGE_LABELS = {
    "PARENT_OF": "parent of", "STEP_PARENT_OF": "step-parent of",
    "GRANDPARENT_OF": "grandparent of", "CARER_OF": "carer of", "RELATIVE_OF": "relative",
    "PARTNER_OF": "partner", "SIBLING_OF": "sibling", "HALF_SIBLING_OF": "half-sibling",
}  # fmt: skip


def graph() -> Graph:
    """The app's graph connection, opened on first use (never at import)."""
    found = current_app.extensions.get("graph")
    if found is None:
        found = Graph(current_app.config["GRAPH_SETTINGS"], retry_seconds=WEB_RETRY_SECONDS)
        current_app.extensions["graph"] = found
    return found


def age(dob: str | None, today: date | None = None) -> int | None:
    if not dob:
        return None
    born, today = date.fromisoformat(dob), today or date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@dataclass(frozen=True)
class PersonSummary:
    id: str
    given_name: str | None
    family_name: str | None
    dob: str | None
    sex: str | None
    postcode: str | None
    sources: list[str]

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part) or "(no name)"

    @property
    def age(self) -> int | None:
        return age(self.dob)

    @property
    def postcode_district(self) -> str | None:
        return self.postcode.split(" ")[0] if self.postcode else None


@dataclass(frozen=True)
class Involvement:
    kind: str
    status: str
    start_date: str | None
    end_date: str | None
    source: str
    service: str | None
    organisation: str | None
    professional: dict[str, Any] | None
    end_reason: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Count:
    """A source the viewer may see only as a count."""

    source: str
    involvements: int


@dataclass
class Member:
    person: PersonSummary
    relationship: str
    involvements: list[Involvement] = field(default_factory=list)
    counts: list[Count] = field(default_factory=list)


@dataclass
class PersonPage:
    person: dict[str, Any]
    records: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    family: list[Member]
    household: list[Member]
    involvements: list[Involvement]
    counts: list[Count]
    sources: dict[str, dict[str, Any]]
    no_record_in: list[str]
    # Record keys and links into source systems only where the role sees a source in
    # full: keys can be identifiers (a school's key is the UPN).
    full_sources: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.person["given_name"], self.person["family_name"]) if p)

    def held_by(self, field_name: str) -> list[str]:
        """The sources whose own record holds the value shown for a person field."""
        shown = self.person.get(field_name)
        return sorted({r["source"] for r in self.records if shown and r.get(field_name) == shown})

    @property
    def current_address(self) -> dict[str, Any] | None:
        open_ones = [a for a in self.addresses if not a["to_date"]] or self.addresses
        if not open_ones:
            return None
        return max(open_ones, key=lambda a: (a["reported_at"] or "", a["from_date"] or ""))


def _params(policy: Policy) -> dict[str, Any]:
    return {**policy.params(), "family_types": list(FAMILY_TYPES)}


def phonetic(word: str) -> str:
    """Sound-alike key of a name word; '' for words under three letters (too short to
    sound out: every name that sounds like "jo" is not a match for "jo")."""
    return phonetic_key(word) if len(word) >= 3 else ""


def visible(policy: Policy, person_ids: list[str]) -> set[str]:
    """Which of these people the viewer may see (the one rule, in visible_people)."""
    if not person_ids:
        return set()
    rows = graph().read("queries/visible_people", person_ids=person_ids, **_params(policy))
    return {row["id"] for row in rows}


def exists(person_id: str) -> bool:
    """Whether the id names anyone in the graph, visible or not: for the audit only,
    never for what a viewer is shown."""
    found = graph().read_one("audit/person_exists", person_id=person_id)
    return bool(found and found["exists"])


def _seen_records(policy: Policy, records: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The records of sources the viewer may see. The queries return no others; this
    is the second line of defence before anything is chosen from them."""
    return [record for record in records or [] if record.get("source") in policy.sources]


def _shown_details(policy: Policy, records: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Name, other names, date of birth, sex and (when granted) identifiers of a
    person, chosen only from the records of sources the viewer may see."""
    shown = person_details(_seen_records(policy, records))
    for field_name in ("nhs_number", "upn"):
        if not policy.sees_field(f"person.{field_name}"):
            shown[field_name] = None
    return shown


CANDIDATE_LIMIT = 1000


def _name_candidates(params: dict[str, Any], words: list[str]) -> list[str]:
    """People who may match a name: by the given name (a prefix, a nickname form or the
    same sound) with a family name that may be the searched one (typing slips, sound,
    other family names), both ways round; then by family name (a prefix or the same
    sound); for one word, also by other family names. Most selective first, so the
    limit cuts the loosest. Every lookup is index-anchored except the last."""
    given, family = (words[0], words[-1]) if len(words) > 1 else ("", words[0])
    pairs = [(given, family), (family, given)] if given else [(family, "")]
    if len(words) > 2:  # "Leah Smith Jones": the family name may start at the second word
        pairs += [(given, words[1]), (words[1], given)]
    batches = []
    for first, second in pairs:
        batches.append(
            graph().read(
                "queries/candidates_by_given_name",
                given=first,
                given_keys=nickname_forms(first),
                given_phonetic=phonetic(first),
                family=second,
                family_phonetic=phonetic(second),
                **params,
            )
        )
    for last in dict.fromkeys([family, *words[1:-1][:1]]):
        batches.append(
            graph().read(
                "queries/candidates_by_name",
                given=given,
                family=last,
                family_phonetic=phonetic(last),
                **params,
            )
        )
    if not given:
        batches.append(
            graph().read(
                "queries/candidates_by_other_family_name",
                family=family,
                family_phonetic=phonetic(family),
                **params,
            )
        )
    found = dict.fromkeys(row["id"] for rows in batches for row in rows)
    return list(found)[:CANDIDATE_LIMIT]


def _candidates(policy: Policy, query: SearchQuery) -> list[str]:
    """People matching the most selective criterion given; the rest filter them."""
    params = {**_params(policy), "limit": CANDIDATE_LIMIT}
    if query.nhs_number:
        rows = graph().read(
            "queries/candidates_by_nhs_number", nhs_number=query.nhs_number, **params
        )
    elif query.upn:
        rows = graph().read("queries/candidates_by_upn", upn=query.upn, **params)
    elif query.dob:
        rows = graph().read("queries/candidates_by_record_dob", dob=query.dob.isoformat(), **params)
    elif query.postcode:
        rows = graph().read("queries/candidates_by_postcode", postcode=query.postcode, **params)
    else:
        return _name_candidates(params, query.words)
    return [row["id"] for row in rows]


def _summarise(policy: Policy, row: dict[str, Any]) -> PersonSummary:
    """A people_summaries row as the viewer may see it: name, date of birth and sex
    from the records of the sources they may see only."""
    shown = _shown_details(policy, row["records"])
    return PersonSummary(
        id=row["id"],
        given_name=shown["given_name"],
        family_name=shown["family_name"],
        dob=shown["dob"],
        sex=shown["sex"],
        postcode=row["postcode"],
        sources=[source for source in row["sources"] if source in policy.sources],
    )


def summaries(policy: Policy, person_ids: list[str]) -> dict[str, PersonSummary]:
    """Name, date of birth, sex, postcode and sources of each of these people as the
    viewer may see them (names and dates only from the sources they may see). Does not
    check that the viewer may see the people: callers pass people already checked."""
    if not person_ids:
        return {}
    rows = graph().read("queries/people_summaries", person_ids=person_ids, **_params(policy))
    return {row["id"]: _summarise(policy, row) for row in rows}


# The fields of each record in queries/candidates_names, in order.
CANDIDATE_RECORD = (
    "id", "source", "given_name", "family_name", "other_given_names", "dob", "nhs_number", "upn",
)  # fmt: skip


def _ranked(policy: Policy, query: SearchQuery, row: dict[str, Any]) -> tuple[Any, ...] | None:
    """Where a candidate ranks (None when it does not match every criterion), on what
    the sources the viewer may see hold only: best name match first, then by family
    name, given name and date of birth as shown."""
    held = [dict(zip(CANDIDATE_RECORD, values, strict=True)) for values in row["records"]]
    records = _seen_records(policy, held)
    if query.dob and query.dob.isoformat() not in {r["dob"] for r in records}:
        return None
    if query.postcode and query.postcode not in (row["postcodes"] or []):
        return None
    if query.nhs_number and query.nhs_number not in {r["nhs_number"] for r in records}:
        return None
    if query.upn and query.upn not in {r["upn"] for r in records}:
        return None
    names = search_names(records)
    score = name_score(query.words, names)
    if not score:
        return None
    return (-score, names["family_key"], names["given_key"], names["dob"] or "", row["id"])


def search_names(records: list[dict[str, Any]]) -> dict[str, Any]:
    """What a search scores a person on (`search.name_score`), from these records (pass
    only those of the sources the viewer may see): the name shown, and every given and
    family name the records hold."""
    shown = person_details(records)
    return {
        "given_key": name_key(shown["given_name"]),
        "family_key": name_key(shown["family_name"]),
        "dob": shown["dob"],
        "other_given_names": [
            name for r in records for name in (r.get("given_name"), r.get("other_given_names"))
        ],
        "other_family_names": [r.get("family_name") for r in records],
    }


def search(policy: Policy, query: SearchQuery) -> list[PersonSummary]:
    """People matching every criterion given, best first. A person is found only by
    what the sources the viewer may see hold: names, dates of birth, postcodes and
    identifiers; and only the best are read in full."""
    ids = _candidates(policy, query)
    if not ids:
        return []
    rows = graph().read("queries/candidates_names", person_ids=ids, **_params(policy))
    ranks = {row["id"]: rank for row in rows if (rank := _ranked(policy, query, row))}
    allowed = visible(policy, list(ranks))
    best = sorted(allowed, key=ranks.__getitem__)[:SEARCH_LIMIT]
    shown = summaries(policy, best)
    return [shown[person_id] for person_id in best if person_id in shown]


def _involvements(policy: Policy, person_ids: list[str]) -> dict[str, list[Involvement]]:
    """Involvements, with restricted fields projected out again in Python as a second
    line of defence behind the query's own filtering."""
    found: dict[str, list[Involvement]] = {person_id: [] for person_id in person_ids}
    rows = graph().read("queries/involvements", person_ids=person_ids, **_params(policy))
    for row in rows:
        item = row["involvement"]
        if item["source"] not in policy.sources:
            continue
        source = item["source"]
        found[row["person_id"]].append(
            Involvement(
                kind=item["kind"],
                status=item["status"],
                start_date=item.get("start_date"),
                end_date=item.get("end_date"),
                source=source,
                service=row["service"],
                organisation=row["organisation"],
                professional=row["professional"],
                end_reason=item.get("end_reason")
                if policy.sees_field("involvement.end_reason", source)
                else None,
                detail=item.get("detail")
                if policy.sees_field("involvement.detail", source)
                else None,
            )
        )
    return found


def _counts(policy: Policy, person_ids: list[str]) -> dict[str, list[Count]]:
    found: dict[str, list[Count]] = {person_id: [] for person_id in person_ids}
    if policy.count_sources:
        rows = graph().read("queries/involvement_counts", person_ids=person_ids, **_params(policy))
        for row in rows:
            if row["source"] in policy.count_sources:
                found[row["person_id"]].append(Count(row["source"], row["involvements"]))
    return found


FIELD_WORDS = {
    "given_name": "Given name", "family_name": "Family name", "dob": "Date of birth",
    "address": "Address", "sex": "Sex", "nhs_number": "NHS number", "upn": "UPN",
}  # fmt: skip


def _why_joined(policy: Policy, record: dict[str, Any]) -> dict[str, Any]:
    """A source record with its match explained: which record it was joined to (named
    only when the viewer sees that source) and each compared field's weight."""
    other = record.pop("matched_with", None)
    source = other.split(":", 1)[0] if other else None
    record["matched_source"] = source if source in policy.sources else None
    record["matched_key"] = other.rsplit(":", 1)[-1] if source in policy.full_sources else None
    weights = json.loads(record.pop("explanation", None) or "[]")
    record["weights"] = [
        {**item, "field": FIELD_WORDS.get(item["field"], item["field"])}
        for item in weights
        if item["level"] != "missing"
    ]
    return record


def _project_person(policy: Policy, person: dict[str, Any]) -> dict[str, Any]:
    """The person as the viewer may see them: name, other names, date of birth, sex
    and identifiers chosen from the records of the sources they may see (`held`), and
    identifiers only when granted."""
    person.update(_shown_details(policy, person.pop("held", None)))
    return person


def person_page(policy: Policy, person_id: str) -> PersonPage | None:
    if person_id not in visible(policy, [person_id]):
        return None
    params = _params(policy)
    found = graph().read_one("queries/person", person_id=person_id, **params)
    if found is None:
        return None
    family_rows = graph().read("queries/family", person_id=person_id, **params)
    household_rows = graph().read("queries/household", person_id=person_id, **params)
    named = summaries(
        policy, [row["member_id"] for row in family_rows + household_rows]
    )  # names from the records the viewer may see, never from the person node
    family: dict[str, Member] = {}
    for row in family_rows:
        if row["member_id"] not in named:
            continue  # no record the viewer may see names them
        label = RELATIONSHIP_LABELS[(row["relationship"], row["outgoing"])]
        member = family.setdefault(row["member_id"], Member(named[row["member_id"]], label))
        if label not in member.relationship.split(", "):
            member.relationship = f"{member.relationship}, {label}"
    household = [
        Member(
            named[row["member_id"]],
            family[row["member_id"]].relationship
            if row["member_id"] in family
            else "Lives at the same address",
        )
        for row in household_rows
        if row["member_id"] in named
    ]
    everyone = [person_id, *family, *(m.person.id for m in household if m.person.id not in family)]
    involvements = _involvements(policy, everyone)
    counts = _counts(policy, everyone)
    for member in [*family.values(), *household]:
        member.involvements = involvements.get(member.person.id, [])
        member.counts = counts.get(member.person.id, [])
    sources = {row["id"]: row for row in graph().read("queries/sources", **params)}
    person = _project_person(policy, found["person"])
    return PersonPage(
        person=person,
        records=[_why_joined(policy, record) for record in found["records"]],
        addresses=found["addresses"],
        family=list(family.values()),
        household=household,
        involvements=involvements[person_id],
        counts=counts[person_id],
        full_sources=policy.full_sources,
        sources=sources,
        # Only sources actually loaded were checked: a source never loaded says nothing.
        no_record_in=[
            source
            for source in (*policy.sources, *policy.count_sources)
            if sources.get(source, {}).get("loaded_at")
            and source not in person["sources"]
            and source not in person["counted_sources"]
        ],
    )


def network(policy: Policy, person_id: str) -> dict[str, Any] | None:
    """One person and their family relationships, as nodes and edges for the
    interactive network (cytoscape's element format)."""
    if person_id not in visible(policy, [person_id]):
        return None
    rows = graph().read("queries/network", person_ids=[person_id], **_params(policy))
    named = summaries(policy, [row["member_id"] for row in rows])
    nodes = {person_id: {"id": person_id}}
    edges = []
    for row in rows:
        member = named.get(row["member_id"])
        if member is None:
            continue  # no record the viewer may see names them
        nodes[member.id] = {"id": member.id, "label": member.name, "dob": member.dob}
        start, end = (person_id, member.id) if row["outgoing"] else (member.id, person_id)
        edges.append(
            {
                "id": f"{start}-{row['relationship']}-{end}",
                "source": start,
                "target": end,
                "label": EDGE_LABELS[row["relationship"]],
                "type": row["relationship"],
            }
        )
    return {"nodes": list(nodes.values()), "edges": edges}


@dataclass(frozen=True)
class TracedAddress:
    address: dict[str, Any]
    source: str
    from_date: str | None
    to_date: str | None
    reported_at: str | None
    residents: list[dict[str, Any]]

    @property
    def current(self) -> bool:
        return not self.to_date


def address_trace(policy: Policy, person_id: str) -> list[TracedAddress] | None:
    """Every address any visible source holds for a person, most recent first: open
    addresses before ended ones, then by when reported and from when."""
    if person_id not in visible(policy, [person_id]):
        return None
    rows = graph().read("queries/address_trace", person_id=person_id, **_params(policy))
    named = summaries(policy, [other["id"] for row in rows for other in row["residents"]])
    for row in rows:
        row["residents"] = [
            {**other, "name": named[other["id"]].name, "dob": named[other["id"]].dob}
            for other in row["residents"]
            if other["id"] in named
        ]
    traced = [TracedAddress(**row) for row in rows]
    return sorted(
        traced,
        key=lambda t: (t.current, t.to_date or "", t.reported_at or "", t.from_date or ""),
        reverse=True,
    )


def person_summary(policy: Policy, person_id: str) -> PersonSummary | None:
    """Name and date of birth of a person the viewer may see (page headings), from the
    sources they may see only."""
    if person_id not in visible(policy, [person_id]):
        return None
    return summaries(policy, [person_id]).get(person_id)


@dataclass
class AnalystRows:
    """What the analyst figures are computed from, all filtered by the policy: how
    many people are known to how many sources, current involvements by source, and
    family links."""

    known: list[dict[str, Any]]
    involvements: list[dict[str, Any]]
    links: list[dict[str, Any]]


def sources(policy: Policy) -> list[dict[str, Any]]:
    """The sources the viewer sees or counts, with when each was extracted and loaded."""
    return graph().read("queries/sources", **_params(policy))


def load_digest() -> str | None:
    """The digest of the graph's last complete load (None while a load is writing, or
    before the first): equal digests, equal graphs."""
    return loaded_digest(graph())


def analyst_rows(policy: Policy) -> AnalystRows:
    params = _params(policy)
    read = graph().read
    return AnalystRows(
        known=read("queries/analyst_people", **params),
        involvements=read("queries/analyst_current_involvements", **params),
        links=read("queries/analyst_family_links", **params),
    )
