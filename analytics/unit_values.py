"""Under-invoicing by unit value: declared USD per kg against what the same
goods usually cost.

The reference is the median USD/kg of import GDs with the same HS code and
origin country in the same calendar quarter (prices of fruit, rice and oil
swing with the season); where that group holds fewer than ``min_group`` GDs,
the median over all quarters. Medians are robust: the under-invoiced GDs
themselves barely move them. A GD is flagged when it declares less than
``ratio`` times the reference.

>>> d = pd.DataFrame({"gd_type": "import", "date": pd.Timestamp("2025-01-05"), "hs_code": "85171300",
...                   "origin_country": "CN", "weight_kg": 10.0,
...                   "declared_value_usd": [1500.0, 1600.0, 1550.0, 1450.0, 500.0]})
>>> under_invoiced(d, min_group=3).tolist()
[False, False, False, False, True]
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def under_invoiced(declarations: pd.DataFrame, ratio: float = 0.65, min_group: int = 12) -> pd.Series:
    """True for import GDs declared below ``ratio`` × the reference USD/kg;
    False for the rest (exports, transit, GDs without weight, value or code)."""
    d = declarations
    usable = ((d["gd_type"] == "import") & (pd.to_numeric(d["weight_kg"]) > 0)
              & (pd.to_numeric(d["declared_value_usd"]) > 0) & d["hs_code"].notna())
    x = d.loc[usable, ["hs_code", "origin_country", "date"]].copy()
    x["origin_country"] = x["origin_country"].fillna("??")
    x["quarter"] = pd.to_datetime(x["date"]).dt.to_period("Q").astype(str)
    x["log_uv"] = np.log(d.loc[usable, "declared_value_usd"].astype(float)
                         / d.loc[usable, "weight_kg"].astype(float))
    by_quarter = x.groupby(["hs_code", "origin_country", "quarter"])["log_uv"]
    by_goods = x.groupby(["hs_code", "origin_country"])["log_uv"]
    reference = by_quarter.transform("median").where(by_quarter.transform("size") >= min_group,
                                                     by_goods.transform("median"))
    flagged = pd.Series(False, index=d.index)
    flagged.loc[x.index] = (x["log_uv"] < reference + np.log(ratio)).to_numpy()
    return flagged
