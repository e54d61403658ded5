"""Opening a store by name. The backends are imported only here, and only
the one asked for: the interface (``store.py``) never imports them, so the
backends can import it without a circle, and Neo4j's driver is not loaded
for an embedded run."""
from __future__ import annotations

import os

from nigah.graph.store import GraphStore


def open_store(name: str | None = None, **options) -> GraphStore:
    """Open the store named by ``name`` or ``$NIGAH_STORE`` (``duckdb`` by default)."""
    name = (name or os.environ.get("NIGAH_STORE") or "duckdb").lower()
    if name == "duckdb":
        from nigah.graph.duckdb_store import DuckDBStore
        return DuckDBStore(**options)
    if name == "neo4j":
        from nigah.graph.neo4j_store import Neo4jStore
        return Neo4jStore(**options)
    raise ValueError(f"unknown store {name!r}: use 'duckdb' or 'neo4j'")
