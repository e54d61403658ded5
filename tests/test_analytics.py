"""Community detection on the trader projection, written back to both stores."""
from __future__ import annotations

import pandas as pd
import pytest

from nigah.analytics.pipeline import run
from nigah.analytics.communities.detection import detect_communities
from nigah.analytics.communities.projection import ProjectionConfig, pair_weights, trader_projection
from nigah.ingest.load import ingest_directory


def rings(scenario) -> dict[str, list[str]]:
    truth = pd.read_csv(scenario / "truth" / "rings.csv", dtype=str)
    return truth.groupby("ring_id")["ntn"].apply(list).to_dict()


def test_rare_things_weigh_more_and_busy_ones_are_left_out():
    links = pd.DataFrame({"ntn": ["A", "B", "A", "B", "C", "D"] + [f"T{i}" for i in range(60)] + ["A"],
                          "thing": ["phone:1", "phone:1", "agent:1", "agent:1", "agent:1", "agent:1"]
                          + ["agent:busy"] * 61, "kind": ["phone"] * 2 + ["agent"] * 4 + ["agent"] * 61})
    pairs = pair_weights(links, {"phone": 3.0, "agent": 1.0}, max_share=50).set_index(["a", "b"])["weight"]
    assert pairs[("A", "B")] == pytest.approx(3.0 + 1.0 / 3)
    assert pairs[("C", "D")] == pytest.approx(1.0 / 3)
    assert not any(a.startswith("T") for a, _ in pairs.index)


@pytest.mark.parametrize("method", ["leiden", "louvain"])
def test_planted_rings_are_recovered(loaded_duckdb, scenario, method):
    parts = detect_communities(trader_projection(loaded_duckdb), method=method)
    sizes = pd.Series(parts).value_counts()
    for ring_id, members in rings(scenario).items():
        found = {parts.get(m) for m in members}
        assert len(found) == 1 and None not in found, ring_id
        # the ring is not lost inside a large community of honest traders
        assert sizes[found.pop()] <= 2 * len(members), ring_id


def test_busy_agent_clients_are_not_one_community(loaded_duckdb, scenario):
    decl = pd.read_csv(scenario / "declarations.csv", dtype=str)
    busy = decl["agent_licence"].value_counts().index[0]
    clients = set(decl.loc[decl["agent_licence"] == busy, "trader_ntn"])
    ringed = {m for ms in rings(scenario).values() for m in ms}
    honest = clients - ringed
    assert len(honest) >= 5
    parts = detect_communities(trader_projection(loaded_duckdb, ProjectionConfig()))
    assert len({parts.get(t) for t in honest}) > 1


def test_write_back_visible_in_store(empty_store, scenario):
    ingest_directory(empty_store, scenario)
    summary = run(empty_store, stages=("communities",), method="louvain").summary
    assert summary["communities"] > 0
    table = empty_store.node_table("Trader", ["community"])
    ring = next(iter(rings(scenario).values()))
    communities = table.set_index("ntn").loc[ring, "community"]
    assert communities.notna().all() and communities.nunique() == 1
    node = empty_store.get_nodes([f"Trader:{ring[0]}"])[0]
    assert node.properties["community"] == int(communities.iloc[0])
