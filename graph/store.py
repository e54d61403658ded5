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
from pathlib import Path

import igraph as ig
import pandas as pd

from nigah.graph.model import Edge, Node, Subgraph, UpsertResult
from nigah.graph.schema import SCHEMA, Schema, split_node_id


def default_home() -> Path:
    """Nigah's data directory: ``$NIGAH_HOME``, else ``./.nigah`` (the embedded
    store, saved models, quarantine files and the ingest journal live there)."""
    return Path(os.environ.get("NIGAH_HOME", ".nigah"))


class StoreUnavailable(RuntimeError):
    """The store cannot be reached or opened (server down, file locked)."""


class GraphStore(ABC):
    """A graph of customs entities, addressed by node ids ``Label:key``."""

    name: str = "abstract"

    def __init__(self, schema: Schema = SCHEMA):
        self.schema = schema
        self._name_index = None  # (ids, names) for spelling-tolerant search, built on first use

    # ---- primitives each store implements -------------------------------
    @abstractmethod
    def create_schema(self) -> None:
        """Create tables / constraints / indexes for every label and type (idempotent)."""

    @abstractmethod
    def _upsert_nodes(self, label: str, rows: pd.DataFrame) -> UpsertResult:
        """Insert or update nodes by key (see :meth:`upsert_nodes`)."""

    @abstractmethod
    def _upsert_relationships(self, rel_type: str, rows: pd.DataFrame) -> UpsertResult:
        """Insert or update relationships by key (see :meth:`upsert_relationships`)."""

    @abstractmethod
    def _remove_other_targets(self, rel_type: str, rows: pd.DataFrame) -> int:
        """Delete relationships of ``rel_type`` from the ``source`` keys in ``rows``
        to any target other than the row's ``target`` (which may be missing)."""

    @abstractmethod
    def _stored_values(self, label: str, keys: list[str], columns: list[str]) -> pd.DataFrame:
        """The stored ``columns`` of the nodes with these keys (key column first)."""

    @abstractmethod
    def _record_history(self, changes: pd.DataFrame) -> None:
        """Keep detail changes (label, key, property, old_value, new_value,
        source_file, source_row); recording the same change twice keeps one."""

    @abstractmethod
    def history(self, node: str) -> list[dict]:
        """Earlier values of a node's identifying details, oldest change first."""

    # ---- analysts' cases: named baskets of entities with notes ------------------
    @abstractmethod
    def save_case(self, name: str, case: dict) -> None:
        """Create or replace the named case (``entities``: node ids, ``notes``: id → text)."""

    @abstractmethod
    def load_case(self, name: str) -> dict | None:
        """The named case, or None."""

    @abstractmethod
    def list_cases(self) -> list[str]:
        """Names of the saved cases, in order."""

    @abstractmethod
    def delete_case(self, name: str) -> None:
        """Forget the named case (its entities stay in the graph)."""

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
    def _search_text(self, text: str, limit: int) -> list[Node]:
        """Nodes whose searchable properties contain ``text`` (see :meth:`search`)."""

    def search(self, text: str, limit: int = 20) -> list[Node]:
        """Nodes whose searchable properties contain ``text`` (case-insensitive),
        exact matches first, then prefix matches, then the rest, each by id;
        then, to fill up to ``limit``, names that are spelled differently but
        alike (transliterations, typos, legal suffixes), best first."""
        if not text.strip():
            return []
        hits = self._search_text(text, limit)
        if len(hits) < limit:
            seen = {n.id for n in hits}
            alike = [i for i in self._names_alike(text, limit + len(seen)) if i not in seen]
            hits += self.get_nodes(alike[: limit - len(hits)])
        return hits

    def _names_alike(self, text: str, limit: int) -> list[str]:
        from rapidfuzz import fuzz, process, utils

        if self._name_index is None:
            parts = [self.node_table(label, ["name"]).assign(label=label).rename(
                columns={spec.key: "key"})[["label", "key", "name"]]
                for label, spec in self.schema.nodes.items() if "name" in spec.properties and not spec.reference]
            names = pd.concat(parts, ignore_index=True).dropna()
            self._name_index = (names["label"] + ":" + names["key"].astype(str)).tolist(), names["name"].tolist()
        ids, names = self._name_index
        found = process.extract(text, names, scorer=fuzz.WRatio, processor=utils.default_process,
                                limit=limit, score_cutoff=86)
        return [ids[i] for _, _, i in sorted(found, key=lambda m: (-m[1], ids[m[2]]))]

    @abstractmethod
    def clear(self) -> None:
        """Delete all data (the schema stays)."""

    def close(self) -> None:
        """Release connections and files."""

    def __enter__(self) -> "GraphStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- writes, defined once ----------------------------------------------
    def upsert_nodes(self, label: str, rows: pd.DataFrame) -> UpsertResult:
        """Insert or update nodes by key. ``rows`` has the label's input properties
        plus ``_source_file`` and ``_source_row`` (provenance). When an identifying
        detail (a ``history`` property: address, phone…) changes, its old value is
        kept in the node's history rather than lost."""
        node = self.schema.node(label)
        tracked = [p.name for p in node.input_properties if p.history and p.name in rows.columns]
        if tracked and len(rows):
            before = self._stored_values(label, rows[node.key].tolist(), tracked)
            changes = detail_changes(label, node.key, before, rows, tracked)
            if len(changes):
                self._record_history(changes)
        self._name_index = None
        return self._upsert_nodes(label, rows)

    def upsert_relationships(self, rel_type: str, rows: pd.DataFrame, replace: bool = True) -> UpsertResult:
        """Insert or update relationships by (source key, target key, key properties).
        ``rows`` has ``source``, ``target``, the type's properties and provenance.

        A relationship that comes from a reference column (a GD's trader) is
        single-valued: a row with a new target replaces the old relationship,
        and a row with no target removes it. ``replace=False`` skips that step
        when the caller knows every source is new (a first load).
        """
        rel = self.schema.relationship(rel_type)
        replaced = self._remove_other_targets(rel_type, rows) if rel.column and replace else 0
        result = self._upsert_relationships(rel_type, rows[rows["target"].notna()])
        moved = min(replaced, result.inserted)
        return UpsertResult(result.inserted - moved, result.updated + replaced, result.unchanged)

    # ---- comparing loads -------------------------------------------------
    def checksums(self) -> dict[str, str]:
        """Per label and relationship type, a digest of every key and property,
        independent of row order and of the store, to compare two loads exactly."""
        out = {}
        for label in self.schema.nodes:
            out[label] = frame_digest(self.node_table(label))
        for rel in self.schema.relationships:
            out[rel] = frame_digest(self.relationship_table(rel))
        return out

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


def detail_changes(label: str, key: str, before: pd.DataFrame, rows: pd.DataFrame,
                   tracked: list[str]) -> pd.DataFrame:
    """Rows describing each tracked property whose stored value differs from the new one."""
    merged = before.merge(rows[[key, *tracked, "_source_file", "_source_row"]], on=key, suffixes=("_old", ""))
    parts = []
    for prop in tracked:
        old, new = merged[f"{prop}_old"], merged[prop]
        differs = old.notna() & (old.astype(str) != new.astype(str).where(new.notna(), ""))
        if differs.any():
            m = merged[differs]
            parts.append(pd.DataFrame({
                "label": label, "key": m[key].astype(str), "property": prop,
                "old_value": m[f"{prop}_old"].astype(str), "new_value": m[prop].astype(str).where(m[prop].notna(), ""),
                "source_file": m["_source_file"].astype(str), "source_row": m["_source_row"].astype("int64")}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _canonical(column: pd.Series) -> pd.Series:
    """Values as text that both stores render identically."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("")
    if pd.api.types.is_float_dtype(column):
        return column.map(lambda v: "" if pd.isna(v) else repr(float(v)))
    return column.astype(object).map(lambda v: "" if v is None or v is pd.NA or v != v else str(v))


def frame_digest(frame: pd.DataFrame) -> str:
    """An order-independent SHA-256 over the canonical text of every row."""
    import hashlib

    import numpy as np

    if frame.empty:
        return hashlib.sha256(b"").hexdigest()
    text = pd.DataFrame({c: _canonical(frame[c]) for c in frame.columns})
    rows = pd.util.hash_pandas_object(text, index=False).to_numpy()
    h = hashlib.sha256("|".join(frame.columns).encode())
    h.update(np.sort(rows).tobytes())
    return h.hexdigest()


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
