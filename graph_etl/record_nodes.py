"""Source records whose own values changed, written while matching runs.

A refresh's writes wait for matching (about 11 s at 1,000,000 records), yet a source
record's node holds only the record's own values (`model.record_half`): only its
DESCRIBES link is matching's to decide. So, before matching, a refresh picks the
records the graph holds live whose own values are no longer as it holds them, and
once matching has scored its pairs (from there it leaves a core idle; started
earlier, the server's work slowed matching by as much as it saved) a thread writes
their nodes. The held state is then told what the graph holds
(`SavedState.rewrite`), and the load writes what else changed: the links.

Only a refresh from the saved state does this (`load.Held.saved`), and only for
records of sources read reusing the last read's rows, looking at those not as it
held them (the others are as the last load wrote them, unless it failed after
saving the read; the load then writes them, as it does every record that is new,
retired, or held without a hash).

Crash safety: the graph's `LoadState` marker is cleared before the first of these
writes, as before any of a load's. A run killed after them reads the graph's state,
where a record's node half is as written and its link's as before, and converges as
after any killed load.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from itertools import compress

from graph_etl import model
from graph_etl.graph import Graph, Row
from graph_etl.load import Held
from graph_etl.load_state import SavedState
from graph_etl.sources import Manifest, ReadResult

STEP = "source_records"


def changed_nodes(
    manifests: dict[str, Manifest], results: dict[str, ReadResult], held: SavedState
) -> list[Row]:
    """Rows for `load/source_record_nodes` (with `h`, the record's hash once written:
    its new own half and its link's as held) of the records held live whose own
    values changed, among those of each source not as its last read held them."""
    looked_at: dict[str, tuple[str, Row]] = {}
    for source, result in results.items():
        people, same = result.people(), result.same_as
        if same is None or len(same.places) != len(people):
            continue
        for record in compress(people, (place < 0 for place in same.places)):
            looked_at[record["id"]] = (source, record)  # (of one id, the last: as a load)
    if not looked_at:
        return []
    state = held.state(STEP, looked_at)
    rows: list[Row] = []
    for ident, (source, record) in looked_at.items():
        h = state.hashes.get(ident)  # (None: new, retired, or written by older code)
        if h is None or len(h) != 2 * model.HASH_HALF:
            continue
        deep_link = manifests[source].governance["deep_link"]
        own, shown, props = model.record_half(record, source, deep_link)
        if own != h[: model.HASH_HALF]:
            rows.append(
                {"id": ident, "source": source, "deep_link": shown, "rh": own,
                 "props": props, "h": own + h[model.HASH_HALF:]}
            )  # fmt: skip
    return rows


class NodeWrites:
    """`changed_nodes`, written in a thread from `start` on; `finish` waits for them and
    tells the held state what the graph now holds."""

    def __init__(self, graph: Graph, held: Held, rows: list[Row], batch_size: int = 5000) -> None:
        self.graph, self.held, self.rows, self.batch_size = graph, held, rows, batch_size
        self.seconds = 0.0  # from the first write to the last
        self._future: Future[None] | None = None

    @classmethod
    def of(
        cls,
        graph: Graph,
        held: Held,
        manifests: dict[str, Manifest],
        results: dict[str, ReadResult],
    ) -> NodeWrites:
        """The rows to write (none unless `held` is the saved state of the load the
        graph's marker names: `held_states` gives a `SavedState` only then)."""
        if not isinstance(held.store, SavedState):
            return cls(graph, held, [])
        return cls(graph, held, changed_nodes(manifests, results, held.store))

    def start(self) -> None:
        """Start writing them in a thread (once)."""
        if self.rows and self._future is None:
            pool = ThreadPoolExecutor(1, thread_name_prefix="record-nodes")
            self._future = pool.submit(self._write)
            pool.shutdown(wait=False)  # (its thread ends with the writes)

    def _write(self) -> None:
        started = time.perf_counter()
        self.graph.write("load/load_marker", digest=None)  # (before anything is written)
        self.held.marker_cleared = True
        self.graph.write_batches("load/source_record_nodes", self.rows, self.batch_size)
        self.seconds = round(time.perf_counter() - started, 2)

    def close(self) -> None:
        """Wait for the writes, if any, without raising (on the way out of a failed run:
        the next must not meet them)."""
        if self._future is not None:
            wait([self._future])

    def finish(self) -> int:
        """Wait for the writes (started now if not yet), raising what they raised; the
        number of nodes written."""
        if not self.rows:
            return 0
        self.start()
        assert self._future is not None
        self._future.result()
        assert isinstance(self.held.store, SavedState)
        self.held.store.rewrite(STEP, {row["id"]: row["h"] for row in self.rows})
        return len(self.rows)
