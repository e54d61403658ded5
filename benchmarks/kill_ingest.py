"""Kill -9 at random points, then rerun: the store must end exactly as an
uninterrupted run leaves it (``GraphStore.checksums``), on either store.

    python benchmarks/kill_ingest.py --points 50 [--stores duckdb,neo4j] [--modes first,update,analyze]
                                     [--declarations 3000] [--batch-rows 500]

Modes: ``first`` (a first load into an empty store), ``update`` (a second
scenario of the same numbering loaded over the first: changed details,
moved links), ``analyze`` (the analyses over a loaded store, risk training
included). For each mode and store the uninterrupted run is measured once
(its checksums and its time); each point then starts the same command, kills
it with SIGKILL after a random share of that time, reruns it to the end and
compares. Neo4j needs NEO4J_URI (the database is emptied).
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def nigah(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nigah", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def checksums(store_name: str, home: Path) -> dict:
    from nigah.graph.open import open_store

    with open_store(store_name, home) as store:
        return store.checksums()


def reset(store_name: str, home: Path) -> None:
    shutil.rmtree(home, ignore_errors=True)
    if store_name == "neo4j":
        from nigah.graph.open import open_store
        with open_store("neo4j", home) as store:
            store.clear()


def prepare(mode: str, store_name: str, home: Path, a: Path, b: Path, batch: int) -> list[str]:
    """The store before the command, and the command to interrupt."""
    reset(store_name, home)
    common = ["--store", store_name, "--home", str(home)]
    if mode == "first":
        return ["ingest", str(a), *common, "--batch-rows", str(batch), "--no-resolve"]
    load = nigah(["ingest", str(a), *common, "--no-resolve"])
    if load.wait() != 0:
        raise SystemExit(f"setting up {mode}: {load.stderr.read()}")
    if mode == "update":
        return ["ingest", str(b), *common, "--batch-rows", str(batch), "--no-resolve"]
    train = nigah(["train", *common, "--epochs", "3", "--trees", "60"])
    if train.wait() != 0:
        raise SystemExit(f"setting up {mode}: {train.stderr.read()}")
    return ["analyze", *common]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--stores", default="duckdb")
    parser.add_argument("--modes", default="first,update,analyze")
    parser.add_argument("--declarations", type=int, default=3000)
    parser.add_argument("--batch-rows", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    opts = parser.parse_args()
    from nigah.ingest.scenario import ScenarioConfig, generate

    rng = random.Random(opts.seed)
    tmp = Path(tempfile.mkdtemp(prefix="nigah-kill-"))
    a, b = tmp / "a", tmp / "b"
    generate(a, ScenarioConfig(declarations=opts.declarations, seed=7))
    generate(b, ScenarioConfig(declarations=opts.declarations, seed=8))   # same numbering, other details
    print("| store | mode | points | killed mid-run | reruns equal to the uninterrupted run | run (s) |")
    print("|---|---|---|---|---|---|")
    for store_name in opts.stores.split(","):
        if store_name == "neo4j" and not os.environ.get("NEO4J_URI"):
            print("| neo4j | (skipped: no NEO4J_URI) | | | | |")
            continue
        for mode in opts.modes.split(","):
            home = tmp / f"home-{store_name}-{mode}"
            # Timed twice, the shorter kept: a server's first run (Neo4j warming up)
            # is slower than the rest, and kills timed by it mostly came after the end.
            took = float("inf")
            for _ in range(2):
                args = prepare(mode, store_name, home, a, b, opts.batch_rows)
                t0 = time.perf_counter()
                run = nigah(args)
                code = run.wait()
                took = min(took, time.perf_counter() - t0)
                if code not in (0, 1):
                    raise SystemExit(f"{mode} on {store_name} failed: {run.stderr.read()}")
            expected = checksums(store_name, home)
            equal = killed = 0
            for point in range(opts.points):
                args = prepare(mode, store_name, home, a, b, opts.batch_rows)
                victim = nigah(args)
                time.sleep(rng.uniform(0.05, 1.0) * took)
                if victim.poll() is None:
                    victim.send_signal(signal.SIGKILL)
                    killed += 1
                victim.wait()
                rerun = nigah(args)
                if rerun.wait() not in (0, 1):
                    print(f"  point {point}: rerun failed: {rerun.stderr.read()[-300:]}", file=sys.stderr)
                    continue
                same = checksums(store_name, home) == expected
                equal += same
                if not same:
                    print(f"  point {point}: rerun differs from the uninterrupted run", file=sys.stderr)
            print(f"| {store_name} | {mode} | {opts.points} | {killed} | {equal} | {took:.1f} |", flush=True)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
