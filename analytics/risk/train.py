"""Training and scoring with the risk GNN, on a time split.

Budgets are epochs (and the booster's trees), never seconds: the same seed
gives the same model on a busy machine as on an idle one.

Labels are the outcomes of examined GDs (adverse: discrepancy or seizure);
unexamined GDs stay in the graph as context but are never read as clean. The
split is by filing date: the model learns on the earliest ``train_share`` of
GDs, picks its epoch on the next ``val_share``, and is tested on the latest.
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import average_precision_score
from torch_geometric.loader import NodeLoader

from nigah.analytics.risk.booster import BoosterConfig
from nigah.analytics.risk.full_graph import FullGraph
from nigah.analytics.risk.graph_data import DECLARATION, feature_widths
from nigah.analytics.risk.model import RiskGNN
from nigah.analytics.risk.sampler import TemporalNeighborSampler


@dataclass
class RiskConfig:
    hidden: int = 32
    layers: int = 3              # GD -> trader -> linked trader -> its GDs is three hops
    fanout: list[int] = field(default_factory=lambda: [10, 5, 3])
    batch_size: int = 512
    epochs: int = 30
    patience: int = 5            # epochs without a better validation AP before stopping
    lr: float = 3e-3
    weight_decay: float = 1e-4
    dropout: float = 0.2
    seed: int = 42
    train_share: float = 0.70    # of GDs by filing date
    val_share: float = 0.15
    trader_links: bool = True    # SHARES_WITH edges from the trader projection
    party_history: bool = True   # parties' earlier outcomes as GD features (see features.py)
    score_batch: int = 4096
    seeds_per_epoch: int = 20_000   # an epoch is a random draw of at most this many training GDs
    validation_seeds: int = 5_000   # at most this many validation GDs are scored after each epoch
    # The general learner beside the GNN (analytics.risk.booster): budgets in
    # trees, never in seconds, so the same seed gives the same scores under any load.
    trees: int = 600
    booster_threads: int = 2
    # GraphFC's two ideas (analytics.risk.model): a second head learns the
    # recovered duty beside the finding, weighted by revenue_weight; and the GD
    # may enter the GNN with its leaves in the booster's first leaf_trees trees
    # (0: off, as measured best; docs/risk.md).
    leaf_trees: int = 0
    revenue_weight: float = 0.5

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TimeSplit:
    """Train: filed before ``val_from``; validation: before ``test_from``; test: the rest."""
    val_from: pd.Timestamp
    test_from: pd.Timestamp

    @classmethod
    def of(cls, dates: pd.Series, config: RiskConfig) -> "TimeSplit":
        d = pd.to_datetime(dates).sort_values()
        return cls(d.iloc[int(len(d) * config.train_share)].normalize(),
                   d.iloc[int(len(d) * (config.train_share + config.val_share))].normalize())

    def parts(self, dates: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Boolean masks: train, validation, test."""
        d = pd.to_datetime(dates).to_numpy()
        val, test = np.datetime64(self.val_from), np.datetime64(self.test_from)
        return d < val, (d >= val) & (d < test), d >= test


def standardiser(X: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread of the features over ``rows`` (the training period only)."""
    mean = X[rows].mean(axis=0)
    std = X[rows].std(axis=0)
    return mean, np.where(std > 1e-6, std, 1.0)


def leaf_count(config: RiskConfig) -> int:
    """How many booster leaves the GNN has a vector for (``booster.leaf_indices``)."""
    return config.leaf_trees * BoosterConfig().leaves


def new_model(in_dims: dict[str, int], edge_types, config: RiskConfig) -> RiskGNN:
    return RiskGNN(in_dims, edge_types, config.hidden, config.layers, config.dropout, leaf_count(config))


def _leaves(store) -> torch.Tensor | None:
    """A node store's booster leaves (``leaf``), if the graph was given them."""
    return store.leaf if "leaf" in store else None


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)


def _loader(data, nodes: np.ndarray, config: RiskConfig, batch_size: int, shuffle: bool, seed: int) -> NodeLoader:
    return NodeLoader(data, TemporalNeighborSampler(data, config.fanout, seed=seed),
                      input_nodes=(DECLARATION, torch.from_numpy(nodes)), batch_size=batch_size, shuffle=shuffle)


def predict(model: RiskGNN, data, nodes: np.ndarray, config: RiskConfig,
            attribute: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Risk (probability) of each declaration in ``nodes`` and, with
    ``attribute``, each feature's contribution to its logit (gradient ×
    input, the input measured from the training mean)."""
    model.eval()
    risk = np.empty(len(nodes), np.float32)
    contrib = np.empty((len(nodes), data[DECLARATION].x.shape[1]), np.float32) if attribute else None
    done = 0
    for batch in _loader(data, nodes, config, config.score_batch, shuffle=False, seed=config.seed + 1):
        n = batch[DECLARATION].batch_size
        x_dict = batch.x_dict
        with torch.set_grad_enabled(attribute):
            if attribute:
                x_dict[DECLARATION] = x_dict[DECLARATION].clone().requires_grad_(True)
            logit = model(x_dict, batch.edge_index_dict, _leaves(batch[DECLARATION]))[:n]
            if attribute:
                logit.sum().backward()
                x = x_dict[DECLARATION]
                contrib[done:done + n] = (x.grad[:n] * x[:n]).detach().numpy()
        risk[done:done + n] = torch.sigmoid(logit).detach().numpy()
        done += n
    return risk, contrib


def score_all(model: RiskGNN, data) -> tuple[np.ndarray, np.ndarray]:
    """Risk of every declaration and its features' contributions (as in
    :func:`predict`), in one pass over the whole graph: every neighbour
    counts, none sampled. For scoring the store as it stands, where the
    newest GDs have no later neighbours anyway; it needs memory in proportion
    to the graph, as training does not."""
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    x_dict = dict(data.x_dict)
    x = x_dict[DECLARATION] = x_dict[DECLARATION].clone().requires_grad_(True)
    logit = model.full_forward(x_dict, FullGraph.of(data), _leaves(data[DECLARATION]))
    logit.sum().backward()  # a GD's logit depends on its own features far more than on its neighbours'
    for p in model.parameters():
        p.requires_grad_(True)
    return torch.sigmoid(logit).detach().numpy(), (x.grad * x).detach().numpy()


def train_gnn(data, y: np.ndarray, train: np.ndarray, val: np.ndarray, config: RiskConfig,
              log=lambda message: None, revenue: np.ndarray | None = None) -> tuple[RiskGNN, list[dict]]:
    """Fit on the labelled declarations ``train`` (indices, outcomes ``y[train]``;
    ``revenue``: the duty each examination recovered, USD, learned beside the
    finding), keep the epoch with the best average precision on ``val``."""
    seed_everything(config.seed)
    model = new_model(feature_widths(data), data.edge_types, config)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    positives = max(int(y[train].sum()), 1)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor((len(train) - positives) / positives))
    target = torch.from_numpy(y.astype(np.float32))
    weight = config.revenue_weight if revenue is not None else 0.0
    duty = np.log1p(np.clip(np.nan_to_num(revenue if revenue is not None else np.zeros(len(y))), 0, None))
    duty = torch.from_numpy((duty / max(float(duty[train].std()), 1e-6)).astype(np.float32))  # BCE's scale
    rng = np.random.default_rng(config.seed)
    if len(val) > config.validation_seeds:
        val = np.sort(rng.choice(val, config.validation_seeds, replace=False))
    best, best_state, history, stale = -1.0, None, [], 0
    for epoch in range(config.epochs):
        model.train()
        total, seen = 0.0, 0
        seeds = train if len(train) <= config.seeds_per_epoch else rng.choice(train, config.seeds_per_epoch,
                                                                                   replace=False)
        for batch in _loader(data, seeds, config, config.batch_size, shuffle=True, seed=config.seed + epoch):
            n = batch[DECLARATION].batch_size
            optimiser.zero_grad()
            seeds_of = batch[DECLARATION].n_id[:n]
            z = model.embed(batch.x_dict, batch.edge_index_dict, _leaves(batch[DECLARATION]))[:n]
            loss = loss_fn(model.head(z).squeeze(-1), target[seeds_of])
            if weight:
                loss = loss + weight * torch.nn.functional.mse_loss(model.revenue(z), duty[seeds_of])
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * n
            seen += n
        score, _ = predict(model, data, val, config)
        ap = float(average_precision_score(y[val], score)) if 0 < y[val].sum() < len(val) else 0.0
        history.append({"epoch": epoch, "gds": seen, "loss": round(total / seen, 4), "val_ap": round(ap, 4)})
        log(f"epoch {epoch}: {seen:,} GDs, loss {total / seen:.4f}, validation AP {ap:.3f}")
        if ap > best:
            best, best_state, stale = ap, copy.deepcopy(model.state_dict()), 0
        else:
            stale += 1
            if stale >= config.patience:
                break
    model.load_state_dict(best_state)
    return model, history
