"""Opening a store by name. The backends are imported only here, and only
the one asked for: the interface (``store.py``) never imports them, so the
backends can import it without a circle, and Neo4j's driver is not loaded
for an embedded run."""
from __future__ import annotations

import os

from nigah.graph.store import GraphStore


def store_name(name: str | None = None) -> str:
    """The store ``name`` asks for, else ``$NIGAH_STORE``, else ``duckdb``."""
    return (name or os.environ.get("NIGAH_STORE") or "duckdb").lower()


def open_store(name: str | None = None, home=None, **options) -> GraphStore:
    """Open the store named by ``name`` or ``$NIGAH_STORE`` (``duckdb`` by default).

    ``home`` is the data directory; only the embedded store keeps its data
    there (a Neo4j server keeps its own), so the other backends ignore it.
    """
    name = store_name(name)
    if name == "duckdb":
        from nigah.graph.duckdb_store import DuckDBStore
        return DuckDBStore(home=home, **options)
    if name == "neo4j":
        from nigah.graph.neo4j_store import Neo4jStore
        return Neo4jStore(**options)
    raise ValueError(f"unknown store {name!r}: use 'duckdb' or 'neo4j'")
