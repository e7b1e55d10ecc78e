"""Person matching: canonical records from every agency -> people, with stable ids.

    from graph_etl.matching import match, MatchSettings, MatchResult
    result = match(records, previous=previous_ids, decisions=decisions,
                   settings=MatchSettings.from_env())

Splink (DuckDB by default, Spark for scale-out) scores record pairs; family-safe
guards and clerical decisions constrain the clusters; person ids carry forward
across refreshes. See docs/matching.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graph_etl.matching.settings import MatchSettings
from graph_etl.matching.types import Decision, Link, MatchResult, ReviewPair

if TYPE_CHECKING:
    from graph_etl.matching.engine import match

__all__ = ["Decision", "Link", "MatchResult", "MatchSettings", "ReviewPair", "match"]


def __getattr__(name: str) -> Any:
    # Splink is imported only when matching runs, not by everything that needs
    # the nickname table or the result types.
    if name == "match":
        from graph_etl.matching.engine import match

        return match
    raise AttributeError(f"module 'graph_etl.matching' has no attribute {name!r}")
