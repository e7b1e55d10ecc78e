"""Write the model's rows into the graph: incremental, idempotent and crash-safe.

For every load step the graph is asked what it holds (identity + content hash);
only new or changed rows are written (batched `UNWIND ... MERGE`), and what the
graph holds but the new rows no longer contain is retired afterwards. Because the
plan is always recomputed from the graph itself, a run killed at any point is
finished by the next one: the graph converges on the same state.

One writer, in a fixed order (nodes before the relationships that need them), so
no two transactions MERGE the same new keys at once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from graph_etl.graph import Graph, Row, batched
from graph_etl.model import FAMILY_TYPES, GraphRows
from graph_etl.progress import Progress

# Values that say when, not what: they do not make a row "changed".
VOLATILE = frozenset({"loaded_at", "reported_at"})


@dataclass(frozen=True)
class Step:
    name: str  # rows attribute, and cypher/{load,state,retire}/<name>.cypher
    key: Callable[[Row], str]


def _id(row: Row) -> str:
    return str(row["id"])


STEPS = (
    Step("organisations", _id),
    Step("sources", _id),
    Step("addresses", _id),
    Step("persons", _id),
    Step("source_records", _id),
    Step("review_pairs", lambda r: f"{r['record_a']}|{r['record_b']}"),
    Step("lives_at", lambda r: f"{r['person_id']}|{r['address_id']}|{r['source']}"),
    Step("households", lambda r: str(r["person_id"])),
    Step("family", lambda r: f"{r['from']}|{r['to']}|{r['type']}"),
    Step("services", _id),
    Step("professionals", _id),
    Step("involvements", _id),
)
LOAD_ORDER = tuple(step.name for step in STEPS)


def content_hash(row: Row) -> str:
    body = {key: value for key, value in row.items() if key not in VOLATILE and key != "h"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


@dataclass
class Plan:
    write: list[Row]
    retire: list[str]
    unchanged: int


def plan(graph: Graph, step: Step, rows: list[Row]) -> Plan:
    """Compare the new rows with what the graph holds for this step."""
    held = {
        row["key"]: row["h"]
        for row in graph.read(f"state/{step.name}", family_types=list(FAMILY_TYPES))
    }
    write: list[Row] = []
    keep: set[str] = set()
    for row in rows:
        row["h"] = content_hash(row)
        key = step.key(row)
        keep.add(key)
        if held.get(key) != row["h"]:
            write.append(row)
    retire = sorted(set(held) - keep)
    return Plan(write, retire, len(rows) - len(write))


def load_rows(
    graph: Graph, rows: GraphRows, batch_size: int = 5000, quiet: bool = False
) -> dict[str, dict[str, int]]:
    """Bring the graph to exactly `rows`; returns written/unchanged/retired per step."""
    graph.apply_schema()
    plans = {step.name: plan(graph, step, getattr(rows, step.name)) for step in STEPS}
    for step in STEPS:
        todo = plans[step.name].write
        progress = Progress(f"write {step.name}", len(todo), quiet=quiet or not todo)
        graph.write_batches(f"load/{step.name}", todo, batch_size, progress)
        progress.finish()
    now = datetime.now(UTC).isoformat()
    for step in reversed(STEPS):  # relationships before the nodes they hang on
        for keys in batched(plans[step.name].retire, batch_size):
            graph.write(f"retire/{step.name}", keys=keys, now=now)
    graph.write("retire/empty_households")
    return {
        name: {"written": len(p.write), "unchanged": p.unchanged, "retired": len(p.retire)}
        for name, p in plans.items()
    }
