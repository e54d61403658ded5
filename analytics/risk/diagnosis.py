"""Why one model beats another: which kinds of fraud each catches, where its
false alarms come from, and how much a perfect picture of the rings would add.

The last is the test of the graph's worth: give the tabular booster the
scenario's *true* ring membership of each GD's trader (what a perfect network
analysis could at best reveal) and see how far its precision moves. If even
that moves it little, no graph model can beat it by much on this data. And
the standalone unit-value flags (``analytics.risk.unit_value_flags``) are
scored here too: how often a flag is right, and how much of its fraud it raises.

>>> kind = pd.Series(["under_invoicing", "none", "misdeclaration_weight", "none"])
>>> caught_by_kind(np.array([0.9, 0.8, 0.1, 0.2]), kind, percent=50)
{'misdeclaration_weight': 0.0, 'under_invoicing': 1.0}
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from nigah.analytics.risk.metrics import ranking_metrics, top


def caught_by_kind(scores: np.ndarray, kind: pd.Series, percent: int = 5) -> dict[str, float]:
    """Share of each kind of fraud found in the top ``percent`` % by score."""
    chosen = np.zeros(len(scores), bool)
    chosen[top(scores, percent)] = True
    kind = pd.Series(np.asarray(kind))
    return {k: round(float(chosen[(kind == k).to_numpy()].mean()), 4) for k in sorted(set(kind) - {"none"})}


def ring_front_alarms(scores: np.ndarray, fraud: np.ndarray, ring_front: np.ndarray, percent: int = 5) -> float:
    """Of the honest GDs in the top ``percent`` %, the share filed by ring fronts."""
    chosen = top(scores, percent)
    honest = chosen[~fraud[chosen]]
    return round(float(ring_front[honest].mean()), 4) if len(honest) else 0.0


FLAGGED_KINDS = {"under_invoicing": ["under_invoicing"],
                 "misdeclaration": ["misdeclaration_hs", "misdeclaration_weight"]}


def flag_quality(flags: pd.Series, kinds: pd.DataFrame, fraud: np.ndarray) -> dict[str, dict]:
    """Per unit-value flag: how many GDs it raised, the share truly
    fraudulent, and the share of its kinds of fraud it raised."""
    out = {}
    for flag, meant in FLAGGED_KINDS.items():
        raised = (np.asarray(flags) == flag)
        of_kind = kinds["kind"].isin(meant).to_numpy()
        out[flag] = {"flagged": int(raised.sum()),
                     "precision": round(float(fraud[raised].mean()), 4) if raised.any() else 0.0,
                     "recall": round(float(raised[of_kind].mean()), 4) if of_kind.any() else 0.0}
    return out


def diagnose(scores: dict[str, np.ndarray], kinds: pd.DataFrame, fraud: np.ndarray, revenue: np.ndarray,
             ring_oracle_scores: np.ndarray, flags: pd.Series, percent: int = 5) -> dict:
    """The ``diagnosis`` part of ``nigah evaluate risk``: ``kinds`` has the
    test GDs' ``kind`` and ``ring_front`` (``evaluate.fraud_truth``), in the
    order of ``scores``."""
    ring_front = kinds["ring_front"].to_numpy(bool)
    oracle = ranking_metrics(ring_oracle_scores, fraud, revenue)
    return {
        "planted_by_kind": {k: int(n) for k, n in kinds["kind"].value_counts().sort_index().items() if k != "none"},
        f"caught_at_{percent}_by_kind": {m: caught_by_kind(s, kinds["kind"], percent) for m, s in scores.items()},
        f"honest_alarms_at_{percent}_from_ring_fronts": {m: ring_front_alarms(s, fraud, ring_front, percent)
                                                         for m, s in scores.items()},
        "tabular_with_true_rings": {k: oracle[k] for k in (f"precision_at_{percent}", "auc")},
        "unit_value_flags": flag_quality(flags, kinds, fraud),
    }
