"""The store interface: what ingest, analytics and the dashboard need of a graph store.

Stores implement a few primitives (upserts, bulk reads, one-hop expansion,
edges among given nodes); traversal semantics (caps, ordering, what counts
as a path) are defined once here, so both stores give the same answers.
"""
from __future__ import annotations

import datetime as dt
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable

import igraph as ig
import pandas as pd

from graph.model import Edge, Node, Subgraph, UpsertResult
from graph.schema import SCHEMA, Schema, split_node_id


class StoreUnavailable(RuntimeError):
    """The store cannot be reached or opened (server down, file locked)."""


class GraphStore(ABC):
    """A graph of customs entities, addressed by node ids ``Label:key``."""

    name: str = "abstract"

    def __init__(self, schema: Schema = SCHEMA):
        self.schema = schema

    # ---- primitives each store implements -------------------------------
    @abstractmethod
    def create_schema(self) -> None:
        """Create tables / constraints / indexes for every label and type (idempotent)."""

    @abstractmethod
    def upsert_nodes(self, label: str, rows: pd.DataFrame) -> UpsertResult:
        """Insert or update nodes by key. ``rows`` has the label's input properties
        plus ``_source_file`` and ``_source_row`` (provenance)."""

    @abstractmethod
    def upsert_relationships(self, rel_type: str, rows: pd.DataFrame) -> UpsertResult:
        """Insert or update relationships by (source key, target key, key properties).
        ``rows`` has ``source``, ``target``, the type's properties and provenance."""

    @abstractmethod
    def existing_keys(self, label: str, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` already exist as nodes of ``label``."""

    @abstractmethod
    def node_table(self, label: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Bulk read of a label's nodes as a DataFrame (key column first)."""

    @abstractmethod
    def relationship_table(self, rel_type: str) -> pd.DataFrame:
        """Bulk read of a relationship type: ``source``, ``target`` keys and properties."""

    @abstractmethod
    def write_properties(self, label: str, values: pd.DataFrame) -> int:
        """Bulk write-back of computed properties: the key column plus one column
        per property. Nodes not listed are left as they are. Returns rows written."""

    @abstractmethod
    def counts(self) -> dict[str, dict[str, int]]:
        """``{"nodes": {label: n}, "relationships": {type: n}}`` for every label and type."""

    @abstractmethod
    def get_nodes(self, ids: list[str]) -> list[Node]:
        """The nodes with these ids that exist, in the order given."""

    @abstractmethod
    def expand(self, ids: list[str], rel_types: list[str], since: dt.date | None,
               until: dt.date | None) -> pd.DataFrame:
        """One hop: DataFrame ``id``, ``other`` of neighbours of ``ids`` over
        ``rel_types`` (either direction), skipping edges and neighbours that lie
        outside the time window."""

    @abstractmethod
    def edges_among(self, ids: list[str], rel_types: list[str], since: dt.date | None,
                    until: dt.date | None) -> list[Edge]:
        """Relationships whose both ends are in ``ids``, within the filters."""

    @abstractmethod
    def search(self, text: str, limit: int = 20) -> list[Node]:
        """Nodes whose searchable properties contain ``text`` (case-insensitive),
        exact matches first, then prefix matches, then the rest, each by id."""

    @abstractmethod
    def clear(self) -> None:
        """Delete all data (the schema stays)."""

    def close(self) -> None:
        """Release connections and files."""

    def __enter__(self) -> "GraphStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- traversal, defined once ---------------------------------------
    def _rel_types(self, rel_types: Iterable[str] | None) -> list[str]:
        if rel_types is None:
            return sorted(self.schema.relationships)
        return sorted(self.schema.relationship(t).type for t in rel_types)

    def neighbourhood(self, ids: list[str], hops: int = 1, limit: int = 500,
                      labels: Iterable[str] | None = None,
                      rel_types: Iterable[str] | None = None,
                      since: dt.date | None = None, until: dt.date | None = None) -> Subgraph:
        """Nodes within ``hops`` of ``ids`` and the edges among them.

        At most ``limit`` nodes: each hop adds new neighbours in id order until
        the cap, and ``truncated``/``hidden`` say what was left out. Reference
        nodes (stations, HS codes, routes) are reached but not expanded through,
        unless they are the starting nodes. The starting nodes are always kept.
        """
        types = self._rel_types(rel_types)
        seeds = [n.id for n in self.get_nodes(list(dict.fromkeys(ids)))]
        visited, truncated, hidden = self._bfs(seeds, hops, limit, labels, types, since, until)
        return self.subgraph(visited, rel_types=types, since=since, until=until,
                             truncated=truncated, hidden=hidden)

    def _bfs(self, seeds: list[str], hops: int, limit: int, labels: Iterable[str] | None,
             types: list[str], since: dt.date | None, until: dt.date | None):
        wanted = set(labels) if labels is not None else None
        visited, seen, frontier = list(seeds), set(seeds), list(seeds)
        truncated, hidden = False, {}
        for hop in range(hops):
            if hop > 0:
                frontier = [i for i in frontier
                            if not self.schema.node(split_node_id(i)[0]).reference]
            if not frontier or len(visited) >= limit:
                truncated = truncated or bool(frontier)
                break
            pairs = self.expand(frontier, types, since, until)
            if wanted is not None and len(pairs):
                pairs = pairs[pairs["other"].str.split(":", n=1).str[0].isin(wanted)]
            pairs = pairs[~pairs["other"].isin(seen)].drop_duplicates()
            new = sorted(set(pairs["other"]))
            room = limit - len(visited)
            if len(new) > room:
                truncated = True
                kept = set(new[:room])
                dropped = pairs[~pairs["other"].isin(kept)]
                hidden.update(dropped.groupby("id")["other"].nunique().astype(int).to_dict())
                new = new[:room]
            visited += new
            seen.update(new)
            frontier = new
        return visited, truncated, hidden

    def subgraph(self, ids: list[str], rel_types: Iterable[str] | None = None,
                 since: dt.date | None = None, until: dt.date | None = None,
                 truncated: bool = False, hidden: dict | None = None) -> Subgraph:
        """The given nodes and all relationships among them."""
        nodes = self.get_nodes(list(dict.fromkeys(ids)))
        edges = self.edges_among([n.id for n in nodes], self._rel_types(rel_types), since, until)
        edges.sort(key=lambda e: e.id)
        return Subgraph(nodes, edges, truncated, hidden or {})

    def shortest_paths(self, source: str, target: str, max_hops: int = 4,
                       limit: int = 10, rel_types: Iterable[str] | None = None) -> list[list[str]]:
        """All shortest paths (as node id lists) of at most ``max_hops`` between two
        nodes, never passing *through* reference nodes; at most ``limit``, in order.

        Every node of such a path lies within ceil(h/2) hops of the source or
        floor(h/2) of the target, so two bounded balls hold them all.
        """
        if len(self.get_nodes(list({source, target}))) < len({source, target}):
            return []
        if source == target:
            return [[source]]
        types = self._rel_types(rel_types)
        ball = set()
        for start, radius in ((source, (max_hops + 1) // 2), (target, max_hops // 2)):
            ball |= set(self._bfs([start], radius, 10**9, None, types, None, None)[0])
        if source not in ball or target not in ball:
            return []
        inner = [i for i in ball if i in (source, target)
                 or not self.schema.node(split_node_id(i)[0]).reference]
        edges = self.edges_among(inner, types, None, None)
        g = ig.Graph()
        g.add_vertices(sorted(inner))
        g.add_edges([(e.source, e.target) for e in edges])
        found = g.get_all_shortest_paths(source, to=target)
        paths = sorted({tuple(g.vs[p]["name"]) for p in found if len(p) - 1 <= max_hops})
        return [list(p) for p in paths[:limit]]


def open_store(name: str | None = None, **options) -> GraphStore:
    """Open the store named by ``name`` or ``$NIGAH_STORE`` (``duckdb`` by default)."""
    name = (name or os.environ.get("NIGAH_STORE") or "duckdb").lower()
    if name == "duckdb":
        from graph.duckdb_store import DuckDBStore
        return DuckDBStore(**options)
    if name == "neo4j":
        from graph.neo4j_store import Neo4jStore
        return Neo4jStore(**options)
    raise ValueError(f"unknown store {name!r}: use 'duckdb' or 'neo4j'")
