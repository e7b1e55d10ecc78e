"""What each source's relationship records say, kept between runs like its features.

The guards' facts from relationship records (`guards.Said`: households, relatives,
bounds on dates of birth, the pairs kept apart) and each record's signature of them
(`reuse.signatures`) took about 3.5 s of CPU at 1,000,000 records on every run, in a
thread beside scoring that then had one core instead of two. A source's relationship
records name only its own person records (the reader quarantines any other), so what
they say depends on that source's extract alone: each source's part, by its own row
numbers, is kept in the state folder beside its features
(`guards-<source>-<read digest>-<code>.marshal`, its pairs and signatures in
`.apart.arrow` and `.rows.arrow`), and the run's guards are the parts put together
(`Said.joined`), with only the sources read afresh worked out again. A damaged,
missing or mismatched file is as none: that source's part is worked out again.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import pyarrow as pa

from graph_etl import mapped
from graph_etl.matching import reuse
from graph_etl.matching.feature_cache import Part, part_path, remove_others
from graph_etl.matching.features import Features
from graph_etl.matching.guards import Guards, Said

# The parts of a `Said` kept in the marshal file (its pairs are kept as Arrow).
_PLAIN = ("group_of", "grouped_files", "born_by", "born_after", "relatives", "partners", "ends")


def build(
    features: Features,
    parts: Sequence[Part],
    folder: Path,
    code: str,
    later: list[Callable[[], object]] | None = None,
) -> tuple[Guards, pa.Array]:
    """The guards over `features` and each record's signature, each part's taken from
    `folder` when kept there by `code` for what it was read from, else worked out from
    the part's relationship records (`Part.relationships`) and kept (with `later`, the
    writes are added to it for the caller to make). The parts must cover the features'
    rows in order."""
    if sum(part.records for part in parts) != len(features.ids):
        raise ValueError("the parts are not those of these records")
    said: list[Said] = []
    signed: list[pa.Array] = []
    start = 0
    wanted: list[Path] = []
    for part in parts:
        end = start + part.records
        path = part_path(folder, "guards", part, code) if part.read else None
        kept = _load(path, part.records) if path is not None else None
        if kept is None:
            mine = Said.read(
                features.ids[start:end],
                features.dob[start:end],
                features.files[start:end],
                part.relationships,
            )
            kept = mine, reuse.signatures(mine, features.id_array.slice(start, part.records))
            if path is not None:
                if later is None:
                    _save(path, *kept)
                else:
                    later.append(partial(_save, path, *kept))
        if path is not None:
            wanted.append(path)
        said.append(kept[0])
        signed.append(kept[1])
        start = end
    remove_others(folder, "guards", wanted)
    signature = pa.chunked_array(signed, pa.uint64()).combine_chunks()
    return Guards(features, said=Said.joined(said)), signature


def _load(path: Path, rows: int) -> tuple[Said, pa.Array] | None:
    """The part kept at `path`, if it is one of `rows` records."""
    try:
        # (our own file in the state folder, trusted as the features kept beside it)
        with path.open("rb") as handle:
            plain = mapped.load_rest(handle)
        with pa.memory_map(str(path.with_suffix(".apart.arrow"))) as source:
            apart = pa.ipc.open_file(source).read_all().combine_chunks()
        with pa.memory_map(str(path.with_suffix(".rows.arrow"))) as source:
            signature = pa.ipc.open_file(source).read_all().column("signature").combine_chunks()
        left, right = plain["relatives"]
        said = Said(
            rows,
            plain["group_of"],
            set(plain["grouped_files"]),
            plain["born_by"],
            plain["born_after"],
            (left, right),
            plain["partners"],
            apart,
            plain["ends"],
        )
    except (OSError, EOFError, ValueError, TypeError, KeyError, pa.ArrowException):
        return None
    if len(said.ends) != rows or len(signature) != rows or apart.column_names != ["row", "other"]:
        return None
    return said, signature


def _save(path: Path, said: Said, signature: pa.Array) -> None:
    """Keep one part at `path` (atomically: the Arrow files first, as the marshal file
    names them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial_file = path.with_suffix(".partial")
    rows = pa.table({"signature": signature})
    for table, suffix in ((said.apart_pairs, ".apart.arrow"), (rows, ".rows.arrow")):
        with pa.OSFile(str(partial_file), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
            out.write_table(table)
        os.replace(partial_file, path.with_suffix(suffix))
    plain = {name: getattr(said, name) for name in _PLAIN}
    plain["grouped_files"] = sorted(said.grouped_files)
    partial_file.write_bytes(marshal.dumps(plain))
    os.replace(partial_file, path)
