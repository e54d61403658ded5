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


def test_the_dashboard_swaps_in_new_data_without_making_requests_wait(scenario, tmp_path):
    """While a new snapshot is being copied, requests answer from the old one;
    then the new data is there without a restart."""
    from nigah.dashboard.state import StoreHolder

    home = tmp_path / "home"
    half = tmp_path / "half"
    half.mkdir()
    for f in scenario.glob("*.csv"):
        frame = pd.read_csv(f, dtype=str, keep_default_na=False)
        if f.name in ("declarations.csv", "checkpoint_scans.csv"):
            first = set(pd.read_csv(scenario / "declarations.csv", dtype=str)["gd_number"].head(500))
            frame = frame[frame["gd_number"].isin(first)]
        frame.to_csv(half / f.name, index=False)
    with DuckDBStore(home) as writer:
        ingest_directory(writer, half)
    holder = StoreHolder(lambda: DuckDBStore(home, snapshot=True), refresh_seconds=0.2)
    assert holder.call(lambda s: s.counts()["nodes"]["Declaration"]) == 500
    load = subprocess.run([sys.executable, "-m", "nigah", "ingest", str(scenario), "--home", str(home),
                           "--no-resolve"], capture_output=True, text=True)
    assert load.returncode == 0, load.stderr
    ended, seen, slowest = time.monotonic(), None, 0.0
    while time.monotonic() - ended < 20:
        t0 = time.monotonic()
        n = holder.call(lambda s: s.counts()["nodes"]["Declaration"])
        slowest = max(slowest, time.monotonic() - t0)
        if n == 1500:
            seen = time.monotonic() - ended
            break
        time.sleep(0.05)
    assert seen is not None and seen < 10
    assert slowest < 0.5   # no request paid for the copy


def test_requests_read_the_snapshot_side_by_side_and_a_swapped_copy_waits_for_its_readers(scenario, tmp_path):
    """No request queues behind another: a request blocked in the middle of its
    work lets a second one run (with one lock for all, this would deadlock), and
    the snapshot swapped out under the first is closed only once it has finished."""
    import threading

    from nigah.dashboard.state import StoreHolder

    home = tmp_path / "home"
    with DuckDBStore(home) as writer:
        ingest_directory(writer, scenario)
    holder = StoreHolder(lambda: DuckDBStore(home, snapshot=True), refresh_seconds=0.1)
    second_ran, outcome = threading.Event(), {}

    def first(store):
        assert second_ran.wait(timeout=20), "the second request waited for the first"
        with DuckDBStore(home) as writer:   # the file changes: the holder swaps in a new snapshot
            writer.save_case("during", {"entities": ["Trader:x"], "notes": {}})
        deadline = time.monotonic() + 20
        while holder._store is store and time.monotonic() < deadline:
            time.sleep(0.05)
        outcome["swapped"] = holder._store is not store
        return store.counts()["nodes"]["Declaration"]   # the old copy still answers

    reader = threading.Thread(target=lambda: outcome.setdefault("first", holder.call(first)))
    reader.start()
    time.sleep(0.3)
    outcome["second"] = holder.call(lambda s: s.counts()["nodes"]["Declaration"])
    second_ran.set()
    reader.join(timeout=60)
    assert outcome["swapped"] and outcome["first"] == outcome["second"] > 0
    assert holder.call(lambda s: s.list_cases()) == ["during"]
    assert not holder._retired and not holder._readers   # the old copy was closed after its reader


def test_a_request_past_its_time_bound_is_stopped_with_a_clear_error(scenario, tmp_path):
    from nigah.dashboard.state import RequestTooLong, StoreHolder

    home = tmp_path / "home"
    with DuckDBStore(home) as writer:
        ingest_directory(writer, scenario)
    holder = StoreHolder(lambda: DuckDBStore(home, snapshot=True), request_seconds=0.5)
    holder.open_now()
    start = time.monotonic()
    slow = "SELECT count(*) FROM range(100000000) a, range(100000) b WHERE a.range + b.range = -1"
    try:
        holder.call(lambda s: s._sql(slow))
    except RequestTooLong as exc:
        assert "longer than" in str(exc)
    else:
        raise AssertionError("the slow request was not stopped")
    assert time.monotonic() - start < 10
    assert holder.call(lambda s: s.counts()["nodes"]["Declaration"]) > 0   # and the next one is served
