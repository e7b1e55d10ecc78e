"""Settings read from environment variables, with local defaults.

Every variable here is documented in the README; a test checks that.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class GraphSettings:
    """Where the graph is, and whether we run the bundled local server."""

    uri: str
    user: str
    password: str
    database: str
    local: bool
    bolt_port: int
    http_port: int
    state_dir: Path
    heap: str
    query_timeout_ms: int

    @classmethod
    def from_env(cls) -> GraphSettings:
        external_uri = os.environ.get("NEO4J_URI", "").strip()
        bolt_port = int(_env("FAMILY_NETWORK_BOLT_PORT", "7687"))
        state_dir = Path(_env("FAMILY_NETWORK_STATE_DIR", str(REPO_ROOT / "var"))).resolve()
        return cls(
            uri=external_uri or f"bolt://127.0.0.1:{bolt_port}",
            user=_env("NEO4J_USER", "neo4j" if external_uri else "root"),
            password=_env("NEO4J_PASSWORD", "family-network-local"),
            database=_env("NEO4J_DATABASE", "neo4j" if external_uri else "family"),
            local=not external_uri,
            bolt_port=bolt_port,
            http_port=int(_env("FAMILY_NETWORK_HTTP_PORT", "2480")),
            state_dir=state_dir,
            heap=_env("FAMILY_NETWORK_GRAPH_HEAP", "2g"),
            query_timeout_ms=int(_env("FAMILY_NETWORK_QUERY_TIMEOUT_MS", "30000")),
        )
