"""The selectivity channel, as an administration runs it: by capacity, not
by an absolute score.

Each period (a calendar month of filing), the riskiest ``red_share`` of its
GDs go red (physical examination) and the next ``yellow_share`` yellow
(documentary check), as far as the sheds and the desks can take them; a GD
whose calibrated probability of a finding is below ``min_probability`` stays
green whatever its rank. On top, a ``random_share`` of GDs is examined at
random whatever its risk (ASYCUDA keeps such a rate; the active-learning work
on customs data, bATE and ADAPT, shows a share of exploration keeps a model
honest under drift): those are marked ``random`` so their outcomes can serve
as unbiased labels. The draw is a hash of the GD number and a seed, so a
rerun gives every GD the same channel.

>>> risk = np.array([0.9, 0.7, 0.5, 0.3, 0.2, 0.1, 0.05, 0.01])
>>> month = pd.Series(pd.to_datetime(["2025-01-05"] * 8))
>>> gd = pd.Series([f"GD-{i}" for i in range(8)])
>>> channel, why = channels(risk, month, gd, SelectivityConfig(red_share=0.25, yellow_share=0.25, random_share=0))
>>> channel.tolist()
['red', 'red', 'yellow', 'yellow', 'green', 'green', 'green', 'green']
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SelectivityConfig:
    red_share: float = 0.03        # of a month's GDs the sheds can examine physically
    yellow_share: float = 0.07     # ... and the desks can check on documents
    random_share: float = 0.01     # examined at random, whatever their risk
    min_probability: float = 0.05  # below this chance of a finding, a GD is not stopped for risk
    seed: int = 2026               # of the random draw

    def __post_init__(self) -> None:
        for name in ("red_share", "yellow_share", "random_share", "min_probability"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if self.red_share + self.yellow_share > 1:
            raise ValueError("red_share and yellow_share together cannot exceed 1")


def random_draw(gd_number: pd.Series, seed: int) -> np.ndarray:
    """A uniform number in [0, 1) per GD, the same on every run."""
    hashed = pd.util.hash_pandas_object(gd_number.astype(str) + f"#{seed}", index=False).to_numpy()
    return (hashed >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def channels(risk: np.ndarray, filed: pd.Series, gd_number: pd.Series,
             config: SelectivityConfig = SelectivityConfig()) -> tuple[np.ndarray, np.ndarray]:
    """Per GD, its channel (``red``, ``yellow``, ``green``) and why
    (``risk``, ``random``; ``None`` for green)."""
    risk = np.asarray(risk, float)
    filed = pd.to_datetime(pd.Series(filed).reset_index(drop=True))
    month = (filed.dt.year * 12 + filed.dt.month).to_numpy()   # integers: periods group 10× slower
    frame = pd.DataFrame({"month": month, "risk": risk})
    # rank within the month, riskiest first; ties keep the store's order
    rank = frame.groupby("month", sort=False)["risk"].rank(method="first", ascending=False).to_numpy()
    size = frame.groupby("month", sort=False)["risk"].transform("size").to_numpy()
    share = (rank - 1) / size
    likely = risk >= config.min_probability
    channel = np.full(len(risk), "green", dtype=object)
    channel[likely & (share < config.red_share + config.yellow_share)] = "yellow"
    channel[likely & (share < config.red_share)] = "red"
    why = np.where(channel != "green", "risk", None).astype(object)
    drawn = (random_draw(gd_number, config.seed) < config.random_share) & (channel != "red")
    channel[drawn], why[drawn] = "red", "random"
    return channel, why
