"""The analysis run: build the projection, detect communities, score them,
give members roles, and write it all back on the traders."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from nigah.analytics.communities import detect_communities
from nigah.analytics.projection import ProjectionConfig, shared_things, trader_projection
from nigah.analytics.roles import member_roles
from nigah.analytics.scoring import ScoringConfig, score_communities
from nigah.graph.store import GraphStore


@dataclass
class CommunityResult:
    edges: pd.DataFrame          # the projection: a, b, weight
    parts: dict[str, int]        # trader NTN -> community
    scores: pd.DataFrame         # per community, highest score first (analytics.scoring)
    roles: pd.Series             # trader NTN -> hub / broker / peripheral


def diversion_scores(store: GraphStore) -> pd.Series | None:
    """Diversion scores of transit GDs by GD number: those written back by the
    transit analysis if any, else scored now (``analytics.transit``) as of the
    latest checkpoint scan; None when there is nothing to score."""
    from nigah.analytics.transit import read_transit_inputs, score_movements

    stored = store.node_table("Declaration", ["gd_type", "diversion_score"])
    stored = stored[stored["gd_type"] == "transit"].dropna(subset=["diversion_score"])
    if len(stored):
        return stored.set_index("gd_number")["diversion_score"]

    inputs = read_transit_inputs(store)
    if inputs.movements.empty or inputs.scans.empty or inputs.route_stops.empty:
        return None
    as_of = pd.to_datetime(inputs.scans["scanned_at"]).max()
    scored = score_movements(inputs.movements, inputs.scans, inputs.route_stops, inputs.routes,
                             inputs.stations, as_of)
    return scored.set_index("gd_number")["diversion_score"]


def community_analysis(store: GraphStore, method: str = "leiden", resolution: float = 1.0,
                       config: ProjectionConfig = ProjectionConfig(), seed: int = 42,
                       scoring: ScoringConfig = ScoringConfig(), diversions: bool = True) -> CommunityResult:
    """Projection, communities, scores and roles, without writing anything.
    ``diversions``: score transit movements for the diversion component (else
    seizures in transit stand in for them)."""
    edges = trader_projection(store, config, links=shared_things(store))
    parts = detect_communities(edges, method=method, resolution=resolution, seed=seed)
    scores = score_communities(store, parts, scoring, diversion=diversion_scores(store) if diversions else None)
    return CommunityResult(edges, parts, scores, member_roles(edges, parts))


def write_communities(store: GraphStore, result: CommunityResult) -> int:
    """Write ``community``, ``community_score`` and ``community_role`` on every
    trader; traders in no community get nulls, so nothing stale lingers."""
    traders = store.node_table("Trader", [])
    ntn = traders["ntn"]
    community = ntn.map(result.parts).astype("Int64")
    score = community.map(result.scores.set_index("community")["score"]).astype("Float64")
    values = pd.DataFrame({"ntn": ntn, "community": community, "community_score": score.round(4),
                           "community_role": ntn.map(result.roles).astype(object)})
    values["community_role"] = values["community_role"].where(values["community_role"].notna(), None)
    return store.write_properties("Trader", values)


def analyze(store: GraphStore, method: str = "leiden", resolution: float = 1.0,
            config: ProjectionConfig = ProjectionConfig(), seed: int = 42,
            scoring: ScoringConfig = ScoringConfig(), diversions: bool = True, top: int = 10) -> dict:
    """Detect and score trader communities and write them back (see
    :func:`write_communities`). Returns a summary with the ``top`` communities
    and their reasons."""
    result = community_analysis(store, method, resolution, config, seed, scoring, diversions)
    write_communities(store, result)
    sizes = pd.Series(result.parts).value_counts() if result.parts else pd.Series(dtype=int)
    best = result.scores.head(top)
    return {"method": method, "projection_edges": int(len(result.edges)),
            "traders_in_communities": int(len(result.parts)), "communities": int(len(sizes)),
            "largest_community": int(sizes.max()) if len(sizes) else 0,
            "roles": {k: int(v) for k, v in result.roles.value_counts().sort_index().items()},
            "top_communities": [{"community": int(r.community), "size": int(r.size), "score": round(float(r.score), 3),
                                 "reasons": list(r.reasons)} for r in best.itertuples()]}
