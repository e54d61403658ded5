"""The managers' Regional risk tab in a real headless Chromium: the map and the
heatmap draw with data, a filter changes them, nothing comes from outside.

Screenshots are saved under tests/artifacts/ for a person to look at.
"""
from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest
from werkzeug.serving import make_server

from nigah.dashboard.app import create_app
from nigah.graph.duckdb_store import DuckDBStore
from nigah.ingest.load import ingest_directory

ARTIFACTS = Path(__file__).with_name("artifacts")
HOSTILE_STATION = "<b>Evil</b> Port & <script>alert(1)</script>"
PLOT = "const g = document.querySelector('#{id} .js-plotly-plot'); "
HEATMAP_SUM = PLOT.format(id="regional-heatmap") + \
    "return g && g.data && g.data[0] && g.data[0].type === 'heatmap' ? " \
    "g.data[0].z.flat().reduce((a, b) => a + (b || 0), 0) : -1;"
MAP_POINTS = "return document.querySelectorAll('#regional-map .scatterlayer .trace path.point').length;"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def home(scenario, tmp_path_factory):
    home = tmp_path_factory.mktemp("regional") / "home"
    with DuckDBStore(home) as store:
        ingest_directory(store, scenario)
        # A station name from the data that looks like HTML must show as text on the map and heatmap.
        store.write_properties("Station", pd.DataFrame({"code": ["GWD"], "name": [HOSTILE_STATION]}))
    return home


def _serve(app):
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_port}"


@pytest.fixture(scope="module")
def server(home):
    srv, url = _serve(create_app(lambda: DuckDBStore(home, snapshot=True)))
    yield url
    srv.shutdown()


def wait(driver, condition, timeout=30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def open_regional(browser, url):
    from selenium.webdriver.common.by import By

    browser.get(url)
    tab = wait(browser, lambda d: d.find_elements(
        By.XPATH, "//*[contains(@class, 'nav-link') and normalize-space() = 'Regional risk']"))[0]
    tab.click()


def full_page(browser, path: Path, elements: dict[str, Path] | None = None) -> None:
    """A screenshot of the whole page, and of the elements with the given ids
    (the window grows to the page, then returns)."""
    from selenium.webdriver.common.by import By

    size = browser.get_window_size()
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(size["width"], height + 160)
    try:
        browser.save_screenshot(str(path))
        for element_id, element_path in (elements or {}).items():
            browser.find_element(By.ID, element_id).screenshot(str(element_path))
    finally:
        browser.set_window_size(size["width"], size["height"])


def test_regional_view_draws_filters_and_stays_local(server, browser, scenario):
    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(exist_ok=True)
    csv = pd.read_csv(scenario / "declarations.csv")
    stations = pd.read_csv(scenario / "stations.csv")
    open_regional(browser, server)

    # The heatmap draws, with data; the map has a marker per station.
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#regional-heatmap g.heatmaplayer g.hm"))
    wait(browser, lambda d: d.execute_script(MAP_POINTS) >= len(stations))
    wait(browser, lambda d: f"{len(csv):,}" in d.find_element(By.ID, "regional-kpis").text)
    assert "risk proxy" in browser.find_element(By.ID, "regional-notes").text.lower() or \
        "red channel" in browser.find_element(By.ID, "regional-notes").text
    assert "Red-channel share (risk proxy)" in browser.find_element(By.ID, "regional-metric").text
    # The station name that looks like HTML is text everywhere Plotly draws it.
    for graph in ("regional-map", "regional-heatmap"):
        text = browser.execute_script(f"return document.getElementById('{graph}').textContent")
        assert "<b>Evil</b> Port" in text, graph
        assert not browser.find_elements(By.CSS_SELECTOR, f"#{graph} script, #{graph} b, #{graph} a[href]")
    full_page(browser, ARTIFACTS / "10-regional.png", {"regional-map": ARTIFACTS / "11-regional-map.png"})

    # Declarations per station and month: the heatmap adds up to every GD.
    browser.find_element(By.CSS_SELECTOR, "#regional-metric input[value='declarations']").click()
    wait(browser, lambda d: d.execute_script(HEATMAP_SUM) == len(csv))

    # Untick imports: the heatmap now counts exports and transits only.
    browser.find_element(By.CSS_SELECTOR, "#regional-gd-type input[value='import']").click()
    others = int((csv["gd_type"] != "import").sum())
    wait(browser, lambda d: d.execute_script(HEATMAP_SUM) == others)
    wait(browser, lambda d: f"{others:,}" in d.find_element(By.ID, "regional-kpis").text)

    # Seizures: the heatmap shows as many as the file has among the GDs still selected.
    browser.find_element(By.CSS_SELECTOR, "#regional-metric input[value='seizures']").click()
    seized = int(((csv["gd_type"] != "import") & (csv["inspection_outcome"] == "seizure")).sum())
    wait(browser, lambda d: d.execute_script(HEATMAP_SUM) == seized)
    assert "seizures" in browser.find_element(By.ID, "regional-heatmap-title").text.lower()
    full_page(browser, ARTIFACTS / "12-regional-filtered.png")


    # Untick every GD type: an empty state says so.
    for kind in ("export", "transit"):
        browser.find_element(By.CSS_SELECTOR, f"#regional-gd-type input[value='{kind}']").click()
    wait(browser, lambda d: "No declarations match" in d.find_element(By.ID, "regional-status").text)

    # Everything the page loaded came from this server: no tiles, no topojson, no CDN.
    urls = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert urls and all(u.startswith(server) for u in urls), [u for u in urls if not u.startswith(server)]


def test_investigation_tab_still_searches(server, browser):
    from selenium.webdriver.common.by import By

    open_regional(browser, server)
    browser.find_element(By.XPATH, "//*[contains(@class, 'nav-link') and normalize-space() = 'Investigation']").click()
    box = wait(browser, lambda d: d.find_element(By.ID, "search"))
    wait(browser, lambda d: box.is_displayed())
    assert not browser.find_element(By.ID, "regional-heatmap").is_displayed()


def test_empty_store_regional_says_no_data_yet(tmp_path, browser):
    from selenium.webdriver.common.by import By

    srv, url = _serve(create_app(lambda: DuckDBStore(tmp_path / "empty", snapshot=True)))
    try:
        open_regional(browser, url)
        wait(browser, lambda d: "No declarations yet" in d.find_element(By.ID, "regional-status").text)
        full_page(browser, ARTIFACTS / "13-regional-empty.png")
    finally:
        srv.shutdown()
