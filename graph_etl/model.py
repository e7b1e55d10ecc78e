"""Canonical records + person links -> the rows each graph load file takes.

Pure: no graph access here, so every derivation (current address, households,
siblings, involvement status) is testable on tiny inline data.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import orjson

from graph_etl.matching.types import Link, ReviewPair, person_ids
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
    """Rows for each `cypher/load/<name>.cypher` (written in the order of `load.STEPS`)."""

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


@lru_cache(maxsize=4096)  # service and organisation names, one per involvement
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


def status(end: str | None, as_of: date) -> str:
    """An involvement's status on the extract date `as_of`."""
    return "closed" if end and date.fromisoformat(end) <= as_of else "current"


def build(
    manifests: dict[str, Manifest],
    results: dict[str, ReadResult],
    links: Mapping[str, Link],
    loaded_at: datetime,
    review: Sequence[ReviewPair] = (),
) -> GraphRows:
    """Every row, from every record. (A refresh rebuilds only the rows its change can
    reach: `graph_etl.refresh_scope`, from the same parts, so each row is the same
    whichever builds it. No row a refresh rebuilds in part depends on the order records
    come in; those always built in full, such as services, may.)"""
    return RowsOnDemand(manifests, results, links, loaded_at, review).all()


# Each step's rows, and the method that builds them (with those of other steps).
_PART_OF: dict[str, str] = {
    "review_pairs": "_listed",
    "sources": "_listed",
    "organisations": "_listed",
    "services": "_listed",
    "professionals": "_listed",
    "family": "_family",
    "persons": "_people",
    "source_records": "_people",
    "lives_at": "_addresses",
    "addresses": "_addresses",
    "households": "_households",
    "involvements": "_involvements",
}


class RowsOnDemand:
    """`build`'s rows, each part built when one of its steps is first asked for
    (`rows.persons`). A first load plans and writes a step at a time, so the parts of
    later steps are built while the server writes earlier ones (`graph_etl.load`)."""

    def __init__(
        self,
        manifests: dict[str, Manifest],
        results: dict[str, ReadResult],
        links: Mapping[str, Link],
        loaded_at: datetime,
        review: Sequence[ReviewPair] = (),
    ) -> None:
        self._manifests, self._results, self._links = manifests, results, links
        self._loaded_at, self._review = loaded_at, review
        self._rows = GraphRows()
        self._built: set[str] = set()

    def __getattr__(self, name: str) -> list[Row]:
        part = _PART_OF.get(name)
        if part is None:
            raise AttributeError(name)
        if part not in self._built:
            getattr(self, part)()
            self._built.add(part)
        rows: list[Row] = getattr(self._rows, name)
        return rows

    def all(self) -> GraphRows:
        """Every step's rows, built now."""
        for name in _PART_OF:
            getattr(self, name)
        return self._rows

    def _listed(self) -> None:
        shared_rows(self._rows, self._manifests, self._results, self._loaded_at, self._review)

    def _family(self) -> None:
        self._rows.family = family(self._results, self._links)

    def _people(self) -> None:
        rows, links = self._rows, self._links
        persons_by_id: dict[str, list[Row]] = defaultdict(list)
        for source, result in self._results.items():
            deep_link = self._manifests[source].governance["deep_link"]
            for record in result.people():
                link = links[record["id"]]
                persons_by_id[link.person_id].append(record)
                rows.source_records.append(source_record_row(record, link, source, deep_link))
        rows.persons = [
            person_row(person, records) for person, records in sorted(persons_by_id.items())
        ]

    def _addresses(self) -> None:
        rows, results = self._rows, self._results
        named: dict[str, list[Row]] = defaultdict(list)
        reports = address_reports(results, self._links)
        rows.lives_at = lives_rows(reports, extract_times(results), named)
        rows.addresses = [address_row(ident, named[ident]) for ident in sorted(named)]

    def _households(self) -> None:
        groups = family_groups(self._results, self._links)
        self._rows.households = households(self.lives_at, self.family, groups)

    def _involvements(self) -> None:
        self._rows.involvements = involvement_rows(self._results, self._links)


def shared_rows(
    rows: GraphRows,
    manifests: dict[str, Manifest],
    results: dict[str, ReadResult],
    loaded_at: datetime,
    review: Sequence[ReviewPair],
) -> None:
    """Fill in the rows any change can reach, always built in full (none is large):
    the review pairs, sources, organisations, services and professionals."""
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
    _services_and_professionals(rows, results, organisations, manifests)
    rows.organisations = sorted(organisations.values(), key=lambda row: row["id"])


# Hex digits in each half of a source record row's hash (its own values, its link).
HASH_HALF = 16


def source_record_row(record: Row, link: Link, source: str, deep_link: str) -> Row:
    """A source record's row. Its hash `h` is two halves, each written where it
    belongs: `rh`, of the record's own values (on the node), and `lh`, of its link
    alone (on the `DESCRIBES` link): a change to one half rewrites only that part
    (`load.Step.link_only`, `cypher/load/source_records.cypher`)."""
    explanation = _json(link.explanation)
    said = (link.person_id, link.probability, link.reasons, link.matched_with, explanation)
    link_hash = hashlib.sha1(orjson.dumps(said), usedforsecurity=False).hexdigest()[:HASH_HALF]
    record_hash, shown, props = record_half(record, source, deep_link)
    return {
        "id": record["id"],
        "source": source,
        "person_id": link.person_id,
        "probability": link.probability,
        "reasons": link.reasons,
        "matched_with": link.matched_with,
        "explanation": explanation,
        "rh": record_hash,
        "lh": link_hash,
        "h": record_hash + link_hash,
        "deep_link": shown,
        "props": props,
    }


def record_half(record: Row, source: str, deep_link: str) -> tuple[str, str, Row]:
    """A source record's own half of its row: the hash of its own values (`rh`), its
    deep link as shown, and the values its node holds."""
    shown = deep_link.replace("{key}", record["id"].split(":", 2)[2])
    fields = (*PERSON_FIELDS, "other_given_names", "line1", "postcode")
    props = {name: record.get(name) for name in fields}
    own = orjson.dumps((source, shown, props), option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha1(own, usedforsecurity=False).hexdigest()[:HASH_HALF], shown, props


def person_row(person_id: str, records: list[Row]) -> Row:
    shown = person_details(records)
    given, family_name = shown["given_name"], shown["family_name"]
    other_families = sorted(
        {name_key(record.get("family_name")) for record in records} - {name_key(family_name), ""}
    )
    return {
        "id": person_id,
        "given_name": given,
        "family_name": family_name,
        "given_key": name_key(given),
        "family_key": name_key(family_name),
        "given_phonetic": phonetic_key(given),
        "family_phonetic": phonetic_key(family_name),
        # Other family names any source holds (a name before marriage, a swapped or
        # misspelt one), and how they sound: only for finding search candidates. What
        # a viewer is shown, and what their search is scored on, comes from the
        # records of the sources they may see.
        "other_family_keys": other_families,
        # The first of them, null when none: indexed, so a search goes straight to
        # the people with other family names (a list has no index).
        "first_other_family_key": other_families[0] if other_families else None,
        "other_family_phonetics": sorted(
            {phonetic_key(other) for other in other_families} - {phonetic_key(family_name)}
        ),
        "dob": shown["dob"],
        "sex": shown["sex"],
        "nhs_number": shown["nhs_number"],
        "upn": shown["upn"],
        "sources": sorted({record["source"] for record in records}),
    }


# (person id, the record or address history item giving an address, source, from, to)
Report = tuple[str, Row, str, str | None, str | None]


def record_reports(
    person_id: str, source: str, record: Row, history: Iterable[Row]
) -> Iterator[Report]:
    """The addresses one source record gives: its own, and the address history its
    source keeps for it."""
    yield person_id, record, source, record.get("address_from"), None
    for item in history:
        yield person_id, item, source, item.get("from"), item.get("to")


def address_reports(results: dict[str, ReadResult], links: Mapping[str, Link]) -> Iterator[Report]:
    """Every address a person's records give."""
    person_of = person_ids(links)
    for source, result in results.items():
        history: dict[str, list[Row]] = defaultdict(list)
        for item in result.records.get("address", []):
            history[item["person"]].append(item)
        for record in result.people():
            person_id = person_of[record["id"]]
            yield from record_reports(person_id, source, record, history.get(record["id"], ()))


def reported_address(item: Row) -> str | None:
    """The id of the address a record or address history item gives (None: none)."""
    if not (item.get("line1") or item.get("postcode")):
        return None
    return address_id(item.get("line1"), item.get("postcode"), item.get("uprn"))


def add_reports(reports: Iterable[Report], named: dict[str, list[Row]]) -> None:
    """Add each report to `named` under its address id, as `lives_rows` does, for
    reports whose LIVES_AT rows are not wanted (those of people who stay put, to
    rebuild the addresses they share with people who moved)."""
    for _, item, *_ in reports:
        if (ident := reported_address(item)) is not None:
            named[ident].append(item)


def lives_rows(
    reports: Iterable[Report], extracted: dict[str, str], named: dict[str, list[Row]]
) -> list[Row]:
    """LIVES_AT rows for the addresses `reports` give (`extracted`: each source's
    extract time). Each report is added to `named` under its address id, for
    `address_row`."""
    lives: list[Row] = []
    for person_id, item, source, start, end in reports:
        if (ident := reported_address(item)) is None:
            continue
        named[ident].append(item)
        lives.append(
            {
                "person_id": person_id,
                "address_id": ident,
                "source": source,
                "from_date": start,
                "to_date": end,
                "reported_at": extracted[source],
            }
        )
    return mark_current(lives)


def extract_times(results: dict[str, ReadResult]) -> dict[str, str]:
    return {source: result.extracted_at.isoformat() for source, result in results.items()}


ADDRESS_FIELDS = ("line1", "line2", "town", "postcode", "uprn")


def address_row(ident: str, items: list[Row]) -> Row:
    """An address as its reports give it: per field, the value most of them hold (a
    tie going to the smallest), as sources differ in how much of an address they hold."""
    row: Row = {"id": ident}
    for name in ADDRESS_FIELDS:
        present = [item.get(name) for item in items if item.get(name) not in (None, "")]
        if len(set(present)) <= 1:
            row[name] = present[0] if present else None
        else:
            counts = Counter(present)
            row[name] = min(counts, key=lambda value: (-counts[value], str(value)))
    return row


def mark_current(lives: list[Row]) -> list[Row]:
    """One LIVES_AT per (person, address, source): the latest report of it (the
    latest start; then one still open; then the latest end). Of a person's rows, the
    newest open one is current: the latest reported, then started, then by address
    and by source (so whatever order the rows come in, the same row is chosen)."""
    merged: dict[tuple[str, str, str], Row] = {}
    for row in lives:
        key = (row["person_id"], row["address_id"], row["source"])
        kept = merged.get(key)
        if kept is None or _report_order(row) > _report_order(kept):
            merged[key] = row
    ordered = sorted(
        merged.values(), key=lambda row: (row["person_id"], row["address_id"], row["source"])
    )
    by_person: dict[str, list[Row]] = defaultdict(list)
    for row in ordered:
        by_person[row["person_id"]].append(row)
    for person_rows in by_person.values():
        open_rows = [row for row in person_rows if not row["to_date"]] or person_rows
        # (of equals, max keeps the first: the source first by name)
        newest = max(
            open_rows,
            key=lambda row: (row["reported_at"], row["from_date"] or "", row["address_id"]),
        )
        for row in person_rows:
            row["current"] = row is newest
    return ordered


def _report_order(row: Row) -> tuple[str, bool, str]:
    return (row["from_date"] or "", not row["to_date"], row["to_date"] or "")


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


def family_groups(results: dict[str, ReadResult], links: Mapping[str, Link]) -> list[set[str]]:
    """Each source's family or household groups (SSD families, tenancies), as person ids."""
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    person_of = person_ids(links)
    for source, result in results.items():
        for item in result.records.get("family_group", []):
            groups[(source, str(item["group"]))].add(person_of[item["person"]])
    return list(groups.values())


def households(lives: list[Row], family: list[Row], groups: list[set[str]]) -> list[Row]:
    """People at the same current address form a household when they are tied to each
    other by a close family relationship or by a source's family or tenancy group.
    Unrelated people at one address (a lodger, a house in multiple occupation) are
    separate households.

    A household's id is its address's (`H<address>`); where an address has several,
    each but the one holding its smallest person id adds that of its own smallest
    (`H<address>-<person>`). So a household keeps its id when someone leaves it, and
    a refresh writes nothing for the members who stay."""
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
    for group in groups:  # members at one address are tied, whoever else is in it
        at: dict[str, str] = {}
        for member in group:
            if (address := address_of.get(member)) is not None:
                tie(member, at.setdefault(address, member))
    smallest: dict[str, str] = {}  # address -> the smallest person id living there
    for person, address in address_of.items():
        smallest[address] = min(person, smallest.get(address, person))
    rows = []
    for person, address in sorted(address_of.items()):
        root = find(person)  # (the smallest person id of the household)
        suffix = "" if root == smallest[address] else f"-{root}"
        rows.append({"id": f"H{address}{suffix}", "address_id": address, "person_id": person})
    return rows


def family(results: dict[str, ReadResult], links: Mapping[str, Link]) -> list[Row]:
    """Every family relationship row."""
    return family_rows(FamilyEdges(results, links).around(None))


FamilyKey = tuple[str, str, str]  # (from person, to person, type)


class FamilyEdges:
    """The family relationships the sources give, between persons, and the sibling
    links derived from shared parents (those only for the persons asked about: a
    refresh needs them around the persons it rebuilds, not across the county)."""

    def __init__(self, results: dict[str, ReadResult], links: Mapping[str, Link]) -> None:
        self.given: dict[FamilyKey, set[str]] = defaultdict(set)  # -> sources
        person_of = person_ids(links)
        for source, result in results.items():
            for item in result.records.get("relationship", []):
                a, b = person_of[item["person"]], person_of[item["related"]]
                kind = item["type"]
                if kind in INVERSE_TYPES:
                    a, b, kind = b, a, INVERSE_TYPES[kind]
                if kind in {"PARTNER_OF", "SIBLING_OF", "HALF_SIBLING_OF", "RELATIVE_OF"}:
                    a, b = min(a, b), max(a, b)  # symmetric: one edge, whichever side said it
                if a != b and kind in FAMILY_TYPES:
                    self.given[(a, b, kind)].add(source)
        self.parents: dict[str, set[str]] = defaultdict(set)
        self.children_of: dict[str, set[str]] = defaultdict(set)
        for parent, child, kind in self.given:
            if kind == "PARENT_OF":
                self.parents[child].add(parent)
                self.children_of[parent].add(child)

    def around(self, persons: set[str] | None) -> dict[FamilyKey, Set[str]]:
        """Every relationship with a person of `persons` at either end (None: every
        relationship), derived sibling links included."""
        # The sources' sets are shared, not copied: a derived link gets a new set.
        if persons is None:
            edges = dict(self.given)
            pairs = (
                (a, b) for kids in self.children_of.values() for a in kids for b in kids if a < b
            )
        else:
            edges = {
                key: sources
                for key, sources in self.given.items()
                if key[0] in persons or key[1] in persons
            }
            pairs = (
                (min(a, b), max(a, b))
                for a in persons
                for parent in self.parents.get(a, ())
                for b in self.children_of[parent]
                if a != b
            )
        parents = self.parents
        for a, b in pairs:
            full = parents[a] == parents[b] and len(parents[a]) >= 2
            known_differ = len(parents[a]) >= 2 and len(parents[b]) >= 2 and not full
            kind = "HALF_SIBLING_OF" if known_differ else "SIBLING_OF"
            edges[(a, b, kind)] = edges.get((a, b, kind), frozenset()) | {"derived"}
        return edges


def family_rows(edges: dict[FamilyKey, Set[str]]) -> list[Row]:
    return [
        {"from": a, "to": b, "type": kind, "sources": sorted(sources)}
        for (a, b, kind), sources in sorted(edges.items())
    ]


def _service_id(source: str, item: Row) -> tuple[str, str]:
    name = item.get("service") or item["kind"]
    return f"{source}:{slug(name)}", name


def _services_and_professionals(
    rows: GraphRows,
    results: dict[str, ReadResult],
    organisations: dict[str, Row],
    manifests: dict[str, Manifest],
) -> None:
    services: dict[str, Row] = {}
    for source, result in sorted(results.items()):
        home = manifests[source].organisation
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
            service_id, name = _service_id(source, item)
            services.setdefault(
                service_id,
                {"id": service_id, "name": name, "source": source, "organisation_id": home["id"]},
            )
    rows.services = sorted(services.values(), key=lambda row: row["id"])


def involvement_rows(
    results: dict[str, ReadResult],
    links: Mapping[str, Link],
    wanted: Callable[[str, Row], bool] | None = None,
) -> list[Row]:
    """Involvement rows (only those `wanted(source, item)`, when given)."""
    rows: list[Row] = []
    person_of = person_ids(links)
    for source, result in sorted(results.items()):
        as_of = result.extracted_at.date()
        for item in result.records.get("involvement", []):
            if wanted is not None and not wanted(source, item):
                continue
            rows.append(
                {
                    "id": item["id"],
                    "person_id": person_of[item["person"]],
                    "kind": item["kind"],
                    "status": status(item.get("end"), as_of),
                    "start_date": item.get("start"),
                    "end_date": item.get("end"),
                    "end_reason": item.get("end_reason"),
                    "detail": item.get("detail"),
                    "source": source,
                    "service_id": _service_id(source, item)[0],
                    "professional_id": item.get("professional"),
                }
            )
    return rows
