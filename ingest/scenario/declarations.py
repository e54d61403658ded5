"""Goods declarations with planted under-invoicing and misdeclaration, and the
selectivity channels and inspection outcomes a rule-based system would give."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nigah.graph.schema import SCHEMA
from nigah.ingest.scenario import names
from nigah.ingest.scenario.config import ScenarioConfig
from nigah.ingest.scenario.parties import Parties
from nigah.ingest.scenario.reference import HS_CODES, HS_SWAPS, ORIGINS, ROUTES

HS = pd.DataFrame(HS_CODES, columns=["code", "description", "duty_rate", "usd_per_kg", "swing"])


def make_declarations(rng: np.random.Generator, cfg: ScenarioConfig, p: Parties) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The declarations file and its truth (typology, recoverable duty) per GD."""
    n = cfg.declarations
    traders = p.traders
    ring = traders["ring"].to_numpy()
    activity = rng.pareto(1.3, len(traders)) + 1
    activity[ring >= 0] = np.median(activity) * 2  # fronts are busy but not the biggest importers
    t = rng.choice(len(traders), n, p=activity / activity.sum())
    in_ring = ring[t] >= 0

    # Dates: after the trader's registration, over the scenario period.
    start = pd.Timestamp(cfg.start)
    reg = pd.to_datetime(traders["registered_on"]).to_numpy()[t]
    lo = np.maximum(reg, start.to_datetime64()) + np.timedelta64(3, "D")
    span = (start + pd.Timedelta(days=cfg.days)).to_datetime64() - lo
    dates = (lo + (rng.random(n) * span.astype("timedelta64[D]").astype(float)).astype("timedelta64[D]"))
    dates = pd.DatetimeIndex(dates).normalize()

    shares = {"import": 1 - cfg.transit_share - cfg.export_share, "export": cfg.export_share,
              "transit": cfg.transit_share}
    kind = rng.choice(list(shares), n, p=list(shares.values()))
    kind[in_ring & (rng.random(n) < 0.35)] = "transit"
    is_import, is_transit = kind == "import", kind == "transit"

    route = np.where(is_transit, names.pick(rng, list(ROUTES), n), None)
    port_of = {r: stops[0] for r, (_, _, stops) in ROUTES.items()}
    station = np.select(
        [is_transit, is_import],
        [np.array([port_of.get(r, "KPT") for r in route], dtype=object),
         rng.choice(["KPT", "PQA", "LHR", "PSW", "ISB", "QTA", "GWD"], n, p=[.42, .25, .12, .08, .06, .05, .02])],
        rng.choice(["KPT", "PQA", "LHR", "SKT", "FSD", "WGH"], n))

    h = rng.integers(0, len(HS), n)
    origin = names.pick(rng, list(ORIGINS), n)
    month = dates.month.to_numpy()
    season = 1 + HS["swing"].to_numpy()[h] * np.sin(2 * np.pi * (month - 3) / 12)
    unit_price = HS["usd_per_kg"].to_numpy()[h] * np.array([ORIGINS[o] for o in origin]) * season \
        * rng.lognormal(0, 0.2, n)
    weight = np.round(rng.lognormal(7.3, 1.1, n), 1)
    true_value = weight * unit_price

    # Fraud: rings often, honest traders rarely; only where duty is at stake.
    fraud = is_import & np.where(in_ring, rng.random(n) < cfg.ring_fraud_share,
                                 rng.random(n) < cfg.under_invoicing_share)
    mis = fraud & (rng.random(n) < cfg.misdeclaration_share)
    swap = mis & np.isin(HS["code"].to_numpy()[h], list(HS_SWAPS)) & (rng.random(n) < 0.6)
    under_weight = mis & ~swap
    under_value = fraud & ~mis
    typology = np.select([swap, under_weight, under_value],
                         ["misdeclaration_hs", "misdeclaration_weight", "under_invoicing"], "none")

    declared_h = h.copy()
    code_index = {c: i for i, c in enumerate(HS["code"])}
    declared_h[swap] = [code_index[HS_SWAPS[HS["code"].iloc[i]]] for i in h[swap]]
    declared_weight = np.where(under_weight, np.round(weight * rng.uniform(0.3, 0.6, n), 1), weight)
    declared_value = np.round(np.where(under_value, true_value * rng.uniform(0.3, 0.6, n),
                                       np.where(under_weight, true_value * declared_weight / weight, true_value)), 2)
    rate = HS["duty_rate"].to_numpy()
    duty = np.where(is_import, np.round(declared_value * rate[declared_h], 2), 0.0)
    recoverable = np.where(fraud, np.round(true_value * rate[h] - duty, 2), 0.0)

    channel, outcome = _selectivity(rng, cfg, traders, t, dates, rate[declared_h], origin, is_import, fraud, typology)
    agent = p.trader_agent[t].copy()
    switch = rng.random(n) < 0.1  # now and then a trader uses another agent
    agent[switch] = rng.integers(0, len(p.agents), int(switch.sum()))
    consignor = _consignors(rng, p, t, ring, in_ring, n)
    sea = np.isin(station, ["KPT", "PQA", "GWD"]) & (kind != "export")
    gd_prefix = np.select([is_transit, is_import], ["TR", "HC"], "EX")
    decl = pd.DataFrame({
        "gd_number": station + "-" + gd_prefix + "-" + pd.Series(np.arange(n)).astype(str).str.zfill(7).to_numpy()
                     + "-" + dates.year.astype(str).to_numpy(),
        "gd_type": kind, "date": dates.date, "station_code": station,
        "hs_code": HS["code"].to_numpy()[declared_h], "description": HS["description"].to_numpy()[declared_h],
        "origin_country": np.where(kind == "export", "PK", origin),
        "quantity": np.maximum(1, np.round(declared_weight / rng.uniform(0.5, 20, n))), "unit": "PCS",
        "weight_kg": declared_weight, "declared_value_usd": declared_value, "duty_usd": duty,
        "channel": channel, "inspection_outcome": outcome,
        # What the examination recovered: the duty the fraud evaded, where it was found.
        "recovered_duty_usd": np.where(np.isin(outcome, SCHEMA.adverse_outcomes),
                                       np.maximum(recoverable, 0.0), np.nan),
        "trader_ntn": traders["ntn"].to_numpy()[t],
        "consignee_id": None,
        "consignor_id": np.where(kind != "export", p.consignors["consignor_id"].to_numpy()[consignor], None),
        "agent_licence": p.agents["licence_no"].to_numpy()[agent],
        "container_no": None, "vehicle_registration": None, "route_code": route,
    })
    decl.loc[sea, "container_no"] = names.containers(rng, int(sea.sum()))
    truth = pd.DataFrame({"gd_number": decl["gd_number"], "typology": typology, "fraud": fraud,
                          "recoverable_duty_usd": recoverable, "ring": ring[t]})
    return decl, truth


def _consignors(rng, p: Parties, t, ring, in_ring, n) -> np.ndarray:
    # A handful of big suppliers serve many honest traders (a shared consignor, innocently).
    m = len(p.consignors)
    weight = rng.pareto(1.0, m) + 1
    c = rng.choice(m, n, p=weight / weight.sum())
    use_ring = in_ring & (rng.random(n) < 0.7)
    for r, options in p.ring_consignors.items():
        sel = use_ring & (ring[t] == r)
        c[sel] = rng.choice(options, int(sel.sum()))
    return c


def _selectivity(rng, cfg, traders, t, dates, rate, origin, is_import, fraud, typology):
    """Channels from simple rules (high duty, young NTN, some origins, random), and
    outcomes only where goods were examined: labels are scarce and biased."""
    n = len(t)
    reg = pd.to_datetime(traders["registered_on"]).to_numpy()[t]
    young = (dates.to_numpy() - reg) < np.timedelta64(365, "D")
    p_red = 0.03 + 0.10 * (rate >= 0.35) + 0.10 * young + 0.04 * np.isin(origin, ["CN", "AE"])
    p_yellow = 0.10 + 0.05 * young
    u = rng.random(n)
    channel = np.where(u < p_red, "red", np.where(u < p_red + p_yellow, "yellow", "green"))
    channel = np.where(is_import | (rng.random(n) < 0.5), channel, "green")
    caught = fraud & (((channel == "red") & (rng.random(n) < 0.85)) | ((channel == "yellow") & (rng.random(n) < 0.3)))
    seizure = caught & ((typology == "misdeclaration_hs") | (rng.random(n) < 0.25))
    outcome = np.where(channel == "green", None,
                       np.where(seizure, "seizure", np.where(caught, "discrepancy", "no_discrepancy")))
    return channel, outcome
