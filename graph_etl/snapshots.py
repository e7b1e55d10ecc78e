"""What the last runs read and loaded, kept in the state folder.

- The last good read of each source (`last_good/<source>.json`), so a failed
  extract never empties the graph: when a source's new extract cannot be read (a
  missing file, a renamed column), the ETL carries on with that source's previous
  accepted records instead, and the report says so. Each snapshot also records the
  digest of what it was read from (`extract_digest`: the files, the manifest and the
  reader's code), so an extract that has not changed since is taken from the
  snapshot instead of being read and validated again. When it has changed, the
  snapshot's row log (a short hash and an outcome per row, see
  `graph_etl.sources.reuse`) spares validating the rows it already held, provided
  the manifest and the reader's code are those it was read with.
- Which person each current source record was loaded into
  (`last_load/person_ids.json`), from which person ids carry forward, but only when
  the graph says it holds exactly what the load that saved it wrote (as for the keys
  and hashes beside it, `graph_etl.load_state`).

Each file is a JSON header line and a body in `marshal`'s format (`.snapshot`; a
last good read's in parts, see `LAST_GOOD_FORMAT`): a refresh reads the unchanged
sources' last good reads whole, and at 1,000,000 records `marshal` loads them in
about half the time JSON took (through a memory map: `graph_etl.mapped`).
`marshal`'s format is Python's own, so the header names the Python that wrote the
file, and another Python takes the file as unreadable (the extract is read again;
the person ids and the model's inputs are worked out again). None is compressed
(compressing the last good reads, about 500 MB, took almost 4 s a run). The JSON
files earlier versions kept (`.json`, compressed last good reads `.json.gz`) are
still read, until replaced.

Every file is written atomically: a killed run leaves the previous one intact.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import marshal
import os
import sys
from array import array
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from graph_etl import mapped
from graph_etl.code_digest import code_digest
from graph_etl.sources.manifest import Manifest
from graph_etl.sources.reader import FileReport, Quarantined, ReadResult
from graph_etl.sources.reuse import RowLog, SameAs

FORMAT = 2  # snapshot header: {"format": 2, "digest": ...} on the first line
# Last good reads have their own: 3 added the row logs and what they were read by
# ("basis"); 4 keeps the person records in a part of their own after the rest, then
# the same records merged as `ReadResult.people` merges them (the header's "parts":
# the bytes of each part before the last), so that the ETL's own process, which uses
# only the merged ones, loads those instead of the records as read (a refresh at
# 1,000,000 records merged them again in 2.3 s). A last good read of an older format
# is still kept for a failed extract; those of formats 3 and 4 have their rows reused.
LAST_GOOD_FORMAT = 4
REUSABLE_FORMATS = (3, LAST_GOOD_FORMAT)  # with row logs and what they were read by
LAST_GOOD_FORMATS = (FORMAT, *REUSABLE_FORMATS)  # any is a last good read
READER_CODE = Path(__file__).resolve().parent / "sources"
SUFFIX = ".snapshot"
# The Python whose `marshal` wrote a body (its header's "body"): only it reads it back.
MARSHAL = f"marshal {marshal.version} python {sys.version_info.major}.{sys.version_info.minor}"


def _path(state_dir: Path, source: str) -> Path:
    """Where `source`'s last good read is written."""
    return state_dir / "last_good" / f"{source}{SUFFIX}"


def _older(path: Path) -> list[Path]:
    """The copies of `path` earlier versions wrote: JSON, then compressed JSON."""
    json_path = path.with_suffix(".json")
    return [json_path, json_path.with_name(f"{json_path.name}.gz")]


def _kept(path: Path) -> Path:
    """`path`, or the copy an earlier version wrote of it when only that is there."""
    if path.is_file():
        return path
    return next((older for older in _older(path) if older.is_file()), path)


def _kept_path(state_dir: Path, source: str) -> Path:
    """Where `source`'s last good read is kept: as written, or as an earlier version
    wrote it."""
    return _kept(_path(state_dir, source))


def _open(path: Path) -> Any:
    """A state file for reading, decompressed when its name ends in `.gz`."""
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")


def _write_atomically(path: Path, header: dict[str, Any], body: Any) -> None:
    try:
        data, header = marshal.dumps(body), {**header, "body": MARSHAL}
    except ValueError:  # (a value `marshal` cannot write: JSON writes it as text)
        data = orjson.dumps(body)
    _write(path, header, [data])


def _write(path: Path, header: dict[str, Any], parts: list[bytes]) -> None:
    """The header line, then the parts one after the other, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("wb") as handle:
        handle.write(orjson.dumps(header) + b"\n")
        for data in parts:
            handle.write(data)
    os.replace(partial, path)
    for older in _older(path):
        older.unlink(missing_ok=True)


def _read_body(handle: Any, header: dict[str, Any], merged: bool = False) -> Any:
    """The rest of a state file, as its header says it was written. Of a last good
    read kept in parts (`LAST_GOOD_FORMAT`), the person records are put back among
    the others: as read, or (`merged`) merged."""
    kind = header.get("body")
    if kind is None:
        return orjson.loads(handle.read())
    if kind != MARSHAL:
        raise ValueError(f"written with {kind}, not {MARSHAL}")
    # (our own file in the state folder, trusted as the extracts kept beside it are;
    # `marshal` builds values and runs no code)
    sizes = header.get("parts")
    if sizes is None:
        return mapped.load_rest(handle)
    body, persons = mapped.load_parts(handle, sizes, (0, 2 if merged else 1))
    others = body["records"]
    body["records"] = {
        kind: persons if kind == "person" else others[kind] for kind in body["kinds"]
    }
    return body


def _merged_here(header: dict[str, Any]) -> bool:
    """Whether a last good read's header says it keeps its person records merged by
    this reader code (`ReadResult.people` is the reader's)."""
    return "parts" in header and header.get("merged_by") == _reader_code_digest()


def _read_header(
    handle: Any, formats: tuple[int, ...] = (FORMAT,)
) -> tuple[dict[str, Any] | None, Any]:
    """(header, first line parsed), the header being one of these `formats`.
    Snapshots from before headers are one JSON line."""
    first = orjson.loads(handle.readline() or b"null")
    if isinstance(first, dict) and first.get("format") in formats:
        return first, None
    return None, first


@cache
def _reader_code_digest() -> str:
    """Reading rules live in the code too: a new version reads every extract again."""
    return code_digest(READER_CODE.rglob("*.py"))


def read_basis(manifest: Manifest) -> str:
    """A digest of how a source is read: its manifest and the reader's code."""
    return hashlib.sha256(f"{_reader_code_digest()}\0{manifest.described()}\0".encode()).hexdigest()


def extract_digest(manifest: Manifest, folder: Path) -> str:
    """A digest of everything reading `folder` with `manifest` depends on: every file
    in the folder (name and content; and its modification time when there is no
    `_extract.json`, as the extract time then comes from it), the manifest and the
    reader's code. Equal digests, equal reads."""
    digest = hashlib.sha256(f"{read_basis(manifest)}\0".encode())
    stamped = (folder / "_extract.json").is_file()
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        with path.open("rb") as handle:
            content = hashlib.file_digest(handle, "sha1").hexdigest()
        when = "" if stamped else str(path.stat().st_mtime_ns)
        digest.update(f"{path.name}\0{content}\0{when}\0".encode())
    return digest.hexdigest()


def save(
    state_dir: Path, result: ReadResult, digest: str | None = None, basis: str | None = None
) -> None:
    """Keep `result` as the last good read of its source (`digest`: what it was read
    from, see `extract_digest`; `basis`: how, see `read_basis`), with its person
    records merged (`ReadResult.people`, worked out now if they are not yet)."""
    if result.persons_merged:
        raise ValueError("a read loaded with its person records merged is not kept again")
    body = {
        "source": result.source,
        "extracted_at": result.extracted_at.isoformat(),
        "kinds": list(result.records),
        "records": {kind: rows for kind, rows in result.records.items() if kind != "person"},
        "files": {name: vars(report) for name, report in result.files.items()},
        "quarantine": [[item.file, item.line, item.reason] for item in result.quarantine],
        "rows": {name: _row_log_body(log) for name, log in result.rows.items()},
    }
    if result.same_as is not None:
        places = base64.b64encode(result.same_as.places.tobytes()).decode("ascii")
        body["same_as"] = {"read": result.same_as.read, "places": places}
    header = {"format": LAST_GOOD_FORMAT, "digest": digest, "basis": basis}
    path = _path(state_dir, result.source)
    try:
        parts = [marshal.dumps(part) for part in (body, result.records.get("person", []))]
        parts.append(marshal.dumps(result.people()))
    except ValueError:  # (a value `marshal` cannot write: JSON writes the read as text)
        _write_atomically(path, header, {**body, "records": result.records})
        return
    sizes = [len(part) for part in parts[:-1]]
    header = {**header, "body": MARSHAL, "parts": sizes, "merged_by": _reader_code_digest()}
    _write(path, header, parts)


def kept_digest(state_dir: Path, source: str) -> str | None:
    """What `source`'s last good read was read from (`extract_digest`), if it is kept
    and says; only its first line is read."""
    return _header_digest(_kept_path(state_dir, source), LAST_GOOD_FORMATS)


def _header_digest(path: Path, formats: tuple[int, ...] = (FORMAT,)) -> str | None:
    """The `digest` in a file's header (its first line), if it has one."""
    try:
        with _open(path) as handle:
            header, _ = _read_header(handle, formats)
    except (OSError, EOFError, ValueError):
        return None
    return header.get("digest") if header is not None else None


def load(
    state_dir: Path, source: str, digest: str | None = None, merged: bool = False
) -> ReadResult | None:
    """The last good read of `source`; with `digest`, only if it was read from exactly
    that (else None, having read no more than the file's first line). An unreadable
    snapshot (a damaged disk) is as none: the extract is read again. `merged`: with
    its person records merged already, where it was kept with them (see
    `LAST_GOOD_FORMAT`), in place of the records as read: for the ETL's own use
    (`ReadResult.persons_merged`), not to be kept again or read from."""
    if digest is None:
        return _load_if(state_dir, source, lambda header: True, merged)
    return _load_if(
        state_dir,
        source,
        lambda header: header is not None and header.get("digest") == digest,
        merged,
    )


def load_reusable(state_dir: Path, manifest: Manifest, merged: bool = False) -> ReadResult | None:
    """The last good read of `manifest`'s source with its row logs, if it was read with
    this manifest by this reader code (else None: then every row is validated).
    `merged`: as for `load` (for putting a worker's `read_pool.Delta` together)."""
    return _load_if(
        state_dir,
        manifest.id,
        lambda header: (
            header is not None
            and header.get("format") in REUSABLE_FORMATS
            and header.get("basis") == read_basis(manifest)
        ),
        merged,
    )


def _load_if(
    state_dir: Path,
    source: str,
    wanted: Callable[[dict[str, Any] | None], bool],
    merged: bool = False,
) -> ReadResult | None:
    """The last good read of `source`, with its row logs when its format has them, if
    its header is `wanted` (None: a snapshot from before headers); else None, having
    read no more than the first line. An unreadable one is as none. `merged`: see
    `load`."""
    try:
        with _open(_kept_path(state_dir, source)) as handle:
            header, body = _read_header(handle, LAST_GOOD_FORMATS)
            if not wanted(header):
                return None
            merged = merged and header is not None and _merged_here(header)
            if header is not None:
                body = _read_body(handle, header, merged)
        result = _read_result(source, body)
        if merged:
            result.merged_already()
        if header is not None and header.get("format") in REUSABLE_FORMATS:
            result.rows = {name: _row_log(item) for name, item in body["rows"].items()}
            if (same := body.get("same_as")) is not None:
                result.same_as = SameAs(same["read"], array("i", base64.b64decode(same["places"])))
    except (OSError, EOFError, ValueError, KeyError, TypeError):
        return None
    result.read_digest = header.get("digest") if header is not None else None
    return result


def _read_result(source: str, body: dict[str, Any]) -> ReadResult:
    result = ReadResult(source, datetime.fromisoformat(body["extracted_at"]))
    result.records = body["records"]
    result.files = {name: FileReport(**report) for name, report in body["files"].items()}
    result.quarantine = [Quarantined(*item) for item in body.get("quarantine", [])]
    return result


def _row_log_body(log: RowLog) -> dict[str, Any]:
    return {
        "header": log.header,
        "hashes": base64.b64encode(log.hashes).decode("ascii"),
        "outcomes": base64.b64encode(log.outcomes).decode("ascii"),
        "index": log.index,
    }


def _row_log(item: dict[str, Any]) -> RowLog:
    decode = base64.b64decode
    return RowLog(item["header"], decode(item["hashes"]), decode(item["outcomes"]), item["index"])


# What the last complete load saved: which person each current source record was
# loaded into (the keys and content hashes are kept beside it, `graph_etl.load_state`),
# and the model's inputs (`graph_etl.refresh_scope`).


def save_for_load(path: Path, digest: str, body: Any) -> None:
    """Keep `body` as saved by the load of `digest` (read back by `body_if`)."""
    _write_atomically(path, {"format": FORMAT, "digest": digest}, body)


def body_if(path: Path, digest: str) -> Any | None:
    """The body of a file saved by the load of `digest`, else None (missing, saved by
    another load, or unreadable: the caller then reads the graph instead)."""
    try:
        with _open(_kept(path)) as handle:
            header, _ = _read_header(handle)
            if header is None or header.get("digest") != digest:
                return None
            return _read_body(handle, header)
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _person_ids_path(state_dir: Path) -> Path:
    return state_dir / "last_load" / f"person_ids{SUFFIX}"


def save_person_ids(state_dir: Path, digest: str, person_of: dict[str, str]) -> None:
    """Which person each current source record was loaded into, by the load of `digest`."""
    save_for_load(_person_ids_path(state_dir), digest, person_of)


def load_person_ids(state_dir: Path, digest: str) -> dict[str, str] | None:
    """The saved record -> person map if it was saved by the load of `digest`, else None."""
    return body_if(_person_ids_path(state_dir), digest)
