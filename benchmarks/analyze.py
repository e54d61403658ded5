"""The whole analysis (``nigah analyze``): one pipeline against the stages run
one at a time, each reading the store afresh. Wall time, peak memory, ratios.

    python benchmarks/analyze.py --declarations 1000000 [--data DIR --home DIR] [--epochs 2]

Generates a scenario and ingests it into the embedded store (or reuses
``--data``/``--home``), trains a risk model once (``--epochs``: scoring time
does not depend on how long the model trained), then, on two copies of the
same store, each in a child process so that its peak RSS is its own:

- ``stage_by_stage`` (the baseline): ``run(stages=(s,))`` for each stage in
  turn, so every stage reads the tables it needs from the store and finds the
  earlier stages' scores there, as the analysis did before the pipeline;
- ``pipeline``: one ``run()``, each table read once, frames passed on, the
  writes sent once per label and row set.

Both must leave byte-identical stores (``stats --checksum``); the result says
whether they do. Figures for this machine are in docs/architecture.md.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.child import peak_mb, run  # noqa: E402
from benchmarks.communities import phase_generate, phase_ingest  # noqa: E402


def phase_train(home: str, epochs: int, out) -> None:
    from nigah.analytics.risk import RiskConfig, train_risk
    from nigah.graph.duckdb_store import DuckDBStore

    t0 = time.perf_counter()
    with DuckDBStore(home) as store:
        train_risk(store, home, RiskConfig(epochs=epochs))
    out.put({"seconds": time.perf_counter() - t0, "peak_mb": peak_mb()})


def phase_analyze(home: str, one_by_one: bool, out) -> None:
    from nigah.analytics.pipeline import STAGES, run as analyze
    from nigah.graph.duckdb_store import DuckDBStore

    with DuckDBStore(home) as store:
        t0 = time.perf_counter()
        for stages in ([(s,) for s in STAGES] if one_by_one else [STAGES]):
            analyze(store, home, stages=stages)
        seconds = time.perf_counter() - t0
        checksums = store.checksums()
    out.put({"seconds": seconds, "peak_mb": peak_mb(), "checksums": checksums})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--declarations", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", help="reuse this scenario directory")
    parser.add_argument("--home", help="reuse this ingested (and trained) embedded store")
    parser.add_argument("--epochs", type=int, default=2, help="training epochs of the risk model")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nigah-analyze-"))
    result: dict = {"declarations": args.declarations}
    data = args.data or str(work / "data")
    home = args.home or str(work / "home")
    if not args.data:
        result["generate"] = run(phase_generate, data, args.declarations, args.seed)
    if not args.home:
        result["ingest"] = run(phase_ingest, home, data)
        result["train"] = run(phase_train, home, args.epochs)
    for name, one_by_one in (("stage_by_stage", True), ("pipeline", False)):
        copy = work / name
        shutil.copytree(home, copy, dirs_exist_ok=True)
        result[name] = run(phase_analyze, str(copy), one_by_one)
        shutil.rmtree(copy)
    base, new = result["stage_by_stage"], result["pipeline"]
    result["identical_stores"] = base.pop("checksums") == new.pop("checksums")
    result["wall_ratio"] = round(new["seconds"] / base["seconds"], 3)
    result["peak_ratio"] = round(new["peak_mb"] / base["peak_mb"], 3)
    print(json.dumps(result, indent=2))
    if not args.home:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
