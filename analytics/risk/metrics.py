"""Ranking metrics as the customs fraud literature reports them (DATE, KDD
2020; GraphFC, CIKM 2023): of the GDs an officer would inspect, the top n% by
score, how many are fraudulent and how much of the evadable duty they hold.

>>> m = ranking_metrics(np.array([0.9, 0.8, 0.1, 0.2]), np.array([True, False, False, True]),
...                     np.array([100.0, 0.0, 0.0, 300.0]), percents=(50,), at=50)
>>> m["precision_at_50"], m["recall_at_50"], m["revenue_at_50"], m["auc"]
(0.5, 0.5, 0.25, 0.75)
"""
from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import roc_auc_score

PRECISION_AT = (1, 2, 5, 10)


def top(scores: np.ndarray, percent: float) -> np.ndarray:
    """Indices of the top ``percent`` % of ``scores`` (at least one), highest first."""
    k = max(1, math.ceil(len(scores) * percent / 100))
    return np.argsort(-scores, kind="stable")[:k]


def ranking_metrics(scores: np.ndarray, fraud: np.ndarray, revenue: np.ndarray,
                    percents: tuple[int, ...] = PRECISION_AT, at: int = 5) -> dict[str, float]:
    """``precision_at_n`` for each n in ``percents``, ``recall_at_{at}``,
    ``revenue_at_{at}`` (share of recoverable duty in the top ``at`` %) and ROC ``auc``."""
    fraud = fraud.astype(bool)
    out = {f"precision_at_{p}": float(fraud[top(scores, p)].mean()) for p in percents}
    chosen = top(scores, at)
    out[f"recall_at_{at}"] = float(fraud[chosen].sum() / max(fraud.sum(), 1))
    out[f"revenue_at_{at}"] = float(revenue[chosen].sum() / revenue.sum()) if revenue.sum() > 0 else 0.0
    out["auc"] = float(roc_auc_score(fraud, scores)) if 0 < fraud.sum() < len(fraud) else float("nan")
    return {k: round(v, 4) for k, v in out.items()}
