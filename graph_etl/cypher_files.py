"""Cypher text lives in `cypher/`; this loads it by name, and nothing else does."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from graph_etl.settings import REPO_ROOT

CYPHER_DIR = REPO_ROOT / "cypher"
_NAME = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)*$")
_COMMENT = re.compile(r"//[^\n]*")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_WRITE_CLAUSE = re.compile(r"\b(CREATE|MERGE|SET|DELETE|REMOVE|DROP|FOREACH)\b", re.IGNORECASE)


class UnknownQueryError(LookupError):
    """No Cypher file of that name."""


def _path(name: str) -> Path:
    if not _NAME.match(name):
        raise UnknownQueryError(f"invalid query name {name!r}")
    path = CYPHER_DIR / f"{name}.cypher"
    if not path.is_file():
        raise UnknownQueryError(f"no Cypher file {path.relative_to(REPO_ROOT)}")
    return path


@cache
def load(name: str) -> str:
    """The text of `cypher/<name>.cypher`, e.g. `load("queries/person")`."""
    return _path(name).read_text(encoding="utf-8").strip()


def code_only(text: str) -> str:
    """Cypher with comments and string literals removed (for static checks)."""
    return _COMMENT.sub("", _STRING.sub("''", text))


def statements(name: str) -> list[str]:
    """A file holding several `;`-terminated statements (such as the schema)."""
    parts = (part.strip() for part in _COMMENT.sub("", load(name)).split(";"))
    return [part for part in parts if part]


def is_read_only(text: str) -> bool:
    """True when the query has no write clause (reads must never write)."""
    return _WRITE_CLAUSE.search(code_only(text)) is None


def header(name: str) -> dict[str, str]:
    """`// key: value` lines at the top of a file (e.g. `returns:`)."""
    meta: dict[str, str] = {}
    for line in load(name).splitlines():
        if not line.startswith("//"):
            break
        key, sep, value = line[2:].partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip()
    return meta
