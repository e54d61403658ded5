"""Plain-language reasons for a risk score.

The model's per-feature contributions (gradient × input, see
:func:`analytics.risk.train.predict`) are summed per piece of evidence (the
unit value, the trader's history, ...) and the strongest ones that raised the
score are written out with the GD's own figures, naming the neighbour (agent,
supplier, vehicle, ...) whose history drove it.

>>> rows = pd.DataFrame({"hs_code": ["85171300", "85171300"], "origin_country": "CN",
...                      "unit_value_ratio": [0.38, 2.5]})
>>> evidence_texts("unit_value", rows).tolist()
['unit value 62% below the HS 85171300 reference for CN', 'unit value 2.5× the HS 85171300 reference for CN: dearer goods under a cheaper code?']
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.risk.features import PARTIES

SEPARATOR = "\n"
PARTY_NAMES = {"trader": "trader", "agent": "agent", "supplier": "supplier", "consignee": "consignee",
               "vehicle": "vehicle", "transporter": "transporter"}


def evidence_of(feature: str) -> str:
    """The piece of evidence a feature belongs to."""
    for party in PARTIES:
        if feature.startswith(f"{party}_") and not feature.startswith("trader_age"):
            return party
    if feature.startswith("unit_value"):
        return "unit_value"
    if feature.startswith("trader_age") or feature == "young_ntn":
        return "trader_age"
    if feature in ("duty_share", "hs_duty_rate"):
        return "duty"
    if feature in ("import", "export", "transit"):
        return "gd_type"
    if feature.startswith("log_"):
        return "size"
    return feature


def _text(values: pd.Series, fmt: str = "{}") -> pd.Series:
    return values.map(fmt.format).astype(object)


def evidence_texts(evidence: str, rows: pd.DataFrame) -> pd.Series:
    """One reason per row of ``rows`` (``DeclarationFeatures.context``), vectorised."""
    def const(text: str) -> pd.Series:
        return pd.Series(text, index=rows.index, dtype=object)

    if evidence == "unit_value":
        ratio = rows["unit_value_ratio"].astype(float)
        where = " the HS " + _text(rows["hs_code"]) + " reference for " + _text(rows["origin_country"])
        below = "unit value " + _text((1 - ratio).fillna(0), "{:.0%}") + " below" + where
        above = "unit value " + _text(ratio.fillna(0), "{:.1f}") + "×" + where + ": dearer goods under a cheaper code?"
        return below.where(ratio < 1, above).where(ratio.notna(), "no usable unit value")
    if evidence == "kg_per_unit_z":
        return ("weight per unit unusual for HS " + _text(rows["hs_code"]) + " (robust z "
                + _text(rows["kg_per_unit_z"].astype(float).fillna(0), "{:+.1f}") + ")")
    if evidence in PARTIES:
        name = PARTY_NAMES[evidence] + " " + _text(rows[evidence])
        adverse, inspected = rows[f"{evidence}_adverse"].astype(int), rows[f"{evidence}_inspected"].astype(int)
        recent = rows[f"{evidence}_adverse_recent"].astype(int)
        seen = " in " + _text(inspected) + " earlier inspection(s)"
        linked = name + " linked to " + _text(adverse) + " adverse finding(s)" + seen \
            + ("" + (", " + _text(recent) + " in the last 90 days")).where(recent > 0, "")
        return linked.where(adverse > 0, name + ": no adverse finding" + seen)
    if evidence == "trader_age":
        days = rows["trader_age_days"].astype(float)
        after = "filed " + _text((-days).fillna(0).astype(int)) + " days before the trader's registration"
        before = "trader registered " + _text(days.fillna(0).astype(int)) + " days before filing"
        # (a re-registered front can file under its new NTN's old records)
        return before.where(days >= 0, after).where(days.notna(), "trader's registration date unknown")
    if evidence == "duty":
        return "high-duty goods (HS " + _text(rows["hs_code"]) + ")"
    if evidence == "diversion_score":
        return const("transit movement flagged for diversion (see its diversion reasons)")
    if evidence == "gd_type":
        return _text(rows["gd_type"]) + " declaration"
    if evidence == "size":
        return const("size of the consignment (value, weight, quantity)")
    return const(evidence.replace("_", " "))


def reasons(contributions: np.ndarray, features: list[str], context: pd.DataFrame, top: int = 3) -> list[str]:
    """Reasons per row: the ``top`` pieces of evidence that raised its score
    most (by at least 0.05 on the logit), strongest first."""
    groups = pd.Series([evidence_of(f) for f in features])
    names = list(dict.fromkeys(groups))
    summed = np.column_stack([contributions[:, (groups == g).to_numpy()].sum(axis=1) for g in names])
    order = np.argsort(-summed, axis=1)[:, :top]
    strong = np.take_along_axis(summed, order, axis=1) > 0.05
    lines = np.full(order.shape, "", dtype=object)
    for j, name in enumerate(names):
        chosen = (order == j) & strong
        rows = np.flatnonzero(chosen.any(axis=1))
        if not len(rows):
            continue
        text = np.empty(len(context), dtype=object)
        text[rows] = evidence_texts(name, context.iloc[rows]).to_numpy()
        for k in range(order.shape[1]):
            lines[chosen[:, k], k] = text[chosen[:, k]]
    return [SEPARATOR.join(x for x in row if x) or "nothing stands out" for row in lines.tolist()]
