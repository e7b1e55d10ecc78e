"""A refresh rebuilds only the rows its change can reach.

The last complete load keeps, beside its keys and hashes, a digest of each source
record's inputs (the record, its link to its person, every item the source gives
about it, the persons its relationships point to, and its source's manifest), each
person's current address, each source's extract time and what each source was read
from. A refresh computes the digests again: of a source read from the same extract,
only the link halves; and of a record whose link matching did not name as changed
since the run whose links the last load wrote (`MatchResult.changed_links`), with
the same record half and no relationship to a record that moved person, neither.
The records whose digest differs, and those that are new or gone, are *changed*.
Then:

- the persons they were or are in are *dirty*: their person, address (LIVES_AT)
  and source record rows are rebuilt, and their old rows no longer built retired;
- so are the persons with addresses from two sources whose extract times now fall
  in another order (the current address goes by extract time): a new delivery
  later than every other source's changes no one's;
- the addresses those persons name, now or at the last load, are rebuilt from every
  report of them (the other people's reports are found through the last load's
  LIVES_AT keys);
- households are rebuilt at every address where a dirty person, or one whose family
  ties changed, lives or lived;
- involvements are rebuilt for changed records, and where a moved extract date
  changes whether they have ended; sources, organisations, services,
  professionals, review pairs and family relationships are always built in full
  (none is large, and a relationship can change through either end).

Every other row is what the last load wrote, so the plan carries its key and hash
over. Each row is built by the same function as in a full build (`graph_etl.model`),
and no row depends on the order records come in, so a refresh gives exactly the
rows a full build would. It is used only when the graph holds the last load this
folder saved (as for the keys and hashes) and the model's code is unchanged; else
everything is built.
"""

from __future__ import annotations

import hashlib
import time
from array import array
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache, partial
from itertools import accumulate, compress, count, repeat
from operator import methodcaller
from pathlib import Path
from typing import Any

import orjson

from graph_etl import model, snapshots
from graph_etl.code_digest import code_digest
from graph_etl.load import Held, content_hash
from graph_etl.load_state import HeldInMemory, SavedState, StepState, key_middle
from graph_etl.matching.types import Link, MatchResult, person_ids
from graph_etl.model import GraphRows, Row
from graph_etl.sources.manifest import Manifest
from graph_etl.sources.reader import ReadResult
from graph_etl.sources.reuse import items_of

_PACKAGE = Path(model.__file__).parent
# The code the rows are made by (names are standardised, and addresses keyed, there).
_CODE = [
    _PACKAGE / "model.py",
    _PACKAGE / "refresh_scope.py",
    _PACKAGE / "standardise.py",
    _PACKAGE / "sources" / "values.py",
]


@dataclass
class Inputs:
    """What a load was built from: each source record's input digest, each person's
    current address id, each source's extract time, what each source's records
    were read from (`ReadResult.read_digest`, where known) and the state matching kept
    with the links (`MatchResult.token`)."""

    digests: dict[str, str]
    current: dict[str, str]
    extracted: dict[str, str]
    reads: dict[str, str]
    match_token: str | None = None


@dataclass
class Built:
    """The rows for the load, and what the report and the next refresh need."""

    # All (each part built when first asked for), or those a refresh rebuilds (and
    # every row of the steps built in full: each step's built when first asked for).
    rows: GraphRows | model.RowsOnDemand | StagedRows
    scopes: Mapping[str, set[str]]  # per rebuilt step: the held keys it may retire
    # The inputs to keep for the next refresh, or how to work them out: only needed
    # once the load is done, so that is left for while the server writes.
    pending: Inputs | Callable[[], Inputs]
    report: dict[str, Any]
    last: Inputs | None = None  # a refresh's: the inputs of the load the graph holds

    @property
    def inputs(self) -> Inputs:
        if callable(self.pending):
            started = time.perf_counter()
            self.pending = self.pending()
            if self.last is None:  # (a refresh's are worked out with its rows)
                self.report["seconds"]["inputs"] = round(time.perf_counter() - started, 2)
        return self.pending

    @property
    def inputs_changed(self) -> bool:
        return self.last is None or self.inputs != self.last


class StagedRows:
    """A refresh's rows, built a part at a time as the load first asks for a step of
    it (`rows.persons`), so that the server writes the steps before meanwhile: the
    parts come in a fixed order (`_laps`), each needing those before it."""

    def __init__(self, laps: Iterator[tuple[str, ...]], rows: GraphRows) -> None:
        self._laps, self._rows = laps, rows
        self._ready: set[str] = set()

    def __getattr__(self, name: str) -> list[Row]:
        if name.startswith("_") or name not in GraphRows.__dataclass_fields__:
            raise AttributeError(name)
        while name not in self._ready:
            self._ready.update(next(self._laps))
        rows: list[Row] = getattr(self._rows, name)
        return rows

    def all(self) -> GraphRows:
        """Every step's rows, built now."""
        for ready in self._laps:
            self._ready.update(ready)
        return self._rows


class StagedScopes(Mapping[str, set[str]]):
    """The scopes of `StagedRows`' steps: each known once its step's rows are built,
    so asking for one builds them first."""

    def __init__(self, rows: StagedRows, scopes: dict[str, set[str]]) -> None:
        self._rows, self._scopes = rows, scopes

    def __getitem__(self, step: str) -> set[str]:
        try:
            getattr(self._rows, step)
        except AttributeError:
            raise KeyError(step) from None
        return self._scopes[step]

    def __iter__(self) -> Iterator[str]:
        self._rows.all()
        return iter(self._scopes)

    def __len__(self) -> int:
        self._rows.all()
        return len(self._scopes)


def last_inputs(state_dir: Path | None, held: Held) -> Inputs | None:
    """The inputs of the load the graph holds (`held`: what `load.held_states` gave),
    when the state folder keeps them (loaded before matching, while extracts are read)."""
    if state_dir is not None and held.saved and held.digest is not None:
        return load(state_dir, held.digest)
    return None


def build_rows(
    manifests: dict[str, Manifest],
    results: dict[str, ReadResult],
    matched: MatchResult,
    loaded_at: datetime,
    held: Held,
    last: Inputs | None,
    person_of: dict[str, str],
) -> Built:
    """Only the rows the change can reach when `last` gives the inputs of the load the
    graph holds (`last_inputs`); else every row."""
    links, review = matched.links, matched.review_pairs
    if last is None:
        # Each part is built when the load first asks for it (in a first load, while
        # the server writes the steps before), and the inputs once the rows are written.
        rows = model.RowsOnDemand(manifests, results, links, loaded_at, review)
        report = {"only_what_changed": False, "persons_rebuilt": matched.stats["people"]}
        later = partial(inputs_of, manifests, results, matched, rows)
        return Built(rows, {}, later, {**report, "seconds": {}})
    return build(manifests, results, matched, loaded_at, held.store, last, person_of)


@cache
def _code_digest() -> str:
    return code_digest(_CODE, packages=["jellyfish"])  # (which gives phonetic keys)


def _path(state_dir: Path) -> Path:
    return state_dir / "last_load" / f"inputs{snapshots.SUFFIX}"


def save(state_dir: Path, load_digest: str, inputs: Inputs) -> None:
    """Keep `inputs` as those of the load of `load_digest`."""
    body = {"code": _code_digest(), **vars(inputs)}
    snapshots.save_for_load(_path(state_dir), load_digest, body)


def load(state_dir: Path, load_digest: str) -> Inputs | None:
    """The inputs of the load of `load_digest`, if kept by this version of the model."""
    body = snapshots.body_if(_path(state_dir), load_digest)
    if body is None or body.get("code") != _code_digest():
        return None
    return Inputs(
        body["digests"], body["current"], body["extracted"], body["reads"], body.get("match_token")
    )


_RELATED = methodcaller("get", "related")
_HALF = 16  # hex digits in each half of an input digest
_SORTED = orjson.OPT_SORT_KEYS


def _sha(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def input_digests(
    manifests: dict[str, Manifest],
    results: dict[str, ReadResult],
    links: Mapping[str, Link],
    last: Inputs | None = None,
    fresh_links: set[str] | None = None,
) -> dict[str, str]:
    """Each source record's input digest (see the module docstring): two halves, one
    of what its source holds (the record and its items) and one of its link (the
    persons of its relationships among them).

    The first half is carried over from `last` for the records of a source read from
    the very extract it was read from then (equal `read_digest`: equal records), so
    only changed extracts are serialised again; with `fresh_links`, the second half
    of every record not in it whose first half is as it was (the link half names the
    persons of its relationships: see `_fresh_links`). With `fresh_links`, the digests
    of the sources read from the same extracts are carried over whole, not record by
    record, when the last load's name every one of their records. Reasons and
    explanations are shared among links (`Link`), so each is serialised once."""
    return _Digests(manifests, links, last, fresh_links).of(results)


class _Digests:
    """`input_digests`, and which records' digests were worked out (`worked`): every
    other record's is the last load's."""

    def __init__(
        self,
        manifests: dict[str, Manifest],
        links: Mapping[str, Link],
        last: Inputs | None,
        fresh_links: set[str] | None,
    ) -> None:
        self.manifests, self.links, self.last = manifests, links, last
        self.before = last.digests if last is not None and fresh_links is not None else {}
        self.fresh = fresh_links or set()
        self.person_of = person_ids(links)
        self.explained: dict[tuple[int, int], bytes] = {}  # by the (shared) lists' identities
        self.worked: set[str] = set()
        # The records of `last` no longer read, when `of` carried its digests whole.
        self.gone: set[str] | None = None
        # Each record's relationship items, for the link halves (set by `of`).
        self.relations: dict[str, list[Row]] = {}

    def of(self, results: dict[str, ReadResult]) -> dict[str, str]:
        # (a pass over the relationships alone: indexing every record's items took 0.5
        # to 0.9 s at 1,000,000 records, for the few thousand record halves worked out;
        # the items alone, as `items_of`'s (kind, item) pairs took 0.05 s more)
        self.relations = {}
        for result in results.values():
            for item in result.records.get("relationship", []):
                self.relations.setdefault(item["person"], []).append(item)
        digests: dict[str, str] = {}
        carried: list[str] = []  # sources whose records' digests may be the last load's
        for source, result in results.items():
            if not self.before:
                self._each(source, result, digests)
            elif self._kept(source, result):
                carried.append(source)
            elif (places := self._reread(source, result)) is not None:
                # Read afresh reusing that read's rows: only the records not as it held
                # them are looked at; the others' digests are carried with the rest.
                fresh = [row for row, place in enumerate(places) if place < 0]
                self._each(source, result, digests, fresh)
                carried.append(source)
            else:
                self._each(source, result, digests)
        if carried:
            whole = self._carry(results, digests)
            if whole is not None:
                return whole
            for source in carried:  # (the last load's digests do not name them all)
                self._each(source, results[source], digests)
        return digests

    def _kept(self, source: str, result: ReadResult) -> dict[str, str]:
        """The last load's digests, if it read `source` from the extract `result` was."""
        last = self.last
        return last.digests if last is not None and _read_as_last(source, result, last) else {}

    def _reread(self, source: str, result: ReadResult) -> array | None:
        """Of a source read afresh reusing the rows of the read the last load's was,
        each person record's place in that read (`SameAs`: -1 where it, or an item
        about it, is new or not as it was); else None."""
        last, same = self.last, result.same_as
        if (
            last is not None
            and same is not None
            and last.reads.get(source) == same.read
            and len(same.places) == len(result.people())
        ):
            return same.places
        return None

    def _each(
        self,
        source: str,
        result: ReadResult,
        digests: dict[str, str],
        rows: Iterable[int] | None = None,
    ) -> None:
        """Into `digests`, those of `source`'s records, looked at one by one (`rows`:
        only those, of a source read reusing the rows of the last load's read)."""
        kept, before = self._kept(source, result), self.before
        people = result.people()
        pairs: Iterable[tuple[Row, int]] = zip(people, repeat(0))  # (any half may be kept)
        reread = None if kept else self._reread(source, result)
        if reread is not None:
            # The record halves of the records (and items) as that read held them are
            # the last load's.
            assert self.last is not None
            kept, pairs = self.last.digests, zip(people, reread, strict=True)
            if rows is not None:
                pairs = ((people[row], reread[row]) for row in rows)
        elif rows is not None:
            raise ValueError("only the records of a source read reusing rows can be picked")
        # (the manifest, 3 to 11 kB as text, is hashed once, not into every record's half)
        salt = _sha(f"{source}\0{self.manifests[source].described()}".encode())
        pairs = list(pairs)
        # The items of the records whose record halves are worked out here (all, when
        # none is kept)
        afresh = {r["id"] for r, place in pairs if place < 0 or r["id"] not in kept}
        owned = items_of(result, afresh if kept else None)
        for record, place in pairs:
            ident = record["id"]
            held = kept.get(ident) if place >= 0 else None
            if held is None:
                mine = owned.get(ident)
                held = _sha(orjson.dumps((salt, record, mine), option=_SORTED, default=str))
            said_before = None if ident in self.fresh else before.get(ident)
            if said_before is not None and said_before.startswith(held[:_HALF]):
                digests[ident] = said_before  # (the same items: the same relatives)
                continue
            digests[ident] = self.digest(ident, held)

    def _carry(
        self, results: dict[str, ReadResult], digests: dict[str, str]
    ) -> dict[str, str] | None:
        """The digests of every record of `results`: those in `digests` (worked out),
        the last load's of every other record, with the link halves of the fresh ones
        worked out; None unless that gives a digest for every record of `results` and
        no other: with every record the same and no link named, nothing about these
        records is looked at one by one."""
        records = sum(len(result.people()) for result in results.values())
        before, now = self.before, self.person_of
        carried = dict(before)
        carried.update(digests)
        # (the same records in the same order, as when none came or went: a comparison
        # of the two lists, not a million lookups)
        same = len(before) == len(now) and list(before) == list(now)
        gone = set() if same else before.keys() - now.keys()
        for ident in gone:
            del carried[ident]
        if len(carried) != records or len(self.person_of) != records:
            return None
        for ident in self.fresh - self.worked:
            if (held := carried.get(ident)) is not None:
                carried[ident] = self.digest(ident, held)
        self.gone = gone
        return carried

    def digest(self, ident: str, held: str) -> str:
        """Record `ident`'s digest: `held`'s record half, and its link half."""
        self.worked.add(ident)
        link = self.links[ident]
        why = (id(link.reasons), id(link.explanation) if link.explanation else 0)
        if (said := self.explained.get(why)) is None:
            text = orjson.dumps((link.reasons, link.explanation), option=_SORTED, default=str)
            said = self.explained[why] = hashlib.sha1(text, usedforsecurity=False).digest()
        related = [
            self.person_of.get(item.get("related") or "") for item in self.relations.get(ident, ())
        ]
        body = (link.person_id, link.probability, link.matched_with, related)
        return held[:_HALF] + _sha(orjson.dumps(body, default=str) + said)[:_HALF]


def _fresh_links(
    results: dict[str, ReadResult], matched: MatchResult, last: Inputs, person_of: dict[str, str]
) -> set[str] | None:
    """The records whose link halves must be worked out afresh: those whose links may
    have changed since the run whose links the last load wrote (when matching compared
    against that run: else None, all), and those with a relationship to a record now
    in another person than `person_of` gives. (Every record a relationship names is
    here: a read quarantines an item naming a record its extract lacks.)"""
    changed = matched.changed_links
    if changed is None or last.match_token is None or matched.since != last.match_token:
        return None
    now = person_ids(matched.links)
    moved = {ident for ident in changed if now[ident] != person_of.get(ident)}
    fresh = set(changed)
    for result in results.values():
        items = result.records.get("relationship", [])
        related = list(map(_RELATED, items))
        odd = moved.intersection(related)  # (the few named that moved: no set of all)
        if odd:
            fresh.update(
                item["person"] for item, ident in zip(items, related, strict=True) if ident in odd
            )
    return fresh


def inputs_of(
    manifests: dict[str, Manifest],
    results: dict[str, ReadResult],
    matched: MatchResult,
    rows: GraphRows | model.RowsOnDemand,
) -> Inputs:
    """The inputs of a full build's `rows`."""
    current = {row["person_id"]: row["address_id"] for row in rows.lives_at if row["current"]}
    digests = input_digests(manifests, results, matched.links)
    extracted = model.extract_times(results)
    return Inputs(digests, current, extracted, read_digests(results), matched.token)


def read_digests(results: dict[str, ReadResult]) -> dict[str, str]:
    """What each source's records were read from, where known."""
    return {source: r.read_digest for source, r in results.items() if r.read_digest is not None}


def build(
    manifests: dict[str, Manifest],
    results: dict[str, ReadResult],
    matched: MatchResult,
    loaded_at: datetime,
    held: HeldInMemory | SavedState | dict[str, StepState],
    last: Inputs,
    person_of: dict[str, str],
) -> Built:
    """The rows a change can reach, given what the graph holds (`held`), the inputs
    of the load that wrote it (`last`) and which person each of its records was in
    (`person_of`). The digests, and the rows of the steps built in full, are worked
    out now; the persons, family relationships, addresses, households and involvements
    each when first asked for (`StagedRows`)."""
    if isinstance(held, dict):
        held = HeldInMemory(held)
    rows, scopes = GraphRows(), {}
    report: dict[str, Any] = {"only_what_changed": True, "seconds": {}}
    laps = _laps(
        manifests, results, matched, loaded_at, held, last, person_of, rows, scopes, report
    )
    staged = StagedRows(laps, rows)

    def finished() -> Inputs:
        staged.all()
        inputs: Inputs = report.pop("inputs")
        return inputs

    staged.review_pairs  # noqa: B018 (the digests, and the rows built in full, now)
    return Built(staged, StagedScopes(staged, scopes), finished, report, last)


def _laps(
    manifests: dict[str, Manifest],
    results: dict[str, ReadResult],
    matched: MatchResult,
    loaded_at: datetime,
    held: HeldInMemory | SavedState,
    last: Inputs,
    person_of: dict[str, str],
    rows: GraphRows,
    scopes: dict[str, set[str]],
    report: dict[str, Any],
) -> Iterator[tuple[str, ...]]:
    """`build`'s parts, in order: each fills `rows` (and `scopes`) for some
    steps, and yields their names."""
    links, review = matched.links, matched.review_pairs
    seconds: dict[str, float] = report["seconds"]
    clock = time.perf_counter()

    def lap(part: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[part] = round(now - clock, 2)
        clock = now

    fresh_links = _fresh_links(results, matched, last, person_of)
    found = _Digests(manifests, links, last, fresh_links)
    digests = found.of(results)
    # (every digest not worked out is the last load's)
    changed = {ident for ident in found.worked if last.digests.get(ident) != digests[ident]}
    # (a second pass over a million ids saved, when the digests were carried whole)
    gone = found.gone if found.gone is not None else last.digests.keys() - digests.keys()
    now = person_ids(links)
    dirty = {now[ident] for ident in changed}
    dirty |= {person_of[ident] for ident in changed | gone if ident in person_of}
    extracted = model.extract_times(results)
    dirty |= _reordered_residents(last.extracted, extracted, lambda: held.keys("lives_at"))
    lap("digests")
    report.update(
        links_described_afresh=None if fresh_links is None else len(fresh_links),
        records_changed=len(changed) + len(gone),
        persons_rebuilt=len(dirty),
    )
    model.shared_rows(rows, manifests, results, loaded_at, review)
    lap("shared")
    yield ("sources", "organisations", "services", "professionals", "review_pairs")
    clock = time.perf_counter()  # (the time between laps is the load's)
    records_of: dict[str, list[tuple[str, Row]]] = defaultdict(list)
    for source, record in records_in(results, now, dirty, changed):
        if (person := now[record["id"]]) in dirty:
            records_of[person].append((source, record))
        if record["id"] in changed:
            link, deep_link = links[record["id"]], manifests[source].governance["deep_link"]
            rows.source_records.append(model.source_record_row(record, link, source, deep_link))
    rows.persons = [
        model.person_row(person, [record for _, record in found])
        for person, found in sorted(records_of.items())
    ]
    scopes.update(persons=dirty, source_records=changed | gone)
    lap("persons")
    yield ("persons", "source_records")
    clock = time.perf_counter()

    def reports(persons: set[str]) -> Iterator[model.Report]:
        wanted = {record["id"] for person in persons for _, record in records_of.get(person, ())}
        history_of: dict[str, list[tuple[str, Row]]] = {}
        for result in results.values():  # (their address items: one pass over those alone)
            history_of.update(items_of(result, wanted, ("address",)))
        for person in persons:
            for source, record in records_of.get(person, ()):
                history = (item for _, item in history_of.get(record["id"], ()))
                yield from model.record_reports(person, source, record, history)

    named: dict[str, list[Row]] = defaultdict(list)
    rows.lives_at = model.lives_rows(reports(dirty), extracted, named)
    lived = held.keys_of("lives_at", dirty)  # keys: person|address|source
    addresses = {row["address_id"] for row in rows.lives_at}
    addresses |= {key_middle(key) for key in lived}  # (person|address|source)
    neighbours = held.living_at(addresses) - dirty
    for source, record in records_in(results, now, neighbours):  # (their records)
        records_of[now[record["id"]]].append((source, record))
    model.add_reports(reports(neighbours), named)
    rebuilt = sorted(addresses & named.keys())
    rows.addresses = [model.address_row(ident, named[ident]) for ident in rebuilt]
    scopes.update(lives_at=lived, addresses=addresses)
    lap("addresses")
    yield ("addresses", "lives_at")
    clock = time.perf_counter()

    family = model.FamilyEdges(results, links)
    # Sibling links derived from a parent change with the parent: the parent's
    # children, now and at the last load, are rebuilt with it.
    kin = set(dirty)
    kin.update(child for parent in dirty for child in family.children_of.get(parent, ()))
    for key in held.keys_of("family", dirty):  # from|to|type
        parent, child, kind = key.split("|")
        if kind == "PARENT_OF" and parent in dirty:
            kin.add(child)
    rows.family = model.family_rows(family.around(kin))
    family_scope = scopes["family"] = held.keys_of("family", kin)
    lap("family")
    yield ("family",)
    clock = time.perf_counter()

    current = dict(last.current)  # (copied whole, then the few rebuilt taken out: 0.3 s
    for person in dirty:  # less at 1,000,000 records than a pass that leaves them out)
        current.pop(person, None)
    current.update({row["person_id"]: row["address_id"] for row in rows.lives_at if row["current"]})
    ties_changed = _family_changed(rows.family, held, family_scope)
    homes = {
        address
        for person in dirty | ties_changed
        for address in (last.current.get(person), current.get(person))
        if address is not None
    }
    residents = {person for person, address in current.items() if address in homes}
    at_home = [{"person_id": p, "address_id": current[p], "current": True} for p in residents]
    ties = model.family_rows(family.around(residents))
    rows.households = model.households(at_home, ties, model.family_groups(results, links))
    scopes["households"] = dirty | residents
    lap("households")
    yield ("households",)
    clock = time.perf_counter()

    def wanted(source: str, item: Row) -> bool:
        if item["person"] in changed:
            return True
        if (before := last.extracted.get(source)) in (None, extracted[source]):
            return False
        end, when = item.get("end"), datetime.fromisoformat(before).date()
        return model.status(end, when) != model.status(end, results[source].extracted_at.date())

    rows.involvements = model.involvement_rows(results, links, wanted)
    # A source read from the extract the last load's was holds the involvements it
    # held then: only the others' can be gone (an involvement's id names its source).
    same = {source for source, result in results.items() if _read_as_last(source, result, last)}
    involvements = {
        item["id"]
        for source, result in results.items()
        if source not in same
        for item in result.records.get("involvement", [])
    }
    scopes["involvements"] = held.gone("involvements", involvements, same)
    lap("involvements")
    report["inputs"] = Inputs(digests, current, extracted, read_digests(results), matched.token)
    yield ("involvements",)


def records_in(
    results: dict[str, ReadResult],
    person_of: Mapping[str, str],
    persons: set[str],
    records: set[str] | frozenset[str] = frozenset(),
) -> list[tuple[str, Row]]:
    """(source, record) for each record in one of `persons` (by `person_of`) or among
    `records` (ids), in the order of `results`.

    Matching numbers the records in that order, and its `person_of` (`person_ids`)
    holds them in it: the records wanted are picked by their place there, without
    looking at each of the county's records in Python (about half a second at
    1,000,000). Each one picked is checked against the id at its place; if the order
    is another, every record is looked at instead."""
    ends = list(accumulate(len(result.people()) for result in results.values()))
    sources = list(results)
    if len(person_of) == (ends[-1] if ends else 0):
        picked: list[tuple[str, Row]] = []
        for row, ident in _places(person_of, persons, records):
            part = bisect_right(ends, row)
            start = ends[part - 1] if part else 0
            record = results[sources[part]].people()[row - start]
            if record["id"] != ident:
                break
            picked.append((sources[part], record))
        else:
            return picked
    return _looked_at(results, person_of, persons, records)


def _looked_at(
    results: dict[str, ReadResult],
    person_of: Mapping[str, str],
    persons: set[str],
    records: set[str] | frozenset[str],
) -> list[tuple[str, Row]]:
    """`records_in`, looking at every record."""
    return [
        (source, record)
        for source, result in results.items()
        for record in result.people()
        if person_of[record["id"]] in persons or record["id"] in records
    ]


def _places(
    person_of: Mapping[str, str], persons: set[str], records: set[str] | frozenset[str]
) -> list[tuple[int, str]]:
    """(place, id) in `person_of` of the records in `persons` or among `records`,
    in order (C-level passes: no Python per record)."""
    found = compress(zip(count(), person_of), map(persons.__contains__, person_of.values()))
    if not records:
        return list(found)
    named = compress(zip(count(), person_of), map(records.__contains__, person_of))
    return sorted({*found, *named})


def _read_as_last(source: str, result: ReadResult, last: Inputs) -> bool:
    """Whether `source`'s records were read from the extract the last load's were."""
    return bool(result.read_digest) and last.reads.get(source) == result.read_digest


def _reordered_residents(
    before: dict[str, str], now: dict[str, str], lives: Callable[[], Iterable[str]]
) -> set[str]:
    """The persons with LIVES_AT rows (`lives`: their keys, person|address|source) from
    two sources whose extract times are now in another order (or no longer, or newly,
    equal)."""
    common = sorted(before.keys() & now.keys())
    pairs = {
        (a, b)
        for a in common
        for b in common
        if a < b and _order(before[a], before[b]) != _order(now[a], now[b])
    }
    if not pairs:
        return set()
    sources: dict[str, set[str]] = defaultdict(set)
    for key in lives():
        person, _, rest = key.partition("|")
        sources[person].add(rest.rpartition("|")[2])
    return {
        person
        for person, found in sources.items()
        if len(found) > 1 and any(a in found and b in found for a, b in pairs)
    }


def _order(a: str, b: str) -> int:
    return (a > b) - (a < b)


def _family_changed(
    family: list[Row], held: HeldInMemory | SavedState, scope: set[str]
) -> set[str]:
    """The persons at either end of a family relationship created, changed or gone
    (`family`: the rows rebuilt; `scope`: the keys held that they replace)."""
    persons: set[str] = set()
    keys = [f"{row['from']}|{row['to']}|{row['type']}" for row in family]
    hashes = held.state("family", keys).hashes
    for key, row in zip(keys, family, strict=True):
        row["h"] = content_hash(row)  # (the plan uses it)
        if hashes.get(key) != row["h"]:
            persons.update((row["from"], row["to"]))
    for key in scope.difference(keys):
        persons.update(key.split("|")[:2])
    return persons
