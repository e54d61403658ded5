"""The store as a heterogeneous PyTorch Geometric graph for learning.

One node type per schema label, one edge type per schema relationship plus
its reverse (so every node hears from its neighbours), and the
trader projection of shared phones, addresses, bank accounts, directors,
agents, suppliers and vehicles (``analytics.communities.projection``) as ``SHARES_WITH``
edges between traders. Reference nodes (stations, HS codes, routes) speak
but do not listen: every GD touches them, so what they would hear is the
whole data set, which no mini-batch can sample. Declarations carry the risk features
(:mod:`analytics.risk.features`) and their filing day, so that a sampler can
keep later GDs out of an earlier GD's neighbourhood; every other node carries
its log degree per edge type.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import torch

with warnings.catch_warnings():  # PyG 2.8 still calls torch.jit.script on import
    warnings.filterwarnings("ignore", category=FutureWarning, message=".*torch.jit.script.*")
    from torch_geometric.data import HeteroData

from nigah.graph.store import GraphStore

DECLARATION = "Declaration"
TRADER_LINK = ("Trader", "SHARES_WITH", "Trader")


def _keys(store: GraphStore, label: str) -> pa.Array:
    return _strings(store.node_table(label, [])[store.schema.node(label).key])


def _strings(values: pd.Series) -> pa.Array:
    return pa.array(values.astype(str), type=pa.large_string())


def _positions(keys: pa.Array, values: pd.Series) -> np.ndarray:
    """Where each of ``values`` is in ``keys`` (-1 where absent), hashed in
    Arrow: 3× faster than a pandas index on a million GD numbers."""
    return pc.fill_null(pc.index_in(_strings(values), value_set=keys), -1).to_numpy().astype(np.int64)


def _relationship_ends(store: GraphStore, keys: dict[str, pa.Array]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Source and target positions of every relationship, looked up one
    label at a time (one hash table of a million GD numbers, not eight)."""
    tables = {r: store.relationship_table(r) for r in store.schema.relationships}
    wanted: dict[str, list[tuple[str, str]]] = {}
    for rel_type, rel in store.schema.relationships.items():
        wanted.setdefault(rel.source, []).append((rel_type, "source"))
        wanted.setdefault(rel.target, []).append((rel_type, "target"))
    found: dict[tuple[str, str], np.ndarray] = {}
    for label, ends in wanted.items():
        sizes = [len(tables[r]) for r, _ in ends]
        values = pd.concat([tables[r][end].astype(str) for r, end in ends], ignore_index=True)
        positions = np.split(_positions(keys[label], values), np.cumsum(sizes)[:-1])
        found.update(zip(ends, positions))
    return {r: (found[r, "source"], found[r, "target"]) for r in tables}


def _distinct(pairs: np.ndarray) -> np.ndarray:
    """Sorted distinct values (``np.unique`` hashes int64s, far slower than a sort)."""
    pairs = np.sort(pairs)
    return pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs


def build_graph(store: GraphStore, declaration_x: np.ndarray, days: np.ndarray, declaration_keys: pd.Series,
                trader_links: pd.DataFrame | None = None) -> HeteroData:
    """The graph, declarations in the order of ``declaration_keys`` (with their
    features ``declaration_x`` and filing ``days``); ``trader_links`` has
    columns ``a``, ``b`` (NTNs). The edge types are the same whatever the data
    holds, so that a saved model fits any later graph."""
    data = HeteroData()
    keys = {label: _strings(declaration_keys) if label == DECLARATION else _keys(store, label)
            for label in store.schema.nodes}
    for label, index in keys.items():
        data[label].num_nodes = len(index)
    ends = _relationship_ends(store, keys)
    for rel_type, rel in store.schema.relationships.items():
        src, dst = ends[rel_type]
        keep = (src >= 0) & (dst >= 0)
        n_dst = max(len(keys[rel.target]), 1)
        pairs = _distinct(src[keep] * n_dst + dst[keep])  # one edge per pair of nodes
        edge = torch.from_numpy(np.stack([pairs // n_dst, pairs % n_dst]))
        if not store.schema.node(rel.target).reference:
            data[rel.source, rel_type, rel.target].edge_index = edge
        if not store.schema.node(rel.source).reference:
            data[rel.target, f"rev_{rel_type}", rel.source].edge_index = edge.flip(0)
    pairs = np.zeros((2, 0), np.int64)
    if trader_links is not None and len(trader_links):
        a = _positions(keys["Trader"], trader_links["a"])
        b = _positions(keys["Trader"], trader_links["b"])
        keep = (a >= 0) & (b >= 0)
        pairs = np.stack([a[keep], b[keep]]).astype(np.int64)
    data[TRADER_LINK].edge_index = torch.from_numpy(np.concatenate([pairs, pairs[::-1]], axis=1))
    for label in keys:
        if label == DECLARATION:
            continue
        degrees = [torch.bincount(data[et].edge_index[1], minlength=len(keys[label]))
                   for et in data.edge_types if et[2] == label]
        data[label].x = torch.log1p(torch.stack(degrees, dim=1).float()) if degrees \
            else torch.zeros(len(keys[label]), 1)  # a label nothing points to
    data[DECLARATION].x = torch.from_numpy(np.ascontiguousarray(declaration_x, dtype=np.float32))
    data[DECLARATION].time = torch.from_numpy(days.astype(np.int64))
    return data


def by_row(rows: np.ndarray, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Compressed rows: the order that sorts ``rows`` (stable) and the pointer
    where each row's entries start in it (``n_rows + 1`` long).

    >>> by_row(np.array([2, 0, 2]), 3)
    (array([0, 1, 1, 3]), array([1, 0, 2]))
    """
    order = np.argsort(rows, kind="stable")
    return np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_rows))]), order


def feature_widths(data: HeteroData) -> dict[str, int]:
    """Input width per node type: what a model is built for and a saved one must match."""
    return {t: data[t].x.shape[1] for t in data.node_types}
