"""Addresses a refresh can settle while matching runs.

An Address node holds what the records naming it report (`model.address_row`), not
who lives there: nothing in it waits for matching. So, as for the source records'
own values (`graph_etl.record_nodes`), a refresh from the saved state works out
before its load, from the records not as the last load read them, the addresses it
can settle for certain, and writes them after those records' nodes while matching
runs (where the server is otherwise idle). These are:

- *new*: an address such a record names that the graph does not hold. A record as
  the last load read it names what it named then, which the graph holds, so only
  such records report a new address: its row is the one the model builds.
- *gone*: an address the graph holds that no record names any more. Each record that
  named it at the last load is in a person with a lives-at there from the record's
  source; when every record of those persons and sources is one not as read then,
  and none of those, nor any other such record, names it now, nobody does. It is
  retired as the load retires it (DETACH DELETE: its lives-at and household links
  go with it). The load, which rebuilds every address the changed records' persons
  named, then finds it gone as well, and retiring it again does nothing.

Anything else (an address whose row changes, one a guard here cannot settle) is left
to the load, which writes whatever the state it is told of (`SavedState.created`)
does not hold. Only a refresh whose every source either was read from the extract
of the last load or says, against that load's read, which records are as it read
them (`ReadResult.same_as`) settles any.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import compress

from graph_etl import model
from graph_etl.load import content_hash
from graph_etl.load_state import SavedState, key_first, key_middle
from graph_etl.model import Row
from graph_etl.refresh_scope import Inputs, records_in
from graph_etl.sources import ReadResult
from graph_etl.sources.reuse import items_of


@dataclass
class AddressChanges:
    """Rows for `load/addresses_new` (each with its hash `h`), and the ids of the
    addresses to retire (`retire/addresses`)."""

    new: list[Row] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.new or self.gone)


def changed_records(
    results: dict[str, ReadResult], last: Inputs
) -> dict[str, tuple[str, Row]] | None:
    """(source, record) by id of each record not as the last load read it, or None when
    a source does not say (read afresh, or reusing a read other than that load's)."""
    if results.keys() != last.extracted.keys():
        return None  # (a source the last load had, or has not, holds records unseen here)
    changed: dict[str, tuple[str, Row]] = {}
    for source, result in results.items():
        read = last.reads.get(source)
        if read is not None and result.read_digest == read:
            continue  # (the very extract the last load read)
        same, people = result.same_as, result.people()
        if same is None or same.read != read or len(same.places) != len(people):
            return None
        for record in compress(people, map((0).__gt__, same.places)):  # (place < 0)
            changed[record["id"]] = (source, record)
    return changed


def address_changes(
    results: dict[str, ReadResult],
    held: SavedState,
    person_of: Mapping[str, str],
    last: Inputs | None,
) -> AddressChanges:
    """The addresses new and gone that can be settled before the load (see the module
    docstring). `person_of`: the person each record was in at the last load."""
    changed = changed_records(results, last) if last is not None else None
    if not changed:
        return AddressChanges()
    named: dict[str, list[Row]] = defaultdict(list)  # address -> what the changed report
    for source, result in results.items():
        wanted = {ident for ident, (of, _) in changed.items() if of == source}
        if not wanted:
            continue
        history = items_of(result, wanted, ("address",))
        for ident in wanted:
            items = (item for _, item in history.get(ident, ()))
            model.add_reports(model.record_reports("", source, changed[ident][1], items), named)
    held_now = held.state("addresses", named).hashes
    new = []
    for ident in sorted(named.keys() - held_now.keys()):
        row = model.address_row(ident, named[ident])
        row["h"] = content_hash(row)
        new.append(row)
    return AddressChanges(new, _gone(results, held, person_of, changed, named))


def _gone(
    results: dict[str, ReadResult],
    held: SavedState,
    person_of: Mapping[str, str],
    changed: dict[str, tuple[str, Row]],
    named: dict[str, list[Row]],
) -> list[str]:
    """The held addresses no record names any more, among those the persons of the
    changed records lived at (see the module docstring)."""
    persons = {person_of[ident] for ident in changed if ident in person_of}
    places = {key_middle(key) for key in held.keys_of("lives_at", persons)} - named.keys()
    if not places:
        return []
    lived = held.keys_at(places)  # person|address|source
    # A lives-at of a person with no changed record comes from a record as it was.
    unsure = {key_middle(key) for key in lived if key_first(key) not in persons}
    lived = {key for key in lived if key_middle(key) not in unsure}
    residents = {key_first(key) for key in lived}
    # (person, source) of each record of those persons, as the last load placed them,
    # that is as the last load read it.
    kept = {
        (person_of[record["id"]], source)
        for source, record in records_in(results, person_of, residents)
        if record["id"] not in changed
    }
    unsure.update(
        key_middle(key) for key in lived if (key_first(key), key.rpartition("|")[2]) in kept
    )
    return sorted(places - unsure)
