"""Transit diversion scoring speed on a large scenario.

    python benchmarks/transit_scoring.py --declarations 1000000 [--home DIR]

Times reading the inputs from the embedded store, scoring every movement,
ranking the entities and writing scores back, with peak memory; the baseline
in the same process is the bulk read alone (scoring time is also given as a
ratio to it). Detection quality is `nigah evaluate diversion`.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=1_000_000)
    parser.add_argument("--home", type=Path)
    args = parser.parse_args()
    from nigah.analytics.transit import TransitConfig, confirmed_diversions, read_transit_inputs, score_entities, \
        score_movements
    from nigah.analytics.transit.run import run_transit
    from nigah.graph.duckdb_store import DuckDBStore
    from nigah.ingest.load import ingest_directory
    from nigah.ingest.scenario import ScenarioConfig, generate

    home = args.home or Path(tempfile.mkdtemp(prefix="nigah-transit-")) / "home"
    if not (home / "nigah.duckdb").exists():
        generate(home.parent / "data", ScenarioConfig(declarations=args.declarations))
        with DuckDBStore(home) as store:
            ingest_directory(store, home.parent / "data")
    with DuckDBStore(home) as store:
        t0 = time.perf_counter()
        inputs = read_transit_inputs(store)
        read_s = time.perf_counter() - t0
        as_of = inputs.scans["scanned_at"].max()
        t0 = time.perf_counter()
        scored = score_movements(inputs.movements, inputs.scans, inputs.route_stops, inputs.routes,
                                 inputs.stations, as_of, TransitConfig())
        score_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        score_entities(scored, inputs.movements, inputs.vehicles, confirmed_diversions(inputs.movements))
        entity_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        run_transit(store, as_of)
        total_s = time.perf_counter() - t0
    print(json.dumps({
        "declarations": args.declarations, "movements": int(len(scored)), "scans": int(len(inputs.scans)),
        "baseline_bulk_read_s": round(read_s, 2), "score_movements_s": round(score_s, 2),
        "score_entities_s": round(entity_s, 2), "read_score_write_back_s": round(total_s, 2),
        "score_vs_read": round(score_s / read_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}, indent=2))


if __name__ == "__main__":
    main()
