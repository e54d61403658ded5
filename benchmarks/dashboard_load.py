"""Many officers at once: the dashboard served as `nigah serve` serves it
(waitress, 8 threads, loopback), with sessions in parallel calling its
callbacks over HTTP as the browser does: search by name, expand a trader
(a tap on the canvas), open a profile, the store status. Optionally while an
ingest of more GDs runs against the same store.

    python benchmarks/dashboard_load.py --declarations 30000 [--sessions 50] [--seconds 60] [--during-ingest]

With ``--during-ingest`` the scenario is generated at twice the size; the
first half of its GDs is loaded before serving, the whole scenario is
ingested (a CLI process) while the sessions run, and the benchmark reports
how long after that ingest ended the dashboard showed the new GDs. Reports
p50/p95/max latency per action, errors (HTTP status other than 200/204 or a
failed request), and the baseline: the same status callback from one session
alone, before the load.

Sessions start spread over the first think time, as officers come to their
desks; ``--stampede`` sends every session's first click at the same instant
instead (measured: that one burst of 50 requests, queued behind one
interpreter, alone makes the p95 of a 60 s run ~500 ms).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FILTERS = [{"id": "rel-filter", "property": "value", "value": None},
           {"id": "window", "property": "value", "value": None},
           {"id": "months", "property": "data", "value": None},
           {"id": "min-risk", "property": "value", "value": 0}]


def _outputs(output: str) -> list[dict] | dict:
    """Dash's ``outputs`` for a dependency's output string ("..a.b...c.d.." or "a.b")."""
    def one(part: str) -> dict:
        ident, prop = part.rsplit(".", 1)
        return {"id": ident, "property": prop}
    if output.startswith(".."):
        return [one(p) for p in output[2:-2].split("...")]
    return one(output)


# The callbacks an officer's clicks call: by their first input, and a part of their output.
OUTPUT = {"search.id": "store-status.children", "search-button.n_clicks": "results.children",
          "graph.tapNodeData": "graph.elements", "focus.data": "details.children"}


class Dashboard:
    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.deps = json.loads(self.get("/_dash-dependencies"))

    def _dep(self, name: str) -> dict:
        """The callback whose first input is ``name`` and that outputs ``OUTPUT`` of it."""
        wanted = OUTPUT[name]
        for dep in self.deps:
            first = dep["inputs"][0]
            if f"{first['id']}.{first['property']}" == name and wanted in dep["output"]:
                return dep
        raise KeyError(name)

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.base + path, timeout=60) as r:
            return r.read()

    def call(self, name: str, inputs: list, state: list | None = None) -> tuple[int, bytes]:
        dep = self._dep(name)
        body = {"output": dep["output"], "outputs": _outputs(dep["output"]), "inputs": inputs,
                "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"], "state": state or []}
        req = urllib.request.Request(self.base + "/_dash-update-component", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    # the actions an officer takes
    def status(self, _rng) -> tuple[int, bytes]:
        return self.call("search.id", [{"id": "search", "property": "id", "value": "search"}])

    def search(self, rng, names: list[str]) -> tuple[int, bytes]:
        return self.call("search-button.n_clicks",
                         [{"id": "search-button", "property": "n_clicks", "value": 1},
                          {"id": "search", "property": "n_submit", "value": None}],
                         [{"id": "search", "property": "value", "value": rng.choice(names)}])

    def expand(self, rng, ids: list[str]) -> tuple[int, bytes]:
        nid = rng.choice(ids)
        return self.call("graph.tapNodeData", [{"id": "graph", "property": "tapNodeData",
                                                "value": {"id": nid, "label": nid}}],
                         [{"id": "graph", "property": "elements", "value": []}, *FILTERS])

    def profile(self, rng, ids: list[str]) -> tuple[int, bytes]:
        return self.call("focus.data", [{"id": "focus", "property": "data", "value": rng.choice(ids)}])


def serve(home: Path) -> tuple[int, subprocess.Popen]:
    """`nigah serve` in a process of its own (the clients here must not share its interpreter lock)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "nigah", "serve", "--home", str(home), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
            return port, server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("the dashboard did not start")


def session(dash: Dashboard, seed: int, until: float, names, ids, out: list, errors: list,
            think: tuple[float, float], stampede: bool) -> None:
    rng = random.Random(seed)
    if not stampede:   # officers come to their desks over the first think time, not in one millisecond
        time.sleep(rng.uniform(0, think[1]))
    actions = [("search", lambda: dash.search(rng, names)), ("expand", lambda: dash.expand(rng, ids)),
               ("profile", lambda: dash.profile(rng, ids)), ("status", lambda: dash.status(rng))]
    while time.monotonic() < until:
        name, act = rng.choice(actions)
        t0, started = time.perf_counter(), time.monotonic()
        try:
            code, _ = act()
        except Exception as exc:   # a refused or timed-out connection is an error to count
            code = repr(exc)
        ms = (time.perf_counter() - t0) * 1000
        out.append((name, ms, started))
        if code not in (200, 204):
            errors.append((name, code))
        time.sleep(rng.uniform(*think))   # an officer reads before the next click


def pct(ms: list[float]) -> dict:
    if len(ms) < 2:
        return {"n": len(ms)}
    q = statistics.quantiles(ms, n=20)
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(q[18], 1),
            "max_ms": round(max(ms), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=30_000)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--during-ingest", action="store_true")
    parser.add_argument("--think", default="2,8", help="seconds between one session's clicks: min,max "
                        "(an officer reads a profile before the next click; 0.2,1 is a stress test)")
    parser.add_argument("--stampede", action="store_true",
                        help="every session's first click at the same instant (by default the sessions "
                             "start spread over the first think time)")
    a = parser.parse_args()
    import pandas as pd

    from nigah.graph.duckdb_store import DuckDBStore
    from nigah.ingest.load import ingest_directory
    from nigah.ingest.scenario import ScenarioConfig, generate

    tmp = Path(tempfile.mkdtemp(prefix="nigah-load-"))
    data, first, home = tmp / "data", tmp / "first", tmp / "home"
    total = a.declarations * (2 if a.during_ingest else 1)
    generate(data, ScenarioConfig(declarations=total))
    if a.during_ingest:   # the first half of the GDs now, the rest while the officers work
        first.mkdir()
        for f in data.glob("*.csv"):
            frame = pd.read_csv(f, dtype=str, keep_default_na=False)
            if f.name in ("declarations.csv", "checkpoint_scans.csv"):
                gds = pd.read_csv(data / "declarations.csv", dtype=str)["gd_number"].head(a.declarations)
                frame = frame[frame["gd_number"].isin(set(gds))]
            frame.to_csv(first / f.name, index=False)
    with DuckDBStore(home) as store:
        ingest_directory(store, first if a.during_ingest else data)
        traders = store.node_table("Trader", ["name"])
        before = store.counts()["nodes"]["Declaration"]
    names = [n.split()[0] for n in traders["name"]] + list(traders["ntn"])
    ids = [f"Trader:{k}" for k in traders["ntn"]]
    port, server = serve(home)
    dash = Dashboard(port)
    dash.get("/")
    dash.status(None)   # the first call opens the snapshot
    baseline = [0.0] * 20
    for i in range(20):
        t0 = time.perf_counter()
        dash.status(None)
        baseline[i] = (time.perf_counter() - t0) * 1000
    think = tuple(float(x) for x in a.think.split(","))
    out, errors = [], []
    until = time.monotonic() + a.seconds
    threads = [threading.Thread(target=session, args=(dash, i, until, names, ids, out, errors, think, a.stampede))
               for i in range(a.sessions)]
    for t in threads:
        t.start()
    ingest = {}
    if a.during_ingest:
        time.sleep(min(think[1] + 2, a.seconds / 4))   # once every session is at work
        t0, ingest_started = time.perf_counter(), time.monotonic()
        run = subprocess.run([sys.executable, "-m", "nigah", "ingest", str(data), "--home", str(home),
                              "--no-resolve"], capture_output=True, text=True)
        ended = time.monotonic()
        ingest = {"exit": run.returncode, "seconds": round(time.perf_counter() - t0, 1),
                  "declarations_before": before}
        seen = None
        while time.monotonic() - ended < 60:
            _, body = dash.status(None)
            m = re.search(r"([\d,]+) declarations", body.decode())
            if m and int(m.group(1).replace(",", "")) == total:
                seen = round(time.monotonic() - ended, 1)
                break
            time.sleep(0.25)
        ingest["new_gds_visible_after_s"] = seen
        window = [ms for _, ms, at in out if ingest_started <= at <= ended + (seen or 0)]
        if window:
            ingest["requests_while_loading"] = pct(window)
        # the two parts of that window: the ingest's own run, and the new snapshot's copy after it
        loading = [ms for _, ms, at in out if ingest_started <= at <= ended]
        swapping = [ms for _, ms, at in out if ended < at <= ended + (seen or 0)]
        if loading:
            ingest["requests_during_the_ingest"] = pct(loading)
        if swapping:
            ingest["requests_while_the_new_snapshot_is_built"] = pct(swapping)
    for t in threads:
        t.join()
    server.terminate()
    server.wait()
    by = {}
    for name, ms, _ in out:
        by.setdefault(name, []).append(ms)
    everything = [ms for _, ms, _ in out]
    result = {"declarations": total, "sessions": a.sessions, "seconds": a.seconds, "think_s": think,
              "start": "stampede" if a.stampede else "spread over the first think time",
              "requests_per_s": round(len(out) / a.seconds, 1),
              "baseline_status_ms": round(statistics.median(baseline), 1),
              "all": pct(everything), **{k: pct(v) for k, v in sorted(by.items())},
              "errors": len(errors), "error_examples": errors[:5], "ingest": ingest}
    if "p95_ms" in result["all"]:
        result["p95_vs_baseline"] = round(result["all"]["p95_ms"] / max(result["baseline_status_ms"], 0.1), 1)
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
