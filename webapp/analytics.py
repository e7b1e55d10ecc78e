"""Aggregate network figures for analysts: counts only, never a person.

The rows come from policy-filtered queries (`repository.analyst_rows`); the family
networks are the connected components of the family relationships (networkx). Counts
from 1 to 4 are shown as "fewer than 5", the usual small-number suppression for
published statistics about children and families. Each column adds up to a total the
page shows, so a column with just one such count would give it away by subtraction:
there the next smallest count is not shown either (secondary suppression).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

SUPPRESS_BELOW = 5
LARGEST = 10


def shown(count: int) -> str:
    """A count as published: 0, "fewer than 5" or the number."""
    if 0 < count < SUPPRESS_BELOW:
        return f"fewer than {SUPPRESS_BELOW}"
    return f"{count:,}"


NOT_SHOWN = "not shown"


def published(column: list[int]) -> list[str]:
    """A column of counts that adds up to a shown total, as published: counts from 1 to
    4 as "fewer than 5"; and when only one count is that small, the smallest count of
    5 or more as "not shown", so that the small one cannot be worked out from the total."""
    small = [row for row, count in enumerate(column) if 0 < count < SUPPRESS_BELOW]
    hidden: set[int] = set()
    if len(small) == 1:
        larger = [row for row, count in enumerate(column) if count >= SUPPRESS_BELOW]
        if larger:
            hidden.add(min(larger, key=lambda row: (column[row], row)))
    return [NOT_SHOWN if row in hidden else shown(count) for row, count in enumerate(column)]


Bands = tuple[tuple[int, int | None, str], ...]  # (lowest, highest or None, label)


def band(value: int, bands: Bands) -> str:
    for low, high, label in bands:
        if value >= low and (high is None or value <= high):
            return label
    raise ValueError(f"{value} is in no band")


AGENCY_BANDS = ((0, 0, "None"), (1, 1, "1"), (2, 2, "2"), (3, 3, "3"), (4, None, "4 or more"))
KNOWN_BANDS = AGENCY_BANDS[1:]
SIZE_BANDS = ((2, 2, "2 people"), (3, 4, "3 to 4"), (5, 9, "5 to 9"), (10, None, "10 or more"))


@dataclass
class Table:
    """One named query's answer: a caption, column headings and rows of counts."""

    key: str
    caption: str
    headings: tuple[str, ...]
    rows: list[tuple[str, ...]]


@dataclass
class Figures:
    people: int
    in_families: int
    families: int
    tables: list[Table]


def _counted(bands: Bands, *columns: Counter[str]) -> list[tuple[str, ...]]:
    """One row per band: its label, then its count in each column, as published."""
    labels = [label for _, _, label in bands]
    cells = [published([counts.get(label, 0) for label in labels]) for counts in columns]
    return [(label, *row) for label, *row in zip(labels, *cells, strict=True)]


def figures(
    known: Iterable[dict[str, Any]],
    involvements: Iterable[dict[str, Any]],
    links: Iterable[dict[str, Any]],
) -> Figures:
    """People by the number of agencies that know them (`known`: agencies, people);
    family networks (connected components of two or more people) by size and by how
    many agencies are currently involved with any of their members; the largest
    networks. People outside every network are counted from `known` less those in one."""
    by_known: Counter[str] = Counter()
    for row in known:
        by_known[band(row["agencies"], KNOWN_BANDS)] += row["people"]
    people = sum(by_known.values())
    involved: dict[str, set[str]] = defaultdict(set)
    for row in involvements:
        involved[row["person_id"]].add(row["source"])
    graph = nx.Graph()
    graph.add_edges_from((row["start"], row["end"]) for row in links if row["start"] != row["end"])
    networks = [members for members in nx.connected_components(graph) if len(members) > 1]
    in_families = sum(len(members) for members in networks)

    by_size = Counter(band(len(members), SIZE_BANDS) for members in networks)
    agencies = [set().union(*(involved.get(m, set()) for m in members)) for members in networks]
    by_involved = Counter(band(len(found), AGENCY_BANDS) for found in agencies)
    alone_involved = Counter(
        band(len(sources), AGENCY_BANDS)
        for person, sources in involved.items()
        if person not in graph
    )
    alone_involved["None"] = max(0, people - in_families - sum(alone_involved.values()))
    largest = sorted(zip(networks, agencies, strict=True), key=lambda item: -len(item[0]))
    tables = [
        Table(
            "known",
            "People by how many agencies know them",
            ("Agencies", "People"),
            _counted(KNOWN_BANDS, by_known),
        ),
        Table(
            "sizes",
            "Family networks by size",
            ("People in the network", "Family networks"),
            _counted(SIZE_BANDS, by_size),
        ),
        Table(
            "involved",
            "Family networks by how many agencies are currently involved with any member",
            ("Agencies currently involved", "Family networks", "People with no recorded family"),
            _counted(AGENCY_BANDS, by_involved, alone_involved),
        ),
        Table(
            "largest",
            f"The {LARGEST} largest family networks",
            ("People in the network", "Agencies currently involved"),
            [(f"{len(members):,}", str(len(found))) for members, found in largest[:LARGEST]],
        ),
    ]
    return Figures(people, in_families, len(networks), tables)
