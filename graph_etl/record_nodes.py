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

After them, the same thread writes the addresses that can be settled before the
load (`graph_etl.address_nodes`): those new, and those no record names any more.

Crash safety: the graph's `LoadState` marker is cleared before the first of these
writes, as before any of a load's. A run killed after them reads the graph's state,
where a record's node half is as written and its link's as before, and converges as
after any killed load.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from itertools import compress

from graph_etl import model
from graph_etl.address_nodes import AddressChanges, address_changes
from graph_etl.graph import Graph, Row, batched
from graph_etl.load import Held
from graph_etl.load_state import SavedState
from graph_etl.refresh_scope import Inputs
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
        for record in compress(people, map((0).__gt__, same.places)):  # (place < 0)
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
    """`changed_nodes`, and the addresses settled ahead (`address_changes`), written in
    a thread from `start` on; `finish` waits for them and tells the held state what
    the graph now holds."""

    def __init__(
        self,
        graph: Graph,
        held: Held,
        rows: list[Row],
        batch_size: int = 5000,
        addresses: AddressChanges | None = None,
    ) -> None:
        self.graph, self.held, self.rows, self.batch_size = graph, held, rows, batch_size
        self.addresses = addresses if addresses is not None else AddressChanges()
        self.seconds = 0.0  # from the first write to the last
        self._future: Future[None] | None = None

    @classmethod
    def of(
        cls,
        graph: Graph,
        held: Held,
        manifests: dict[str, Manifest],
        results: dict[str, ReadResult],
        person_of: Mapping[str, str] | None = None,
        last: Inputs | None = None,
    ) -> NodeWrites:
        """The rows to write (none unless `held` is the saved state of the load the
        graph's marker names: `held_states` gives a `SavedState` only then), and the
        addresses to settle (`person_of`: each record's person at that load; `last`:
        that load's inputs; none without them)."""
        if not isinstance(held.store, SavedState):
            return cls(graph, held, [])
        rows = changed_nodes(manifests, results, held.store)
        addresses = None
        if person_of is not None:
            addresses = address_changes(results, held.store, person_of, last)
        return cls(graph, held, rows, addresses=addresses)

    def start(self) -> None:
        """Start writing them in a thread (once)."""
        if (self.rows or self.addresses) and self._future is None:
            pool = ThreadPoolExecutor(1, thread_name_prefix="record-nodes")
            self._future = pool.submit(self._write)
            pool.shutdown(wait=False)  # (its thread ends with the writes)

    def _write(self) -> None:
        started = time.perf_counter()
        self.graph.write("load/load_marker", digest=None)  # (before anything is written)
        self.held.marker_cleared = True
        self.graph.write_batches("load/source_record_nodes", self.rows, self.batch_size)
        self.graph.write_batches("load/addresses_new", self.addresses.new, self.batch_size)
        for keys in batched(self.addresses.gone, self.batch_size):
            self.graph.write("retire/addresses", keys=keys)
        self.seconds = round(time.perf_counter() - started, 2)

    def close(self) -> None:
        """Wait for the writes, if any, without raising (on the way out of a failed run:
        the next must not meet them)."""
        if self._future is not None:
            wait([self._future])

    def finish(self) -> dict[str, int]:
        """Wait for the writes (started now if not yet), raising what they raised; the
        number of source record nodes written, addresses created and retired."""
        if self.rows or self.addresses:
            self.start()
            assert self._future is not None
            self._future.result()
            assert isinstance(self.held.store, SavedState)
            self.held.store.rewrite(STEP, {row["id"]: row["h"] for row in self.rows})
            new = {row["id"]: row["h"] for row in self.addresses.new}
            self.held.store.created("addresses", new)
        return {
            "source_record_nodes": len(self.rows),
            "addresses_new": len(self.addresses.new),
            "addresses_retired": len(self.addresses.gone),
        }
