"""Exact-key linking of person records into people (the walking skeleton's matcher).

Records join when they share a strong identifier (NHS number, UPN) or the same
standardised given name, family name and date of birth. A record with no date of
birth (a school's parent contact, say) joins a record with the same name at the
same address; two records that both have dates of birth never join that way. Probabilistic matching
with Splink replaces this; the output shape stays: record id -> person id, with
an explanation of why.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graph_etl.standardise import address_key, name_key


@dataclass
class Link:
    person_id: str
    probability: float
    reasons: list[str] = field(default_factory=list)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def blocking_keys(record: dict[str, Any]) -> list[tuple[str, str]]:
    """The exact keys a record can join on, each with its reason."""
    keys = []
    if record.get("nhs_number"):
        keys.append(("nhs_number", f"nhs:{record['nhs_number']}"))
    if record.get("upn"):
        keys.append(("upn", f"upn:{record['upn']}"))
    given, family = name_key(record.get("given_name")), name_key(record.get("family_name"))
    if given and family and record.get("dob"):
        keys.append(("name and date of birth", f"ndob:{given}|{family}|{record['dob']}"))
    return keys


def address_name_key(record: dict[str, Any]) -> str | None:
    given, family = name_key(record.get("given_name")), name_key(record.get("family_name"))
    if not (given and family and record.get("line1") and record.get("postcode")):
        return None
    return f"nadr:{given}|{family}|{address_key(record['line1'], record['postcode'])}"


def person_id_for(record_ids: Iterable[str]) -> str:
    """A person's id, derived from the smallest record id in its cluster."""
    digest = hashlib.sha1(min(record_ids).encode(), usedforsecurity=False).hexdigest()
    return f"P{digest[:12]}"


def link_records(records: list[dict[str, Any]]) -> dict[str, Link]:
    """Record id -> link, for every person record."""
    sets = _UnionFind()
    first_by_key: dict[str, str] = {}
    reasons: dict[str, set[str]] = defaultdict(set)
    for record in records:
        sets.find(record["id"])
        for reason, key in blocking_keys(record):
            other = first_by_key.setdefault(key, record["id"])
            if other != record["id"]:
                sets.union(other, record["id"])
                reasons[record["id"]].add(reason)
                reasons[other].add(reason)
    # Second pass: records without a date of birth join by name and address.
    anchors: dict[str, str] = {}
    for record in sorted(records, key=lambda item: (not item.get("dob"), item["id"])):
        key = address_name_key(record)
        if key is None:
            continue
        anchor = anchors.setdefault(key, record["id"])
        if anchor != record["id"] and not record.get("dob"):
            sets.union(anchor, record["id"])
            reasons[record["id"]].add("name and address")
            reasons[anchor].add("name and address")
    clusters: dict[str, list[str]] = defaultdict(list)
    for record in records:
        clusters[sets.find(record["id"])].append(record["id"])
    links: dict[str, Link] = {}
    for members in clusters.values():
        person_id = person_id_for(members)
        for record_id in members:
            why = sorted(reasons[record_id]) or ["only record"]
            links[record_id] = Link(person_id, 1.0, [f"exact {reason}" for reason in why])
    return links
