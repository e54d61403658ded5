"""The risk GNN's layers over the whole graph at once, for scoring every GD.

A ``HeteroConv`` of mean ``SAGEConv``s gives a node, per edge type, the
linear map of its neighbours' mean plus a linear map of itself, summed over
edge types. Run as written on a million GDs that is eight 1M × hidden
products, sums and copies per layer for the GDs alone. The same sum is
computed here with a few sparse products: the means are linear, so a small
source type (traders, agents, HS codes) is mapped *before* it is averaged,
and all those edge types into one destination share one weighted adjacency;
the maps of the node itself are added up into one. Same parameters, same
numbers (to float rounding; tested against the message-passing layers).

>>> # graph = FullGraph.of(data); model.full_forward(data.x_dict, graph)
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import torch

from nigah.analytics.risk.graph_data import by_row

EdgeType = tuple[str, str, str]


class _SpMM(torch.autograd.Function):
    """``A @ x`` whose backward uses a precomputed ``Aᵀ`` (torch would
    transpose ``A`` on every backward pass)."""

    @staticmethod
    def forward(ctx, a, a_t, x):
        ctx.a_t = a_t
        return torch.sparse.mm(a, x)

    @staticmethod
    def backward(ctx, grad):
        return None, None, torch.sparse.mm(ctx.a_t, grad)


@dataclass
class _Mean:
    """Row-normalised adjacency ``dst × src`` (a row's weights are
    1 / its in-degree) and its transpose."""
    a: torch.Tensor
    a_t: torch.Tensor

    @classmethod
    def of(cls, dst: np.ndarray, src: np.ndarray, weight: np.ndarray, n_dst: int, n_src: int) -> "_Mean":
        return cls(_csr(dst, src, weight, n_dst, n_src), _csr(src, dst, weight, n_src, n_dst))

    def __matmul__(self, x: torch.Tensor) -> torch.Tensor:
        return _SpMM.apply(self.a, self.a_t, x)


def _inverse_degree(dst: np.ndarray, n_dst: int) -> np.ndarray:
    """Per edge, 1 / the in-degree of its destination: the weights of a mean."""
    return (1.0 / np.maximum(np.bincount(dst, minlength=n_dst), 1))[dst].astype(np.float32)


def _csr(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n_rows: int, n_cols: int) -> torch.Tensor:
    crow, order = by_row(rows, n_rows)
    with warnings.catch_warnings():  # torch calls its CSR support beta; these products are all it needs
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return torch.sparse_csr_tensor(torch.from_numpy(crow.astype(np.int64)), torch.from_numpy(cols[order].astype(np.int64)),
                                       torch.from_numpy(values[order]), (n_rows, n_cols), check_invariants=False)


@dataclass
class _Incoming:
    """What one destination type hears: ``early`` edge types (small
    sources, mapped then averaged, stacked into ``stacked``) and ``late``
    ones (averaged then mapped)."""
    early: list[EdgeType] = field(default_factory=list)
    stacked: _Mean | None = None
    late: list[tuple[EdgeType, _Mean]] = field(default_factory=list)

    @property
    def edge_types(self) -> list[EdgeType]:
        return self.early + [et for et, _ in self.late]


@dataclass
class FullGraph:
    incoming: dict[str, _Incoming]

    @classmethod
    def of(cls, data) -> "FullGraph":
        incoming: dict[str, _Incoming] = {}
        for dst_type in dict.fromkeys(et[2] for et in data.edge_types):
            into = _Incoming()
            rows, cols, weights, offset = [], [], [], 0
            n_dst = data[dst_type].num_nodes
            for et in (et for et in data.edge_types if et[2] == dst_type):
                src, dst = (e.numpy() for e in data[et].edge_index)
                n_src = data[et[0]].num_nodes
                if n_src <= n_dst:
                    rows.append(dst), cols.append(src + offset)
                    weights.append(_inverse_degree(dst, n_dst))
                    into.early.append(et)
                    offset += n_src
                else:
                    into.late.append((et, _Mean.of(dst, src, _inverse_degree(dst, n_dst), n_dst, n_src)))
            if into.early:
                into.stacked = _Mean.of(np.concatenate(rows), np.concatenate(cols), np.concatenate(weights),
                                        n_dst, offset)
            incoming[dst_type] = into
        return cls(incoming)

    def layer(self, conv, h: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """What ``conv`` (a ``HeteroConv`` of ``SAGEConv``, summed) gives
        every destination type, from the embeddings ``h``."""
        out = {}
        for dst_type, into in self.incoming.items():
            sage = {et: conv.convs[et] for et in into.edge_types}
            root = sum(s.lin_r.weight for s in sage.values())
            total = h[dst_type] @ root.T + sum(s.lin_l.bias for s in sage.values())
            if into.early:
                mapped = torch.cat([h[et[0]] @ sage[et].lin_l.weight.T for et in into.early])
                total = total + into.stacked @ mapped
            for et, mean in into.late:
                total = total + (mean @ h[et[0]]) @ sage[et].lin_l.weight.T
            out[dst_type] = total
        return out
