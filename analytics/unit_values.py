"""Under-invoicing and misdeclaration by unit value: declared USD per kg (and
kg per unit) against what the same goods usually cost.

The reference is a robust centre (median) and spread (MAD) of log USD/kg over
import GDs with the same HS code and origin country in the same calendar
quarter, because prices of fruit, rice and oil swing with the season. Thin
groups are shrunk toward the next coarser one (HS × origin over all quarters,
the HS code from any origin,
then the HS chapter): with ``n`` GDs in a group and ``k = shrink``, its centre
is ``(n·median + k·coarser) / (n + k)``. Medians are robust: the
under-invoiced GDs themselves barely move them.

A GD far *below* its reference is under-invoiced; far *above* it, the goods
may be a dearer kind declared under a cheaper HS code (misdeclaration), or the
weight may be understated. Both are scored as a robust z: features for the
risk model, flags of their own (``analytics.risk.unit_value_flags``), and the
under-invoicing share of a community's score (``analytics.communities.scoring``).

>>> d = pd.DataFrame({"gd_type": "import", "date": pd.Timestamp("2025-01-05"), "hs_code": "85171300",
...                   "origin_country": "CN", "weight_kg": 10.0, "quantity": 5.0,
...                   "declared_value_usd": [1500.0, 1600.0, 1550.0, 1450.0, 500.0]})
>>> round(float(unit_value_reference(d)["ratio"].iloc[-1]), 2)
0.33
"""
from __future__ import annotations

import numpy as np
import pandas as pd

MAD_SCALE = 1.4826   # MAD of a normal sample times this is its standard deviation
MIN_SPREAD = 0.05    # log units: a floor, so that identical prices do not make every deviation infinite


def _shrunk(x: pd.DataFrame, value: str, levels: list[list[str]], shrink: float) -> tuple[pd.Series, pd.Series]:
    """Centre and spread of ``value`` per finest group in ``levels`` (finest
    first), each shrunk toward the next coarser level by ``shrink`` pseudo-GDs."""
    centre = spread = None
    for keys in reversed(levels):  # coarsest first
        g = x.groupby(keys, sort=False)[value]
        med = g.transform("median")
        mad = (x[value] - med).abs().groupby([x[k] for k in keys], sort=False).transform("median") * MAD_SCALE
        n = g.transform("size").astype(float)
        if centre is None:
            centre, spread = med, mad
        else:
            centre = (n * med + shrink * centre) / (n + shrink)
            spread = (n * mad + shrink * spread) / (n + shrink)
    return centre, spread.clip(lower=MIN_SPREAD)


def unit_value_reference(declarations: pd.DataFrame, shrink: float = 12.0) -> pd.DataFrame:
    """Per usable import GD (index kept): ``log_uv`` (log USD/kg), its shrunk
    ``reference`` and ``spread``, the robust ``z`` and the ``ratio`` declared /
    reference USD/kg; ``weight_z`` does the same for kg per unit where a
    quantity is given (NaN elsewhere)."""
    d = declarations
    weight = pd.to_numeric(d["weight_kg"], errors="coerce")
    value = pd.to_numeric(d["declared_value_usd"], errors="coerce")
    usable = (d["gd_type"] == "import") & (weight > 0) & (value > 0) & d["hs_code"].notna()
    x = pd.DataFrame({"hs": d.loc[usable, "hs_code"].astype(str),
                      "origin": d.loc[usable, "origin_country"].fillna("??").astype(str),
                      "quarter": pd.to_datetime(d.loc[usable, "date"]).dt.to_period("Q").astype(str),
                      "log_uv": np.log(value[usable] / weight[usable])})
    x["chapter"] = x["hs"].str[:2]
    levels = [["hs", "origin", "quarter"], ["hs", "origin"], ["hs"], ["chapter"]]
    centre, spread = _shrunk(x, "log_uv", levels, shrink)
    out = pd.DataFrame({"log_uv": x["log_uv"], "reference": centre, "spread": spread,
                        "z": (x["log_uv"] - centre) / spread, "ratio": np.exp(x["log_uv"] - centre)})
    if "quantity" in d:
        quantity = pd.to_numeric(d.loc[usable, "quantity"], errors="coerce")
        x["log_kg_per_unit"] = np.log(weight[usable] / quantity.where(quantity > 0))
        has = x["log_kg_per_unit"].notna()
        wc, ws = _shrunk(x[has], "log_kg_per_unit", [["hs", "origin"], ["hs"], ["chapter"]], shrink)
        out["weight_z"] = ((x.loc[has, "log_kg_per_unit"] - wc) / ws).reindex(x.index)
        out["weight_ratio"] = np.exp(x.loc[has, "log_kg_per_unit"] - wc).reindex(x.index)
    else:
        out["weight_z"] = out["weight_ratio"] = np.nan
    return out
