"""Ingest throughput and peak memory on both stores.

    python benchmarks/ingest_throughput.py --declarations 100000 [--stores duckdb,neo4j]

Each phase runs in a child process so its peak RSS is its own. The baseline,
run in the same invocation, is reading every input file as text, as ingest
does (the parsing floor); each store's time is also given as a ratio to it.
Entity resolution, which `nigah ingest` runs after loading, is timed apart. Neo4j is
taken from NEO4J_URI, or started from tools/neo4j-server on a free port.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.child import peak_mb, run  # noqa: E402


def phase_read(data: str, out) -> None:
    import pandas  # noqa: F401 - imported before the clock starts

    t0 = time.perf_counter()
    from nigah.ingest.readers import read_table

    rows = sum(len(read_table(p)) for p in Path(data).iterdir() if p.is_file())
    out.put({"seconds": time.perf_counter() - t0, "rows": rows, "peak_mb": peak_mb()})


def phase_ingest(store_name: str, data: str, home: str, out) -> None:
    from nigah.graph.open import open_store
    from nigah.ingest.load import ingest_directory

    with open_store(store_name, home=home) as store:
        if store_name == "neo4j":
            store.clear()
        t0 = time.perf_counter()
        report = ingest_directory(store, Path(data))
        seconds = time.perf_counter() - t0
        t1 = time.perf_counter()
        ingest_directory(store, Path(data))
        rerun = time.perf_counter() - t1
    t2 = time.perf_counter()
    with open_store(store_name, home=home) as store:
        from nigah.ingest.resolve import resolve_entities

        resolve_entities(store)
    resolve_seconds = time.perf_counter() - t2
    rows = sum(k.read for k in report.kinds.values())
    out.put({"resolve_seconds": resolve_seconds, "seconds": seconds, "rows": rows, "rows_per_s": rows / seconds,
             "declarations_per_s": report.kinds["Declaration"].read / seconds,
             "rerun_seconds": rerun, "quarantined": report.quarantined_rows, "peak_mb": peak_mb()})


def start_neo4j() -> tuple[str, callable]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    home = tempfile.mkdtemp(prefix="nigah-bench-neo4j-")
    script = ROOT / "tools" / "neo4j-server" / "neo4j-server.sh"
    subprocess.run([str(script), "start", str(port), home], check=True, stdout=subprocess.DEVNULL)
    return f"bolt://127.0.0.1:{port}", lambda: subprocess.run([str(script), "stop", str(port), home])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=100_000)
    parser.add_argument("--stores", default="duckdb,neo4j")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", default="csv", choices=["csv", "parquet"])
    args = parser.parse_args()
    from nigah.ingest.scenario import ScenarioConfig, generate

    work = Path(tempfile.mkdtemp(prefix="nigah-bench-"))
    t0 = time.perf_counter()
    generate(work / "data", ScenarioConfig(declarations=args.declarations, seed=args.seed), fmt=args.format)
    results = {"declarations": args.declarations, "generate_seconds": time.perf_counter() - t0}
    results["baseline_read_csv"] = run(phase_read, str(work / "data"))
    stop = None
    for store in args.stores.split(","):
        if store == "neo4j" and not os.environ.get("NEO4J_URI"):
            os.environ["NEO4J_URI"], stop = start_neo4j()
        r = run(phase_ingest, store, str(work / "data"), str(work / "home"))
        r["ratio_to_baseline"] = r["seconds"] / results["baseline_read_csv"]["seconds"]
        results[store] = r
    if stop:
        stop()
    print(json.dumps(results, indent=2, default=lambda v: round(v, 3)))


if __name__ == "__main__":
    main()
