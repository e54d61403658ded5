"""The risk model: a heterogeneous GraphSAGE over declarations and the
parties, goods, places and routes around them.

Each node type is first embedded from its own features; each layer then
mixes in the mean of every neighbour type (``HeteroConv`` of ``SAGEConv``,
summed over edge types) with a residual, and the declaration head reads the
final embedding next to the GD's raw features, so the graph adds to what the
GD says about itself rather than replacing it.
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
                 layers: int = 2, dropout: float = 0.2):
        super().__init__()
        self.encode = nn.ModuleDict({t: nn.Linear(d, hidden) for t, d in in_dims.items()})
        with warnings.catch_warnings():  # reference nodes are never updated: on purpose (graph_data)
            warnings.filterwarnings("ignore", message="There exist node types")
            self.convs = nn.ModuleList(
                HeteroConv({et: SAGEConv((hidden, hidden), hidden) for et in edge_types}, aggr="sum")
                for _ in range(layers))
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Sequential(nn.Linear(hidden + in_dims[DECLARATION], hidden), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Linear(hidden, 1))

    def forward(self, x_dict: dict[str, torch.Tensor], edge_index_dict: dict) -> torch.Tensor:
        """One risk logit per declaration in ``x_dict``."""
        return self._run(x_dict, lambda conv, h: conv(h, edge_index_dict))

    def full_forward(self, x_dict: dict[str, torch.Tensor], graph: FullGraph) -> torch.Tensor:
        """The same over the whole graph, computed with sparse products
        (:mod:`analytics.risk.full_graph`): for scoring every GD at once."""
        return self._run(x_dict, graph.layer)

    def _run(self, x_dict: dict[str, torch.Tensor], layer) -> torch.Tensor:
        h = {t: torch.relu(self.encode[t](x)) for t, x in x_dict.items()}
        for conv in self.convs:
            out = layer(conv, h)
            h = {t: self.dropout(torch.relu(out[t])) + h[t] if t in out else h[t] for t in h}
        return self.head(torch.cat([h[DECLARATION], x_dict[DECLARATION]], dim=1)).squeeze(-1)
