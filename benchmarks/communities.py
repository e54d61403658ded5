"""Trader projection and community detection: wall time, modularity, peak memory.

    python benchmarks/communities.py --declarations 1000000 [--data DIR --home DIR]

Generates a scenario and ingests it into the embedded store (or reuses
``--data``/``--home``), then, each in a child process so that its peak RSS is
its own: the projection build (bulk read + weighted pairs), Leiden (igraph,
the default, iterated until stable; also with igraph's default of two
iterations), igraph multilevel (Louvain in C), networkx
``louvain_communities`` and python-louvain (the reference). Every partition's
modularity is computed the same way (igraph, weighted, resolution 1).
Detector times exclude building the graph object, which is given apart.
First, the whole analysis (with diversion and community scores) is timed and
its recovery of the planted rings measured (``analytics.communities.evaluate``).

python-louvain is pure Python: it is first timed on a snowball sample holding
``--sample-share`` of the edges; when that projects (linearly in edges) past
``--budget`` seconds for the whole graph it is not run on the whole graph, and
the result says so (``sampled: true``, with the projection).

Each detector runs on the default projection (``ProjectionConfig``, which drops
weak pairs) and on one that keeps pairs down to weight 0.1 (``--graphs
default,0.1``, the default; 0 keeps every pair sharing anything): the default
graph is small, the denser one shows how the detectors scale.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.child import peak_mb, run  # noqa: E402


def phase_generate(data: str, declarations: int, seed: int, out) -> None:
    from nigah.ingest.scenario import ScenarioConfig, generate

    t0 = time.perf_counter()
    counts = generate(data, ScenarioConfig(declarations=declarations, seed=seed))
    out.put({"seconds": time.perf_counter() - t0, **counts, "peak_mb": peak_mb()})


def phase_ingest(home: str, data: str, out) -> None:
    from nigah.graph.duckdb_store import DuckDBStore
    from nigah.ingest.load import ingest_directory

    t0 = time.perf_counter()
    with DuckDBStore(home) as store:
        report = ingest_directory(store, Path(data))
    out.put({"seconds": time.perf_counter() - t0, "declarations": report.kinds["Declaration"].read,
             "quarantined": report.quarantined_rows, "peak_mb": peak_mb()})


def phase_projection(home: str, min_weight: float | None, edges_path: str, out) -> None:
    from dataclasses import replace

    from nigah.analytics.communities.projection import ProjectionConfig, shared_things, trader_projection
    from nigah.graph.duckdb_store import DuckDBStore

    config = ProjectionConfig() if min_weight is None else replace(ProjectionConfig(), min_weight=min_weight)
    with DuckDBStore(home) as store:
        t0 = time.perf_counter()
        links = shared_things(store)
        t1 = time.perf_counter()
        edges = trader_projection(store, config, links=links)
        t2 = time.perf_counter()
    edges.to_parquet(edges_path)
    out.put({"seconds": t2 - t0, "read_seconds": t1 - t0, "pairs_seconds": t2 - t1,
             "trader_thing_links": len(links), "edges": len(edges),
             "traders": int(len(set(edges["a"]) | set(edges["b"]))), "peak_mb": peak_mb()})


def _igraph(edges_path: str):
    import pandas as pd

    from nigah.analytics.communities.detection import igraph_graph

    return igraph_graph(pd.read_parquet(edges_path))


def _modularity(g, membership) -> float:
    return float(g.modularity(membership, weights="weight"))


def phase_igraph(method: str, edges_path: str, out) -> None:
    import random

    import igraph as ig

    import nigah.analytics.communities.detection  # noqa: F401 - imported before the clock starts
    import pandas  # noqa: F401

    t0 = time.perf_counter()
    g = _igraph(edges_path)
    build = time.perf_counter() - t0
    ig.set_random_number_generator(random.Random(42))
    t1 = time.perf_counter()
    if method == "leiden":  # as analytics.communities.detection runs it: iterate until stable
        part = g.community_leiden(objective_function="modularity", weights="weight", n_iterations=-1)
    elif method == "leiden_2_iterations":  # igraph's default
        part = g.community_leiden(objective_function="modularity", weights="weight", n_iterations=2)
    else:
        part = g.community_multilevel(weights="weight")
    seconds = time.perf_counter() - t1
    out.put({"seconds": seconds, "graph_build_seconds": build, "communities": len(part),
             "modularity": _modularity(g, part.membership), "peak_mb": peak_mb()})


def _networkx(edges_path: str, share: float = 1.0):
    """The projection as a networkx graph, or a snowball sample of it holding
    about ``share`` of its edges: breadth-first from random seeds, so that the
    sample keeps the local density that decides how hard Louvain works."""
    import random
    from collections import deque

    import networkx as nx
    import pandas as pd

    edges = pd.read_parquet(edges_path)
    g = nx.Graph()
    g.add_weighted_edges_from(edges[["a", "b", "weight"]].itertuples(index=False))
    if share >= 1.0:
        return g
    seeds = sorted(g)
    random.Random(7).shuffle(seeds)
    taken, queue, n, target = set(), deque(), 0, share * g.number_of_edges()
    for seed in seeds:
        queue.append(seed)
        while queue and n < target:
            v = queue.popleft()
            if v in taken:
                continue
            n += sum(1 for u in g[v] if u in taken)
            taken.add(v)
            queue.extend(u for u in g[v] if u not in taken)
        if n >= target:
            break
    return g.subgraph(taken).copy()


def _membership_modularity(edges_path: str, parts: dict, nodes=None) -> float:
    g = _igraph(edges_path)
    if nodes is not None:
        g = g.induced_subgraph([v.index for v in g.vs if v["name"] in nodes])
    return _modularity(g, [parts[name] for name in g.vs["name"]])


def phase_networkx(edges_path: str, out) -> None:
    import networkx as nx
    import pandas  # noqa: F401 - imported before the clock starts

    t0 = time.perf_counter()
    g = _networkx(edges_path)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    comms = nx.community.louvain_communities(g, weight="weight", seed=42)
    seconds = time.perf_counter() - t1
    parts = {n: i for i, c in enumerate(comms) for n in c}
    out.put({"seconds": seconds, "graph_build_seconds": build, "communities": len(comms),
             "modularity": _membership_modularity(edges_path, parts), "peak_mb": peak_mb()})


def phase_python_louvain(edges_path: str, share: float, out) -> None:
    import community as community_louvain  # python-louvain
    import networkx  # noqa: F401 - imported before the clock starts
    import pandas  # noqa: F401

    t0 = time.perf_counter()
    g = _networkx(edges_path, share)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    parts = community_louvain.best_partition(g, weight="weight", random_state=42)
    seconds = time.perf_counter() - t1
    nodes = set(g) if share < 1.0 else None
    out.put({"seconds": seconds, "graph_build_seconds": build, "edges": g.number_of_edges(),
             "communities": len(set(parts.values())),
             "modularity": _membership_modularity(edges_path, parts, nodes), "peak_mb": peak_mb()})


def phase_analysis(home: str, data: str, out) -> None:
    """The whole analysis (projection, Leiden, diversion scores, community
    scores, roles; no write-back) and its planted-ring recovery."""
    from nigah.analytics.pipeline import run
    from nigah.analytics.communities.evaluate import evaluate_communities, read_rings
    from nigah.graph.duckdb_store import DuckDBStore

    with DuckDBStore(home) as store:
        t0 = time.perf_counter()
        result = run(store, stages=("transit", "communities"), write=False).communities
        seconds = time.perf_counter() - t0
    metrics = evaluate_communities(result.parts, result.scores, data)
    rings = len(read_rings(data))
    metrics.pop("ring_f1_by_ring")
    metrics[f"top{rings}_ring_recall"] = evaluate_communities(result.parts, result.scores, data,
                                                              top=rings)[f"top{rings}_ring_recall"]
    out.put({"seconds": seconds, **metrics, "peak_mb": peak_mb()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, help="an existing scenario directory (skips generate)")
    parser.add_argument("--home", type=Path, help="an existing embedded store holding it (skips ingest)")
    parser.add_argument("--budget", type=float, default=600.0,
                        help="seconds python-louvain may take on the whole graph")
    parser.add_argument("--sample-share", type=float, default=0.05)
    parser.add_argument("--no-evaluate", action="store_true",
                        help="skip the whole analysis and its planted-ring recovery")
    parser.add_argument("--graphs", default="default,0.1",
                        help="projections to run the detectors on: 'default' (ProjectionConfig) and/or a "
                             "min_weight (0.1: a much denser graph; 0: every pair sharing anything)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="nigah-bench-communities-"))
    results: dict = {"data": str(args.data)} if args.data else {"declarations": args.declarations}
    data, home = args.data or work / "data", args.home or work / "home"
    # Generating and ingesting run in children too: a child's ru_maxrss starts
    # from its parent's at fork, so the parent must stay small.
    if not args.data:
        results["generate"] = run(phase_generate, str(data), args.declarations, args.seed)
    if not args.home:
        results["ingest"] = run(phase_ingest, str(home), str(data))
    if not args.no_evaluate:
        results["analysis"] = run(phase_analysis, str(home), str(data))
    for name in args.graphs.split(","):
        results[f"graph_{name}"] = bench_graph(str(home), None if name == "default" else float(name), work, args)
    default = results.get("graph_default")
    if default:
        # The goal counts everything from the store to a partition: bulk read,
        # pairs, building the igraph graph and Leiden itself.
        total = (default["projection"]["seconds"] + default["leiden"]["graph_build_seconds"]
                 + default["leiden"]["seconds"])
        results["projection_plus_leiden_seconds"] = total
        results["goal_projection_plus_leiden_le_20s"] = total <= 20
    print(json.dumps(_rounded(results), indent=2))


def bench_graph(home: str, min_weight: float | None, work: Path, args) -> dict:
    """Projection and every detector on one projection (``min_weight`` None: the default)."""
    edges = str(work / f"edges-{min_weight}.parquet")
    out = {"min_weight": "default" if min_weight is None else min_weight}
    out["projection"] = run(phase_projection, home, min_weight, edges)
    out["leiden"] = run(phase_igraph, "leiden", edges)
    out["leiden_2_iterations"] = run(phase_igraph, "leiden_2_iterations", edges)
    out["igraph_multilevel"] = run(phase_igraph, "multilevel", edges)
    out["networkx_louvain"] = run(phase_networkx, edges)
    n_edges = out["projection"]["edges"]
    sample = run(phase_python_louvain, edges, args.sample_share)
    projected = sample["seconds"] * n_edges / max(sample["edges"], 1)
    if projected > args.budget:
        sample.update(sampled=True, sample_share=args.sample_share, projected_full_seconds=projected,
                      note=f"run on whole components holding {sample['edges']:,} of {n_edges:,} edges: "
                           f"the whole graph would take ~{projected:.0f}s by linear extrapolation (over the "
                           f"{args.budget:.0f}s budget); time and modularity are the sample's")
        out["python_louvain"] = sample
    else:
        out["python_louvain"] = run(phase_python_louvain, edges, 1.0) | {"sampled": False}
    leiden = out["leiden"]["seconds"]
    for name in ("leiden_2_iterations", "igraph_multilevel", "networkx_louvain", "python_louvain"):
        r = out[name]
        r["time_ratio_to_leiden"] = r.get("projected_full_seconds", r["seconds"]) / leiden if leiden else None
    return out


def _rounded(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


if __name__ == "__main__":
    main()
