"""Matching settings: the three bands' thresholds, the model file and the backend.

| variable | default | meaning |
| --- | --- | --- |
| `FAMILY_NETWORK_MATCH_LINK` | 0.95 | match probability at or above which two records link |
| `FAMILY_NETWORK_MATCH_REVIEW` | 0.5 | from this up to the link threshold, a pair goes to review |
| `FAMILY_NETWORK_MATCH_MODEL` | newest `graph_etl/models/person_match_v<N>.json` | the model file |
| `FAMILY_NETWORK_MATCH_BACKEND` | `duckdb` | `duckdb`, or `spark` (needs the `[spark]` extra) |
| `FAMILY_NETWORK_MATCH_MEMORY` | `3GB` | DuckDB's memory limit while scoring |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_LINK = 0.95
DEFAULT_REVIEW = 0.5


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class MatchSettings:
    """Thresholds are match probabilities: link >= `link_threshold`; review band
    [`review_threshold`, `link_threshold`); below it, no link."""

    link_threshold: float = DEFAULT_LINK
    review_threshold: float = DEFAULT_REVIEW
    model_path: Path | None = None
    backend: str = "duckdb"
    memory_limit: str = "3GB"
    quiet: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.review_threshold <= self.link_threshold < 1:
            raise ValueError(
                "thresholds must satisfy 0 < review <= link < 1, got "
                f"review={self.review_threshold}, link={self.link_threshold}"
            )
        if self.backend not in ("duckdb", "spark"):
            raise ValueError(f"unknown matching backend {self.backend!r}: duckdb or spark")

    @classmethod
    def from_env(cls, quiet: bool = True) -> MatchSettings:
        model = os.environ.get("FAMILY_NETWORK_MATCH_MODEL", "").strip()
        return cls(
            quiet=quiet,
            link_threshold=float(_env("FAMILY_NETWORK_MATCH_LINK", str(DEFAULT_LINK))),
            review_threshold=float(_env("FAMILY_NETWORK_MATCH_REVIEW", str(DEFAULT_REVIEW))),
            model_path=Path(model) if model else None,
            backend=_env("FAMILY_NETWORK_MATCH_BACKEND", "duckdb"),
            memory_limit=_env("FAMILY_NETWORK_MATCH_MEMORY", "3GB"),
        )
