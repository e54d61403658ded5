"""The risk model: a heterogeneous GraphSAGE over declarations and the
parties, goods, places and routes around them.

Each node type is first embedded from its own features; each layer then
mixes in the mean of every neighbour type (``HeteroConv`` of ``SAGEConv``,
summed over edge types) with a residual, and the declaration head reads the
final embedding next to the GD's raw features, so the graph adds to what the
GD says about itself rather than replacing it.

Along the lines of GraphFC (CIKM 2023): a second head estimates the duty an
examination recovers (log scale), learned with the finding, so that revenue
shapes the embedding; and, as an option (``RiskConfig.leaf_trees``), a
declaration also enters with the leaves the booster put it in
(``analytics.risk.booster.leaf_indices``), each leaf a learned vector summed
into its embedding. The leaves are off by default: measured on both
generator styles they made the GNN worse (docs/risk.md), because a training
GD's leaves come from a booster fitted to that GD's own label.
"""
from __future__ import annotations

import warnings

import torch
from torch import nn
from torch_geometric.nn import HeteroConv, SAGEConv

from nigah.analytics.risk.full_graph import FullGraph
from nigah.analytics.risk.graph_data import DECLARATION


class RiskGNN(nn.Module):
    def __init__(self, in_dims: dict[str, int], edge_types: list[tuple[str, str, str]], hidden: int = 32,
                 layers: int = 2, dropout: float = 0.2, leaf_count: int = 0):
        super().__init__()
        self.encode = nn.ModuleDict({t: nn.Linear(d, hidden) for t, d in in_dims.items()})
        self.leaves = nn.EmbeddingBag(leaf_count, hidden, mode="sum") if leaf_count else None
        with warnings.catch_warnings():  # reference nodes are never updated: on purpose (graph_data)
            warnings.filterwarnings("ignore", message="There exist node types")
            self.convs = nn.ModuleList(
                HeteroConv({et: SAGEConv((hidden, hidden), hidden) for et in edge_types}, aggr="sum")
                for _ in range(layers))
        self.dropout = nn.Dropout(dropout)
        self.head = self._head(hidden + in_dims[DECLARATION], hidden, dropout)
        self.revenue_head = self._head(hidden + in_dims[DECLARATION], hidden, dropout)

    @staticmethod
    def _head(width: int, hidden: int, dropout: float) -> nn.Module:
        return nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, 1))

    def forward(self, x_dict: dict[str, torch.Tensor], edge_index_dict: dict,
                leaves: torch.Tensor | None = None) -> torch.Tensor:
        """One risk logit per declaration in ``x_dict``."""
        return self.head(self.embed(x_dict, edge_index_dict, leaves)).squeeze(-1)

    def embed(self, x_dict: dict[str, torch.Tensor], edge_index_dict: dict,
              leaves: torch.Tensor | None = None) -> torch.Tensor:
        """What both heads read: each declaration's final embedding beside its own features."""
        return self._run(x_dict, lambda conv, h: conv(h, edge_index_dict), leaves)

    def revenue(self, z: torch.Tensor) -> torch.Tensor:
        """The recovered duty an examination would find, log1p(USD), from :meth:`embed`."""
        return self.revenue_head(z).squeeze(-1)

    def full_forward(self, x_dict: dict[str, torch.Tensor], graph: FullGraph,
                     leaves: torch.Tensor | None = None) -> torch.Tensor:
        """The risk logits over the whole graph, computed with sparse products
        (:mod:`analytics.risk.full_graph`): for scoring every GD at once."""
        return self.head(self._run(x_dict, graph.layer, leaves)).squeeze(-1)

    def _run(self, x_dict: dict[str, torch.Tensor], layer, leaves: torch.Tensor | None) -> torch.Tensor:
        h = {t: self.encode[t](x) for t, x in x_dict.items()}
        if self.leaves is not None and leaves is not None and leaves.shape[1]:
            h[DECLARATION] = h[DECLARATION] + self.leaves(leaves)
        h = {t: torch.relu(v) for t, v in h.items()}
        for conv in self.convs:
            out = layer(conv, h)
            h = {t: self.dropout(torch.relu(out[t])) + h[t] if t in out else h[t] for t in h}
        return torch.cat([h[DECLARATION], x_dict[DECLARATION]], dim=1)
