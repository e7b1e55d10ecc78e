"""A canonical fingerprint of the whole graph: equal graphs, equal fingerprints.

Values that only say when something ran (load and retirement times) are left out,
so an interrupted-then-resumed refresh can be compared with an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from graph_etl.graph import Graph

RUN_TIMES = frozenset({"loaded_at", "retired_at"})


def _canonical(props: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in props.items() if key not in RUN_TIMES}


def graph_lines(graph: Graph) -> list[str]:
    lines = [
        json.dumps(
            ["node", sorted(row["labels"]), _canonical(row["props"])], sort_keys=True, default=str
        )
        for row in graph.read("admin/fingerprint_nodes")
    ]
    lines += [
        json.dumps(
            ["rel", row["type"], row["start"], row["end"], _canonical(row["props"])],
            sort_keys=True,
            default=str,
        )
        for row in graph.read("admin/fingerprint_relationships")
    ]
    return sorted(lines)


def fingerprint(graph: Graph) -> str:
    digest = hashlib.sha256()
    for line in graph_lines(graph):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()
