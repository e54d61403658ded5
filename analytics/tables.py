"""A store's tables as one run of the analyses reads them: each read once.

The analyses ask a store for bulk reads (``node_table``, ``relationship_table``)
and write scores back (``write_properties``). :class:`Tables` answers the same
calls from memory: a label's columns are read on first use (all the columns
the run declared it needs, in one read), a score a stage writes is applied to
the frame in memory at once, so the next stage reads it without a round trip,
and the writes reach the store at :meth:`Tables.flush`, one write per label and
set of rows. So the stage order is the pipeline's (``analytics.pipeline``),
not an unwritten contract about which columns sit in the store.

>>> from nigah.graph.duckdb_store import DuckDBStore
>>> import tempfile, pandas as pd
>>> store = DuckDBStore(tempfile.mkdtemp())
>>> store.upsert_nodes("Route", pd.DataFrame({"code": ["R1", "R2"], "name": ["a", "b"],
...     "allowed_hours": [10.0, 20.0], "_source_file": "x.csv", "_source_row": [2, 3]})).inserted
2
>>> tables = Tables(store)
>>> tables.write_properties("Route", pd.DataFrame({"code": ["R2"], "allowed_hours": [30.0]}))
1
>>> tables.node_table("Route", ["allowed_hours"])["allowed_hours"].tolist()   # seen at once
[10.0, 30.0]
>>> store.node_table("Route", ["allowed_hours"])["allowed_hours"].tolist()    # the store: at flush
[10.0, 20.0]
>>> tables.flush()
{'Route': 1}
>>> store.node_table("Route", ["allowed_hours"])["allowed_hours"].tolist()
[10.0, 30.0]
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from nigah.graph.store import GraphStore


class Tables:
    """Bulk reads of ``store``, each table read once; writes applied in memory
    and sent to the store at :meth:`flush`. ``needs``: label → the columns the
    run will read, so the first read of a label fetches them all."""

    def __init__(self, store: GraphStore, needs: dict[str, Iterable[str]] | None = None):
        self.store, self.schema = store, store.schema
        self._needs = {label: list(dict.fromkeys(cols)) for label, cols in (needs or {}).items()}
        self._nodes: dict[str, pd.DataFrame] = {}
        self._relationships: dict[str, pd.DataFrame] = {}
        self._pending: dict[str, list[pd.DataFrame]] = {}

    # ---- reads, as GraphStore gives them ------------------------------------
    def node_table(self, label: str, columns: list[str] | None = None) -> pd.DataFrame:
        """``store.node_table(label, columns)``, from memory after the first read."""
        node = self.schema.node(label)
        wanted = [c for c in (list(node.properties) if columns is None else columns) if c != node.key]
        frame = self._nodes.get(label)
        missing = [c for c in wanted if frame is None or c not in frame.columns]
        if frame is None or missing:
            # A column no stage declared: read it (with the declared ones on a first read).
            extra = self.store.node_table(label, list(dict.fromkeys(self._needs.get(label, []) + missing))
                                          if frame is None else missing)
            if frame is None:
                frame = extra
            else:
                if not frame[node.key].equals(extra[node.key]):
                    raise RuntimeError(f"{label} changed in the store during the analysis")
                frame = pd.concat([frame, extra.drop(columns=node.key)], axis=1)
            self._nodes[label] = frame
            for values in self._pending.get(label, []):  # written earlier in the run, not yet sent
                self._apply(label, values, [c for c in values.columns if c in extra.columns and c != node.key])
            frame = self._nodes[label]
        return frame[[node.key, *wanted]].copy()

    def relationship_table(self, rel_type: str) -> pd.DataFrame:
        """``store.relationship_table(rel_type)``, read once."""
        if rel_type not in self._relationships:
            self._relationships[rel_type] = self.store.relationship_table(rel_type)
        return self._relationships[rel_type].copy()

    # ---- writes ----------------------------------------------------------------
    def write_properties(self, label: str, values: pd.DataFrame) -> int:
        """Queue a write-back (as ``store.write_properties``) and apply it to
        the frame in memory, so later reads in this run see it."""
        node = self.schema.node(label)
        for c in values.columns:
            if c != node.key and c not in node.properties:
                raise KeyError(f"{label} has no property {c!r} in the schema")
        self._pending.setdefault(label, []).append(values)
        frame = self._nodes.get(label)
        if frame is not None:
            self._apply(label, values, [c for c in values.columns if c in frame.columns and c != node.key])
        return len(values)

    def _apply(self, label: str, values: pd.DataFrame, columns: list[str]) -> None:
        frame = self._nodes[label].copy()
        key = self.schema.node(label).key
        rows = pd.Index(frame[key]).get_indexer(values[key])
        found = rows >= 0
        for c in columns:
            column = frame[c].copy()
            try:
                column.iloc[rows[found]] = values[c].to_numpy()[found]
            except (TypeError, ValueError):  # values of another dtype than the stored column's
                column = column.astype(object)
                column.iloc[rows[found]] = values[c].to_numpy()[found]
            frame[c] = column
        self._nodes[label] = frame

    def flush(self) -> dict[str, int]:
        """Send the queued writes: per label, the writes over the same rows go
        as one (their columns side by side). Returns rows written per label."""
        written = {}
        for label, frames in self._pending.items():
            key = self.schema.node(label).key
            groups: list[pd.DataFrame] = []
            for values in frames:
                same = next((i for i, g in enumerate(groups) if g[key].equals(values[key])), None)
                if same is None:
                    groups.append(values.reset_index(drop=True))
                else:
                    extra = values.reset_index(drop=True).drop(columns=key)
                    kept = groups[same].drop(columns=[c for c in extra.columns if c in groups[same]])
                    groups[same] = pd.concat([kept, extra], axis=1)
            written[label] = sum(self.store.write_properties(label, g) for g in groups)
        self._pending.clear()
        return written
