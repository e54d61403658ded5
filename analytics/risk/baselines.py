"""The two baselines the GNN must beat, fitted on the same labels.

- ``tabular``: gradient boosting on the same declaration features, without
  the graph (scikit-learn's HistGradientBoosting).
- ``label_propagation``: the graph without the features. Known outcomes
  spread from GDs to their parties (trader, agent, supplier, consignee,
  vehicle, transporter) and back, a few rounds, with the known ones held.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.ensemble import HistGradientBoostingClassifier

from nigah.analytics.risk.graph_data import DECLARATION


def fit_tabular(X: np.ndarray, y: np.ndarray, seed: int = 42) -> HistGradientBoostingClassifier:
    model = HistGradientBoostingClassifier(learning_rate=0.05, max_iter=300, max_leaf_nodes=15,
                                           class_weight="balanced", l2_regularization=1.0, random_state=seed)
    return model.fit(X, y)


def label_propagation(data, labelled: np.ndarray, y: np.ndarray, reference: set[str],
                      rounds: int = 10, alpha: float = 0.8) -> np.ndarray:
    """A score per declaration. ``labelled``: indices of declarations whose
    outcome may be used, ``y`` their outcomes; ``reference``: labels never
    propagated through (every GD has a station and an HS code)."""
    n = data[DECLARATION].num_nodes
    blocks = []
    for (src, rel, dst) in data.edge_types:
        if src == DECLARATION and dst not in reference and not rel.startswith("rev_"):
            e = data[src, rel, dst].edge_index.numpy()
            blocks.append(sp.csr_matrix((np.ones(e.shape[1]), (e[0], e[1])), shape=(n, data[dst].num_nodes)))
    incidence = sp.hstack(blocks).tocsr()  # declarations x parties
    to_party = sp.diags(1 / np.maximum(incidence.sum(axis=0).A1, 1)) @ incidence.T
    to_gd = sp.diags(1 / np.maximum(incidence.sum(axis=1).A1, 1)) @ incidence
    base = float(y.mean()) if len(y) else 0.0
    known = np.full(n, base)
    known[labelled] = y
    f = known.copy()
    for _ in range(rounds):
        f = alpha * (to_gd @ (to_party @ f)) + (1 - alpha) * known
        f[labelled] = y
    return f
