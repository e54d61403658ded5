"""Neighbour sampling for mini-batches, keeping later declarations out.

PyG's own :class:`~torch_geometric.loader.NeighborLoader` needs the compiled
``pyg-lib`` or ``torch-sparse``, which are not published on PyPI for current
torch. This sampler plugs into PyG's :class:`~torch_geometric.loader.NodeLoader`
instead (same batches, same ``HeteroData`` out) and is written with numpy:

- per hop, each frontier node takes all its incoming neighbours of an edge
  type when it has at most ``fanout`` of them, else ``fanout`` uniform draws
  with replacement (duplicates dropped);
- a node reached from seed GDs carries the earliest of their filing days, and
  declarations filed after that day are never drawn: a GD's features are
  built from what existed when it was filed (and the same holds in training,
  so training and scoring see the same kind of neighbourhood).

>>> import torch
>>> from torch_geometric.data import HeteroData
>>> from torch_geometric.loader import NodeLoader
>>> g = HeteroData()
>>> g["Declaration"].x = torch.eye(3); g["Declaration"].time = torch.tensor([1, 2, 3])
>>> g["Trader"].x = torch.ones(1, 1)
>>> g["Declaration", "FILED_BY", "Trader"].edge_index = torch.tensor([[0, 1, 2], [0, 0, 0]])
>>> g["Trader", "rev_FILED_BY", "Declaration"].edge_index = torch.tensor([[0, 0, 0], [0, 1, 2]])
>>> loader = NodeLoader(g, TemporalNeighborSampler(g, [5, 5]), input_nodes=("Declaration", torch.tensor([1])))
>>> sorted(next(iter(loader))["Declaration"].n_id.tolist())  # GD 2 (day 3) is after GD 1 (day 2)
[0, 1]
"""
from __future__ import annotations

import numpy as np
import torch
from torch_geometric.sampler import BaseSampler, HeteroSamplerOutput, NodeSamplerInput

from nigah.analytics.risk.graph_data import DECLARATION, by_row


class TemporalNeighborSampler(BaseSampler):
    def __init__(self, data, fanout: list[int], seed: int = 0):
        self.fanout = list(fanout)
        self.rng = np.random.default_rng(seed)
        self.time = data[DECLARATION].time.numpy()
        self.num_nodes = {t: data[t].num_nodes for t in data.node_types}
        self.csc = {}  # edge type -> (pointer by target, sources, edge ids)
        for et in data.edge_types:
            src, dst = data[et].edge_index.numpy()
            ptr, order = by_row(dst, self.num_nodes[et[2]])
            self.csc[et] = (ptr, src[order], order)
        # Global id -> local id in the current batch (-1: not in it), and the
        # earliest seed day of each node in it; reset after every batch.
        self.slot = {t: np.full(n, -1, np.int64) for t, n in self.num_nodes.items()}
        self.when = {t: np.zeros(n, np.int64) for t, n in self.num_nodes.items()}

    def _add(self, t: str, ids: np.ndarray, days: np.ndarray, nodes: dict) -> np.ndarray:
        """Local ids of ``ids`` (adding the new ones); returns the new local ids."""
        fresh = ids[self.slot[t][ids] < 0]
        _, first = np.unique(fresh, return_index=True)
        new = fresh[np.sort(first)]  # in order of arrival: seeds come first, as given
        start = sum(len(a) for a in nodes[t])
        self.slot[t][new] = start + np.arange(len(new))
        self.when[t][new] = np.iinfo(np.int64).max
        np.minimum.at(self.when[t], ids, days)
        nodes[t].append(new)
        return start + np.arange(len(new))

    def sample_from_nodes(self, index: NodeSamplerInput, **kwargs) -> HeteroSamplerOutput:
        seeds = index.node.numpy().astype(np.int64)
        nodes = {t: [] for t in self.num_nodes}
        frontier = {DECLARATION: self._add(DECLARATION, seeds, self.time[seeds], nodes)}
        rows, cols, edges = {}, {}, {}
        try:
            for fanout in self.fanout:
                found = {}
                # Frontier nodes all arrived in earlier hops: one id array per type serves the hop.
                ids = {t: np.concatenate(v) for t, v in nodes.items() if v}
                for et, (ptr, sources, eids) in self.csc.items():
                    src_t, _, dst_t = et
                    targets = frontier.get(dst_t)
                    if targets is None or not len(targets):
                        continue
                    g_dst = ids[dst_t][targets]
                    deg = ptr[g_dst + 1] - ptr[g_dst]
                    # All neighbours of a node that has at most `fanout`, else random draws.
                    step = np.arange(fanout)
                    small = (deg <= fanout)[:, None]
                    draw = np.where(small, step, (self.rng.random((len(deg), fanout)) * deg[:, None]).astype(np.int64))
                    keep = ~small | (step < deg[:, None])
                    pos = (ptr[g_dst][:, None] + draw)[keep]
                    tgt = np.broadcast_to(targets[:, None], draw.shape)[keep]
                    pairs = np.unique(np.stack([pos, tgt]), axis=1)  # drop repeated draws
                    pos, tgt = pairs[0], pairs[1]
                    cand = sources[pos]
                    limit = self.when[dst_t][ids[dst_t][tgt]]
                    if src_t == DECLARATION:  # nothing filed after the seed's day
                        ok = self.time[cand] <= limit
                        pos, tgt, cand, limit = pos[ok], tgt[ok], cand[ok], limit[ok]
                    new = self._add(src_t, cand, limit, nodes)
                    found[src_t] = np.concatenate([found.get(src_t, np.zeros(0, np.int64)), new])
                    rows.setdefault(et, []).append(self.slot[src_t][cand])
                    cols.setdefault(et, []).append(tgt)
                    edges.setdefault(et, []).append(eids[pos])
                frontier = found
            node = {t: np.concatenate(v) if v else np.zeros(0, np.int64) for t, v in nodes.items()}
        finally:
            for t, v in nodes.items():
                for ids in v:
                    self.slot[t][ids] = -1
        return HeteroSamplerOutput(
            node={t: torch.from_numpy(v) for t, v in node.items()},
            row={et: torch.from_numpy(np.concatenate(v)) for et, v in rows.items()},
            col={et: torch.from_numpy(np.concatenate(v)) for et, v in cols.items()},
            edge={et: torch.from_numpy(np.concatenate(v)) for et, v in edges.items()},
            batch=None, metadata=(index.input_id, index.time))

    def sample_from_edges(self, index, neg_sampling=None):
        raise NotImplementedError("risk scoring samples around declarations, not edges")
