"""The parties: traders (with planted rings and re-registrations), clearing
agents, foreign consignors, Afghan consignees, transporters and vehicles."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nigah.ingest.scenario import names
from nigah.ingest.scenario.config import ScenarioConfig
from nigah.ingest.scenario.reference import ORIGINS


@dataclass
class Parties:
    traders: pd.DataFrame        # + columns ring (-1 if honest), party
    agents: pd.DataFrame
    consignors: pd.DataFrame     # + column party
    consignees: pd.DataFrame
    transporters: pd.DataFrame
    vehicles: pd.DataFrame
    trader_agent: np.ndarray     # the agent each trader mostly uses
    ring_consignors: dict[int, np.ndarray]
    ring_transporter: dict[int, int]
    ring_agents: dict[int, int]


def _agents(rng, n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "licence_no": "CHAL-" + pd.Series(rng.choice(np.arange(1, 100_000), n, replace=False)).astype(str).str.zfill(5),
        "name": names.join(names.pick(rng, names.FIRST, n), names.pick(rng, ["Clearing Agency", "Customs Brokers",
                                                                            "Logistics", "Clearing & Forwarding"], n)),
        "phone": names.phones(rng, n),
    })


def make_parties(rng: np.random.Generator, cfg: ScenarioConfig) -> Parties:
    n = cfg.declarations
    n_traders, n_agents = max(60, n // 25), max(12, n // 300)
    n_consignors, n_consignees = max(30, n // 60), max(12, n // 250)
    n_transporters = max(8, n // 1500)
    start = pd.Timestamp(cfg.start)

    traders = pd.DataFrame({
        "ntn": names.ntns(rng, n_traders), "name": names.trader_names(rng, n_traders),
        "address": names.addresses(rng, n_traders), "phone": names.phones(rng, n_traders),
        "registered_on": (start - pd.to_timedelta(rng.integers(200, 6000, n_traders), unit="D")).date,
        "bank_account": names.bank_accounts(rng, n_traders),
        "director_cnic": names.cnics(rng, n_traders),
        "director_name": names.join(names.pick(rng, ["Muhammad", "Ahmed", "Ali", "Imran", "Bilal", "Usman", "Zahid",
                                                     "Khalid", "Tariq", "Faisal"], n_traders),
                                    names.pick(rng, ["Khan", "Butt", "Malik", "Qureshi", "Sheikh", "Chaudhry",
                                                     "Afridi", "Baloch", "Siddiqui", "Awan"], n_traders)),
        "ring": -1,
    })
    traders["party"] = "T" + pd.Series(np.arange(n_traders)).astype(str)

    agents = _agents(rng, n_agents)
    # A few very busy agents serve a large share of honest traders (a ring's
    # shared agent, but innocent); the rest have a skewed clientele.
    weight = rng.pareto(1.1, n_agents) + 1
    busy = np.argsort(-weight)[: max(2, n_agents // 20)]
    trader_agent = rng.choice(n_agents, n_traders, p=weight / weight.sum())
    to_busy = rng.random(n_traders) < cfg.busy_agent_share
    trader_agent[to_busy] = rng.choice(busy, int(to_busy.sum()))

    countries = names.pick(rng, list(ORIGINS), n_consignors)
    consignors = pd.DataFrame({"consignor_id": "SUP-" + pd.Series(np.arange(n_consignors)).astype(str).str.zfill(6),
                               "name": names.foreign_names(rng, countries), "country": countries})
    consignors["party"] = "S" + pd.Series(np.arange(n_consignors)).astype(str)
    consignees = pd.DataFrame({
        "consignee_id": "AFG-" + pd.Series(np.arange(n_consignees)).astype(str).str.zfill(5),
        "name": names.join(names.pick(rng, names.FIRST, n_consignees), names.pick(rng, names.SECOND, n_consignees),
                           names.pick(rng, ["Trading Company", "Brothers", "Import Group", "Afghan Traders"],
                                      n_consignees)),
        "country": "AF", "address": names.pick(rng, names.AFGHAN_CITIES, n_consignees)})
    transporters = pd.DataFrame({
        "transporter_id": "TRN-" + pd.Series(np.arange(n_transporters)).astype(str).str.zfill(4),
        "name": names.join(names.pick(rng, names.FIRST, n_transporters),
                           names.pick(rng, ["Goods Transport", "Logistics", "Carriers", "Roadways"], n_transporters)),
        "phone": names.phones(rng, n_transporters)})
    per = 10
    n_vehicles = n_transporters * per
    plates = rng.choice(np.arange(1000, 100_000), n_vehicles, replace=False).astype(str)
    vehicles = pd.DataFrame({"registration": names.pick(rng, ["TLH", "TKN", "TLR", "JU", "KP", "TAA", "C"], n_vehicles)
                             + "-" + plates, "transporter_id": np.repeat(transporters["transporter_id"], per).to_numpy()})

    # Honest look-alike: a commercial plaza where many honest traders share a building address.
    plaza = rng.random(n_traders) < cfg.shared_building_share
    n_plazas = max(1, int(plaza.sum()) // 15)
    plaza_names = [f"Office {i}, {p}, Jodia Bazar, Karachi" for i, p in
                   enumerate(names.pick(rng, ["Rimpa Plaza", "Al-Habib Centre", "Uni Tower", "Madina City Mall"], n_plazas))]
    traders.loc[plaza, "address"] = np.asarray(plaza_names, dtype=object)[rng.integers(0, n_plazas, int(plaza.sum()))]

    ring_consignors, ring_transporter, ring_agents = {}, {}, {}
    members_left = rng.permutation(np.flatnonzero(~plaza))
    ring_total = int(cfg.ring_trader_share * n_traders)
    r = 0
    while ring_total > 0 and len(members_left) >= cfg.ring_size[0]:
        size = int(rng.integers(cfg.ring_size[0], cfg.ring_size[1] + 1))
        group, members_left = members_left[:size], members_left[size:]
        ring_total -= len(group)
        traders.loc[group, "ring"] = r
        # The controller's fingerprints: each front shares a random subset of them.
        shared = {"phone": names.phones(rng, 2), "address": names.addresses(rng, 2),
                  "bank_account": names.bank_accounts(rng, 2), "director_cnic": names.cnics(rng, 1)}
        for g in group:
            for field, values in shared.items():
                if rng.random() < 0.6:
                    traders.at[g, field] = values[int(rng.integers(len(values)))]
        # Fronts are young: registered shortly before they start trading.
        traders.loc[group, "registered_on"] = (start + pd.to_timedelta(rng.integers(-120, 200, len(group)), unit="D")).date
        small_agent = int(np.argmin(weight + rng.random(n_agents)))
        trader_agent[group] = small_agent
        ring_agents[r] = small_agent
        ring_consignors[r] = rng.choice(n_consignors, 2, replace=False)
        ring_transporter[r] = int(rng.integers(n_transporters))
        r += 1

    traders = _reregistrations(rng, cfg, traders, r, start)
    trader_agent = np.concatenate([trader_agent, [ring_agents[int(x)] for x in traders["ring"].iloc[len(trader_agent):]]])
    consignors = _consignor_variants(rng, cfg, consignors)
    return Parties(traders, agents, consignors, consignees, transporters, vehicles, trader_agent.astype(int),
                   ring_consignors, ring_transporter, ring_agents)


def _reregistrations(rng, cfg, traders: pd.DataFrame, n_rings: int, start) -> pd.DataFrame:
    """A caught front re-registers: new NTN, a variant of its name, same director."""
    rows = []
    for r in range(n_rings):
        if rng.random() >= cfg.reregistered_share:
            continue
        front = traders[traders["ring"] == r].iloc[0]
        row = front.copy()
        row["name"] = names.variant(rng, front["name"])
        row["registered_on"] = (start + pd.Timedelta(days=int(rng.integers(200, 300)))).date()
        row["phone"] = names.phones(rng, 1)[0] if rng.random() < 0.5 else front["phone"]
        rows.append(row)
    if not rows:
        return traders
    extra = pd.DataFrame(rows)
    existing = set(traders["ntn"])
    fresh = [x for x in names.ntns(rng, len(extra) + 50) if x not in existing][: len(extra)]
    extra["ntn"] = fresh
    return pd.concat([traders, extra], ignore_index=True)


def _consignor_variants(rng, cfg, consignors: pd.DataFrame) -> pd.DataFrame:
    """Some suppliers are written under a second id with a variant name."""
    chosen = consignors.sample(frac=cfg.consignor_variant_share, random_state=int(rng.integers(1 << 31)))
    extra = chosen.copy()
    extra["name"] = [names.variant(rng, x) for x in chosen["name"]]
    extra["consignor_id"] = "SUP-V" + pd.Series(np.arange(len(extra))).astype(str).str.zfill(5).to_numpy()
    return pd.concat([consignors, extra], ignore_index=True)
