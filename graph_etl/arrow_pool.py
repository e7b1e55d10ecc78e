"""The memory pool Arrow allocates from in the ETL: jemalloc, unless told otherwise.

Arrow's Linux wheels allocate from mimalloc by default. On the benchmark's machine
(a two-core virtual machine), the same `take` of a 100 MB table in a fresh process
took 0.09 s most times and about 1 s at random, in the ETL and on its own; from
jemalloc it took 0.14 s every time. A refresh allocates such tables as it puts each
source's features together, and its standardising step took 2.1 to 3.0 s from mimalloc
against 1.4 to 2.3 s from jemalloc (`docs/benchmarks.md`).

Arrow's own `ARROW_DEFAULT_MEMORY_POOL`, when set, is left to choose; a wheel built
without jemalloc keeps its default.
"""

from __future__ import annotations

import os
from contextlib import suppress

import pyarrow as pa


def choose() -> str:
    """Make jemalloc Arrow's pool from now on (see the module docstring); the name of
    the pool Arrow then allocates from."""
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL", "").strip():
        with suppress(NotImplementedError):  # (a wheel built without it)
            pa.set_memory_pool(pa.jemalloc_memory_pool())
    return pa.default_memory_pool().backend_name
