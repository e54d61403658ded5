"""What was known about a GD's parties on the day it was filed: their earlier
GDs, inspections and adverse findings.

Only GDs filed on *earlier* days count, so a GD's own outcome (or one found
the same day) never feeds its features, and a model trained on history can be
tested on later months without seeing the future.

>>> h = prior_history(pd.Series(["A", "A", "A", "B"]),
...                   pd.to_datetime(pd.Series(["2025-01-01", "2025-01-01", "2025-03-01", "2025-03-01"])),
...                   inspected=np.array([1, 1, 0, 1]), adverse=np.array([1, 0, 0, 0]))
>>> h.to_dict("list")
{'gds': [0, 0, 2, 0], 'inspected': [0, 0, 2, 0], 'adverse': [0, 0, 1, 0], 'adverse_recent': [0, 0, 1, 0]}
"""
from __future__ import annotations

import numpy as np
import pandas as pd

ADVERSE = ("discrepancy", "seizure")  # an examination that found something


def prior_history(entity: pd.Series, dates: pd.Series, inspected: np.ndarray, adverse: np.ndarray,
                  recent_days: int = 90) -> pd.DataFrame:
    """Per GD, counts over earlier-dated GDs of the same ``entity`` (a null
    entity has no history): ``gds``, ``inspected``, ``adverse``, and
    ``adverse_recent`` within ``recent_days`` before the GD's date."""
    codes, _ = pd.factorize(entity.to_numpy(), use_na_sentinel=True)
    day = pd.to_datetime(dates).to_numpy().astype("datetime64[D]").astype(np.int64)
    day = day - day.min() if len(day) else day
    span = int(day.max()) + recent_days + 2 if len(day) else 1
    valid = codes >= 0
    # One sort over (entity, day): a count "before day d" is a difference of
    # running sums at two binary-search positions.
    key = codes.astype(np.int64) * span + day
    order = np.argsort(key[valid], kind="stable")
    keys = key[valid][order]
    out = {}
    start = np.searchsorted(keys, codes.astype(np.int64) * span, "left")
    now = np.searchsorted(keys, key, "left")
    then = np.searchsorted(keys, np.maximum(key - recent_days, codes.astype(np.int64) * span), "left")
    for name, values in (("gds", np.ones(len(codes), np.int64)), ("inspected", inspected), ("adverse", adverse)):
        running = np.concatenate([[0], np.cumsum(np.asarray(values, np.int64)[valid][order])])
        out[name] = np.where(valid, running[now] - running[start], 0)
        if name == "adverse":
            out["adverse_recent"] = np.where(valid, running[now] - running[then], 0)
    return pd.DataFrame(out, index=entity.index)
