"""An in-memory adjacency index over the whole graph, for traversals.

DuckDB answers bulk questions fast but walking a graph hop by hop in SQL is
slow, so the embedded store keeps every relationship in numpy arrays (ends,
type codes, times) with two compressed adjacency lists (edges sorted by
source and by target, and where each vertex's run starts), rebuilt after
writes. Plain arrays rather than an igraph ``Graph``: they are built by
sorts that release the interpreter lock, so a dashboard warming a new
snapshot keeps answering its officers meanwhile (igraph's constructor held
the lock for a third of a second at 60k GDs), and a busy node's incident
edges are one vectorised slice instead of a Python loop.
"""
from __future__ import annotations

import datetime as dt

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


def _adjacency(ends: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Edge numbers sorted by one end, and where each vertex's run of them starts.

    >>> order, start = _adjacency(np.array([2, 0, 2]), 3)
    >>> order.tolist(), start.tolist()
    ([1, 0, 2], [0, 1, 1, 3])
    """
    order = np.argsort(ends, kind="stable")
    return order, np.searchsorted(ends[order], np.arange(n + 1))


def _runs(order: np.ndarray, start: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """The edges in the runs of ``vertices`` (see :func:`_adjacency`), without a loop.

    >>> _runs(*_adjacency(np.array([2, 0, 2]), 3), np.array([2, 0])).tolist()
    [0, 2, 1]
    """
    lo, hi = start[vertices], start[vertices + 1]
    lengths = hi - lo
    if not lengths.sum():
        return np.zeros(0, np.int64)
    first = np.repeat(lo - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return order[first + np.arange(lengths.sum())]


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values: a sort and a comparison (numpy's hash-based
    ``unique`` took 0.3 s on a station's 420,000 edges; this takes 20 ms).

    >>> _distinct(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    if not len(values):
        return values
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


class GraphIndex:
    """Vertices are numbered label by label, in key order within each; edges
    keep their type code and time (int64 nanoseconds, ``NO_TIME`` if none).

    ``keys``: each label's keys in vertex order; ``vtime``: each vertex's time;
    ``edges``: per relationship type, its source and target vertex numbers and
    times. The embedded store numbers the ends in SQL (:meth:`DuckDBStore._build_index`);
    :meth:`from_keys` does it from key arrays.
    """

    def __init__(self, keys: dict[str, np.ndarray], vtime: np.ndarray,
                 edges: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], vrisk: np.ndarray | None = None):
        self.labels = list(keys)
        self.keys = {label: pd.Index(k, dtype=object) for label, k in keys.items()}
        self.offset, n = {}, 0
        for label in self.labels:
            self.offset[label] = n
            n += len(self.keys[label])
        self.vtime = vtime.astype(np.int64)
        self.vlabel = np.concatenate([np.full(len(self.keys[l]), i, np.int16)
                                      for i, l in enumerate(self.labels)]) if n else np.zeros(0, np.int16)
        self.types = list(edges)
        cat = (lambda parts, dtype: np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype))
        self.src = cat([e[0] for e in edges.values()], np.int64)
        self.dst = cat([e[1] for e in edges.values()], np.int64)
        self.etime = cat([e[2] for e in edges.values()], np.int64)
        self.etype = cat([np.full(len(e[0]), code, np.int16) for code, e in enumerate(edges.values())], np.int16)
        self.n = n
        # each vertex's highest score (0 for none): what a capped expansion ranks by
        self.vrisk = np.zeros(n) if vrisk is None else np.nan_to_num(np.asarray(vrisk, dtype=float))
        self._out = _adjacency(self.src, n)
        self._in = _adjacency(self.dst, n)

    @classmethod
    def from_keys(cls, nodes: dict[str, tuple[np.ndarray, np.ndarray | None]],
                  rels: dict[str, tuple[str, str, np.ndarray, np.ndarray, np.ndarray | None]]) -> "GraphIndex":
        """From each label's keys and times, and each type's (source label,
        target label, source keys, target keys, times).

        >>> index = GraphIndex.from_keys({"Trader": (np.array(["t1"]), None), "Declaration": (np.array(["g1", "g2"]), None)},
        ...     {"FILED_BY": ("Declaration", "Trader", np.array(["g1", "g2"]), np.array(["t1", "t1"]), None)})
        >>> sorted(index.expand(["Trader:t1"], ["FILED_BY"], None, None)["other"])
        ['Declaration:g1', 'Declaration:g2']
        """
        keys, times, offset, n = {}, [], {}, 0
        for label, (k, node_times) in nodes.items():
            keys[label] = pd.Index(k.astype(str))
            offset[label], n = n, n + len(k)
            times.append(_ns(node_times) if node_times is not None else np.full(len(k), NO_TIME, np.int64))
        edges = {}
        for rel, (s_label, t_label, s_keys, t_keys, rel_times) in rels.items():
            s = keys[s_label].get_indexer(s_keys.astype(str)) + offset[s_label]
            t = keys[t_label].get_indexer(t_keys.astype(str)) + offset[t_label]
            edges[rel] = (s, t, _ns(rel_times) if rel_times is not None else np.full(len(s), NO_TIME, np.int64))
        return cls({l: k.to_numpy() for l, k in keys.items()},
                   np.concatenate(times) if times else np.zeros(0, np.int64), edges)

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
        edges = _distinct(np.concatenate([_runs(*self._out, vertices), _runs(*self._in, vertices)]))
        codes = [self.types.index(t) for t in types if t in self.types]
        edges = edges[np.isin(self.etype[edges], codes)]
        if since or until:
            lo, hi = window_ns(since, until)
            t = self.etime[edges]
            edges = edges[(t == NO_TIME) | ((t >= lo) & (t <= hi))]
        return edges

    def neighbour_counts(self, ids: list[str], types: list[str], since, until) -> dict[str, int]:
        """How many distinct neighbours ``ids`` have through each of ``types`` (in the window)."""
        vs = self.vertices(ids)
        edges = self._incident(vs, types, since, until)
        ends = np.where(np.isin(self.src[edges], vs), self.dst[edges], self.src[edges])
        keep = self._in_window(ends, since, until)
        pairs = _distinct(self.etype[edges][keep].astype(np.int64) * (self.n + 1) + ends[keep])
        codes, counts = np.unique(pairs // (self.n + 1), return_counts=True)
        return {self.types[c]: int(n) for c, n in zip(codes, counts)}

    def ranked(self, ids: list[str]) -> list[str]:
        """``ids`` riskiest first, then the most recent, then by id, as
        :meth:`GraphStore.riskiest_first`."""
        return self.ids(self.ranked_vertices(self.vertices(ids))).tolist()

    def ranked_vertices(self, vs: np.ndarray) -> np.ndarray:
        """Vertices riskiest first (their highest score, 0 for none), then the
        most recent (none last), then by id."""
        risk = self.vrisk
        when = self.vtime[vs]
        untimed = when == NO_TIME
        label_rank = np.argsort(np.argsort(np.asarray(self.labels, dtype=object)))[self.vlabel[vs]]
        # lexsort sorts by the last key first: risk down, then time down (none last), then label and key up
        order = np.lexsort((vs, label_rank, -np.where(untimed, 0, when), untimed, -risk[vs]))
        return vs[order]

    def _in_window(self, vertices: np.ndarray, since, until) -> np.ndarray:
        if not (since or until):
            return np.ones(len(vertices), bool)
        lo, hi = window_ns(since, until)
        t = self.vtime[vertices]
        return (t == NO_TIME) | ((t >= lo) & (t <= hi))

    def expand(self, ids: list[str], types: list[str], since, until) -> pd.DataFrame:
        a, b = self.pairs(self.vertices(ids), types, since, until)
        return pd.DataFrame({"id": self.ids(a), "other": self.ids(b)})

    def pairs(self, vs: np.ndarray, types: list[str], since, until) -> tuple[np.ndarray, np.ndarray]:
        """(vertex of ``vs``, its neighbour) for each link of ``types`` in the window."""
        edges = self._incident(vs, types, since, until)
        inside = np.isin(self.src[edges], vs)
        pairs = [(self.src[edges][inside], self.dst[edges][inside]),
                 (self.dst[edges][np.isin(self.dst[edges], vs)],
                  self.src[edges][np.isin(self.dst[edges], vs)])]
        a = np.concatenate([p[0] for p in pairs])
        b = np.concatenate([p[1] for p in pairs])
        keep = self._in_window(b, since, until)
        return a[keep], b[keep]

    def edges_among(self, ids: list[str], types: list[str], since, until) -> pd.DataFrame:
        vs = self.vertices(ids)
        edges = self._incident(vs, types, since, until)
        edges = edges[np.isin(self.src[edges], vs) & np.isin(self.dst[edges], vs)]
        return pd.DataFrame({
            "type": np.asarray(self.types, dtype=object)[self.etype[edges]],
            "source": self.ids(self.src[edges]), "target": self.ids(self.dst[edges]),
        })
