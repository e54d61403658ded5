"""The trader projection: traders linked by the things they share.

Two traders are linked when they share a phone, an address, a bank account,
a director, a clearing agent, a foreign consignor, a vehicle or a
transporter. How much one shared thing says depends on three things:

- *rarity*: ``kind_weight / (n - 1) ** rarity_exponent`` for a thing shared
  by ``n`` traders. A phone shared by three traders says far more than an
  agent serving forty. The default exponent 0.5 decays more gently than
  1/(n - 1): a ring's own small agent and two suppliers, each also used now
  and then by a dozen honest traders, must still add up to a link, and the
  *use* factor below already damps those occasional users. Things shared by
  more than ``max_share`` traders are left out: they would add O(n²) links
  that say nothing about collusion.
- *use*: for things met on declarations (agent, consignor, vehicle,
  transporter), the weight is scaled by how much of each trader's trade goes
  through it (``sqrt`` of the smaller share over ``usage_floor``, capped at
  1): fronts of one controller route most of their GDs through its agent and
  suppliers, while two big honest importers overlap on a few GDs with many
  suppliers. Identifying details (phone, address, bank account, director) are
  not scaled.
- *time*: each trader's use of a thing spans months, from the dates of its
  declarations (for identifying details, the trader's whole trading span).
  Two traders whose spans overlap get the full weight; spans ``g`` months
  apart get ``0.5 ** (g / time_half_life_months)``. A trader with no
  declarations has no span and is not discounted.

Pairs whose summed weight stays under ``min_weight`` are dropped as weak
evidence. Everything is built with group-bys and numpy over the store's
bulk reads, on integer codes.

>>> links = pd.DataFrame({"ntn": ["A", "B", "C"], "thing": ["p1", "p1", "p1"], "kind": "phone"})
>>> pairs = pair_weights(links, {"phone": 2.0}, max_share=50)
>>> sorted(map(tuple, pairs[["a", "b"]].to_numpy().tolist())), float(pairs["weight"].iloc[0])
([('A', 'B'), ('A', 'C'), ('B', 'C')], 1.0)

Years apart, the same shared phone weighs less:

>>> spans = links.assign(first=[0, 0, 24], last=[3, 3, 30])
>>> w = pair_weights(spans, {"phone": 2.0}, max_share=50, time_half_life_months=6)
>>> w.set_index(["a", "b"])["weight"].round(4).to_dict()
{('A', 'B'): 1.0, ('A', 'C'): 0.0884, ('B', 'C'): 0.0884}
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nigah.graph.store import GraphStore

# Identifying details on the trader record: the projection kind and its column.
DETAILS = {"phone": "phone", "address": "address", "bank_account": "bank_account", "director": "director_cnic"}
# Things met on declarations: the projection kind and the Declaration column.
ON_DECLARATIONS = {"agent": "agent_licence", "consignor": "consignor_id", "vehicle": "vehicle_registration"}


@dataclass(frozen=True)
class ProjectionConfig:
    """How shared things become weighted trader–trader links (see the module doc)."""
    # Weight of one shared thing of each kind before rarity, use and time. An
    # address alone stays under min_weight: buildings, markets and loose data
    # entry make two honest traders share one far more often than a phone or
    # a bank account; with anything else shared, it counts.
    kind_weights: dict[str, float] = field(default_factory=lambda: {
        "phone": 3.0, "bank_account": 3.0, "director": 3.0, "address": 1.0,
        "vehicle": 1.5, "consignor": 1.5, "agent": 1.5, "transporter": 1.0})
    # Things shared by more traders than this are ignored (busy agents, big suppliers).
    max_share: int = 50
    # Rarity: a thing shared by n traders weighs kind_weight / (n - 1) ** rarity_exponent.
    rarity_exponent: float = 0.5
    # Pairs linked by less than this total weight are dropped: one shared busy
    # consignor or agent is no evidence of collusion, a shared phone is. Tuned
    # with rarity_exponent on generated scenarios (see docs/communities.md).
    min_weight: float = 1.2
    # Months after which a gap between two traders' use of a thing halves its
    # weight; None ignores time.
    time_half_life_months: float | None = 6.0
    # Share of a trader's GDs through a thing at which it counts fully; None
    # ignores use.
    usage_floor: float | None = 0.25


def _normalised(values: pd.Series) -> pd.Series:
    out = values.astype("string").str.lower().str.replace(r"[^0-9a-z]+", " ", regex=True).str.strip()
    return out.mask(out == "")  # a detail of only punctuation is no detail


def _months(dates: pd.Series) -> np.ndarray:
    d = pd.to_datetime(dates)
    return (d.dt.year * 12 + d.dt.month - 1).to_numpy(float)


def _codes(values: pd.Series, prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 for missing) and the prefixed names they stand for."""
    codes, uniques = pd.factorize(values)
    return codes, np.asarray(prefix + ":" + pd.Series(uniques, dtype=object).astype(str), dtype=object)


def shared_things(store: GraphStore) -> pd.DataFrame:
    """One row per (trader, thing): ``ntn``, ``thing``, ``kind`` (categoricals),
    the months ``first`` and ``last`` of its use, and ``share``, the part of the
    trader's GDs that went through it (1 for identifying details).

    Everything is grouped on integer codes: at a million GDs, grouping and
    concatenating strings would cost more than the rest of the projection."""
    traders = store.node_table("Trader", list(DETAILS.values()))
    decl = store.node_table("Declaration", ["date", "trader_ntn", *ON_DECLARATIONS.values()])
    operated = store.relationship_table("OPERATED_BY")[["source", "target"]]
    decl["transporter"] = decl["vehicle_registration"].map(operated.set_index("source")["target"])
    both, ntn_names = pd.factorize(pd.concat([traders["ntn"], decl["trader_ntn"]], ignore_index=True), sort=True)
    holder, filer = both[:len(traders)], both[len(traders):]
    month, n = _months(decl["date"]), len(ntn_names)
    first = np.full(n, np.nan)
    last = np.full(n, np.nan)
    np.fmin.at(first, filer, month)
    np.fmax.at(last, filer, month)
    gds = np.bincount(filer, minlength=n)
    parts, names, offset = [], [], 0
    for kind, col in DETAILS.items():
        codes, uniques = _codes(_normalised(traders[col]), kind)
        ok = codes >= 0
        who = holder[ok]
        parts.append((kind, who, codes[ok] + offset, first[who], last[who], np.ones(len(who))))
        names.append(uniques)
        offset += len(uniques)
    for kind, col in {**ON_DECLARATIONS, "transporter": "transporter"}.items():
        codes, uniques = _codes(decl[col], kind)
        ok = codes >= 0
        key = filer[ok].astype(np.int64) * max(len(uniques), 1) + codes[ok]
        g = pd.DataFrame({"key": key, "month": month[ok]}).groupby("key", sort=False)["month"].agg(
            ["min", "max", "size"])
        who = (g.index.to_numpy() // max(len(uniques), 1)).astype(np.int64)
        parts.append((kind, who, g.index.to_numpy() % max(len(uniques), 1) + offset, g["min"].to_numpy(),
                      g["max"].to_numpy(), g["size"].to_numpy() / gds[who]))
        names.append(uniques)
        offset += len(uniques)
    things = pd.Index(np.concatenate(names))
    kinds = [k for k, *_ in parts]
    out = pd.DataFrame({
        "ntn": pd.Categorical.from_codes(np.concatenate([p[1] for p in parts]), ntn_names),
        "thing": pd.Categorical.from_codes(np.concatenate([p[2] for p in parts]), things),
        "kind": pd.Categorical.from_codes(np.repeat(np.arange(len(kinds)), [len(p[1]) for p in parts]), kinds),
        "first": np.concatenate([p[3] for p in parts]), "last": np.concatenate([p[4] for p in parts]),
        "share": np.concatenate([p[5] for p in parts])})
    return out.drop_duplicates(["ntn", "thing"], ignore_index=True)


def _within_groups(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of positions (i < j) that share a group, for ``group``
    sorted: each row is paired with the rows after it in its group."""
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, len(group)])
    after = np.repeat(starts + sizes, sizes) - np.arange(len(group)) - 1
    left = np.repeat(np.arange(len(group)), after)
    step = np.arange(len(left)) - np.repeat(np.cumsum(after) - after, after) + 1
    return left, left + step


def pair_weights(links: pd.DataFrame, kind_weights: dict[str, float], max_share: int,
                 time_half_life_months: float | None = None, usage_floor: float | None = None,
                 rarity_exponent: float = 1.0, min_weight: float = 0.0) -> pd.DataFrame:
    """Weighted trader pairs ``a < b`` from (ntn, thing, kind[, first, last, share])
    rows, summed over the things they share; pairs under ``min_weight`` are left out."""
    thing = pd.factorize(links["thing"])[0]
    ntn, ntn_names = pd.factorize(links["ntn"], sort=True)
    unique = ~pd.Series(ntn.astype(np.int64) * (thing.max(initial=0) + 1) + thing).duplicated().to_numpy()
    size = np.bincount(thing[unique], minlength=thing.max(initial=-1) + 1)[thing]
    keep = unique & (size >= 2) & (size <= max_share)
    kind_weight = links["kind"].map(kind_weights).astype(float).fillna(0.0).to_numpy()
    w = kind_weight / np.maximum(size - 1, 1) ** rarity_exponent
    order = np.flatnonzero(keep)[np.argsort(thing[keep], kind="stable")]
    i, j = _within_groups(thing[order])
    i, j = order[i], order[j]
    weight = w[i]
    if time_half_life_months is not None and "first" in links:
        first, last = links["first"].to_numpy(float), links["last"].to_numpy(float)
        gap = np.maximum(np.fmax(first[i], first[j]) - np.fmin(last[i], last[j]), 0)
        weight = weight * np.where(np.isnan(gap), 1.0, 0.5 ** (gap / time_half_life_months))
    if usage_floor is not None and "share" in links:
        share = links["share"].to_numpy(float)
        weight = weight * np.minimum(1.0, np.sqrt(np.fmin(share[i], share[j]) / usage_floor))
    a, b = np.minimum(ntn[i], ntn[j]).astype(np.int64), np.maximum(ntn[i], ntn[j]).astype(np.int64)
    keys, codes = np.unique(a * len(ntn_names) + b, return_inverse=True)
    total = np.bincount(codes, weights=weight, minlength=len(keys))
    strong = total >= min_weight  # before naming them: most pairs are weak
    keys, names = keys[strong], np.asarray(ntn_names, dtype=object)
    return pd.DataFrame({"a": names[keys // len(names)], "b": names[keys % len(names)], "weight": total[strong]})


def trader_projection(store: GraphStore, config: ProjectionConfig = ProjectionConfig(),
                      links: pd.DataFrame | None = None) -> pd.DataFrame:
    """Edges ``a``, ``b``, ``weight`` of the weighted trader–trader graph
    (``links``: precomputed :func:`shared_things`, to avoid a second read)."""
    links = shared_things(store) if links is None else links
    return pair_weights(links, config.kind_weights, config.max_share, config.time_half_life_months,
                        config.usage_floor, config.rarity_exponent, config.min_weight)
