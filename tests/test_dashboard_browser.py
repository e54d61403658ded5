"""The dashboard in a real headless Chromium: search an entity, see and expand its network.

Screenshots are saved under tests/artifacts/ for a person to look at.
"""
from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest
from werkzeug.serving import make_server

from analytics.analyze import analyze
from dashboard.app import create_app
from graph.duckdb_store import DuckDBStore
from ingest.load import ingest_directory

ARTIFACTS = Path(__file__).with_name("artifacts")
CY = "const el = document.getElementById('graph'); const cy = el && el._cyreg && el._cyreg.cy; "
NODE_COUNT = CY + "return cy ? cy.nodes().length : -1;"
HOSTILE_NAME = "<b>Evil</b> & <script>alert(1)</script> Traders"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def home(scenario, tmp_path_factory):
    home = tmp_path_factory.mktemp("dash") / "home"
    with DuckDBStore(home) as store:
        ingest_directory(store, scenario)
        analyze(store)
        truth = pd.read_csv(scenario / "truth" / "rings.csv", dtype=str)
        # An entity name from the data that looks like HTML must show as text.
        store.write_properties("Trader", pd.DataFrame({"ntn": [truth["ntn"].iloc[1]], "name": [HOSTILE_NAME]}))
    return home


@pytest.fixture(scope="module")
def server(home):
    app = create_app(lambda: DuckDBStore(home, snapshot=True))
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def wait(driver, condition, timeout=30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def test_search_shows_the_network_and_expands(server, browser, scenario):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    ARTIFACTS.mkdir(exist_ok=True)
    truth = pd.read_csv(scenario / "truth" / "rings.csv", dtype=str)
    ntn = truth["ntn"].iloc[0]
    browser.get(server)
    box = wait(browser, lambda d: d.find_element(By.ID, "search"))
    wait(browser, lambda d: "store" in d.find_element(By.ID, "store-status").text)
    assert "declarations" in browser.find_element(By.ID, "store-status").text
    box.send_keys(ntn, Keys.ENTER)
    hit = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#results .list-group-item"))[0]
    assert ntn in hit.text and "Trader" in hit.text
    hit.click()
    wait(browser, lambda d: d.execute_script(NODE_COUNT) > 1)
    first = browser.execute_script(NODE_COUNT)
    wait(browser, lambda d: ntn in d.find_element(By.ID, "details").text)
    ring_colour = browser.execute_script(CY + f"return cy.getElementById('Trader:{ntn}').data('community_colour');")
    assert ring_colour, "a trader in a community is drawn with its community ring"
    browser.save_screenshot(str(ARTIFACTS / "01-neighbourhood.png"))

    # Click (tap) a declaration on the canvas: its neighbours are added.
    target = browser.execute_script(CY + "return cy.nodes('.Declaration')[0].id();")
    browser.execute_script(CY + f"cy.getElementById('{target}').emit('tap');")
    wait(browser, lambda d: d.execute_script(NODE_COUNT) > first)
    wait(browser, lambda d: target.split(":", 1)[1] in d.find_element(By.ID, "details").text)
    assert browser.execute_script(CY + f"return cy.getElementById('Trader:{ntn}').length;") == 1
    browser.save_screenshot(str(ARTIFACTS / "02-expanded.png"))

    # Everything the page loaded came from this server: it works air-gapped.
    urls = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert urls and all(u.startswith(server) for u in urls), urls
    assert browser.execute_script(
        "return getComputedStyle(document.documentElement).getPropertyValue('--bs-primary').trim()") == "#0d6efd"


def test_names_from_data_are_text_not_html(server, browser, scenario):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server)
    box = wait(browser, lambda d: d.find_element(By.ID, "search"))
    box.send_keys("evil", Keys.ENTER)
    hit = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#results .list-group-item"))[0]
    assert HOSTILE_NAME in hit.text
    assert not browser.find_elements(By.CSS_SELECTOR, "#results b, #results script")
    browser.save_screenshot(str(ARTIFACTS / "03-hostile-name.png"))


def test_empty_store_says_so(tmp_path, browser):
    app = create_app(lambda: DuckDBStore(tmp_path / "empty", snapshot=True))
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        from selenium.webdriver.common.by import By

        browser.get(f"http://127.0.0.1:{srv.server_port}")
        wait(browser, lambda d: "no data yet" in d.find_element(By.ID, "store-status").text)
    finally:
        srv.shutdown()
