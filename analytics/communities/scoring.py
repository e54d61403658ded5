"""Community risk scores with the reasons an officer reads.

Each community gets six components in [0, 1], from data an officer has (the
trader register and the declarations, never scenario truth):

- ``shared_ids``: how many members share an identifying detail (phone, bank
  account, director, address) with another member. Per member, the strongest
  such detail counts: a phone, bank account or director fully, an address by
  half; a detail held by more than ``max_holders`` traders in all (a plaza
  address) is scaled down by ``(max_holders - 1) / (holders - 1)``.
- ``adverse``: the share of the members' examined GDs that ended in a
  discrepancy or seizure;
- ``under_invoicing``: the share of their import GDs declared far below the
  usual USD/kg (``analytics.unit_values``);
- ``diversion``: the share of their transit GDs with diversion signs (a
  ``diversion_score`` ≥ ``diversion_cut``, given or on the declarations) or,
  without scores, seized in transit;
- ``young``: the share of members registered less than ``young_days``
  before their first GD;
- ``growth``: GDs in the last quarter against the quarterly rate before it.

Rates are shrunk toward the rate over all GDs (``prior_gds`` pseudo-GDs at
that rate), so that one bad GD of a two-member community is not a 100% rate,
and a rate scores 0 at that overall rate and 1 at ``saturation``. The score
is the weighted mean of the components (``weights``); each component of at
least ``reason_min`` gives a reason, strongest first.

>>> traders = pd.DataFrame({"ntn": ["A", "B", "C"], "registered_on": pd.to_datetime(["2024-05-01"] * 3),
...                         "phone": ["+92300", "+92300", "+92311"], "address": ["x", "y", "z"],
...                         "bank_account": None, "director_cnic": None})
>>> decl = pd.DataFrame({"gd_number": ["G1", "G2", "G3"], "gd_type": "export", "trader_ntn": ["A", "B", "C"],
...                      "date": pd.to_datetime(["2024-06-10", "2024-10-10", "2025-03-10"]),
...                      "hs_code": "85171300", "origin_country": "CN", "weight_kg": 1.0,
...                      "declared_value_usd": 100.0, "inspection_outcome": None})
>>> s = score_communities(Evidence(traders, decl), {"A": 0, "B": 0, "C": 1})
>>> s[["community", "size"]].to_dict("records")
[{'community': 0, 'size': 2}, {'community': 1, 'size': 1}]
>>> s["reasons"].iloc[0]
['2 of 2 members share phone +92300', '2 of 2 members registered less than a year before their first GD']
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nigah.analytics.unit_values import unit_value_reference
from nigah.graph.schema import SCHEMA
from nigah.graph.store import GraphStore

IDENTIFIERS = {"phone": "phone", "bank_account": "bank account", "director_cnic": "director CNIC",
               "address": "address"}
DECLARATION_COLUMNS = ["gd_type", "date", "hs_code", "origin_country", "weight_kg", "declared_value_usd",
                       "inspection_outcome", "trader_ntn"]
COMPONENTS = ("shared_ids", "adverse", "under_invoicing", "diversion", "young", "growth")


@dataclass(frozen=True)
class ScoringConfig:
    weights: dict[str, float] = field(default_factory=lambda: {
        "shared_ids": 0.25, "adverse": 0.2, "under_invoicing": 0.2, "diversion": 0.1, "young": 0.15,
        "growth": 0.1})
    # How much each kind of shared detail says (an address is shared innocently more often).
    id_strength: dict[str, float] = field(default_factory=lambda: {
        "phone": 1.0, "bank_account": 1.0, "director_cnic": 1.0, "address": 0.5})
    max_holders: int = 5
    # Rates at which a component reaches 1.
    saturation: dict[str, float] = field(default_factory=lambda: {
        "adverse": 0.4, "under_invoicing": 0.25, "diversion_scored": 0.4, "diversion_seized": 0.12})
    prior_gds: float = 5.0
    under_ratio: float = 0.6
    diversion_cut: float = SCHEMA.score("diversion_score").flag_at
    young_days: int = 365
    growth_full: float = 3.0   # last quarter at this multiple of the earlier rate scores 1
    reason_min: float = 0.2


@dataclass(frozen=True)
class Evidence:
    """What scoring reads: the trader register (``ntn``, ``registered_on`` and
    the identifying details) and the declarations (``gd_number``,
    ``DECLARATION_COLUMNS``, optionally ``diversion_score``)."""
    traders: pd.DataFrame
    declarations: pd.DataFrame


def read_evidence(store: GraphStore) -> Evidence:
    """The trader register and declarations from a store's bulk reads."""
    traders = store.node_table("Trader", ["registered_on", *IDENTIFIERS])
    decl_props = store.schema.node("Declaration").properties
    cols = DECLARATION_COLUMNS + (["diversion_score"] if "diversion_score" in decl_props else [])
    return Evidence(traders, store.node_table("Declaration", cols))


def _shrunk(hits: pd.Series, n: pd.Series, base: float, full: float, prior: float) -> pd.Series:
    rate = (hits + prior * base) / (n + prior)
    return ((rate - base) / max(full - base, 1e-9)).clip(0, 1)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _shared_ids(traders: pd.DataFrame, comm: pd.Series, cfg: ScoringConfig) -> tuple[pd.Series, pd.Series]:
    """Component and reason per community for shared identifying details."""
    ids = traders.melt(id_vars="ntn", value_vars=list(IDENTIFIERS), var_name="kind", value_name="raw").dropna()
    ids["value"] = ids["raw"].astype(str).str.lower().str.replace(r"[^0-9a-z]+", "", regex=True)
    ids = ids[ids["value"] != ""]
    ids["holders"] = ids.groupby(["kind", "value"])["ntn"].transform("nunique")
    ids["community"] = ids["ntn"].map(comm)
    ids = ids.dropna(subset=["community"])
    ids["sharing"] = ids.groupby(["community", "kind", "value"])["ntn"].transform("nunique")
    shared = ids[ids["sharing"] >= 2].copy()
    if shared.empty:  # e.g. a flat export that names traders by id only
        return pd.Series(0.0, index=comm.unique()), pd.Series(dtype=object)
    rarity = np.minimum(1.0, (cfg.max_holders - 1) / (shared["holders"] - 1).clip(lower=1))
    shared["strength"] = shared["kind"].map(cfg.id_strength).fillna(0.0) * rarity
    size = comm.value_counts()
    component = (shared.groupby(["community", "ntn"])["strength"].max().groupby(level=0).sum()
                 / size).fillna(0.0).clip(0, 1)
    top = (shared.drop_duplicates(["community", "kind", "value"])
           .sort_values(["community", "sharing", "kind", "value"], ascending=[True, False, True, True])
           .groupby("community").head(3))
    outside = (top["holders"] - top["sharing"]).astype(int)
    top = top.assign(text=top["sharing"].astype(int).astype(str) + " share " + top["kind"].map(IDENTIFIERS) + " "
                     + top["raw"].astype(str) + np.where(outside > 0, " (also used by " + outside.astype(str)
                                                         + " other traders)", ""))
    reasons = top.groupby("community")["text"].agg("; ".join)
    return component, reasons


def score_communities(source: GraphStore | Evidence, parts: dict[str, int], config: ScoringConfig = ScoringConfig(),
                      diversion: pd.Series | None = None) -> pd.DataFrame:
    """One row per community: ``community``, ``size``, ``score`` in [0, 1],
    ``reasons`` (plain-language strings, strongest first) and one column per
    component; highest score first. ``diversion``: optional diversion scores
    by GD number (from ``analytics.transit``)."""
    ev = read_evidence(source) if isinstance(source, GraphStore) else source
    cfg = config
    comm = pd.Series(parts, dtype="int64")
    comm.index.name = "ntn"
    out = pd.DataFrame({"size": comm.value_counts()}).sort_index()
    out.index.name = "community"
    if out.empty:
        return pd.DataFrame(columns=["community", "size", "score", "reasons", *COMPONENTS])
    d = ev.declarations.copy()
    d["date"] = pd.to_datetime(d["date"])
    d["under"] = (unit_value_reference(d)["ratio"] < cfg.under_ratio).reindex(d.index, fill_value=False)
    if diversion is not None:
        d["diversion_score"] = d["gd_number"].map(diversion)
    scored = "diversion_score" in d and d["diversion_score"].notna().any()
    transit = d["gd_type"] == "transit"
    d["diverted"] = transit & ((d["diversion_score"] >= cfg.diversion_cut) if scored
                               else d["inspection_outcome"].eq("seizure"))
    d["examined"] = d["inspection_outcome"].notna()
    d["adverse"] = d["inspection_outcome"].isin(SCHEMA.adverse_outcomes)
    d["import"] = d["gd_type"] == "import"
    d["transit"] = transit
    end = d["date"].max()
    quarter_start = end - pd.Timedelta(days=91)
    earlier_quarters = max((quarter_start - d["date"].min()).days / 91, 1.0)
    d["recent"] = d["date"] > quarter_start
    base = {"adverse": d["adverse"].sum() / max(d["examined"].sum(), 1),
            "under_invoicing": d["under"].sum() / max(d["import"].sum(), 1),
            "diversion": d["diverted"].sum() / max(transit.sum(), 1)}
    d["community"] = d["trader_ntn"].map(comm)
    g = d.dropna(subset=["community"]).astype({"community": "int64"}).groupby("community")
    sums = g[["examined", "adverse", "import", "under", "transit", "diverted", "recent"]].sum().reindex(out.index,
                                                                                                          fill_value=0)
    sums["gds"] = g.size().reindex(out.index, fill_value=0)
    member_adverse = d[d["adverse"]].groupby("community")["trader_ntn"].nunique().reindex(out.index, fill_value=0)

    prior, sat = cfg.prior_gds, cfg.saturation
    out["shared_ids"], id_reasons = _shared_ids(ev.traders, comm, cfg)
    out["shared_ids"] = out["shared_ids"].reindex(out.index).fillna(0.0)
    out["adverse"] = _shrunk(sums["adverse"], sums["examined"], base["adverse"], sat["adverse"], prior)
    out["under_invoicing"] = _shrunk(sums["under"], sums["import"], base["under_invoicing"], sat["under_invoicing"],
                                     prior)
    out["diversion"] = _shrunk(sums["diverted"], sums["transit"], base["diversion"],
                               sat["diversion_scored" if scored else "diversion_seized"], prior)
    reg = pd.to_datetime(ev.traders.set_index("ntn")["registered_on"]).reindex(comm.index)
    first = d.groupby("trader_ntn")["date"].min().reindex(comm.index)
    young = ((first - reg).dt.days < cfg.young_days).groupby(comm).sum().reindex(out.index, fill_value=0)
    out["young"] = young / out["size"]
    earlier_rate = (sums["gds"] - sums["recent"]) / earlier_quarters
    ratio = (sums["recent"] + 1) / (earlier_rate + 1)
    out["growth"] = ((ratio - 1) / (cfg.growth_full - 1)).clip(0, 1)
    weights = pd.Series({c: cfg.weights.get(c, 0.0) for c in COMPONENTS})
    out["score"] = (out[list(COMPONENTS)] * weights).sum(axis=1) / max(weights.sum(), 1e-9)

    texts = {
        "shared_ids": lambda c, r: f"{id_reasons.get(c, '')}".replace("share", f"of {r['size']} members share", 1),
        "adverse": lambda c, r: (f"{member_adverse[c]} of {r['size']} members had GDs end in discrepancy or seizure: "
                                 f"{sums.at[c, 'adverse']} of {sums.at[c, 'examined']} examined GDs "
                                 f"({_pct(sums.at[c, 'adverse'] / max(sums.at[c, 'examined'], 1))}; "
                                 f"{_pct(base['adverse'])} across all traders)"),
        "under_invoicing": lambda c, r: (
            f"{_pct(sums.at[c, 'under'] / max(sums.at[c, 'import'], 1))} of their import GDs "
            f"({sums.at[c, 'under']} of {sums.at[c, 'import']}) declared below {_pct(cfg.under_ratio)} of the usual "
            f"USD/kg for the HS code and origin ({_pct(base['under_invoicing'])} across all traders)"),
        "diversion": lambda c, r: (
            f"{sums.at[c, 'diverted']} of {sums.at[c, 'transit']} transit GDs of members "
            + (f"show diversion signs (diversion score ≥ {cfg.diversion_cut:g})" if scored
               else "were seized in transit")),
        "young": lambda c, r: (f"{young[c]} of {r['size']} members registered less than "
                               f"{'a year' if cfg.young_days == 365 else f'{cfg.young_days} days'} "
                               f"before their first GD"),
        "growth": lambda c, r: (f"their GDs rose to {sums.at[c, 'recent']} in the last quarter from "
                                f"{earlier_rate[c]:.0f} a quarter before"),
    }
    reasons = []
    out["size"] = out["size"].astype(int)
    for c, row in out.astype(object).iterrows():  # one short loop per community, for the wording
        fired = [(row[k] * weights[k], k) for k in COMPONENTS if row[k] >= cfg.reason_min]
        fired.sort(key=lambda x: -x[0])
        reasons.append([texts[k](c, row) for _, k in fired]
                       or ["linked only by shared clearing agents, suppliers, vehicles or transporters"])
    out["reasons"] = reasons
    out = out.reset_index().sort_values(["score", "community"], ascending=[False, True], kind="stable")
    return out[["community", "size", "score", "reasons", *COMPONENTS]].reset_index(drop=True)
