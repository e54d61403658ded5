"""The dashboard keeps answering while a command-line ingest writes the embedded store."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pandas as pd

from nigah.graph.duckdb_store import DuckDBStore
from nigah.ingest.load import ingest_directory
from nigah.ingest.scenario import ScenarioConfig, generate

HOLD_LOCK = """
import sys, time
import pandas as pd

from nigah.graph.duckdb_store import DuckDBStore
store = DuckDBStore(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
store.close()
"""


def test_snapshot_reader_survives_a_concurrent_ingest(scenario, tmp_path):
    home = tmp_path / "home"
    with DuckDBStore(home) as writer:
        ingest_directory(writer, scenario)
        before = writer.counts()["nodes"]["Declaration"]
    more = tmp_path / "more"
    generate(more, ScenarioConfig(declarations=3000, seed=99))

    dashboard = DuckDBStore(home, snapshot=True)
    trader = dashboard.node_table("Trader", []).iloc[0, 0]
    ingest = subprocess.Popen([sys.executable, "-m", "nigah", "ingest", str(more), "--home", str(home)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    answered = 0
    while ingest.poll() is None:
        dashboard.refresh()  # may or may not see the writer's file: must never fail
        assert dashboard.neighbourhood([f"Trader:{trader}"], hops=1).nodes
        answered += 1
    assert ingest.returncode == 0, ingest.stderr
    assert answered > 0
    assert dashboard.refresh() or dashboard.counts()["nodes"]["Declaration"] > before
    union = set(pd.read_csv(scenario / "declarations.csv")["gd_number"]) | \
        set(pd.read_csv(more / "declarations.csv")["gd_number"])
    assert len(union) > before
    assert dashboard.counts()["nodes"]["Declaration"] == len(union)


def test_refresh_keeps_the_old_copy_while_a_writer_holds_the_file(scenario, tmp_path):
    home = tmp_path / "home"
    with DuckDBStore(home) as writer:
        ingest_directory(writer, scenario)
    dashboard = DuckDBStore(home, snapshot=True)
    counts = dashboard.counts()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(home), "4"], stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert holder.stdout.readline().strip() == "locked"
    os.utime(home / "nigah.duckdb")  # make the file look changed
    start = time.monotonic()
    dashboard.lock_timeout = 0.5
    assert dashboard.refresh() is False
    assert time.monotonic() - start < 3
    assert dashboard.counts() == counts
    holder.wait(timeout=30)
