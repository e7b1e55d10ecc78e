"""Write the model's rows into the graph: batched, idempotent `UNWIND ... MERGE`.

One writer, in a fixed order (nodes before the relationships that need them), so
no two transactions MERGE the same new keys at once.
"""

from __future__ import annotations

from graph_etl.graph import Graph
from graph_etl.model import GraphRows
from graph_etl.progress import Progress

LOAD_ORDER = (
    "organisations",
    "sources",
    "addresses",
    "persons",
    "source_records",
    "lives_at",
    "households",
    "family",
    "services",
    "professionals",
    "involvements",
)


def load_rows(
    graph: Graph, rows: GraphRows, batch_size: int = 5000, quiet: bool = False
) -> dict[str, int]:
    """Apply the schema, then every load file in order; returns rows written per file."""
    graph.apply_schema()
    written: dict[str, int] = {}
    for name in LOAD_ORDER:
        batch = getattr(rows, name)
        progress = Progress(f"load {name}", len(batch), quiet=quiet)
        written[name] = graph.write_batches(f"load/{name}", batch, batch_size, progress)
        progress.finish()
    return written
