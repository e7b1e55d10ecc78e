"""`marshal` bodies read through a memory map, as the state folder's files are."""

from __future__ import annotations

import gzip
import marshal
from pathlib import Path

import pytest

from graph_etl import mapped

BODY = {"records": [{"id": "health:patients:1", "given_name": "Ann"}] * 3, "n": 7}


def test_the_rest_of_a_plain_file_is_read_from_where_the_handle_stands(tmp_path: Path) -> None:
    path = tmp_path / "state.snapshot"
    path.write_bytes(b'{"format": 2}\n' + marshal.dumps(BODY))
    with path.open("rb") as handle:
        assert handle.readline() == b'{"format": 2}\n'
        assert mapped.load_rest(handle) == BODY


def test_a_compressed_file_is_read_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "state.json.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"header\n" + marshal.dumps(BODY))
    with gzip.open(path, "rb") as handle:
        handle.readline()
        assert mapped.load_rest(handle) == BODY


def test_nothing_after_the_header_or_nothing_at_all_is_an_error(tmp_path: Path) -> None:
    header_only = tmp_path / "header.snapshot"
    header_only.write_bytes(b"header\n")
    with header_only.open("rb") as handle, pytest.raises(EOFError):
        handle.readline()
        mapped.load_rest(handle)
    empty = tmp_path / "empty.snapshot"
    empty.write_bytes(b"")
    with empty.open("rb") as handle, pytest.raises(ValueError):
        mapped.load_rest(handle)
