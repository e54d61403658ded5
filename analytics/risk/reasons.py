"""Plain-language reasons for a risk score.

The model's per-feature contributions (gradient × input, see
:func:`analytics.risk.train.predict`) are summed per piece of evidence (the
unit value, the trader's history, ...) and the strongest ones that raised the
score are written out with the GD's own figures, naming the neighbour (agent,
supplier, vehicle, ...) whose history drove it.

>>> row = {"hs_code": "85171300", "origin_country": "CN", "unit_value_ratio": 0.38}
>>> evidence_text("unit_value", row)
'unit value 62% below the HS 85171300 reference for CN'
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


def evidence_text(evidence: str, row: dict) -> str:
    """One reason, from the GD's context row (``DeclarationFeatures.context``)."""
    if evidence == "unit_value":
        ratio = row.get("unit_value_ratio")
        where = f"the HS {row['hs_code']} reference for {row['origin_country']}"
        if ratio is None or pd.isna(ratio):
            return "no usable unit value"
        if ratio < 1:
            return f"unit value {1 - ratio:.0%} below {where}"
        return f"unit value {ratio:.1f}× {where}: dearer goods under a cheaper code?"
    if evidence == "kg_per_unit_z":
        return f"weight per unit unusual for HS {row['hs_code']} (robust z {row['kg_per_unit_z']:+.1f})"
    if evidence in PARTIES:
        key = row.get(evidence)
        adverse, inspected = int(row[f"{evidence}_adverse"]), int(row[f"{evidence}_inspected"])
        recent = int(row[f"{evidence}_adverse_recent"])
        name = f"{PARTY_NAMES[evidence]} {key}"
        if adverse == 0:
            return f"{name}: no adverse finding in {inspected} earlier inspection(s)"
        text = f"{name} linked to {adverse} adverse finding(s) in {inspected} earlier inspection(s)"
        return text + (f", {recent} in the last 90 days" if recent else "")
    if evidence == "trader_age":
        days = row.get("trader_age_days")
        if days is None or pd.isna(days):
            return "trader's registration date unknown"
        if days < 0:  # a re-registered front filing under its new NTN's old records
            return f"filed {int(-days)} days before the trader's registration"
        return f"trader registered {int(days)} days before filing"
    if evidence == "duty":
        return f"high-duty goods (HS {row['hs_code']})"
    if evidence == "diversion_score":
        return "transit movement flagged for diversion (see its diversion reasons)"
    if evidence == "gd_type":
        return f"{row['gd_type']} declaration"
    if evidence == "size":
        return "size of the consignment (value, weight, quantity)"
    return evidence.replace("_", " ")


def reasons(contributions: np.ndarray, features: list[str], context: pd.DataFrame, top: int = 3) -> list[str]:
    """Reasons per row: the ``top`` pieces of evidence that raised its score
    most (by at least 0.05 on the logit), strongest first."""
    groups = pd.Series([evidence_of(f) for f in features])
    names = list(dict.fromkeys(groups))
    summed = np.column_stack([contributions[:, (groups == g).to_numpy()].sum(axis=1) for g in names])
    order = np.argsort(-summed, axis=1)[:, :top]
    out = []
    for i, row in enumerate(context.to_dict("records")):
        lines = [evidence_text(names[j], row) for j in order[i] if summed[i, j] > 0.05]
        out.append(SEPARATOR.join(lines) if lines else "nothing stands out")
    return out
