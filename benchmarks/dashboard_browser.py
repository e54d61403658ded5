"""Click to settled canvas, in headless Chromium, on a big store.

    python benchmarks/dashboard_browser.py --declarations 1000000 [--home DIR] [--runs 5] [--store neo4j]

Serves the dashboard (threaded, loopback) over the embedded store under
``--home`` (generated and loaded first when it holds none) or the Neo4j
server at NEO4J_URI (loaded first unless it holds that many GDs), drives it in Debian's headless Chromium as an officer
would, and times each action from the click to the moment the canvas last
changed, once no callback is pending (Dash marks pending components
``data-dash-is-loading``) and the drawing has held still for 150 ms:

- open a trader, an agent and a station from the search results (a busy one
  first shows its neighbour counts: that is settled);
- draw the riskiest 1,000 GDs of the station (about 2,000 elements);
- a click inside that 2,000-element canvas (a GD: its profile and neighbours);
- a path to a trader typed by name.

Baseline, in the same run: the round trip of one trivial callback (Search
with an empty box). Reports p50 and max per action in milliseconds and the
p50's ratio to the baseline. Goals (issue 15): every action at most 1.5 s,
clicks inside the canvas at most 300 ms.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from dashboard_latency import chromium, scenario_store, serve_in_thread  # noqa: E402

CY = "const el = document.getElementById('graph'); const cy = el && el._cyreg && el._cyreg.cy; "
STATE = CY + ("return [cy ? cy.elements().length : -1, "
              "document.querySelectorAll('[data-dash-is-loading=\"true\"]').length];")
STILL = 0.15   # seconds the canvas must hold still to count as settled


def settled(driver, t0: float, timeout: float = 120.0, changed=None) -> float:
    """Milliseconds from ``t0`` to the last change of the canvas (element count,
    or ``changed()``'s value), once nothing is loading and it held still."""
    last_seen, last_change = None, time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        count, loading = driver.execute_script(STATE)
        seen = (count, changed() if changed else None)
        now = time.perf_counter()
        if seen != last_seen:
            last_seen, last_change = seen, now
        elif not loading and now - last_change >= STILL:
            return (last_change - t0) * 1000
        time.sleep(0.02)
    raise TimeoutError("the canvas did not settle")


def text_of(driver, element_id: str) -> str:
    return driver.execute_script(f"const e = document.getElementById('{element_id}'); return e ? e.innerText : '';")


def search(driver, text: str) -> None:
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element("id", "search")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE, text, Keys.ENTER)


def open_hit(driver, text: str, nid: str) -> float:
    """Search ``text``, then time a click on the result ``nid`` until the canvas settles."""
    from selenium.webdriver.support.ui import WebDriverWait

    search(driver, text)
    selector = f'[id*="{nid}"]'
    hit = WebDriverWait(driver, 60).until(lambda d: d.find_elements("css selector", selector))[0]
    status = lambda: text_of(driver, "graph-status")  # noqa: E731
    t0 = time.perf_counter()
    hit.click()
    return settled(driver, t0, changed=status)


def draw_chosen(driver, count: int) -> float:
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element("id", "expand-n")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE, str(count))
    t0 = time.perf_counter()
    driver.find_element("id", "expand-draw").click()
    return settled(driver, t0)


def tap_inside(driver) -> float:
    nid = driver.execute_script(CY + "const n = cy.nodes('.Declaration'); return n[Math.floor(n.length / 2)].id();")
    title = lambda: text_of(driver, "profile-title")  # noqa: E731
    t0 = time.perf_counter()
    driver.execute_script(CY + f"cy.getElementById('{nid}').emit('tap');")
    return settled(driver, t0, changed=title)


def path_by_name(driver, name: str) -> float:
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element("id", "path-to")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE, name)
    status = lambda: text_of(driver, "graph-status")  # noqa: E731
    t0 = time.perf_counter()
    driver.find_element("id", "path-button").click()
    return settled(driver, t0, changed=status)


def baseline(driver) -> float:
    """One trivial callback's round trip: Search with an empty box (after a
    search that matched nothing, so that the answer changes the page)."""
    from selenium.webdriver.common.keys import Keys

    results = lambda: text_of(driver, "results")  # noqa: E731
    search(driver, "qqqzzzxxj")
    while "Nothing matches" not in results():
        time.sleep(0.01)
    box = driver.find_element("id", "search")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    t0 = time.perf_counter()
    driver.find_element("id", "search-button").click()
    while "Type a name" not in results() and time.perf_counter() - t0 < 30:
        time.sleep(0.005)
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=1_000_000)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--store", choices=["duckdb", "neo4j"], default="duckdb")
    a = parser.parse_args()
    import numpy as np

    from nigah.dashboard.app import create_app

    home = a.home or Path(tempfile.mkdtemp(prefix="nigah-browser-")) / "home"
    factory, _ = scenario_store(a.store, home, a.declarations)
    with factory() as store:
        declarations = store.counts()["nodes"]["Declaration"]
        traders = store.node_table("Trader", ["name"])
        agents = store.relationship_table("CLEARED_BY")["target"].value_counts()
        stations = store.relationship_table("LODGED_AT")["target"].value_counts()
        station_names = store.node_table("Station", ["name"]).set_index("code")["name"]
    rng = np.random.default_rng(3)
    picks = traders.iloc[rng.choice(len(traders), size=a.runs * 2, replace=False)]
    app = create_app(factory)
    app.holder.open_now()   # as `nigah serve` does: the snapshot and its index before the first officer
    srv = serve_in_thread(app)
    driver = chromium(tempfile.mkdtemp())
    if driver is None:
        raise SystemExit("needs Debian's chromium and chromium-driver")
    times: dict[str, list[float]] = {k: [] for k in (
        "baseline", "open_trader", "open_agent", "open_station", "draw_1000_of_station", "click_in_canvas",
        "path_by_name")}
    elements = []
    try:
        url = f"http://127.0.0.1:{srv.server_port}/"
        for run in range(a.runs):
            driver.get(url)
            from selenium.webdriver.support.ui import WebDriverWait
            WebDriverWait(driver, 120).until(lambda d: "store" in text_of(d, "store-status"))
            times["baseline"].append(baseline(driver))
            trader = picks.iloc[run]
            times["open_trader"].append(open_hit(driver, trader["ntn"], f"Trader:{trader['ntn']}"))
            agent = agents.index[run % len(agents)]
            times["open_agent"].append(open_hit(driver, agent, f"ClearingAgent:{agent}"))
            station = stations.index[run % len(stations)]
            times["open_station"].append(open_hit(driver, station_names[station], f"Station:{station}"))
            if driver.find_element("id", "expand-choice").is_displayed():
                times["draw_1000_of_station"].append(draw_chosen(driver, 1000))
            elements.append(driver.execute_script(STATE)[0])
            times["click_in_canvas"].append(tap_inside(driver))
            other = picks.iloc[a.runs + run]["name"]
            times["path_by_name"].append(path_by_name(driver, other))
    finally:
        driver.quit()
        srv.shutdown()
    base = statistics.median(times["baseline"])
    report = {"store": a.store, "declarations": declarations, "runs": a.runs,
              "elements_on_the_2000_canvas": elements,
              "baseline_empty_search_ms": round(base, 1)}
    for name, ms in times.items():
        if ms and name != "baseline":
            report[name] = {"p50_ms": round(statistics.median(ms), 1), "max_ms": round(max(ms), 1),
                            "p50_vs_baseline": round(statistics.median(ms) / base, 1)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
