"""Canonical records + person links -> the rows each graph load file takes.

Pure: no graph access here, so every derivation (current address, households,
siblings, involvement status) is testable on tiny inline data.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import orjson

from graph_etl.matching.types import Link, ReviewPair
from graph_etl.sources.manifest import FAMILY_TYPES, INVERSE_TYPES, Manifest
from graph_etl.sources.reader import ReadResult
from graph_etl.standardise import address_key, name_key, phonetic_key

Row = dict[str, Any]

PERSON_FIELDS = (
    "given_name",
    "family_name",
    "dob",
    "sex",
    "nhs_number",
    "upn",
)


@dataclass
class GraphRows:
    """Rows for each `cypher/load/<name>.cypher`, in load order."""

    sources: list[Row] = field(default_factory=list)
    organisations: list[Row] = field(default_factory=list)
    addresses: list[Row] = field(default_factory=list)
    persons: list[Row] = field(default_factory=list)
    source_records: list[Row] = field(default_factory=list)
    review_pairs: list[Row] = field(default_factory=list)
    lives_at: list[Row] = field(default_factory=list)
    households: list[Row] = field(default_factory=list)
    family: list[Row] = field(default_factory=list)
    services: list[Row] = field(default_factory=list)
    professionals: list[Row] = field(default_factory=list)
    involvements: list[Row] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in vars(self).items()}


def _json(value: Any) -> str:
    """Canonical JSON text (keys sorted) of a match explanation, as stored on the graph."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:12]


@lru_cache(maxsize=1 << 16)  # an address is reported for several people, by several sources
def address_id(line1: str | None, postcode: str | None, uprn: str | None) -> str:
    return f"U{uprn}" if uprn else f"A{_digest(address_key(line1, postcode))}"


def _most_common(values: list[Any]) -> Any:
    present = [value for value in values if value not in (None, "")]
    if len(set(present)) <= 1:  # the usual case: every source agrees (or says nothing)
        return present[0] if present else None
    return Counter(present).most_common(1)[0][0]


def _full_name(given: str | None, family: str | None) -> str:
    return f"{given or ''} {family or ''}".strip()


def person_details(records: Iterable[Row]) -> Row:
    """The name, other names, date of birth, sex and identifiers to show for one person,
    from the records given: each the value most of them hold, a tie going to the record with
    the smallest id (so to the alphabetically first source), whatever order the
    records come in. Other names are the full names of the other records, one per
    standard form (`"Paul CLARK"` is not another name of Paul Clark).

    The ETL applies it to all of a person's records; the web app to the records of
    the sources the viewer may see, so nothing shown comes from a source they may not
    see (and a viewer who sees every source sees what the ETL chose)."""
    ordered = sorted(records, key=lambda record: record.get("id") or "")
    given = _most_common([record.get("given_name") for record in ordered])
    family = _most_common([record.get("family_name") for record in ordered])
    shown = name_key(_full_name(given, family))
    other: dict[str, str] = {}
    for record in ordered:
        full = _full_name(record.get("given_name"), record.get("family_name"))
        key = name_key(full)
        if key and key != shown:
            other.setdefault(key, full)
    return {
        "given_name": given,
        "family_name": family,
        "other_names": sorted(other.values()),
        "dob": _most_common([record.get("dob") for record in ordered]),
        "sex": _most_common([record.get("sex") for record in ordered]),
        "nhs_number": _most_common([record.get("nhs_number") for record in ordered]),
        "upn": _most_common([record.get("upn") for record in ordered]),
    }


def _status(end: str | None, as_of: date) -> str:
    return "closed" if end and date.fromisoformat(end) <= as_of else "current"


def build(
    manifests: dict[str, Manifest],
    results: dict[str, ReadResult],
    links: dict[str, Link],
    loaded_at: datetime,
    review: Sequence[ReviewPair] = (),
) -> GraphRows:
    rows = GraphRows()
    rows.review_pairs = [
        {
            "record_a": pair.record_a,
            "record_b": pair.record_b,
            "probability": pair.probability,
            "explanation": _json(pair.explanation),
            "guard": pair.guard,
        }
        for pair in review
    ]
    extracted = {source: result.extracted_at.isoformat() for source, result in results.items()}
    for source, manifest in manifests.items():
        result = results.get(source)
        rows.sources.append(
            {
                "id": source,
                "title": manifest.title,
                "owner": manifest.governance["owner"],
                "refresh": manifest.governance["refresh"],
                "lawful_basis": manifest.governance["lawful_basis"],
                "legal_gateway": manifest.governance["legal_gateway"],
                "sharing_agreement": manifest.governance["sharing_agreement"],
                "organisation_id": manifest.organisation["id"],
                "extracted_at": result.extracted_at.isoformat() if result else None,
                "loaded_at": loaded_at.isoformat() if result else None,
            }
        )
    organisations = {
        manifest.organisation["id"]: {**manifest.organisation} for manifest in manifests.values()
    }

    persons_by_id: dict[str, list[Row]] = defaultdict(list)
    addresses: dict[str, Row] = {}
    lives: list[Row] = []
    for source, result in results.items():
        deep_link = manifests[source].governance["deep_link"]
        for record in result.people():
            link = links[record["id"]]
            persons_by_id[link.person_id].append(record)
            key = record["id"].split(":", 2)[2]
            rows.source_records.append(
                {
                    "id": record["id"],
                    "source": source,
                    "person_id": link.person_id,
                    "probability": link.probability,
                    "reasons": link.reasons,
                    "matched_with": link.matched_with,
                    "explanation": _json(link.explanation),
                    "deep_link": deep_link.replace("{key}", key),
                    "props": {
                        name: record.get(name)
                        for name in (*PERSON_FIELDS, "other_given_names", "line1", "postcode")
                    },
                }
            )
            if record.get("line1") or record.get("postcode"):
                lives.append(
                    _lives_row(
                        record,
                        link.person_id,
                        source,
                        extracted[source],
                        addresses,
                        record.get("address_from"),
                        None,
                    )
                )
        for item in result.records.get("address", []):
            if item["person"] in links and (item.get("line1") or item.get("postcode")):
                lives.append(
                    _lives_row(
                        item,
                        links[item["person"]].person_id,
                        source,
                        extracted[source],
                        addresses,
                        item.get("from"),
                        item.get("to"),
                    )
                )

    for person_id, records in sorted(persons_by_id.items()):
        shown = person_details(records)
        given, family = shown["given_name"], shown["family_name"]
        other_families = sorted(
            {name_key(record.get("family_name")) for record in records} - {name_key(family), ""}
        )
        rows.persons.append(
            {
                "id": person_id,
                "given_name": given,
                "family_name": family,
                "given_key": name_key(given),
                "family_key": name_key(family),
                "given_phonetic": phonetic_key(given),
                "family_phonetic": phonetic_key(family),
                # Other family names any source holds (a name before marriage, a
                # swapped or misspelt one), and how they sound: only for finding search
                # candidates. What a viewer is shown, and what their search is scored
                # on, comes from the records of the sources they may see.
                "other_family_keys": other_families,
                # The first of them, null when none: indexed, so a search goes straight
                # to the people with other family names (a list has no index).
                "first_other_family_key": other_families[0] if other_families else None,
                "other_family_phonetics": sorted(
                    {phonetic_key(other) for other in other_families} - {phonetic_key(family)}
                ),
                "dob": shown["dob"],
                "sex": shown["sex"],
                "nhs_number": shown["nhs_number"],
                "upn": shown["upn"],
                "sources": sorted({record["source"] for record in records}),
            }
        )

    rows.addresses = sorted(addresses.values(), key=lambda row: row["id"])
    rows.lives_at = _mark_current(lives)
    rows.family = _family(results, links)
    rows.households = _households(rows.lives_at, rows.family, _family_groups(results, links))
    _involvements(rows, results, links, organisations, manifests)
    rows.organisations = sorted(organisations.values(), key=lambda row: row["id"])
    return rows


def _lives_row(
    item: Row,
    person_id: str,
    source: str,
    reported_at: str,
    addresses: dict[str, Row],
    start: str | None,
    end: str | None,
) -> Row:
    ident = address_id(item.get("line1"), item.get("postcode"), item.get("uprn"))
    kept = addresses.setdefault(ident, {"id": ident})
    for name in ("line1", "line2", "town", "postcode", "uprn"):
        if not kept.get(name):  # sources differ in how much of an address they hold
            kept[name] = item.get(name)
    return {
        "person_id": person_id,
        "address_id": ident,
        "source": source,
        "from_date": start,
        "to_date": end,
        "reported_at": reported_at,
    }


def _mark_current(lives: list[Row]) -> list[Row]:
    """One LIVES_AT per (person, address, source); the newest open one is current."""
    merged: dict[tuple[str, str, str], Row] = {}
    for row in lives:
        key = (row["person_id"], row["address_id"], row["source"])
        kept = merged.get(key)
        if kept is None or (row["from_date"] or "") > (kept["from_date"] or ""):
            merged[key] = dict(row)
    by_person: dict[str, list[Row]] = defaultdict(list)
    for row in merged.values():
        by_person[row["person_id"]].append(row)
    for person_rows in by_person.values():
        open_rows = [row for row in person_rows if not row["to_date"]] or person_rows
        newest = max(
            open_rows,
            key=lambda row: (row["reported_at"], row["from_date"] or "", row["address_id"]),
        )
        for row in person_rows:
            row["current"] = row is newest
    return sorted(
        merged.values(), key=lambda row: (row["person_id"], row["address_id"], row["source"])
    )


HOUSEHOLD_TIES = frozenset(
    {
        "PARENT_OF",
        "STEP_PARENT_OF",
        "GRANDPARENT_OF",
        "CARER_OF",
        "PARTNER_OF",
        "SIBLING_OF",
        "HALF_SIBLING_OF",
    }
)


def _family_groups(results: dict[str, ReadResult], links: dict[str, Link]) -> list[set[str]]:
    """Each source's family or household groups (SSD families, tenancies), as person ids."""
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for source, result in results.items():
        for item in result.records.get("family_group", []):
            groups[(source, str(item["group"]))].add(links[item["person"]].person_id)
    return list(groups.values())


def _households(lives: list[Row], family: list[Row], groups: list[set[str]]) -> list[Row]:
    """People at the same current address form a household when they are tied to each
    other by a close family relationship or by a source's family or tenancy group.
    Unrelated people at one address (a lodger, a house in multiple occupation) are
    separate households."""
    address_of = {row["person_id"]: row["address_id"] for row in lives if row["current"]}
    parent: dict[str, str] = {person: person for person in address_of}

    def find(person: str) -> str:
        while parent[person] != person:
            parent[person] = parent[parent[person]]
            person = parent[person]
        return person

    def tie(a: str, b: str) -> None:
        if a in address_of and b in address_of and address_of[a] == address_of[b]:
            root_a, root_b = find(a), find(b)
            parent[max(root_a, root_b)] = min(root_a, root_b)

    for edge in family:
        if edge["type"] in HOUSEHOLD_TIES:
            tie(edge["from"], edge["to"])
    for group in groups:
        members = sorted(group)
        for other in members[1:]:
            tie(members[0], other)
    return [
        {
            "id": f"H{address}-{find(person)}",
            "address_id": address,
            "person_id": person,
        }
        for person, address in sorted(address_of.items())
    ]


def _family(results: dict[str, ReadResult], links: dict[str, Link]) -> list[Row]:
    edges: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for source, result in results.items():
        for item in result.records.get("relationship", []):
            a, b = links[item["person"]].person_id, links[item["related"]].person_id
            kind = item["type"]
            if kind in INVERSE_TYPES:
                a, b, kind = b, a, INVERSE_TYPES[kind]
            if kind in {"PARTNER_OF", "SIBLING_OF", "HALF_SIBLING_OF", "RELATIVE_OF"}:
                a, b = min(a, b), max(a, b)  # symmetric: one edge, whichever side said it
            if a != b and kind in FAMILY_TYPES:
                edges[(a, b, kind)].add(source)
    parents: dict[str, set[str]] = defaultdict(set)
    for parent, child, kind in edges:
        if kind == "PARENT_OF":
            parents[child].add(parent)
    children_of: dict[str, set[str]] = defaultdict(set)
    for child, found in parents.items():
        for parent in found:
            children_of[parent].add(child)
    for siblings in children_of.values():
        for a in siblings:
            for b in siblings:
                if a < b:
                    full = parents[a] == parents[b] and len(parents[a]) >= 2
                    known_differ = len(parents[a]) >= 2 and len(parents[b]) >= 2 and not full
                    kind = "HALF_SIBLING_OF" if known_differ else "SIBLING_OF"
                    edges[(a, b, kind)].add("derived")
    return [
        {"from": a, "to": b, "type": kind, "sources": sorted(sources)}
        for (a, b, kind), sources in sorted(edges.items())
    ]


def _involvements(
    rows: GraphRows,
    results: dict[str, ReadResult],
    links: dict[str, Link],
    organisations: dict[str, Row],
    manifests: dict[str, Manifest],
) -> None:
    services: dict[str, Row] = {}
    for source, result in sorted(results.items()):
        home = manifests[source].organisation
        as_of = result.extracted_at.date()
        for item in result.records.get("professional", []):
            org_name = item.get("organisation") or home["name"]
            org_id = home["id"] if org_name == home["name"] else f"org-{slug(org_name)}"
            organisations.setdefault(
                org_id, {"id": org_id, "name": org_name, "sector": home["sector"]}
            )
            rows.professionals.append(
                {
                    "id": item["id"],
                    "name": item.get("name"),
                    "role": item.get("role"),
                    "team": item.get("team"),
                    "email": item.get("email"),
                    "phone": item.get("phone"),
                    "organisation_id": org_id,
                    "source": source,
                }
            )
        for item in result.records.get("involvement", []):
            service_name = item.get("service") or item["kind"]
            service_id = f"{source}:{slug(service_name)}"
            services.setdefault(
                service_id,
                {
                    "id": service_id,
                    "name": service_name,
                    "source": source,
                    "organisation_id": home["id"],
                },
            )
            rows.involvements.append(
                {
                    "id": item["id"],
                    "person_id": links[item["person"]].person_id,
                    "kind": item["kind"],
                    "status": _status(item.get("end"), as_of),
                    "start_date": item.get("start"),
                    "end_date": item.get("end"),
                    "end_reason": item.get("end_reason"),
                    "detail": item.get("detail"),
                    "source": source,
                    "service_id": service_id,
                    "professional_id": item.get("professional"),
                }
            )
    rows.services = sorted(services.values(), key=lambda row: row["id"])
