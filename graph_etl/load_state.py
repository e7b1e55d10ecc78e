"""What the graph holds per load step: each key's content hash, and the dormant keys.

A refresh compares the rows it rebuilt with what the last complete load wrote. That
is kept in the state folder as a DuckDB file (`last_load/state.duckdb`): a table per
step (key, hash, whether dormant, and for `lives_at` and `family` the key's first
part and its middle: person and address, or the two persons), and a table of each
step's number of keys, of dormant keys and sum of hashes (`graph_etl.load.state_digest`)
beside the digest of the load that saved them. A refresh reads the hashes of the
keys it touches and asks for the keys around a change (the rows at an address, the
family links of a person) instead of reading every key of the county: at 1,000,000
records, reading the whole state as JSON took about 5 s a run and saving it 1 s.

Each save is one transaction: a killed run leaves the previous state whole. A save
onto the state a refresh opened stays in DuckDB's write-ahead log (committed) when the
file is closed, and goes into the file when the next run has opened it, while it
matches (`SavedState.fold_log`). A state read from the graph (`HeldInMemory`) answers
the same questions from dicts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa


@dataclass
class StepState:
    """What the graph holds for one load step: each key's content hash, and which keys
    are held but dormant (retired source records: kept, never retired again; their
    hash is None so a record that comes back counts as changed).

    A state read for some keys only (`SavedState.state`) has `size`: the number of
    keys, and of dormant keys, the step holds in all; `hashes` and `dormant` then
    cover only those keys, and `removed` (after a plan) the keys that are gone."""

    hashes: dict[str, str | None]
    dormant: set[str]
    # The sum of the hashes as numbers (see `graph_etl.load.state_total`), once known.
    total: int | None = None
    size: tuple[int, int] | None = None
    removed: set[str] = field(default_factory=set)

    def counts(self) -> tuple[int, int]:
        """(keys, dormant keys) the step holds in all."""
        return self.size if self.size is not None else (len(self.hashes), len(self.dormant))


def key_first(key: str) -> str:
    """The first part of a key of several: the person of person|address|source, the
    `from` of from|to|type."""
    return key.partition("|")[0]


def _source(key: str) -> str:
    """The source of a key that starts with it (an involvement's `source:file:key`)."""
    return key.partition(":")[0]


def key_middle(key: str) -> str:
    """The middle of a three-part key: the address of person|address|source (an
    address id made from a source's UPRN may have a bar), the `to` of from|to|type."""
    return key.partition("|")[2].rpartition("|")[0]


class HeldInMemory:
    """The held state as dicts (read from the graph, or built by a test)."""

    def __init__(self, states: dict[str, StepState]) -> None:
        self.states = states

    def state(self, step: str, keys: Iterable[str] | None = None) -> StepState:
        """The state of `step` (whole: `keys` only narrows what a saved state reads)."""
        return self.states[step]

    def keys(self, step: str) -> Iterable[str]:
        return self.states[step].hashes.keys()

    def keys_of(self, step: str, persons: set[str]) -> set[str]:
        """`lives_at` or `family` keys whose first part is one of `persons`, or (family)
        whose middle part is."""
        found = {key for key in self.keys(step) if key_first(key) in persons}
        if step == "family":
            found.update(key for key in self.keys(step) if key_middle(key) in persons)
        return found

    def living_at(self, addresses: set[str]) -> set[str]:
        """The persons with a `lives_at` key at one of `addresses`."""
        return {key_first(key) for key in self.keys("lives_at") if key_middle(key) in addresses}

    def gone(self, step: str, keys: set[str], skipped: Iterable[str] = ()) -> set[str]:
        """The held keys of `step` that are not in `keys`, but for those of the sources
        `skipped` (the part of a key before its first colon)."""
        skip = set(skipped)
        return {key for key in self.states[step].hashes.keys() - keys if _source(key) not in skip}


# The first part of a key, and its middle (between the first bar and the last).
_PARTS = (
    "split_part(key, '|', 1), "
    "key[strlen(split_part(key, '|', 1)) + 2 : strlen(key) - strlen(split_part(key, '|', -1)) - 1]"
)
_WITH_PARTS = ("lives_at", "family")


def _table(step: str) -> str:
    """A step's table (step names come from `graph_etl.load.STEPS`, never from input)."""
    if not step.isidentifier():
        raise ValueError(f"not a load step: {step!r}")
    return f'"step_{step}"'


class SavedState:
    """The state the last complete load saved, read key by key from its DuckDB file."""

    def __init__(
        self, connection: duckdb.DuckDBPyConnection, digest: str, sizes: dict[str, tuple]
    ) -> None:
        self.connection, self.digest = connection, digest
        self.sizes = sizes  # step -> (keys, dormant keys, total)
        # step -> key -> hash: what this run wrote ahead of its load (`rewrite`).
        self.rewritten: dict[str, dict[str, str]] = {}

    def _query(self, sql: str, **tables: pa.Table) -> pa.Table:
        for name, table in tables.items():
            self.connection.register(name, table)
        try:
            return self.connection.sql(sql).to_arrow_table()
        finally:
            for name in tables:
                self.connection.unregister(name)

    def state(self, step: str, keys: Iterable[str] | None = None) -> StepState:
        """The state of `step`: whole, or (`keys`) only for those keys."""
        size, dormant_size, total = self.sizes[step]
        rewritten = self.rewritten.get(step, {})
        select = f"SELECT key, h, dormant FROM {_table(step)}"  # noqa: S608
        if keys is None:
            found = self._query(select)
        else:
            # (the keys rewritten always: the state a load leaves then keeps them)
            wanted = pa.table({"key": pa.array([*keys, *rewritten], pa.string())})
            found = self._query(f"{select} SEMI JOIN wanted USING (key)", wanted=wanted)
        names = found.column("key").to_pylist()
        hashes = dict(zip(names, found.column("h").to_pylist(), strict=True))
        hashes.update(rewritten)
        dormant = {k for k, d in zip(names, found.column("dormant").to_pylist(), strict=True) if d}
        return StepState(hashes, dormant, total, None if keys is None else (size, dormant_size))

    def rewrite(self, step: str, hashes: dict[str, str]) -> None:
        """Take `hashes` as what the graph now holds for those keys of `step`, each held
        live with a hash (written by this run ahead of its load: see
        `graph_etl.record_nodes`)."""
        held = self.state(step, hashes).hashes
        size, dormant, total = self.sizes[step]
        for key, h in hashes.items():
            before = held.get(key)
            if before is None:
                raise ValueError(f"{step}: {key!r} is not held live with a hash")
            total += int(h, 16) - int(before, 16)
        self.sizes[step] = (size, dormant, total)
        self.rewritten.setdefault(step, {}).update(hashes)

    def keys(self, step: str) -> Iterable[str]:
        return self._query(f"SELECT key FROM {_table(step)}").column(0).to_pylist()  # noqa: S608

    def keys_of(self, step: str, persons: set[str]) -> set[str]:
        wanted = pa.table({"p": pa.array(sorted(persons), pa.string())})
        either = " OR b IN (SELECT p FROM wanted)" if step == "family" else ""
        sql = f"SELECT key FROM {_table(step)} WHERE a IN (SELECT p FROM wanted){either}"  # noqa: S608
        return set(self._query(sql, wanted=wanted).column(0).to_pylist())

    def living_at(self, addresses: set[str]) -> set[str]:
        wanted = pa.table({"b": pa.array(sorted(addresses), pa.string())})
        sql = f"SELECT DISTINCT a FROM {_table('lives_at')} SEMI JOIN wanted USING (b)"  # noqa: S608
        return set(self._query(sql, wanted=wanted).column(0).to_pylist())

    def gone(self, step: str, keys: set[str], skipped: Iterable[str] = ()) -> set[str]:
        wanted = pa.table({"key": pa.array(list(keys), pa.string())})
        skip = pa.table({"source": pa.array(sorted(set(skipped)), pa.string())})
        sql = (
            f"SELECT key FROM {_table(step)} ANTI JOIN wanted USING (key) "  # noqa: S608
            "WHERE split_part(key, ':', 1) NOT IN (SELECT source FROM skip)"
        )
        return set(self._query(sql, wanted=wanted, skip=skip).column(0).to_pylist())

    def fold_log(self) -> None:
        """Write the changes the last save left in the write-ahead log into the file (a
        refresh does it while it matches: at 1,000,000 records it takes DuckDB 1.0 to
        1.5 s of CPU, without the interpreter lock, however small the log). If DuckDB
        cannot (a full disk), the changes stay in the log, where they count as well."""
        with contextlib.suppress(duckdb.Error):
            self.connection.execute("CHECKPOINT")

    def close(self) -> None:
        self.connection.close()


def _path(state_dir: Path) -> Path:
    return state_dir / "last_load" / "state.duckdb"


def saved_digest(state_dir: Path) -> str | None:
    """The digest of the load that saved the state, if one is saved and readable."""
    path = _path(state_dir)
    if not path.is_file():
        return None
    try:
        with contextlib.closing(duckdb.connect(str(path), read_only=True)) as connection:
            found = connection.execute("SELECT digest FROM saved").fetchone()
    except duckdb.Error:
        return None
    return found[0] if found else None


def open_saved(state_dir: Path, digest: str, steps: Iterable[str]) -> SavedState | None:
    """The saved state if the load of `digest` saved it for exactly `steps`, else None
    (missing, another load's, or unreadable: the caller then reads the graph)."""
    path = _path(state_dir)
    if not path.is_file():
        return None
    try:
        connection = duckdb.connect(str(path))
    except duckdb.Error:
        return None
    try:
        found = connection.execute("SELECT digest FROM saved").fetchone()
        rows = connection.execute("SELECT step, size, dormant, total FROM sizes").fetchall()
        # This run's save stays in the write-ahead log, committed, instead of going into
        # the file when the connection closes, after the graph writes (see `fold_log`).
        connection.execute("SET checkpoint_threshold = '1GB'")
        connection.execute("PRAGMA disable_checkpoint_on_shutdown")
    except duckdb.Error:
        found, rows = None, []
    sizes = {step: (size, dormant, int(total, 16)) for step, size, dormant, total in rows}
    if found is None or found[0] != digest or set(sizes) != set(steps):
        connection.close()
        return None
    return SavedState(connection, digest, sizes)


def _rows(state: StepState) -> pa.Table:
    keys = state.hashes.keys()
    asleep = [key in state.dormant for key in keys] if state.dormant else [False] * len(keys)
    return pa.table(
        {
            "key": pa.array(keys, pa.string()),
            "h": pa.array(state.hashes.values(), pa.string()),
            "dormant": pa.array(asleep, pa.bool_()),
        }
    )


def save(
    state_dir: Path,
    digest: str,
    states: dict[str, StepState],
    base: SavedState | None = None,
) -> None:
    """Keep `states` (each with its sum of hashes known, see `graph_etl.load.state_digest`)
    as what the load of `digest` left. States read for some keys only are changes to
    `base`, the saved state they were read from; whole states replace theirs. One
    transaction; `base` then is what was saved."""
    partial = [name for name, state in states.items() if state.size is not None]
    if partial and base is None:
        raise ValueError(f"states of some keys only need the state they were read from: {partial}")
    if any(state.total is None for state in states.values()):
        raise ValueError("each state's sum of hashes must be known")
    path = _path(state_dir)
    if base is not None:
        connection = base.connection
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = duckdb.connect(str(path))
        except duckdb.Error:  # a damaged file: start again
            path.unlink(missing_ok=True)
            path.with_name(f"{path.name}.wal").unlink(missing_ok=True)
            connection = duckdb.connect(str(path))
    try:
        connection.execute("BEGIN TRANSACTION")
        connection.execute("CREATE OR REPLACE TABLE saved (digest VARCHAR)")
        connection.execute(
            "CREATE OR REPLACE TABLE sizes "
            "(step VARCHAR, size BIGINT, dormant BIGINT, total VARCHAR)"
        )
        for name, state in states.items():
            parts = _PARTS if name in _WITH_PARTS else "NULL::VARCHAR, NULL::VARCHAR"
            columns = f"key, h, dormant, {parts}"
            if state.size is None:
                connection.execute(
                    f"CREATE OR REPLACE TABLE {_table(name)} (key VARCHAR, h VARCHAR, "
                    "dormant BOOLEAN, a VARCHAR, b VARCHAR)"
                )
            else:
                gone = pa.table({"key": pa.array([*state.removed, *state.hashes], pa.string())})
                connection.register("gone", gone)
                connection.execute(
                    f"DELETE FROM {_table(name)} WHERE key IN (SELECT key FROM gone)"  # noqa: S608
                )
                connection.unregister("gone")
            connection.register("rows", _rows(state))
            connection.execute(f"INSERT INTO {_table(name)} SELECT {columns} FROM rows")  # noqa: S608
            connection.unregister("rows")
            size, dormant = state.counts()
            connection.execute(
                "INSERT INTO sizes VALUES (?, ?, ?, ?)", [name, size, dormant, f"{state.total:x}"]
            )
        connection.execute("INSERT INTO saved VALUES (?)", [digest])
        connection.execute("COMMIT")
        if base is not None:
            base.digest = digest
            base.sizes = {name: (*state.counts(), state.total) for name, state in states.items()}
            base.rewritten = {}  # (saved with the rest)
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            connection.execute("ROLLBACK")
        raise
    finally:
        if base is None:
            connection.close()
