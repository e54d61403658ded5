"""Latency of the dashboard's server-side work, and first paint in Chromium.

    python benchmarks/dashboard_latency.py --declarations 1000000 [--home DIR] [--runs 50] [--store neo4j]

Generates and loads a scenario into the embedded store (unless --home holds
one), or with ``--store neo4j`` into the server at NEO4J_URI (emptied first,
unless it already holds that many GDs; the load is timed), then opens it as
the dashboard does (the embedded store: an in-memory snapshot) and times
search, expand (one hop, capped as the dashboard caps it) and path finding
(up to 4 hops) over a sample of entities: p50 and p95 in milliseconds, and as
a ratio to a baseline in the same process, fetching one entity by id. First
paint is the time until a headless Chromium shows the search box.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(ms: list[float], baseline: float) -> dict:
    q = statistics.quantiles(ms, n=20)
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(q[18], 2),
            "p95_vs_baseline": round(q[18] / baseline, 1), "runs": len(ms)}


CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def chromium(profile: str, width: int = 1400, height: int = 1000):
    """Debian's headless Chromium under Selenium, with a fresh profile; None without it."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--window-size={width},{height}", f"--user-data-dir={profile}"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)


def serve_in_thread(app):
    """The dashboard's WSGI app on a free loopback port, threaded; the server."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def first_paint(app) -> float | None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    profile = tempfile.mkdtemp()
    driver = chromium(profile)
    if driver is None:
        return None
    srv = serve_in_thread(app)
    try:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            driver.get(f"http://127.0.0.1:{srv.server_port}/")
            WebDriverWait(driver, 60).until(lambda d: "store" in d.find_element(By.ID, "store-status").text)
            times.append(time.perf_counter() - t0)
        return round(min(times[1:]), 3)  # the first load also warms the snapshot
    finally:
        driver.quit()
        srv.shutdown()
        shutil.rmtree(profile, ignore_errors=True)


def scenario_store(kind: str, home: Path, declarations: int):
    """A store holding a generated scenario, opened as the dashboard opens it:
    the embedded one under ``home`` (generated and loaded when it holds none),
    or the Neo4j server at NEO4J_URI (emptied and loaded unless it already
    holds that many GDs). The store's factory, and the load's seconds (None
    when nothing was loaded or it was not timed)."""
    from nigah.graph.duckdb_store import DuckDBStore
    from nigah.ingest.load import ingest_directory
    from nigah.ingest.scenario import ScenarioConfig, generate

    data, load_s = home.parent / "data", None
    if kind == "neo4j":
        from nigah.graph.neo4j_store import Neo4jStore

        with Neo4jStore() as server:
            if server.counts()["nodes"]["Declaration"] != declarations:
                generate(data, ScenarioConfig(declarations=declarations))
                server.clear()
                t0 = time.perf_counter()
                ingest_directory(server, data)
                load_s = round(time.perf_counter() - t0, 1)
        return Neo4jStore, load_s
    if not (home / "nigah.duckdb").exists():
        generate(data, ScenarioConfig(declarations=declarations))
        with DuckDBStore(home) as store:
            ingest_directory(store, data)
    return (lambda: DuckDBStore(home, snapshot=True)), load_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=100_000)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--store", choices=["duckdb", "neo4j"], default="duckdb")
    args = parser.parse_args()
    import numpy as np
    import pandas as pd

    from nigah.dashboard.app import create_app

    home = args.home or Path(tempfile.mkdtemp(prefix="nigah-latency-")) / "home"
    factory, load_s = scenario_store(args.store, home, args.declarations)
    t0 = time.perf_counter()
    store = factory()
    traders = store.node_table("Trader", ["name"])
    open_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    getattr(store, "warm", lambda: None)()  # the embedded index, built once; timed apart
    index_s = time.perf_counter() - t0
    rng = np.random.default_rng(1)
    pick = traders.iloc[rng.integers(0, len(traders), args.runs)]
    ids = [f"Trader:{k}" for k in pick["ntn"]]
    agents = store.node_table("ClearingAgent", [])["licence_no"]
    busy = [f"ClearingAgent:{k}" for k in agents.iloc[rng.integers(0, len(agents), args.runs)]]
    baseline = statistics.median(timed(lambda i: store.get_nodes([i]), ids))
    queries = list(pick["name"].str.split().str[0]) [: args.runs // 2] + list(pick["ntn"])[: args.runs // 2]
    results = {
        "store": args.store, "load_s": load_s,
        "declarations": int(store.counts()["nodes"]["Declaration"]),
        "snapshot_open_s": round(open_s, 2), "index_build_s": round(index_s, 2),
        "baseline_get_node_ms": round(baseline, 3),
        "search": summary(timed(lambda q: store.search(q, 25), queries), baseline),
        "expand_trader": summary(timed(lambda i: store.neighbourhood([i], hops=1, limit=300), ids), baseline),
        "expand_agent": summary(timed(lambda i: store.neighbourhood([i], hops=1, limit=300), busy), baseline),
        "path": summary(timed(lambda ab: store.shortest_paths(*ab, max_hops=4),
                              list(zip(ids, ids[1:] + ids[:1]))), baseline),
    }
    results["first_paint_s"] = first_paint(create_app(factory))
    print(json.dumps(results, indent=2, default=lambda v: pd.Timestamp(v).isoformat()))


if __name__ == "__main__":
    main()
