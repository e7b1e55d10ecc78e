"""`marshal` bodies of the state folder's files, read through a memory map.

A refresh at 1,000,000 records loads about 610 MB of them (the last good reads,
the person ids, the model's inputs, matching's kept features), and its read worker
130 MB more. Read into memory first, each file's bytes are copied into pages the
process touches for the first time and frees straight after; mapped, `marshal` reads
them where the file cache holds them: 0.68 s against 0.84 s for health's 130 MB last
good read.
"""

from __future__ import annotations

import io
import marshal
import mmap
from collections.abc import Iterable, Sequence
from itertools import accumulate
from typing import Any, BinaryIO


def load_rest(handle: BinaryIO) -> Any:
    """`marshal.loads` of the rest of an open file, from where `handle` stands (mapped
    when it is a plain file; a compressed one is read). Raises as `marshal.loads`
    does, and ValueError for an empty file."""
    return load_parts(handle, (), (0,))[0]


def load_parts(handle: BinaryIO, sizes: Sequence[int], wanted: Iterable[int]) -> list[Any]:
    """`marshal.loads` of the `wanted` parts (by number, in that order) of the rest of
    an open file, from where `handle` stands: parts written one after the other, each
    but the last `sizes` bytes long. The parts not wanted are not read."""
    starts = [0, *accumulate(sizes)]
    if not isinstance(handle, io.BufferedReader):
        rest = handle.read()
        return [marshal.loads(rest[starts[part] :]) for part in wanted]  # noqa: S302
    start = handle.tell()
    with (
        mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped,
        memoryview(mapped) as whole,
        whole[start:] as rest,
    ):
        parts = []
        for part in wanted:
            with rest[starts[part] :] as view:
                parts.append(marshal.loads(view))  # noqa: S302 (our own state files)
        return parts
