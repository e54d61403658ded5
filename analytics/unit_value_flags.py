"""Standalone unit-value flags: the under-invoicing and misdeclaration
detector (:func:`analytics.unit_values.unit_value_reference`) on its own, with
a reason, for every import GD, whatever the risk model says.

A GD whose declared USD/kg lies ``z`` robust spreads or more *below* the
reference for its HS code, origin and quarter is flagged ``under_invoicing``;
as far *above*, ``misdeclaration`` (dearer goods under a cheaper code, or an
understated weight). The model uses the same numbers as features, but it
learns only from examined GDs, which hold few misdeclarations; the flag does
not need labels. Weight per unit is not flagged alone: on its own it is too
noisy to send an officer to the shed (see ``nigah evaluate risk``).

>>> d = pd.DataFrame({"gd_number": list("abcdef"), "gd_type": "import", "date": pd.Timestamp("2025-01-05"),
...                   "hs_code": "85171300", "origin_country": "CN", "weight_kg": 10.0, "quantity": 5.0,
...                   "declared_value_usd": [1500.0, 1600.0, 1550.0, 1450.0, 1500.0, 300.0]})
>>> unit_value_flags(d).dropna(subset=["unit_value_flag"]).to_dict("records")
[{'gd_number': 'f', 'unit_value_flag': 'under_invoicing', 'unit_value_reasons': 'unit value 80% below the HS 85171300 reference for CN: under-invoiced, or goods of a higher-duty code declared under this one?'}]
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from nigah.analytics.risk.reasons import unit_value_reasons
from nigah.analytics.unit_values import unit_value_reference
from nigah.graph.schema import SCHEMA
from nigah.graph.store import GraphStore

# The Declaration columns the flags read.
COLUMNS = ["gd_type", "date", "hs_code", "origin_country", "quantity", "weight_kg", "declared_value_usd"]


@dataclass(frozen=True)
class UnitValueFlagConfig:
    z: float = 3.0   # robust spreads from the reference, either way: the usual outlier cut


def unit_value_flags(declarations: pd.DataFrame, config: UnitValueFlagConfig = UnitValueFlagConfig()) -> pd.DataFrame:
    """Per declaration: ``gd_number``, ``unit_value_flag`` (``under_invoicing``,
    ``misdeclaration`` or None) and ``unit_value_reasons`` (None where not flagged)."""
    d = declarations.reset_index(drop=True)
    uv = unit_value_reference(d)
    z = uv["z"]
    flag = pd.Series(None, index=d.index, dtype=object)
    flag.loc[z.index[z <= -config.z]] = "under_invoicing"
    flag.loc[z.index[z >= config.z]] = "misdeclaration"
    reasons = pd.Series(None, index=d.index, dtype=object)
    flagged = flag.index[flag.notna()]  # all in uv's index: only usable import GDs have a z
    if len(flagged):
        reasons[flagged] = unit_value_reasons(pd.DataFrame({
            "hs_code": d.loc[flagged, "hs_code"], "origin_country": d.loc[flagged, "origin_country"],
            "unit_value_ratio": uv.loc[flagged, "ratio"], "unit_value_z": z[flagged]})).to_numpy()
    return pd.DataFrame({"gd_number": d["gd_number"], "unit_value_flag": flag, "unit_value_reasons": reasons})


def write_unit_value_flags(store: GraphStore, config: UnitValueFlagConfig = UnitValueFlagConfig()) -> dict:
    """Flag every declaration in the store and write the flags back (nulls
    where none, so nothing stale lingers)."""
    wanted = [c for c in COLUMNS if c in store.schema.node("Declaration").properties]
    flags = unit_value_flags(store.node_table("Declaration", wanted), config)
    store.write_properties("Declaration", flags)
    counts = flags["unit_value_flag"].value_counts()
    return {flag: int(counts.get(flag, 0)) for flag in SCHEMA.enum_values("Declaration", "unit_value_flag")}

