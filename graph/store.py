"""The store interface: what ingest, analytics and the dashboard need of a graph store.

Stores implement a few primitives (upserts, bulk reads, one-hop expansion,
edges among given nodes, a case's stored text); what the answers mean
(traversal caps and ordering, what counts as a path, search ranking, bulk
reads' columns and dtypes, provenance, cases) is defined once here, so both
stores give the same answers. Opening a store by name is ``open.py``; the
time-window rule is ``window.py``.
"""
from __future__ import annotations

import datetime as dt
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable

import igraph as ig
import pandas as pd

from nigah.graph.digest import frame_digest
from nigah.graph.history import detail_changes
from nigah.graph.model import Edge, Node, Subgraph, UpsertResult, clean_properties
from nigah.graph.formats import search_variants
from nigah.graph.names import NameIndex
from nigah.graph.schema import PROVENANCE, SCHEMA, Property, Schema, node_id, split_node_id, with_attributes
from nigah.graph.secrets import redact


def _exact(node: Node, wanted: set[str]) -> bool:
    """Whether one of the node's searchable values is exactly one of the (lower-case) spellings ``wanted``."""
    return any(str(node.properties.get(p, "")).lower() in wanted
               for p in SCHEMA.node(node.label).search_properties) or node.key.lower() in wanted


def matched_field(node: Node, text: str, store: "GraphStore | None" = None) -> str | None:
    """What a search result says it matched on: the title of the property that
    contains ``text`` (in one of its spellings), or "earlier <property>" when an
    earlier value did (with ``store``); None when found by a spelling alike."""
    wanted = [v.lower() for v in search_variants(text.strip())]
    for prop in SCHEMA.node(node.label).search_properties:
        value = str(node.properties.get(prop, "") or "").lower()
        if value and any(w in value for w in wanted):
            return SCHEMA.prop(node.label, prop).title
    if store is not None:
        for change in store.history(node.id):
            if any(w in str(change.get("old_value") or "").lower() for w in wanted):
                return f"earlier {SCHEMA.prop(node.label, change['property']).title.lower()}"
    return None


_PROVENANCE_TYPES = {name: Property(name, kind) for name, kind in PROVENANCE.items()}
HISTORY_COLUMNS = ["label", "key", "property", "old_value", "new_value", "source_file", "source_row", "changed_at"]


class StoreUnavailable(RuntimeError):
    """The store cannot be reached or opened (server down, file locked). Its
    message never carries a password, wherever it is shown."""

    def __init__(self, message: str = ""):
        super().__init__(redact(message))


class StoreDamaged(StoreUnavailable):
    """The store's data cannot be read back as written (a file cut short or
    overwritten): what to do is put a backup in place."""

    ADVICE = "put a backup in place with `nigah restore DIR --force` (README, Stores)"


def damage(exc: BaseException) -> StoreDamaged | None:
    """``exc`` as a :class:`StoreDamaged` when it says the store file is damaged
    (found on reading, after the file opened), else None.

    >>> str(damage(RuntimeError("Corrupt database file: computed checksum 1 does not match")))[:26]
    'the store file is damaged:'
    >>> damage(ValueError("bad input")) is None
    True
    """
    text = str(exc)
    signs = ("Corrupt database file", "Could not read enough bytes", "database has been invalidated",
             "Failed to read block")
    if isinstance(exc, StoreDamaged) or not any(s in text for s in signs):
        return exc if isinstance(exc, StoreDamaged) else None
    return StoreDamaged(f"the store file is damaged: {text.splitlines()[0][:200]}; {StoreDamaged.ADVICE}")


class GraphStore(ABC):
    """A graph of customs entities, addressed by node ids ``Label:key``."""

    name: str = "abstract"

    def __init__(self, schema: Schema = SCHEMA):
        self.schema = self._declared = schema   # the declared one, before any extra attributes
        self._name_index: NameIndex | None = None  # for spelling-tolerant search, built on first use

    # ---- extra attributes (a mapping's columns the schema does not declare) --
    def add_attributes(self, label: str, attributes: dict[str, str]) -> None:
        """Keep ``attributes`` (name -> type) on ``label`` from now on: they are
        stored, read and modelled like the schema's own, and the store
        remembers them for every later open."""
        known = self.schema.node(label).properties
        new = {name: kind for name, kind in attributes.items() if name not in known}
        self.schema = with_attributes(self.schema, {label: attributes})   # checks types, also of known ones
        if new:
            self._keep_attributes(label, new)
            self.create_schema()

    def _extend_schema(self) -> None:
        """The schema with the extra attributes this store keeps."""
        kept = self._kept_attributes()
        if kept:
            self.schema = with_attributes(self.schema, kept)

    def _keep_attributes(self, label: str, attributes: dict[str, str]) -> None:
        raise NotImplementedError(f"the {self.name} store keeps no extra attributes")

    def _kept_attributes(self) -> dict[str, dict[str, str]]:
        return {}

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
    def _keys_with_values(self, label: str, prop: str, values: list[str]) -> pd.DataFrame:
        """Key and ``prop`` of the ``label`` nodes whose ``prop`` is one of ``values``."""

    @abstractmethod
    def _record_history(self, changes: pd.DataFrame) -> None:
        """Keep detail changes (label, key, property, old_value, new_value,
        source_file, source_row, and ``changed_at`` as ISO text or None for
        now); recording the same change twice keeps one."""

    @abstractmethod
    def history(self, node: str) -> list[dict]:
        """Earlier values of a node's identifying details, oldest change first."""

    @abstractmethod
    def _history_rows(self) -> pd.DataFrame:
        """Every recorded detail change, with the columns of ``HISTORY_COLUMNS``."""

    def history_table(self) -> pd.DataFrame:
        """Bulk read of every detail change (``HISTORY_COLUMNS``), the same dtypes from every store."""
        rows = self._history_rows()[HISTORY_COLUMNS]
        rows["source_row"] = pd.to_numeric(rows["source_row"]).astype("Int64")
        rows["changed_at"] = pd.to_datetime(rows["changed_at"]).astype("datetime64[us]")
        return rows

    # ---- analysts' cases: named baskets of entities with notes ------------------
    @abstractmethod
    def _earlier_values(self, q: str, limit: int) -> list[tuple[str, str]]:
        """(node id, property) of nodes with an earlier value (their history)
        that contains ``q`` (lower-case), exact values first."""

    @abstractmethod
    def _put_case(self, name: str, payload: str) -> None:
        """Create or replace the named case's stored text."""

    @abstractmethod
    def _case_payload(self, name: str) -> str | None:
        """The named case's stored text, or None."""

    @abstractmethod
    def _case_names(self) -> list[str]:
        """Names of the saved cases, in any order."""

    @abstractmethod
    def _drop_case(self, name: str) -> None:
        """Forget the named case's stored text (nothing if there is none)."""

    # ---- the audit trail (graph/audit.py says what a record means) -------------
    @abstractmethod
    def _audit_append(self, link) -> dict:
        """Append ``link(tail)`` (``tail``: the last stored record, or None), in
        one write against the stored trail, so two writers never share a
        number; the record appended. Nothing changes or deletes a record."""

    @abstractmethod
    def _audit_rows(self) -> list[dict]:
        """Every audit record, by number (``detail`` as stored JSON text)."""

    KEPT_VERSIONS = 20   # earlier versions of a case that a save keeps

    def save_case(self, name: str, case: dict) -> None:
        """Create or replace the named case (``entities``: node ids, ``notes``: id → text).
        A replaced case is not lost: its earlier contents are kept as versions
        (:meth:`case_versions`), newest first, up to ``KEPT_VERSIONS``."""
        current = {"entities": list(case.get("entities", [])), "notes": dict(case.get("notes", {})),
                   "saved_at": dt.datetime.now().isoformat(timespec="seconds")}
        before = self._case_record(name)
        versions = []
        if before is not None:
            earlier = {k: before[k] for k in ("entities", "notes", "saved_at") if k in before}
            if (earlier.get("entities"), earlier.get("notes")) != (current["entities"], current["notes"]):
                versions = [earlier]
            versions = (versions + before.get("versions", []))[:self.KEPT_VERSIONS]
        self._put_case(name, json.dumps({**current, "versions": versions}, sort_keys=True))

    def _case_record(self, name: str) -> dict | None:
        payload = self._case_payload(name)
        return json.loads(payload) if payload is not None else None

    def load_case(self, name: str, version: int = 0) -> dict | None:
        """The named case (``version`` 1, 2…: that many saves back), or None."""
        record = self._case_record(name)
        if record is None:
            return None
        if version:
            earlier = record.get("versions", [])
            if version > len(earlier):
                return None
            record = earlier[version - 1]
        return {"entities": record.get("entities", []), "notes": record.get("notes", {})}

    def case_versions(self, name: str) -> list[dict]:
        """The named case's contents, newest first: ``version`` (0 is the current),
        ``saved_at`` and ``entities`` (how many)."""
        record = self._case_record(name)
        if record is None:
            return []
        return [{"version": i, "saved_at": r.get("saved_at"), "entities": len(r.get("entities", []))}
                for i, r in enumerate([record, *record.get("versions", [])])]

    def rename_case(self, old: str, new: str) -> None:
        """Give a case another name (with its versions); refuses to replace another case."""
        record = self._case_record(old)
        if record is None:
            raise ValueError(f"no case named {old!r}")
        if self._case_payload(new) is not None:
            raise ValueError(f"a case named {new!r} already exists")
        self._put_case(new, json.dumps(record, sort_keys=True))
        self._drop_case(old)

    def list_cases(self) -> list[str]:
        """Names of the saved cases, in order."""
        return sorted(self._case_names())

    def delete_case(self, name: str) -> None:
        """Forget the named case (its entities stay in the graph)."""
        self._drop_case(name)

    @abstractmethod
    def existing_keys(self, label: str, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` already exist as nodes of ``label``."""

    @abstractmethod
    def _node_rows(self, label: str, columns: list[str]) -> pd.DataFrame:
        """These columns of every node of ``label``, ordered by key."""

    @abstractmethod
    def _relationship_rows(self, rel_type: str, properties: list[str], order: list[str]) -> pd.DataFrame:
        """``source`` and ``target`` keys and these properties of every relationship
        of ``rel_type``, ordered by the ``order`` columns."""

    @abstractmethod
    def _write_properties(self, label: str, values: pd.DataFrame) -> int:
        """Write the checked ``values`` (see :meth:`write_properties`)."""

    @abstractmethod
    def _count(self, label: str | None = None, rel_type: str | None = None) -> int:
        """How many nodes of ``label``, or relationships of ``rel_type``, are stored."""

    def node_table(self, label: str, columns: list[str] | None = None,
                   provenance: bool = False) -> pd.DataFrame:
        """Bulk read of a label's nodes as a DataFrame (key column first), with
        ``_source_file`` and ``_source_row`` last when ``provenance``."""
        node = self.schema.node(label)
        cols = [node.key] + [c for c in (columns or node.properties) if c != node.key]
        return _typed(self._node_rows(label, cols + (list(PROVENANCE) if provenance else [])),
                      node.properties | _PROVENANCE_TYPES)

    def relationship_table(self, rel_type: str, provenance: bool = False) -> pd.DataFrame:
        """Bulk read of a relationship type: ``source``, ``target`` keys and
        properties (and provenance last, when asked)."""
        rel = self.schema.relationship(rel_type)
        props = list(rel.properties) + (list(PROVENANCE) if provenance else [])
        rows = self._relationship_rows(rel_type, props, ["source", "target", *rel.key])
        return _typed(rows, rel.properties | _PROVENANCE_TYPES)

    def write_properties(self, label: str, values: pd.DataFrame) -> int:
        """Bulk write-back of computed properties: the key column plus one column
        per property. Nodes not listed are left as they are. Returns rows written."""
        node = self.schema.node(label)
        for c in values.columns:
            if c != node.key and c not in node.properties:  # names go into the query text
                raise KeyError(f"{label} has no property {c!r} in the schema")
        return self._write_properties(label, values)

    def counts(self) -> dict[str, dict[str, int]]:
        """``{"nodes": {label: n}, "relationships": {type: n}}`` for every label and type."""
        return {"nodes": {label: self._count(label=label) for label in self.schema.nodes},
                "relationships": {rel: self._count(rel_type=rel) for rel in self.schema.relationships}}

    @staticmethod
    def _node(nid: str, props: dict) -> Node:
        """A node from its stored properties: the schema's, cleaned, plus its provenance."""
        provenance = {k: props[k] for k in PROVENANCE if props.get(k) is not None}
        return Node(nid, clean_properties(props) | provenance)

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
        """Nodes whose searchable properties, lower-cased, contain ``text`` (trimmed,
        lower-case, not blank), ranked and cut as :meth:`search` says."""

    def search(self, text: str, limit: int = 20) -> list[Node]:
        """Nodes whose searchable properties contain ``text`` (case-insensitive),
        exact matches first, then prefix matches, then the rest, each by id
        (typed identifiers are also tried in their stored spelling: formats.search_variants);
        then, to fill up to ``limit``, names that are spelled differently but
        alike (transliterations, typos, legal suffixes), best first."""
        if not text.strip():
            return []
        variants = [v.lower() for v in search_variants(text.strip())]   # TLR 80725 finds TLR-80725, 0300… +92300…
        hits: list[Node] = []
        for variant in variants:
            found = {n.id for n in hits}
            hits += [n for n in self._search_text(variant, limit) if n.id not in found]
        # an exact match of any spelling first, then the rest in the order found
        spellings = set(variants)
        hits = sorted(hits, key=lambda n: not _exact(n, spellings))[:limit]
        if len(hits) < limit:   # a phone or address they had before the last update
            found = {n.id for n in hits}
            earlier = [nid for variant in variants
                       for nid, _ in self._earlier_values(variant, limit) if nid not in found]
            hits += self.get_nodes(list(dict.fromkeys(earlier))[: limit - len(hits)])
        if len(hits) < limit:
            if self._name_index is None:
                self._name_index = NameIndex.read(self)
            seen = {n.id for n in hits}
            alike = [i for i in self._name_index.alike(text, limit + len(seen)) if i not in seen]
            hits += self.get_nodes(alike[: limit - len(hits)])
        return hits

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

        At most ``limit`` nodes: each hop adds new neighbours, riskiest and most
        recent first (:meth:`riskiest_first`), until the cap, and
        ``truncated``/``hidden`` say what was left out. Reference
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
                new = self.riskiest_first(new)   # a busy node shows what matters, not the lowest ids
                truncated = True
                kept = set(new[:room])
                dropped = pairs[~pairs["other"].isin(kept)]
                hidden.update(dropped.groupby("id")["other"].nunique().astype(int).to_dict())
                new = new[:room]
            visited += new
            seen.update(new)
            frontier = new
        return visited, truncated, hidden

    def neighbour_counts(self, ids: list[str], rel_types: list[str], since: dt.date | None = None,
                         until: dt.date | None = None) -> dict[str, int]:
        """How many distinct neighbours ``ids`` have through each of ``rel_types``
        (in the window), leaving out the types with none."""
        counts = {t: int(self.expand(ids, [t], since, until)["other"].nunique()) for t in rel_types}
        return {t: n for t, n in counts.items() if n}

    def riskiest_first(self, ids: list[str]) -> list[str]:
        """``ids`` ordered by the highest of each node's scores, then the most
        recent (by the label's time property), then by id: the order in which a
        capped expansion draws them, so 300 of a station's 9,000 GDs are the 300
        riskiest rather than the first by number."""
        parts = []
        for label, members in pd.Series(ids).groupby(pd.Series(ids).str.split(":", n=1).str[0]):
            node = self.schema.node(label)
            scores = [s for s in self.schema.scores if s in node.properties]
            columns = scores + ([node.time_property] if node.time_property else [])
            keys = [split_node_id(i)[1] for i in members]
            stored = self._stored_values(label, keys, columns) if columns else pd.DataFrame({node.key: keys})
            stored = stored.drop_duplicates(node.key)
            risk = stored[scores].apply(pd.to_numeric, errors="coerce").max(axis=1) if scores else 0.0
            when = pd.to_datetime(stored[node.time_property], errors="coerce") if node.time_property else pd.NaT
            parts.append(pd.DataFrame({"id": [node_id(label, k) for k in stored[node.key]],
                                       "risk": pd.Series(risk, index=stored.index).fillna(0.0).to_numpy(),
                                       "when": pd.Series(when, index=stored.index).to_numpy()}))
        if not parts:
            return []
        ranked = pd.concat(parts, ignore_index=True).sort_values(
            ["risk", "when", "id"], ascending=[False, False, True], na_position="last")
        return ranked["id"].tolist()

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


def _typed(frame: pd.DataFrame, props: dict) -> pd.DataFrame:
    """Bulk reads' dtypes, the same from every store: integers ``int64``, or
    ``Int64`` where some are missing; floats ``float64``; dates and times
    ``datetime64[us]``; a text column that holds nothing, ``None`` (object)."""
    for name, p in props.items():
        if name not in frame.columns:
            continue
        column = frame[name]
        if p.type == "int" and str(column.dtype) not in ("int64", "Int64"):
            column = pd.to_numeric(column)
            frame[name] = column.astype("Int64" if column.isna().any() else "int64")
        elif p.type == "float" and column.dtype != "float64":
            frame[name] = pd.to_numeric(column).astype("float64")
        elif p.type in ("date", "datetime") and column.dtype != "datetime64[us]":
            frame[name] = pd.to_datetime(column).astype("datetime64[us]")
        elif p.type in ("str", "enum") and len(column) and column.isna().all():
            frame[name] = pd.Series([None] * len(column), index=frame.index, dtype=object)
    return frame
