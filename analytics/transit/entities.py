"""Per entity: vehicles, transporters, clearing agents and consignees ranked by
their diversion history and their closeness to confirmed diversions.

- **History**: ``k`` flagged of ``n`` transit movements (flagged: score at least
  ``flagged_score``, or confirmed), shrunk toward the overall rate ``p0`` as if
  the entity had ``prior_strength`` more movements at that rate:
  ``shrunk_share = (k + m·p0) / (n + m)``. One flagged movement of one is weak
  evidence; eight of ten is strong.
- **Proximity**: personalised PageRank over the movement graph (each movement
  linked to its vehicle, the vehicle's transporter, its agent and consignee),
  restarting at the confirmed diversions, divided by the entity's degree, then
  by the largest such value among entities of the same label (the closest
  transporter has proximity 1). Raw PageRank grows with degree, so a busy
  consignee with many clean movements near one case would outrank the
  consignee of the case itself; per degree, it is (in an undirected graph)
  the chance that a walk *from* the entity reaches the confirmed cases.
- ``diversion_score = 1 - (1 - shrunk_share) · (1 - proximity_weight · proximity)``.

>>> round(shrink(8, 10, 0.1, 5.0), 3), round(shrink(1, 1, 0.1, 5.0), 3)
(0.567, 0.25)
"""
from __future__ import annotations

from collections.abc import Iterable

import igraph as ig
import pandas as pd
from threadpoolctl import threadpool_limits

from nigah.analytics.transit.config import FLAGS, TransitConfig
from nigah.analytics.transit.util import lists
from nigah.graph.schema import SCHEMA, node_id

# (label, column of the movement links) of each kind of entity ranked.
ENTITIES = [("Vehicle", "vehicle_registration"), ("Transporter", "transporter_id"),
            ("ClearingAgent", "agent_licence"), ("Consignee", "consignee_id")]


def shrink(k, n, p0: float, strength: float):
    return (k + strength * p0) / (n + strength)


def movement_links(movements: pd.DataFrame, vehicles: pd.DataFrame) -> pd.DataFrame:
    """Rows ``gd_number, label, key``: each movement's vehicle, transporter, agent, consignee."""
    m = movements.merge(vehicles.drop_duplicates("vehicle_registration"),
                        on="vehicle_registration", how="left")
    parts = [pd.DataFrame({"gd_number": m["gd_number"], "label": label, "key": m[col]})
             for label, col in ENTITIES if col in m]
    return pd.concat(parts, ignore_index=True).dropna(subset=["key"]).drop_duplicates()


def proximity(links: pd.DataFrame, confirmed: set[str], damping: float) -> pd.Series:
    """Personalised PageRank of each entity node id seeded on the confirmed
    movements, per degree, scaled per label so the closest entity of each label has 1."""
    node = node_id(links["label"], links["key"].astype(str))
    if not confirmed or links.empty:
        return pd.Series(0.0, index=node.unique())
    edges = pd.DataFrame({"a": node_id("Declaration", links["gd_number"]), "b": node})
    g = ig.Graph.DataFrame(edges.astype(object), directed=False, use_vids=False)
    names = pd.Series(range(g.vcount()), index=g.vs["name"])
    seeds = sorted(names.reindex([node_id("Declaration", c) for c in confirmed]).dropna().astype(int))
    if not seeds:
        return pd.Series(0.0, index=node.unique())
    # igraph's PageRank sums in OpenMP threads, in an order that varies from
    # call to call (the last bits of a score moved between two runs); one
    # thread gives the same scores every time.
    with threadpool_limits(1, user_api="openmp"):
        ranks = g.personalized_pagerank(directed=False, damping=damping, reset_vertices=seeds)
    pr = pd.Series(ranks, index=names.index)
    pr = (pr / pd.Series(g.degree(), index=names.index))
    pr = pr[~pr.index.str.startswith("Declaration:")]
    top = pr.groupby(pr.index.str.split(":", n=1).str[0]).transform("max")
    return (pr / top.where(top > 0)).fillna(0.0)


def score_entities(scored: pd.DataFrame, movements: pd.DataFrame, vehicles: pd.DataFrame,
                   confirmed: Iterable[str] = (), config: TransitConfig = TransitConfig()) -> pd.DataFrame:
    """One row per entity: ``label, key, node_id, movements, flagged, confirmed,
    flag_share, shrunk_share, proximity, diversion_score, rank`` (1 = highest
    within its label) and ``reasons``.

    ``scored`` is the output of ``score_movements``; ``movements`` the transit
    declarations (gd_number, vehicle_registration, agent_licence, consignee_id);
    ``vehicles`` maps vehicle_registration to transporter_id; ``confirmed`` are
    GD numbers of proven diversions (e.g. inspections that ended in seizure).
    """
    confirmed = set(confirmed) & set(scored["gd_number"])
    s = scored.set_index("gd_number")
    is_confirmed = s.index.isin(list(confirmed))
    flagged = pd.Series((s["diversion_score"] >= config.flagged_score) | is_confirmed, index=s.index)
    p0 = float(flagged.mean()) if len(flagged) else 0.0

    links = movement_links(movements[movements["gd_number"].isin(s.index)], vehicles)
    links = links.assign(flagged=links["gd_number"].map(flagged),
                         confirmed=links["gd_number"].isin(list(confirmed)))
    g = links.groupby(["label", "key"])
    out = pd.DataFrame({"movements": g["gd_number"].nunique(), "flagged": g["flagged"].sum(),
                        "confirmed": g["confirmed"].sum()}).reset_index()
    out["node_id"] = node_id(out["label"], out["key"].astype(str))
    out["flag_share"] = out["flagged"] / out["movements"]
    out["shrunk_share"] = shrink(out["flagged"], out["movements"], p0, config.prior_strength)
    near = proximity(links, confirmed, config.damping)
    out["proximity"] = out["node_id"].map(near).astype(float).fillna(0.0)
    out["diversion_score"] = 1 - (1 - out["shrunk_share"]) * (1 - config.proximity_weight * out["proximity"])
    out["rank"] = out.groupby("label")["diversion_score"].rank(ascending=False, method="min").astype(int)
    out["reasons"] = lists(_reasons(out, links, s, p0), pd.Index(out["node_id"])).to_numpy()
    cols = ["label", "key", "node_id", "movements", "flagged", "confirmed", "flag_share",
            "shrunk_share", "proximity", "diversion_score", "rank", "reasons"]
    return out.sort_values(["label", "rank", "key"]).reset_index(drop=True)[cols]


# Each flag as an officer would say it (config.FLAGS names them for the code).
FLAG_WORDS = {"no_exit": "no exit scan in the allowed time", "off_corridor": "scanned off its corridor",
              "double_booking": "the vehicle on two movements at once", "leg_overstay": "a leg overstayed",
              "impossible_speed": "scans too far apart for the time (cloned plates?)",
              "fast_empty_return": "the next transit started too soon after the exit",
              "late_exit": "exit scanned after the allowed time"}


def _pct(x: pd.Series) -> pd.Series:
    return (x * 100).round().astype(int).astype(str) + "%"


def _reasons(out: pd.DataFrame, links: pd.DataFrame, scored: pd.DataFrame, p0: float) -> pd.Series:
    """Evidence texts per entity node id, in a fixed order."""
    # In an officer's words: the share against all movements, no statistics'
    # vocabulary (the score itself already tempers a share from few movements).
    history = (out["flagged"].astype(int).astype(str) + " of " + out["movements"].astype(str)
               + " of its transit movements flagged (" + _pct(out["flag_share"])
               + f"; {p0:.0%} of all transit movements)")
    parts = [pd.DataFrame({"node_id": out["node_id"], "order": 0, "text": history})]

    conf = links[links["confirmed"]].assign(node_id=lambda d: node_id(d["label"], d["key"].astype(str)))
    if len(conf):
        listed = conf.sort_values("gd_number").groupby("node_id")["gd_number"].agg(
            lambda gds: ", ".join(gds[:3]) + (" …" if len(gds) > 3 else ""))
        count = conf.groupby("node_id").size()
        text = "on " + count.astype(str) + " confirmed diversion(s): " + listed
        parts.append(pd.DataFrame({"node_id": text.index, "order": 1, "text": text.to_numpy()}))

    flags = links.join(scored[list(FLAGS)], on="gd_number")
    flags = flags.assign(node_id=node_id(flags["label"], flags["key"].astype(str)))
    counts = flags.groupby("node_id")[list(FLAGS)].sum().stack()
    counts = counts[counts > 0].reset_index(name="n")
    if len(counts):
        n = counts["n"].astype(int)
        counts["t"] = counts.iloc[:, 1].map(FLAG_WORDS) + " " + n.map(lambda k: "once" if k == 1 else f"{k} times")
        text = "on its movements: " + counts.groupby("node_id")["t"].agg(", ".join)
        parts.append(pd.DataFrame({"node_id": text.index, "order": 2, "text": text.to_numpy()}))

    near = out[out["proximity"] > 0]
    titles = near["label"].map(lambda label: SCHEMA.node(label).title.lower())
    text = ("linked through shared parties to confirmed diversions: closeness "
            + near["proximity"].round(2).astype(str) + ", where 1 is the closest " + titles)
    parts.append(pd.DataFrame({"node_id": near["node_id"], "order": 3, "text": text}))
    allp = pd.concat(parts, ignore_index=True).sort_values(["node_id", "order"], kind="stable")
    return allp.groupby("node_id")["text"].agg(list)
