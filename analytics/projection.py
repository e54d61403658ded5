"""The trader projection: traders linked by the things they share.

Two traders are linked when they share a phone, an address, a bank account,
a director, a clearing agent, a foreign consignor, a vehicle or a transporter. A shared thing weighs more the fewer traders share it: a
phone shared by three traders says far more than an agent serving five hundred
(weight ``kind_weight / (n - 1)`` for a thing shared by ``n`` traders);
things shared by more than ``max_share`` traders are left out, since they
would add O(n²) links that say nothing about collusion; and pairs whose
summed weight stays under ``min_weight`` are dropped as weak evidence.

>>> links = pd.DataFrame({"ntn": ["A", "B", "C"], "thing": ["p1", "p1", "p1"], "kind": "phone"})
>>> pairs = pair_weights(links, {"phone": 2.0}, max_share=50)
>>> sorted(map(tuple, pairs[["a", "b"]].to_numpy().tolist())), float(pairs["weight"].iloc[0])
([('A', 'B'), ('A', 'C'), ('B', 'C')], 1.0)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from graph.store import GraphStore


@dataclass(frozen=True)
class ProjectionConfig:
    kind_weights: dict[str, float] = field(default_factory=lambda: {
        "phone": 3.0, "bank_account": 3.0, "director": 3.0, "address": 2.0,
        "vehicle": 1.5, "consignor": 1.0, "agent": 1.0, "transporter": 0.5})
    max_share: int = 50
    # Pairs linked by less than this total weight are dropped: one shared busy
    # consignor or agent is no evidence of collusion, a shared phone is.
    min_weight: float = 1.0


def _normalised(values: pd.Series) -> pd.Series:
    return values.astype("string").str.lower().str.replace(r"[^0-9a-z]+", " ", regex=True).str.strip()


def shared_things(store: GraphStore) -> pd.DataFrame:
    """One row per (trader NTN, shared thing, kind), from the store's bulk reads."""
    details = {"phone": "phone", "address": "address", "bank_account": "bank_account", "director": "director_cnic"}
    traders = store.node_table("Trader", list(details.values()))
    filed = store.relationship_table("FILED_BY")[["source", "target"]].rename(
        columns={"source": "gd", "target": "ntn"})
    parts = []
    for kind, col in details.items():
        t = traders[["ntn", col]].dropna()
        parts.append(pd.DataFrame({"ntn": t["ntn"], "thing": kind + ":" + _normalised(t[col]), "kind": kind}))
    through_gd = {"agent": "CLEARED_BY", "vehicle": "CARRIED_BY", "consignor": "SHIPPED_BY"}
    for kind, rel in through_gd.items():
        r = store.relationship_table(rel)[["source", "target"]].rename(columns={"source": "gd"})
        m = filed.merge(r, on="gd")
        parts.append(pd.DataFrame({"ntn": m["ntn"], "thing": kind + ":" + m["target"], "kind": kind}))
        if kind == "vehicle":
            operated = store.relationship_table("OPERATED_BY")[["source", "target"]].rename(
                columns={"source": "target", "target": "transporter"})
            t = m.merge(operated, on="target")
            parts.append(pd.DataFrame({"ntn": t["ntn"], "thing": "transporter:" + t["transporter"],
                                       "kind": "transporter"}))
    return pd.concat(parts, ignore_index=True).drop_duplicates()


def pair_weights(links: pd.DataFrame, kind_weights: dict[str, float], max_share: int) -> pd.DataFrame:
    """Weighted trader pairs ``a < b`` from (ntn, thing, kind) rows, summed over things."""
    size = links.groupby("thing")["ntn"].transform("size")
    links = links[(size >= 2) & (size <= max_share)].copy()
    links["w"] = links["kind"].map(kind_weights).fillna(0.0) / (size[links.index] - 1)
    pairs = links.merge(links[["thing", "ntn"]], on="thing", suffixes=("_a", "_b"))
    pairs = pairs[pairs["ntn_a"] < pairs["ntn_b"]]
    out = pairs.groupby(["ntn_a", "ntn_b"], as_index=False)["w"].sum()
    return out.rename(columns={"ntn_a": "a", "ntn_b": "b", "w": "weight"})


def trader_projection(store: GraphStore, config: ProjectionConfig = ProjectionConfig()) -> pd.DataFrame:
    """Edges ``a``, ``b``, ``weight`` of the weighted trader–trader graph."""
    pairs = pair_weights(shared_things(store), config.kind_weights, config.max_share)
    return pairs[pairs["weight"] >= config.min_weight].reset_index(drop=True)
