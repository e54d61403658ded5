"""Detection quality against a scenario's ground truth (``truth/movements.csv``).

A movement counts as detected when its ``diversion_score`` reaches the
threshold. Precision is over all movements detected; recall is over the planted
diversions, overall and per planted pattern. Movements the truth marks as
honest look-alikes (ordinary delays, still under way) are counted among the
false positives when flagged, and their false-positive rate is reported.

>>> scored = pd.DataFrame({"gd_number": ["a", "b", "c"], "diversion_score": [0.9, 0.2, 0.7]})
>>> truth = pd.DataFrame({"gd_number": ["a", "b", "c"], "diverted": [True, True, False],
...                       "pattern": ["no_exit", "overstay", "none"], "lookalike": ["none", "none", "none"]})
>>> evaluate_diversion(scored, truth)["recall"]
0.5
"""
from __future__ import annotations

import pandas as pd

from nigah.graph.schema import SCHEMA


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def evaluate_diversion(scored: pd.DataFrame, truth: pd.DataFrame,
                       threshold: float = SCHEMA.score("diversion_score").flag_at) -> dict:
    m = truth.merge(scored[["gd_number", "diversion_score"]], on="gd_number", how="left")
    flagged = m["diversion_score"].fillna(0) >= threshold
    diverted = m["diverted"].astype(bool)
    out = {"threshold": threshold, "movements": int(len(m)), "diverted": int(diverted.sum()),
           "flagged": int(flagged.sum()), "precision": _ratio(int((flagged & diverted).sum()), int(flagged.sum())),
           "recall": _ratio(int((flagged & diverted).sum()), int(diverted.sum())), "patterns": {}, "lookalikes": {}}
    for pattern, group in m[diverted].groupby("pattern"):
        hit = flagged[group.index]
        out["patterns"][pattern] = {"planted": int(len(group)), "recall": _ratio(int(hit.sum()), len(group))}
    for kind, group in m[~diverted & (m["lookalike"] != "none")].groupby("lookalike"):
        out["lookalikes"][kind] = {"movements": int(len(group)),
                                   "false_positive_rate": _ratio(int(flagged[group.index].sum()), len(group))}
    honest = ~diverted
    out["false_positive_rate"] = _ratio(int((flagged & honest).sum()), int(honest.sum()))
    return out
