"""The community stage: build the projection, detect communities, score them,
give members roles, and write it all back on the traders."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from nigah.analytics.communities.detection import detect_communities
from nigah.analytics.communities.projection import ProjectionConfig, shared_things, trader_projection
from nigah.analytics.communities.roles import member_roles
from nigah.analytics.communities.scoring import ScoringConfig, read_evidence, score_communities
from nigah.graph.store import GraphStore


@dataclass
class CommunityResult:
    edges: pd.DataFrame          # the projection: a, b, weight
    parts: dict[str, int]        # trader NTN -> community
    scores: pd.DataFrame         # per community, highest score first (analytics.communities.scoring)
    roles: pd.Series             # trader NTN -> hub / broker / peripheral


def community_analysis(store: GraphStore, method: str = "leiden", resolution: float = 1.0,
                       config: ProjectionConfig = ProjectionConfig(), seed: int = 42,
                       scoring: ScoringConfig = ScoringConfig(),
                       diversion: pd.Series | None = None) -> CommunityResult:
    """Projection, communities, scores and roles, without writing anything.
    ``diversion``: transit GDs' diversion scores by GD number (the transit
    stage's output, see ``analytics.pipeline``); without them, seizures in
    transit stand in for diversions."""
    edges = trader_projection(store, config, links=shared_things(store))
    parts = detect_communities(edges, method=method, resolution=resolution, seed=seed)
    scores = score_communities(read_evidence(store), parts, scoring, diversion=diversion)
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


def analyze_communities(store: GraphStore, method: str = "leiden", resolution: float = 1.0,
                        config: ProjectionConfig = ProjectionConfig(), seed: int = 42,
                        scoring: ScoringConfig = ScoringConfig(), diversion: pd.Series | None = None,
                        top: int = 10) -> tuple[CommunityResult, dict]:
    """Detect and score trader communities and write them back (see
    :func:`write_communities`). Returns the result and a summary with the
    ``top`` communities and their reasons."""
    result = community_analysis(store, method, resolution, config, seed, scoring, diversion)
    write_communities(store, result)
    sizes = pd.Series(result.parts).value_counts() if result.parts else pd.Series(dtype=int)
    best = result.scores.head(top)
    return result, {"method": method, "projection_edges": int(len(result.edges)),
            "traders_in_communities": int(len(result.parts)), "communities": int(len(sizes)),
            "largest_community": int(sizes.max()) if len(sizes) else 0,
            "roles": {k: int(v) for k, v in result.roles.value_counts().sort_index().items()},
            "top_communities": [{"community": int(r.community), "size": int(r.size), "score": round(float(r.score), 3),
                                 "reasons": list(r.reasons)} for r in best.itertuples()]}
