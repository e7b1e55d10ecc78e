"""Records -> people: join scored pairs strongest first, within the guards.

Clerical "same person" decisions join first; then pairs at or above the link
threshold, in order of match weight (ties by row numbers, so the result never
depends on input order). Two groups join only when no record of one conflicts with
any record of the other (a guard, or a clerical "different people" decision). A
record with strong links to both twins therefore joins the twin it matches best and
never pulls the two together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from graph_etl.matching.guards import Guards


@dataclass
class Clusters:
    """Union-find over row numbers that keeps each group's members."""

    size: int
    parent: list[int] = field(init=False)
    members: dict[int, list[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.parent = list(range(self.size))
        self.members = {}

    @classmethod
    def of(cls, groups: list[list[int]]) -> Clusters:
        """Clusters holding `groups` (every row in one; each group's smallest row first),
        their members kept, so they can be joined further."""
        clusters = cls(sum(map(len, groups)))
        for group in groups:
            for row in group:
                clusters.parent[row] = group[0]
            if len(group) > 1:
                clusters.members[group[0]] = group
        return clusters

    def find(self, item: int) -> int:
        parent = self.parent
        root = item
        while parent[root] != root:
            root = parent[root]
        while parent[item] != root:
            parent[item], item = root, parent[item]
        return root

    def group(self, root: int) -> list[int]:
        return self.members.get(root) or [root]

    def union(self, a: int, b: int) -> int:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return root_a
        keep, gone = min(root_a, root_b), max(root_a, root_b)
        merged = self.group(keep) + self.group(gone)
        self.parent[gone] = keep
        self.members[keep] = merged
        self.members.pop(gone, None)
        return keep

    def adopt(self, joined: Iterable[tuple[int, int]]) -> None:
        """Put each row in the group of the root it is paired with: groups formed
        elsewhere (a root is its own root and the smallest row of its group). Their
        members are not kept, so they must not be joined to anything afterwards."""
        parent = self.parent
        for row, root in joined:
            parent[row] = root

    def groups(self) -> tuple[list[list[int]], list[int]]:
        """Every group (singletons included; rows ascending, groups in order of their
        first row), and each row's root."""
        find = self.find
        roots = [row if up == row else find(row) for row, up in enumerate(self.parent)]
        by_root: dict[int, list[int]] = {}
        for row, root in enumerate(roots):
            by_root.setdefault(root, []).append(row)
        return list(by_root.values()), roots


def decided_apart(different: Iterable[tuple[int, int]]) -> Callable[[list[int], list[int]], bool]:
    """Whether clerical review decided that a record of one group and one of the other
    are different people (`different`: those decisions, as row pairs)."""
    apart: dict[int, set[int]] = {}
    for a, b in different:
        apart.setdefault(a, set()).add(b)
        apart.setdefault(b, set()).add(a)

    def check(group_a: list[int], group_b: list[int]) -> bool:
        if not apart:
            return False
        other = set(group_b)
        return any(apart.get(row, set()) & other for row in group_a)

    return check


@dataclass
class ClusterOutcome:
    clusters: Clusters
    blocked: list[tuple[int, int, str]]  # strong pairs a guard kept apart (a, b, why)


def cluster(
    size: int,
    edges: Iterable[tuple[int, int, str | None]],
    guards: Guards,
    same: Iterable[tuple[int, int]] = (),
    different: Iterable[tuple[int, int]] = (),
    clusters: Clusters | None = None,
) -> ClusterOutcome:
    """Join `edges` (pairs at or above the link threshold, strongest first, each with
    the guards' verdict on that pair, so two lone records need no further check).
    `clusters`: groups already formed elsewhere, with no record of `edges` or of the
    decisions in them (see `reuse`)."""
    clusters = clusters if clusters is not None else Clusters(size)
    apart = decided_apart(different)
    for a, b in same:
        root_a, root_b = clusters.find(a), clusters.find(b)
        if root_a != root_b and not apart(clusters.group(root_a), clusters.group(root_b)):
            clusters.union(a, b)

    blocked: list[tuple[int, int, str]] = []
    between = guards.between
    find, group = clusters.find, clusters.group
    for a, b, verdict in edges:
        root_a, root_b = find(a), find(b)
        if root_a == root_b:
            continue
        group_a, group_b = group(root_a), group(root_b)
        if apart(group_a, group_b):
            continue
        why = verdict if len(group_a) == 1 and len(group_b) == 1 else between(group_a, group_b)
        if why is not None:
            blocked.append((a, b, why))
            continue
        clusters.union(a, b)
    return ClusterOutcome(clusters, blocked)
