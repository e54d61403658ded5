"""Risk model training and scoring time and peak memory.

    python benchmarks/risk.py --declarations 1000000 [--seed 7] [--home DIR]

Generates and ingests a scenario (or reuses ``--home`` if it already holds
one), runs the transit and community analysis once (their outputs are
features), then, each phase in a child process so that its peak RSS is its
own: the baseline (reading the store and building the features and the
graph, which both training and scoring start with), training (`train_risk`,
which includes that baseline), and scoring every declaration with the saved
model and writing it back (the pipeline's risk stage). Times are also given as ratios to
the baseline.
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


def _phase(name: str, home: str, out) -> None:
    from nigah.analytics.pipeline import run as analyse
    from nigah.analytics.risk import RiskConfig, train_risk
    from nigah.analytics.risk.pipeline import prepare
    from nigah.graph.duckdb_store import DuckDBStore

    store = DuckDBStore(Path(home))
    t0 = time.perf_counter()
    result = {}
    if name == "baseline":
        prepare(store, RiskConfig())
    elif name == "train":
        result = train_risk(store, Path(home), RiskConfig())
    else:
        result = analyse(store, Path(home), stages=("risk",)).summary["risk"]
    store.close()
    out.put({"seconds": round(time.perf_counter() - t0, 1), "peak_mb": round(peak_mb()), **result})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--home", help="store directory to reuse (created and loaded if missing)")
    args = parser.parse_args()
    home = Path(args.home or tempfile.mkdtemp(prefix="nigah-risk-"))
    results = {"declarations": args.declarations}
    if not (home / "nigah.duckdb").exists():
        from nigah.analytics.pipeline import run as analyse
        from nigah.graph.duckdb_store import DuckDBStore
        from nigah.ingest.load import ingest_directory
        from nigah.ingest.scenario import ScenarioConfig, generate

        data = home / "scenario"
        generate(data, ScenarioConfig(declarations=args.declarations, seed=args.seed))
        store = DuckDBStore(home)
        ingest_directory(store, data)
        t0 = time.perf_counter()
        analyse(store, stages=("transit", "communities", "unit_values"))
        results["detectors_seconds"] = round(time.perf_counter() - t0, 1)
        store.close()
    for name in ("baseline", "train", "score"):
        results[name] = run(_phase, name, str(home))
        print(name, results[name], file=sys.stderr, flush=True)
    base = results["baseline"]["seconds"]
    results["train_vs_baseline"] = round(results["train"]["seconds"] / base, 2)
    results["score_vs_baseline"] = round(results["score"]["seconds"] / base, 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
