"""The selectivity channel from a risk score: red (physical examination),
yellow (documents checked) or green (release), from thresholds and the
capacity of the examination sheds.

>>> channels(np.array([0.95, 0.9, 0.6, 0.1]), SelectivityConfig(red=0.8, yellow=0.5, red_capacity=0.25)).tolist()
['red', 'yellow', 'yellow', 'green']
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nigah.analytics.risk.metrics import top


@dataclass(frozen=True)
class SelectivityConfig:
    red: float = 0.8             # risk from which a GD goes to physical examination...
    yellow: float = 0.5          # ... and to a documentary check
    red_capacity: float = 0.05   # share of GDs the sheds can examine: the riskiest beyond it go yellow


def channels(risk: np.ndarray, config: SelectivityConfig = SelectivityConfig()) -> np.ndarray:
    out = np.where(risk >= config.red, "red", np.where(risk >= config.yellow, "yellow", "green")).astype(object)
    allowed = np.zeros(len(risk), bool)
    allowed[top(risk, config.red_capacity * 100)] = True
    out[(out == "red") & ~allowed] = "yellow"
    return out
