"""Write the model's rows into the graph: incremental, idempotent and crash-safe.

For every load step the plan compares the new rows with what the graph holds
(identity + content hash): rows whose key the graph does not hold are created
(`cypher/load/<step>_new.cypher`, CREATE: no lookup for a node that cannot be
there, nothing old to detach), rows whose hash changed are updated
(`cypher/load/<step>.cypher`, batched `UNWIND ... MERGE`; a source record whose link
alone changed, `Step.link_only`: its link only), and what the graph holds
but the new rows no longer contain is retired afterwards. Because the plan is always
of what the graph holds when the run starts, a run killed at any point is finished
by the next one: what the killed run committed is no longer new to it (the graph
converges on the same state).

Where does "what the graph holds" come from? The graph itself (`cypher/state/`),
unless the last complete load's keys and hashes, saved in the state folder, are
known to describe it: every load that writes first marks the graph's `LoadState`
node as being written (digest null), and only when all its writes are committed and
its keys and hashes are saved does it set the digest of that state. A refresh trusts
the saved copy only when its digest equals the graph's: after a killed run, a
cleared or restored graph, or another state folder, it reads the graph instead.
(The ETL is the only writer of the graph; a hand edit of it is not seen.)

Writers: one, in a fixed order (nodes before the relationships that need them), so
no two transactions MERGE the same keys at once; only new nodes with no
relationships (addresses, persons) are created by two writers, on disjoint rows.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from graph_etl import load_state, snapshots
from graph_etl.graph import Graph, Row, batched
from graph_etl.load_state import HeldInMemory, SavedState, StepState, key_first, key_middle
from graph_etl.model import FAMILY_TYPES, GraphRows, RowsOnDemand
from graph_etl.progress import Progress

if TYPE_CHECKING:
    from graph_etl.refresh_scope import StagedRows

# Values that say when, not what: they do not make a row "changed".
VOLATILE = frozenset({"loaded_at", "reported_at"})


@dataclass(frozen=True)
class Step:
    name: str  # rows attribute, and cypher/{load,state,retire}/<name>.cypher
    key: Callable[[Row], str]
    # cypher/load/<name>_new.cypher writes rows whose key the graph does not hold.
    create: bool = False
    # How many transactions create new rows at once: more than one only where new
    # rows are nodes that touch nothing else (no MERGE, no relationship).
    writers: int = 1
    # Retired rows stay in the graph as dormant (source records): held, never retired again.
    keeps_retired: bool = False
    # cypher/load/<link_only>.cypher writes the rows whose hash differs from the held
    # one only in its second half: a row's hash (`h`, set by the model) is then its
    # node's half and its link's (`model.source_record_row`).
    link_only: str | None = None


def _id(row: Row) -> str:
    return str(row["id"])


# In the order a refresh builds them (`graph_etl.refresh_scope`: the persons and their
# source records, then the addresses, family relationships, households and
# involvements), each after the nodes it links. The addresses come before the family
# relationships, which take longer to build than to write: the server writes the
# addresses and lives-at while they are built.
STEPS = (
    Step("organisations", _id),
    Step("sources", _id),
    Step("persons", _id, create=True, writers=2),
    Step("source_records", _id, create=True, keeps_retired=True, link_only="source_record_links"),
    Step("review_pairs", lambda r: f"{r['record_a']}|{r['record_b']}"),
    Step("services", _id),
    Step("professionals", _id),
    Step("addresses", _id, create=True, writers=2),
    Step(
        "lives_at",
        lambda r: f"{r['person_id']}|{r['address_id']}|{r['source']}",
        create=True,
    ),
    Step("family", lambda r: f"{r['from']}|{r['to']}|{r['type']}", create=True),
    Step("households", lambda r: str(r["person_id"]), create=True),
    Step("involvements", _id, create=True),
)
LOAD_ORDER = tuple(step.name for step in STEPS)
# In a refresh, what these steps retire goes, in this order (relationships before the
# nodes they hang on), as soon as the first of them, the later step, is written: while
# the server would otherwise wait for the later steps' rows to be built, not after
# every write. No row of a later step links to a retired address or lives-at. (Persons
# are retired last: the households they leave are read first, `_households_left`.)
RETIRED_EARLY = ("lives_at", "addresses")
# The statement that returns the household each row's person leaves (`left`).
LEAVING = "households"


def content_hash(row: Row) -> str:
    """SHA-1 of the row's canonical JSON (keys sorted), without the volatile values.
    (orjson: a refresh hashes every model row, four million at 1,000,000 records,
    and the standard library's encoder took three quarters of that time.)"""
    if VOLATILE.isdisjoint(row) and "h" not in row:
        body = row  # (most rows: no copy)
    else:
        body = {key: value for key, value in row.items() if key not in VOLATILE and key != "h"}
    text = orjson.dumps(body, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha1(text, usedforsecurity=False).hexdigest()


@dataclass
class Plan:
    create: list[Row]  # keys the graph does not hold
    update: list[Row]  # keys it holds with another hash (or none)
    retire: list[str]  # keys it holds that the new rows do not have
    unchanged: int
    after: StepState  # what the graph holds for the step once the plan is carried out
    was: dict[str, str | None] = field(default_factory=dict)  # held hashes of `update`

    @property
    def written(self) -> int:
        return len(self.create) + len(self.update)


def read_state(graph: Graph, step: Step) -> StepState:
    """What the graph holds for a step (`cypher/state/<step>.cypher`: key, h and, for
    steps that keep retired rows, `live`)."""
    hashes: dict[str, str | None] = {}
    dormant: set[str] = set()
    for row in graph.read(f"state/{step.name}", family_types=list(FAMILY_TYPES)):
        hashes[row["key"]] = row["h"]
        if row.get("live") is False:
            dormant.add(row["key"])
    return StepState(hashes, dormant)


def plan(step: Step, rows: list[Row], held: StepState, scope: set[str] | None = None) -> Plan:
    """Compare the new rows with what the graph holds for this step. Each row gets its
    content hash `h` (unless it has one: rows are built afresh by each run); of two
    rows with one key the last wins (as MERGE in order would).

    `scope`: the rows are only those a refresh rebuilt (`graph_etl.refresh_scope`);
    of the keys held, only those in `scope` may be retired, and every other one is
    carried over as it is (`held` is updated in place). `held` may then be read for
    the rows' keys and `scope` only (`StepState.size`): the state after is too."""
    latest: dict[str, Row] = {}
    for row in rows:
        if "h" not in row:
            row["h"] = content_hash(row)
        latest[step.key(row)] = row
    create: list[Row] = []
    update: list[Row] = []
    was: dict[str, str | None] = {}
    for key, row in latest.items():
        if key not in held.hashes:
            create.append(row)
        elif (before := held.hashes[key]) != row["h"]:
            update.append(row)
            was[key] = before
    candidates = held.hashes if scope is None else (key for key in scope if key in held.hashes)
    retire = sorted(key for key in candidates if key not in latest and key not in held.dormant)
    hashes: dict[str, str | None] = {}
    total = None
    if scope is not None:
        total = _total_after(held, create, update, retire, step)
        hashes, held.total = held.hashes, None  # (`held` is now what it becomes)
        for key in retire:
            del hashes[key]
    elif held.size is not None:
        raise ValueError("a state read for some keys only needs the plan's scope")
    hashes.update({key: row["h"] for key, row in latest.items()})
    dormant: set[str] = set()
    if step.keeps_retired:
        dormant = {key for key in (*held.dormant, *retire) if key not in latest}
        hashes.update(dict.fromkeys(dormant))
    after = StepState(hashes, dormant, total)
    if held.size is not None:  # the counts of the whole step, from the change
        keys, asleep = held.size
        woken = sum(1 for key in held.dormant if key in latest)
        if step.keeps_retired:
            after.size = (keys + len(create), asleep - woken + len(retire))
        else:
            after.size = (keys + len(create) - len(retire), 0)
            after.removed = set(retire)
    keys, asleep = after.counts()
    unchanged = keys - asleep - len(create) - len(update)
    return Plan(create, update, retire, unchanged, after, was)


def _value(key: str, h: str | None) -> int:
    """A key's hash as a number (of the key itself, for a dormant key, which has none)."""
    if h is None:
        h = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()
    return int(h, 16)


def state_total(state: StepState) -> int:
    """The sum of a step's hashes as numbers, worked out once (a scoped plan carries
    it forward from the change alone: at 1,000,000 records, summing 4 million took a
    second or more)."""
    if state.total is None:
        if state.size is not None:
            raise ValueError("the sum of a state read for some keys only must be carried")
        state.total = sum(_value(key, h) for key, h in state.hashes.items())
    return state.total


def _total_after(
    held: StepState, create: list[Row], update: list[Row], retire: list[str], step: Step
) -> int | None:
    """`state_total` of what a scoped plan leaves, from the held total and the change
    (None when the held total is not known: it is then worked out when needed)."""
    if held.total is None:
        return None
    total = held.total
    for row in create:
        total += int(row["h"], 16)
    for row in update:
        key = step.key(row)
        total += int(row["h"], 16) - _value(key, held.hashes[key])
    for key in retire:
        total -= _value(key, held.hashes[key])
        if step.keeps_retired:
            total += _value(key, None)
    return total


def state_digest(states: dict[str, StepState]) -> str:
    """A digest of what the graph holds, whatever order rows came in: per step the
    number of keys and of dormant keys and the sum of the content hashes (of the key,
    for dormant ones, which have none)."""
    digest = hashlib.sha256()
    for name in sorted(states):
        state = states[name]
        total = state_total(state)
        keys, dormant = state.counts()
        line = f"{name}:{keys}:{dormant}:{total % (1 << 192):x}\n"
        digest.update(line.encode())
    return digest.hexdigest()


def loaded_digest(graph: Graph) -> str | None:
    """The digest the graph's `LoadState` marker gives: that of the last complete load,
    None before the first or while a load is writing."""
    marker = graph.read_one("state/load_marker")
    return marker["digest"] if marker else None


@dataclass
class Held:
    """What the graph holds for every step (`store`); the digest its `LoadState` marker
    gives (None: none, or a load was interrupted); and whether that is the saved copy
    of the last load (used when the marker says that is what the graph holds; else
    it is read from the graph). Close it when done with it."""

    store: HeldInMemory | SavedState
    digest: str | None
    saved: bool
    # Whether this run has cleared the marker already (to write ahead of its load:
    # `graph_etl.record_nodes`); `store` then holds what it wrote.
    marker_cleared: bool = False

    def fold_log(self) -> None:
        """See `SavedState.fold_log` (nothing to do for a state read from the graph)."""
        if isinstance(self.store, SavedState):
            self.store.fold_log()

    def close(self) -> None:
        if isinstance(self.store, SavedState):
            self.store.close()


def held_states(graph: Graph, state_dir: Path | None) -> Held:
    held_digest = loaded_digest(graph)
    if state_dir is not None and held_digest is not None:
        saved = load_state.open_saved(state_dir, held_digest, LOAD_ORDER)
        if saved is not None:
            return Held(saved, held_digest, True)
    states = {step.name: read_state(graph, step) for step in STEPS}
    return Held(HeldInMemory(states), held_digest, False)


def previous_person_ids(graph: Graph, state_dir: Path | None) -> dict[str, str]:
    """Which person each current source record is in, as the graph holds it: the copy
    the last complete load saved, when the graph's marker says that is what it holds
    (as for the keys and hashes), else read from the graph."""
    digest = loaded_digest(graph)
    if state_dir is not None and digest is not None:
        saved = snapshots.load_person_ids(state_dir, digest)
        if saved is not None:
            return saved
    return {row["record"]: row["person"] for row in graph.read("state/person_ids")}


@dataclass
class Loaded:
    counts: dict[str, dict[str, int]]  # written/unchanged/retired per step
    digest: str  # of what the graph now holds (see `state_digest`)


def load_rows(
    graph: Graph,
    rows: GraphRows | RowsOnDemand | StagedRows,
    person_of: dict[str, str],
    batch_size: int = 5000,
    quiet: bool = False,
    state_dir: Path | None = None,
    timings: dict[str, Any] | None = None,
    held: Held | None = None,
    scopes: Mapping[str, set[str]] | None = None,
    meanwhile: Callable[[str], object] | None = None,
) -> Loaded:
    """Bring the graph to exactly `rows`, with each current source record in the
    person `person_of` says (kept with the load state, for carrying ids forward; the
    rows of a refresh hold only the source records it rebuilt).

    `state_dir` keeps the keys and hashes of the last complete load (see the module's
    docstring); `held`, when given, is what `held_states` gave (else it is read);
    `scopes`: for the steps whose rows are only those a refresh rebuilt, the keys
    each may retire (see `plan`). `meanwhile`: other work of this process, given the
    digest the load leaves (`state_digest`), done once every step is planned while the
    server writes. `timings`, when
    given, receives the seconds spent building rows asked for on demand
    (`model.RowsOnDemand`), on the state and the plan (in a first load, both while
    the writes go on), the writes (from the first to the last; `steps`: per step),
    the retirements among them (`retire_early`: `RETIRED_EARLY`) and those after."""
    if held is None:
        held = held_states(graph, state_dir)
        try:
            return load_rows(
                graph, rows, person_of, batch_size, quiet, state_dir, timings, held, scopes,
                meanwhile,
            )  # fmt: skip
        finally:
            held.close()
    times: dict[str, Any] = timings if timings is not None else {}
    clock = time.perf_counter()
    graph.apply_schema()
    saved = held.saved
    marker = None if held.marker_cleared else held.digest  # (what the graph's says now)
    scopes = scopes if scopes is not None else {}  # (not `or`: a refresh's are built as asked for)
    plans: dict[str, Plan] = {}
    times["steps"] = {}
    planning, building = time.perf_counter() - clock, 0.0
    emptied: list[str] | None = None  # households to check for members (None: all)
    left: list[Row] = []  # the households the writes moved people out of (`LEAVING`)
    now = datetime.now(UTC).isoformat()  # (when rows are retired)
    early: tuple[str, ...] = ()  # the steps retired among the writes (`RETIRED_EARLY`)
    times["retire_early"] = 0.0

    def plan_step(step: Step) -> None:
        nonlocal planning, building
        started = time.perf_counter()
        step_rows = getattr(rows, step.name)  # (built now, when the rows are built on demand)
        built = time.perf_counter()
        scope = scopes.get(step.name)
        # With a scope, only the keys of the rows and of the scope are looked up.
        keys = None if scope is None else {*map(step.key, step_rows), *scope}
        state = held.store.state(step.name, keys)
        plans[step.name] = plan(step, step_rows, state, scope)
        building += built - started
        planning += time.perf_counter() - built

    def write(step: Step) -> None:
        started = time.perf_counter()
        _write_step(graph, step, plans[step.name], batch_size, quiet, left)
        times["steps"][step.name] = round(time.perf_counter() - started, 2)

    def retire(names: Iterable[str]) -> None:
        """Retire what the named steps' plans retire, in the order given."""
        for name in names:
            keys = _retired_alone(name, plans)
            graph.write_batches(f"retire/{name}", keys, batch_size, param="keys", now=now)

    def retire_early() -> None:
        started = time.perf_counter()
        retire(early)
        times["retire_early"] = round(time.perf_counter() - started, 2)

    def keep(after: dict[str, StepState], digest: str) -> None:
        """Save the person ids and the state the plans leave, unless saved already. (The
        graph's marker, written last, says whether they are what the graph holds.)"""
        if state_dir is None:
            return
        base = held.store if isinstance(held.store, SavedState) else None
        saved_digest = base.digest if base is not None else load_state.saved_digest(state_dir)
        if saved_digest != digest:
            # The person ids first: the load state's digest says whether both are saved.
            snapshots.save_person_ids(state_dir, digest, person_of)
            load_state.save(state_dir, digest, after, base)
            (state_dir / "last_load" / "hashes.json").unlink(missing_ok=True)  # (older versions')

    def settled() -> str:
        """Once every step is planned: the digest of what the load leaves, that state
        saved (as not yet the graph's: see `keep`), and the caller's `meanwhile` done."""
        after = {name: p.after for name, p in plans.items()}
        digest = state_digest(after)
        if meanwhile is not None:
            meanwhile(digest)
        keep(after, digest)
        return digest

    if held.digest is None:
        # No marker says the graph holds a complete load (a first load, or after a
        # killed run), so none is cleared before the first write: each step is planned
        # while the one before it is written (Python hashes while the server writes).
        with ThreadPoolExecutor(1, thread_name_prefix="graph-load") as writer:
            pending: Future[None] | None = None
            for step in STEPS:
                plan_step(step)
                if pending is None:
                    writes_from = time.perf_counter()
                else:
                    pending.result()  # (a step that fails stops the load here)
                pending = writer.submit(write, step)
            # Every step is planned: the state it leaves is saved while the last is written.
            digest = settled()
            if pending is not None:
                pending.result()
    else:
        # The steps are written in order by one writer while the later ones are planned
        # (and a refresh's rows built: `refresh_scope.StagedRows`); the marker is cleared
        # before the first change is written, and from there until the last write the
        # saved keys and hashes are not the graph's.
        writes_from = time.perf_counter()
        stopped = False  # (a step that fails, or a failure here, stops the steps after it)
        early = RETIRED_EARLY

        def in_turn(work: Callable[[], None]) -> None:
            nonlocal stopped
            if stopped:
                return
            try:
                work()
            except BaseException:
                stopped = True
                raise

        with ThreadPoolExecutor(1, thread_name_prefix="graph-load") as writer:
            queued: list[Future[None]] = []
            try:
                for step in STEPS:
                    plan_step(step)
                    if step.name == "households" and saved:
                        # The graph holds the saved states: only the households of the
                        # persons that leave theirs (or go) in this run can be left with
                        # nobody: those of the persons that go, read now, and those
                        # the writes move people out of (`left`).
                        emptied = _households_left(graph, plans, batch_size)
                    if marker is not None and _changes({step.name: plans[step.name]}):
                        graph.write("load/load_marker", digest=None)  # (nothing written yet)
                        marker = None
                    queued.append(writer.submit(in_turn, partial(write, step)))
                    if step.name == early[0]:
                        queued.append(writer.submit(in_turn, retire_early))
                digest = settled()  # (while the server writes)
            except BaseException:
                stopped = True
                raise
            for done in queued:
                done.result()
    times["build"] = round(building, 2)
    times["state"] = round(planning, 2)
    times["write"] = round(time.perf_counter() - writes_from, 2)
    changed = _changes(plans)

    clock = time.perf_counter()
    # Relationships before the nodes they hang on.
    retire(step.name for step in reversed(STEPS) if step.name not in early)
    if emptied is not None:
        # (a household a row puts someone in has them once the writes are done)
        occupied = {row["id"] for row in rows.households}
        emptied = sorted({*emptied, *(row["left"] for row in left)} - occupied - {None})
        graph.write_batches("retire/empty_households_among", emptied, batch_size, param="ids")
    elif changed or not saved:  # (after a killed run, whatever it left to do)
        graph.write("retire/empty_households")
    if marker != digest:
        graph.write("load/load_marker", digest=digest)
    times["retire"] = round(time.perf_counter() - clock, 2)
    counts = {
        name: {"written": p.written, "unchanged": p.unchanged, "retired": len(p.retire)}
        for name, p in plans.items()
    }
    return Loaded(counts, digest)


def _retired_alone(step: str, plans: dict[str, Plan]) -> list[str]:
    """The keys `step` retires with its own statement: not a relationship to a person
    or address retired in the same load, as that node's DETACH DELETE takes it (a
    refresh that moves people retires their old lives-at with their old addresses:
    finding each first took 0.7 to 1.2 s of a 1.3 to 2.0 s retirement)."""
    keys = plans[step].retire
    persons = set(plans["persons"].retire)
    if step == "households":  # person
        return [key for key in keys if key not in persons]
    if step in ("lives_at", "family"):  # person|address|source, from|to|type
        ends = set(plans["addresses"].retire) if step == "lives_at" else persons
        return [
            key for key in keys if key_first(key) not in persons and key_middle(key) not in ends
        ]
    return keys


def _households_left(graph: Graph, plans: dict[str, Plan], batch_size: int) -> list[str]:
    """The households, as the graph holds them before the writes, of the persons whose
    household row goes and of the persons retired. With those the writes move people
    out of (`load/households` returns them, `LEAVING`), the only households a load from
    the held states can leave with nobody (a new row is a person with none). (Reading
    those of every person whose row changes, before the writes, took 1.1 to 1.6 s of a
    refresh that moved 10,000 people, and the server's time beside its writes.)"""
    leaving = {*plans["households"].retire, *plans["persons"].retire}
    found: set[str] = set()
    for ids in batched(sorted(leaving), batch_size):
        found.update(row["id"] for row in graph.read("state/households_of", ids=ids))
    return sorted(found)


def _changes(plans: dict[str, Plan]) -> bool:
    """Whether carrying out the plans writes or retires anything."""
    return any(p.create or p.update or p.retire for p in plans.values())


def _write_step(
    graph: Graph, step: Step, todo: Plan, batch_size: int, quiet: bool, left: list[Row]
) -> None:
    """Carry out a step's plan (the rows `LEAVING` returns are added to `left`)."""
    total = todo.written
    progress = Progress(f"write {step.name}", total, quiet=quiet or not total)
    for name, rows in updates(step, todo):
        writers = step.writers if name.endswith("_new") else 1
        returned = left if name == LEAVING else None
        graph.write_batches(
            f"load/{name}", rows, batch_size, progress, writers=writers, returned=returned
        )
    progress.finish()


def updates(step: Step, todo: Plan) -> list[tuple[str, list[Row]]]:
    """The statements (`cypher/load/<name>.cypher`) that carry out a step's creates and
    updates, each with its rows, in order."""
    if not step.create:
        return [(step.name, todo.create + todo.update)]
    created = (f"{step.name}_new", todo.create)
    if step.name == "households":  # (each household merged once for its rows in a batch)
        created = (created[0], sorted(todo.create, key=lambda row: str(row["id"])))
    if step.link_only is None:
        return [created, (step.name, todo.update)]
    whole: list[Row] = []
    link: list[Row] = []
    for row in todo.update:
        before, now = todo.was.get(step.key(row)), row["h"]
        half = len(now) // 2  # (a hash of another form, or none: the whole row)
        same = before is not None and len(before) == len(now) and before[:half] == now[:half]
        (link if same else whole).append(row)
    return [created, (step.name, whole), (step.link_only, link)]
