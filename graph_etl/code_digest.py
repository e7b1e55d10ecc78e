"""What a saved result was made by: the code, the libraries it relies on and Python.

A result kept in the state folder (a read, a match, a model's inputs) is reused only
by a run of the same code on the same library versions; any other run makes it again.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path


def code_digest(files: Iterable[Path], packages: Iterable[str] = ()) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for name in sorted(packages):
        digest.update(f"{name} {version(name)}\0".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()
