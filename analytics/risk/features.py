"""Per-declaration features for the risk models, from the store's bulk reads.

Everything a feature uses was known when the GD was filed: the GD itself, its
goods' usual prices (``analytics.unit_values``), the trader's age, and the
earlier history of its trader, agent, supplier, consignee, vehicle and
transporter (``analytics.risk.history``). The channel the old rules chose is
left out: the model is to replace that choice, not copy it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nigah.analytics.risk.history import prior_history
from nigah.analytics.unit_values import unit_value_reference
from nigah.graph.schema import SCHEMA
from nigah.graph.store import GraphStore

COLUMNS = ["gd_type", "date", "hs_code", "origin_country", "quantity", "weight_kg", "declared_value_usd",
           "duty_usd", "inspection_outcome", "recovered_duty_usd", "trader_ntn", "agent_licence", "consignor_id",
           "consignee_id", "vehicle_registration", "diversion_score"]

# Whose history counts, and the declaration column (or derived column) naming it.
PARTIES = {"trader": "trader_ntn", "agent": "agent_licence", "supplier": "consignor_id",
           "consignee": "consignee_id", "vehicle": "vehicle_registration", "transporter": "transporter_id"}


@dataclass
class DeclarationFeatures:
    gd_number: pd.Series      # one row per declaration, in the store's order
    date: pd.Series
    X: pd.DataFrame           # model inputs, float32, named
    inspected: np.ndarray     # bool: an examination outcome is known (the labels)
    adverse: np.ndarray       # bool: the examination found something
    context: pd.DataFrame     # raw values the reasons quote (keys, HS code, origin, ratios, counts)

    def __len__(self) -> int:
        return len(self.gd_number)


def declaration_columns(schema) -> list[str]:
    """The Declaration columns the features and the booster read: ours, and
    every attribute the schema marks as a feature."""
    from nigah.analytics.risk.booster import attribute_columns

    numeric, categorical = attribute_columns(schema)
    return [c for c in dict.fromkeys(COLUMNS + numeric + categorical) if c in schema.node("Declaration").properties]


def read_declarations(store: GraphStore) -> pd.DataFrame:
    """Declarations with :func:`declaration_columns`, plus the carrier's transporter."""
    wanted = declaration_columns(store.schema)
    d = store.node_table("Declaration", wanted)
    operators = store.relationship_table("OPERATED_BY")
    d["transporter_id"] = d["vehicle_registration"].map(
        operators.drop_duplicates("source").set_index("source")["target"]) if len(operators) else None
    traders = store.node_table("Trader", ["registered_on"]).set_index("ntn")["registered_on"]
    d["registered_on"] = d["trader_ntn"].map(traders)
    rates = store.node_table("HSCode", ["duty_rate"]).set_index("code")["duty_rate"]
    d["hs_duty_rate"] = d["hs_code"].map(rates)
    return d


def _num(column: pd.Series) -> pd.Series:
    return pd.to_numeric(column, errors="coerce").astype(float)


def outcomes(d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per GD: an examination outcome is known (a label), and it was adverse."""
    outcome = d["inspection_outcome"]
    inspected = outcome.notna().to_numpy() & (outcome.astype(str) != "").to_numpy()
    return inspected, outcome.isin(SCHEMA.adverse_outcomes).to_numpy()


def declaration_features(d: pd.DataFrame, party_history: bool = True) -> DeclarationFeatures:
    """Features of every declaration in ``d`` (see :func:`read_declarations`).
    Without ``party_history`` the parties' earlier outcomes are left out of the
    model inputs (kept in the context for reasons): a GNN can still learn them
    from the graph, a tabular model cannot."""
    d = d.reset_index(drop=True)
    dates = pd.to_datetime(d["date"])
    inspected, adverse = outcomes(d)
    value, weight, quantity = _num(d["declared_value_usd"]), _num(d["weight_kg"]), _num(d["quantity"])
    uv = unit_value_reference(d).reindex(d.index)
    age_days = (dates - pd.to_datetime(d["registered_on"])).dt.days.astype(float)
    X = pd.DataFrame({
        "import": (d["gd_type"] == "import").astype(float),
        "export": (d["gd_type"] == "export").astype(float),
        "transit": (d["gd_type"] == "transit").astype(float),
        "log_value_usd": np.log1p(value.fillna(0)),
        "log_weight_kg": np.log1p(weight.fillna(0)),
        "log_quantity": np.log1p(quantity.fillna(0)),
        "duty_share": (_num(d["duty_usd"]) / value.where(value > 0)).fillna(0).clip(0, 5),
        "hs_duty_rate": _num(d["hs_duty_rate"]).fillna(0),
        "unit_value_z": uv["z"].fillna(0).clip(-20, 20),
        "unit_value_log_ratio": np.log(uv["ratio"]).fillna(0),
        "kg_per_unit_z": uv["weight_z"].fillna(0).clip(-20, 20),
        "trader_age_log_days": np.log1p(age_days.clip(lower=0)).fillna(0),
        "trader_age_unknown": age_days.isna().astype(float),
        "young_ntn": (age_days < 365).astype(float),
        "diversion_score": _num(d["diversion_score"]).fillna(0) if "diversion_score" in d else 0.0,
    })
    context = pd.DataFrame({"hs_code": d["hs_code"], "origin_country": d["origin_country"],
                            "unit_value_ratio": uv["ratio"], "unit_value_z": uv["z"], "kg_per_unit_z": uv["weight_z"],
                            "kg_per_unit_ratio": uv["weight_ratio"],
                            "trader_age_days": age_days, "gd_type": d["gd_type"],
                            "diversion_score": _num(d["diversion_score"]) if "diversion_score" in d else np.nan,
                            "recovered_duty_usd": _num(d["recovered_duty_usd"]) if "recovered_duty_usd" in d else np.nan})
    for party, column in PARTIES.items():
        keys = d[column] if column in d else pd.Series(None, index=d.index, dtype=object)
        h = prior_history(keys, dates, inspected.astype(np.int64), adverse.astype(np.int64))
        if party_history:
            X[f"{party}_log_gds"] = np.log1p(h["gds"])
            X[f"{party}_log_inspected"] = np.log1p(h["inspected"])
            X[f"{party}_adverse"] = np.log1p(h["adverse"])
            X[f"{party}_adverse_recent"] = np.log1p(h["adverse_recent"])
            X[f"{party}_adverse_rate"] = h["adverse"] / (h["inspected"] + 1.0)
        context[party] = keys
        context[f"{party}_adverse"] = h["adverse"]
        context[f"{party}_adverse_recent"] = h["adverse_recent"]
        context[f"{party}_inspected"] = h["inspected"]
    return DeclarationFeatures(d["gd_number"], dates, X.astype(np.float32), inspected, adverse, context)
