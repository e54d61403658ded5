"""An in-memory adjacency index (igraph) over the whole graph, for traversals.

DuckDB answers bulk questions fast but walking a graph hop by hop in SQL is
slow, so the embedded store keeps every relationship in an igraph ``Graph``
plus numpy arrays of edge types and times, rebuilt after writes.
"""
from __future__ import annotations

import datetime as dt

import igraph as ig
import numpy as np
import pandas as pd

from nigah.graph.window import day_window

NO_TIME = np.iinfo(np.int64).min


def _ns(values) -> np.ndarray:
    """Times as int64 nanoseconds, NO_TIME where missing."""
    t = pd.to_datetime(pd.Series(values), errors="coerce")
    out = t.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    out[t.isna().to_numpy()] = NO_TIME
    return out


def window_ns(since: dt.date | None, until: dt.date | None) -> tuple[int, int]:
    """The window (see :func:`~nigah.graph.window.day_window`) as inclusive
    int64 nanoseconds, for comparisons with :func:`_ns` times."""
    start, end = day_window(since, until)
    lo = pd.Timestamp(start).value if start else NO_TIME + 1
    hi = pd.Timestamp(end).value - 1 if end else np.iinfo(np.int64).max
    return lo, hi


class GraphIndex:
    """Vertices are numbered label by label; edges keep their type code and time."""

    def __init__(self, nodes: dict[str, tuple[np.ndarray, np.ndarray | None]],
                 rels: dict[str, tuple[str, str, np.ndarray, np.ndarray, np.ndarray | None]]):
        self.labels = list(nodes)
        self.keys: dict[str, pd.Index] = {}
        self.offset: dict[str, int] = {}
        times, n = [], 0
        for label, (keys, node_times) in nodes.items():
            self.keys[label] = pd.Index(keys.astype(str))
            self.offset[label] = n
            n += len(keys)
            times.append(_ns(node_times) if node_times is not None
                         else np.full(len(keys), NO_TIME, dtype=np.int64))
        self.vtime = np.concatenate(times) if times else np.zeros(0, np.int64)
        self.vlabel = np.concatenate([np.full(len(self.keys[l]), i, np.int16)
                                      for i, l in enumerate(self.labels)]) if n else np.zeros(0, np.int16)
        self.types = list(rels)
        src, dst, etype, etime = [], [], [], []
        for code, (rel, (s_label, t_label, s_keys, t_keys, rel_times)) in enumerate(rels.items()):
            s = self.keys[s_label].get_indexer(s_keys.astype(str)) + self.offset[s_label]
            t = self.keys[t_label].get_indexer(t_keys.astype(str)) + self.offset[t_label]
            src.append(s)
            dst.append(t)
            etype.append(np.full(len(s), code, np.int16))
            etime.append(_ns(rel_times) if rel_times is not None
                         else np.full(len(s), NO_TIME, dtype=np.int64))
        cat = (lambda parts, dtype: np.concatenate(parts) if parts else np.zeros(0, dtype))
        self.src, self.dst = cat(src, np.int64), cat(dst, np.int64)
        self.etype, self.etime = cat(etype, np.int16), cat(etime, np.int64)
        self.graph = ig.Graph(n=n, edges=np.column_stack([self.src, self.dst]), directed=True)

    def vertices(self, ids: list[str]) -> np.ndarray:
        """Vertex numbers of the ids that exist (one index look-up per label)."""
        if not len(ids):
            return np.zeros(0, np.int64)
        parts = pd.Series(list(ids), dtype=object).str.split(":", n=1, expand=True)
        if parts.shape[1] < 2:
            return np.zeros(0, np.int64)
        out = []
        for label, keys in parts.groupby(0)[1]:
            if label in self.keys:
                pos = self.keys[label].get_indexer(keys.to_numpy())
                out.append(pos[pos >= 0] + self.offset[label])
        return np.concatenate(out).astype(np.int64) if out else np.zeros(0, np.int64)

    def ids(self, vertices: np.ndarray) -> np.ndarray:
        labels = np.asarray(self.labels, dtype=object)[self.vlabel[vertices]]
        keys = np.empty(len(vertices), dtype=object)
        for i, label in enumerate(self.labels):
            mask = self.vlabel[vertices] == i
            keys[mask] = self.keys[label][vertices[mask] - self.offset[label]]
        return labels + ":" + keys

    def _incident(self, vertices: np.ndarray, types: list[str], since, until) -> np.ndarray:
        if len(vertices) == 0:
            return np.zeros(0, np.int64)
        incident = self.graph.incident
        edges = np.unique(np.fromiter((e for v in vertices.tolist() for e in incident(v, mode="all")),
                                      dtype=np.int64))
        codes = [self.types.index(t) for t in types if t in self.types]
        edges = edges[np.isin(self.etype[edges], codes)]
        if since or until:
            lo, hi = window_ns(since, until)
            t = self.etime[edges]
            edges = edges[(t == NO_TIME) | ((t >= lo) & (t <= hi))]
        return edges

    def _in_window(self, vertices: np.ndarray, since, until) -> np.ndarray:
        if not (since or until):
            return np.ones(len(vertices), bool)
        lo, hi = window_ns(since, until)
        t = self.vtime[vertices]
        return (t == NO_TIME) | ((t >= lo) & (t <= hi))

    def expand(self, ids: list[str], types: list[str], since, until) -> pd.DataFrame:
        vs = self.vertices(ids)
        edges = self._incident(vs, types, since, until)
        inside = np.isin(self.src[edges], vs)
        pairs = [(self.src[edges][inside], self.dst[edges][inside]),
                 (self.dst[edges][np.isin(self.dst[edges], vs)],
                  self.src[edges][np.isin(self.dst[edges], vs)])]
        a = np.concatenate([p[0] for p in pairs])
        b = np.concatenate([p[1] for p in pairs])
        keep = self._in_window(b, since, until)
        a, b = a[keep], b[keep]
        return pd.DataFrame({"id": self.ids(a), "other": self.ids(b)})

    def edges_among(self, ids: list[str], types: list[str], since, until) -> pd.DataFrame:
        vs = self.vertices(ids)
        edges = self._incident(vs, types, since, until)
        edges = edges[np.isin(self.src[edges], vs) & np.isin(self.dst[edges], vs)]
        return pd.DataFrame({
            "type": np.asarray(self.types, dtype=object)[self.etype[edges]],
            "source": self.ids(self.src[edges]), "target": self.ids(self.dst[edges]),
        })
