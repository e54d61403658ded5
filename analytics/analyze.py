"""The analysis run: build the projection, detect communities, write them back."""
from __future__ import annotations

import pandas as pd

from analytics.communities import detect_communities
from analytics.projection import ProjectionConfig, trader_projection
from graph.store import GraphStore


def analyze(store: GraphStore, method: str = "leiden", resolution: float = 1.0,
            config: ProjectionConfig = ProjectionConfig(), seed: int = 42) -> dict:
    """Detect trader communities and write ``community`` on every trader.

    Traders linked to no other trader get no community (null), so stale
    numbers from an earlier run never linger.
    """
    edges = trader_projection(store, config)
    parts = detect_communities(edges, method=method, resolution=resolution, seed=seed)
    traders = store.node_table("Trader", [])
    values = pd.DataFrame({"ntn": traders["ntn"],
                           "community": traders["ntn"].map(parts).astype("Int64")})
    store.write_properties("Trader", values)
    sizes = pd.Series(parts).value_counts() if parts else pd.Series(dtype=int)
    return {"method": method, "projection_edges": int(len(edges)),
            "traders_in_communities": int(len(parts)), "communities": int(len(sizes)),
            "largest_community": int(sizes.max()) if len(sizes) else 0}
