"""The dashboard in a real headless Chromium: search an entity, see and expand its network.

Screenshots are saved under tests/artifacts/ for a person to look at.
"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from werkzeug.serving import make_server

from nigah.analytics.pipeline import run
from nigah.analytics.risk import RiskConfig, train_risk
from nigah.dashboard.app import create_app
from nigah.graph import audit
from nigah.graph.duckdb_store import DuckDBStore
from nigah.graph.export.common import file_name
from nigah.ingest.load import ingest_directory

ARTIFACTS = Path(__file__).with_name("artifacts")
CY = "const el = document.getElementById('graph'); const cy = el && el._cyreg && el._cyreg.cy; "
NODE_COUNT = CY + "return cy ? cy.nodes().length : -1;"
POSITIONS = CY + "const p = {}; cy.nodes().forEach(n => { p[n.id()] = [n.position('x'), n.position('y')]; }); return p;"
HOSTILE_NAME = "<b>Evil</b> & <script>alert(1)</script> Traders"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def home(scenario, tmp_path_factory):
    home = tmp_path_factory.mktemp("dash") / "home"
    with DuckDBStore(home) as store:
        ingest_directory(store, scenario)
        # A small model first (the risk stage would train a full one), trained on
        # the diversion scores of the stages before it.
        run(store, home, stages=("transit", "communities", "unit_values"))
        train_risk(store, home, RiskConfig(epochs=4, hidden=16, batch_size=64))
        run(store, home, stages=("risk",))
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
    assert "· NTN" in hit.text   # which field matched
    assert browser.find_element(By.ID, "results-count").text.startswith("1 match")
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


def click(driver, element_id):
    from selenium.webdriver.common.by import By

    from selenium.common.exceptions import ElementClickInterceptedException

    el = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
    try:
        el.click()
    except ElementClickInterceptedException:
        # Below a tall profile the button can sit under a plot's hover layer:
        # dispatch the click on the button itself.
        driver.execute_script("arguments[0].click();", el)


def pick(browser, server, text):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    if browser.current_url.startswith(server):   # a fresh canvas: not the one the last test left
        browser.execute_script("window.sessionStorage.removeItem('nigah-canvas');")
    browser.get(server)
    box = wait(browser, lambda d: d.find_element(By.ID, "search"))
    box.send_keys(text, Keys.ENTER)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#results .list-group-item"))[0].click()
    wait(browser, lambda d: d.execute_script(NODE_COUNT) > 0)


def test_search_expand_path_case_export(server, browser, scenario, tmp_path):
    """An investigator's round trip: search, expand, find a path, put it in a case, export it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.set_window_size(1400, 2200)  # the case card sits below the profile
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    rings = pd.read_csv(scenario / "truth" / "rings.csv", dtype=str)
    a, b = rings.groupby("ring_id")["ntn"].apply(list).iloc[0][:2]
    pick(browser, server, a)
    wait(browser, lambda d: a in d.find_element(By.ID, "profile-title").text or
         "Importer" in d.find_element(By.ID, "details").text or a in d.find_element(By.ID, "details").text)
    assert "traders.csv, row" in browser.find_element(By.ID, "profile-provenance").text
    before = browser.execute_script(NODE_COUNT)
    browser.find_element(By.ID, "path-to").send_keys(f"Trader:{b}")
    click(browser, "path-button")
    wait(browser, lambda d: "shortest path" in d.find_element(By.ID, "graph-status").text)
    on_path = browser.execute_script(CY + "return cy.nodes('.path').map(n => n.id());")
    assert f"Trader:{a}" in on_path and f"Trader:{b}" in on_path
    assert browser.execute_script(NODE_COUNT) >= before
    browser.save_screenshot(str(ARTIFACTS / "04-path.png"))

    click(browser, "case-add-all")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#case-list .list-group-item"))
    browser.find_element(By.ID, "case-note").send_keys("controller's front")
    click(browser, "case-note-save")
    wait(browser, lambda d: "controller's front" in d.find_element(By.ID, "case-entities").text)
    browser.find_element(By.ID, "case-name").send_keys("Ring under watch")
    click(browser, "case-save")
    wait(browser, lambda d: "Saved case Ring under watch" in d.find_element(By.ID, "case-status").text)
    Select(browser.find_element(By.ID, "export-format")).select_by_value("graphml")
    click(browser, "export-button")
    wait(browser, lambda d: list(downloads.glob("*.graphml")))
    graph = nx.read_graphml(next(downloads.glob("*.graphml")))
    assert f"Trader:{a}" in graph and f"Trader:{b}" in graph
    assert graph.nodes[f"Trader:{a}"].get("case_note") == "controller's front"
    Select(browser.find_element(By.ID, "export-format")).select_by_value("html")
    click(browser, "export-button")
    wait(browser, lambda d: list(downloads.glob("*.html")))
    report = next(downloads.glob("*.html")).read_text(encoding="utf-8")
    assert "<svg" in report and "controller&#x27;s front" in report
    click(browser, "image-png")  # the canvas as a picture
    wait(browser, lambda d: list(downloads.glob("nigah-canvas*.png")))
    png = next(downloads.glob("nigah-canvas*.png")).read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    browser.save_screenshot(str(ARTIFACTS / "05-case.png"))
    # The case was kept in the store: it reopens after a reload.
    browser.get(server)
    wait(browser, lambda d: "Ring under watch" in d.find_element(By.ID, "case-open").text)


def test_transit_movement_on_its_corridor(server, browser, home):
    from selenium.webdriver.common.by import By

    with DuckDBStore(home, snapshot=True) as store:
        decl = store.node_table("Declaration", ["gd_type", "diversion_score"])
    flagged = decl[(decl["gd_type"] == "transit")].sort_values("diversion_score").iloc[-1]["gd_number"]
    pick(browser, server, flagged)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#movement-map .scatterlayer"))
    text = browser.find_element(By.ID, "details").text
    assert "Transit diversion" in text
    assert browser.find_elements(By.CSS_SELECTOR, "#details .reasons li")
    browser.save_screenshot(str(ARTIFACTS / "06-movement.png"))


def test_risky_declaration_shows_its_channel_and_reasons(server, browser, home):
    from selenium.webdriver.common.by import By

    with DuckDBStore(home, snapshot=True) as store:
        decl = store.node_table("Declaration", ["gd_type", "risk", "risk_channel", "risk_reasons"])
    riskiest = decl[decl["gd_type"] == "import"].sort_values("risk").iloc[-1]
    pick(browser, server, riskiest["gd_number"])
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#profile-risk-reasons li"))
    shown = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#profile-risk-reasons .reason-text")]
    assert shown == riskiest["risk_reasons"].split("\n")
    # each reason about an entity links to it (risk_evidence), the others do not
    with DuckDBStore(home, snapshot=True) as store:
        evidence = store.get_nodes([f"Declaration:{riskiest['gd_number']}"])[0].properties["risk_evidence"]
    entities = [json.loads(r)["entity"] for r in evidence.split("\n")]
    links = [a.get_attribute("title") for a in browser.find_elements(By.CSS_SELECTOR, "#profile-risk-reasons a")]
    assert links == [f"open {e}" for e in entities if e]
    assert browser.find_element(By.ID, "profile-channel").text == f"{riskiest['risk_channel']} channel"
    assert f"Risk: {riskiest['risk']:.2f}" in browser.find_element(By.ID, "details").text
    browser.save_screenshot(str(ARTIFACTS / "07-risk.png"))


def test_flagged_declaration_shows_its_unit_value_reason(server, browser, home):
    from selenium.webdriver.common.by import By

    with DuckDBStore(home, snapshot=True) as store:
        decl = store.node_table("Declaration", ["unit_value_flag", "unit_value_reasons"])
    flagged = decl[decl["unit_value_flag"] == "under_invoicing"].iloc[0]
    pick(browser, server, flagged["gd_number"])
    shown = wait(browser, lambda d: d.find_element(By.ID, "profile-unit-value")).text
    assert "under invoicing" in shown and flagged["unit_value_reasons"] in shown
    assert flagged["unit_value_reasons"].startswith("unit value ") and "% below the HS " in shown
    browser.save_screenshot(str(ARTIFACTS / "07-unit-value.png"))


def test_communities_list_opens_a_community(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server)
    wait(browser, lambda d: d.find_element(By.LINK_TEXT, "Communities")).click()
    rows = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#community-table tbody tr"))
    assert rows
    rows[0].find_element(By.TAG_NAME, "button").click()
    wait(browser, lambda d: "Community" in d.find_element(By.ID, "graph-status").text)
    assert browser.execute_script(NODE_COUNT) > 1
    browser.save_screenshot(str(ARTIFACTS / "07-community.png"))


def test_unreachable_store_says_so(browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from nigah.graph.neo4j_store import Neo4jStore

    app = create_app(lambda: Neo4jStore(uri="bolt://127.0.0.1:9"))  # nothing listens there
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        browser.get(f"http://127.0.0.1:{srv.server_port}")
        wait(browser, lambda d: "store unreachable" in d.find_element(By.ID, "store-status").text)
        browser.find_element(By.ID, "search").send_keys("indus", Keys.ENTER)
        wait(browser, lambda d: "Store unreachable" in d.find_element(By.ID, "results").text)
    finally:
        srv.shutdown()


def _open(browser, text):
    """Search without reloading the page and open the first hit."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = browser.find_element(By.ID, "search")
    box.send_keys(Keys.CONTROL, "a")   # clear() alone is not seen by the page's input
    box.send_keys(Keys.DELETE)
    box.send_keys(text, Keys.ENTER)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#results .list-group-item")
         and text in d.find_element(By.ID, "results").text)
    browser.find_elements(By.CSS_SELECTOR, "#results .list-group-item")[0].click()


def test_cases_cannot_be_lost(server, browser, scenario, home, tmp_path):
    """Finding 4: a basket that survives a reload and lists names; a note per
    entity; no silent overwrite (the replaced contents stay as a version);
    remove one entity, delete a case; finding 9: the SVG image and a case
    name with ':' that still extracts on Windows."""
    import zipfile

    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(exist_ok=True)
    browser.set_window_size(1400, 2200)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    with DuckDBStore(home, snapshot=True) as store:
        traders = store.node_table("Trader", ["name"])
    traders = traders[~traders["name"].str.contains("<")]   # plain names (one is written as HTML)
    (a, name_a), (b, name_b) = traders[["ntn", "name"]].iloc[5:7].itertuples(index=False)
    browser.get(server)
    browser.execute_script("sessionStorage.clear();")
    pick(browser, server, a)
    wait(browser, lambda d: a in d.find_element(By.ID, "details").text)
    click(browser, "case-add")
    wait(browser, lambda d: name_a in d.find_element(By.ID, "case-entities").text)   # a name, not Trader:…
    browser.find_element(By.ID, "case-note").send_keys("the front")
    click(browser, "case-note-save")
    wait(browser, lambda d: "the front" in d.find_element(By.ID, "case-entities").text)
    _open(browser, b)
    wait(browser, lambda d: b in d.find_element(By.ID, "details").text)
    wait(browser, lambda d: d.find_element(By.ID, "case-note").get_attribute("value") == "")   # not a's note
    click(browser, "case-add")
    wait(browser, lambda d: name_b in d.find_element(By.ID, "case-entities").text)
    browser.find_element(By.ID, "case-name").send_keys("Ring: Karachi/Quetta")
    click(browser, "case-save")
    wait(browser, lambda d: "Saved case Ring: Karachi/Quetta (2" in d.find_element(By.ID, "case-status").text)

    drawn = browser.execute_script(POSITIONS)
    browser.get(server)   # a reload keeps the basket, and the canvas as it was
    wait(browser, lambda d: name_b in d.find_element(By.ID, "case-entities").text)
    assert name_a in browser.find_element(By.ID, "case-entities").text
    wait(browser, lambda d: d.execute_script(NODE_COUNT) == len(drawn))
    assert browser.execute_script(POSITIONS) == drawn
    assert browser.execute_script(CY + "return cy.nodes('.Declaration').length > 0;")   # coloured by label again
    browser.save_screenshot(str(ARTIFACTS / "09-basket-after-reload.png"))

    click(browser, "image-svg")   # the canvas as SVG (it did nothing before)
    pick(browser, server, a)
    click(browser, "image-svg")
    wait(browser, lambda d: list(downloads.glob("nigah-canvas*.svg")))
    assert "<svg" in next(downloads.glob("nigah-canvas*.svg")).read_text(encoding="utf-8")[:500]

    # Another case, then its name typed over the first: refused once, replaced on a second click.
    from selenium.webdriver.common.keys import Keys

    def rename_box(text):
        box = browser.find_element(By.ID, "case-name")
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(Keys.DELETE)
        box.send_keys(text)

    rename_box("Other")
    click(browser, "case-save")
    wait(browser, lambda d: "Saved case Other" in d.find_element(By.ID, "case-status").text)
    browser.find_element(By.CSS_SELECTOR, "#case-list .case-remove").click()
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#case-list .list-group-item")) == 1)
    # the selected entity (a) left the case: its note is no longer in the box
    wait(browser, lambda d: d.find_element(By.ID, "case-note").get_attribute("value") == "")
    rename_box("Ring: Karachi/Quetta")
    click(browser, "case-save")
    wait(browser, lambda d: "already exists (2 entities)" in d.find_element(By.ID, "case-status").text)
    with DuckDBStore(home, snapshot=True) as store:
        assert len(store.load_case("Ring: Karachi/Quetta")["entities"]) == 2   # nothing replaced yet
    click(browser, "case-save")
    wait(browser, lambda d: "Saved case Ring: Karachi/Quetta (1" in d.find_element(By.ID, "case-status").text)
    with DuckDBStore(home, snapshot=True) as store:
        assert [v["entities"] for v in store.case_versions("Ring: Karachi/Quetta")] == [1, 2]

    from selenium.webdriver.support.ui import Select
    Select(browser.find_element(By.ID, "export-format")).select_by_value("csv")
    click(browser, "export-button")
    wait(browser, lambda d: list(downloads.glob("*.zip")))
    archive = next(downloads.glob("*.zip"))
    assert ":" not in archive.name and all(":" not in m for m in zipfile.ZipFile(archive).namelist())
    browser.save_screenshot(str(ARTIFACTS / "10-case-versions.png"))

    click(browser, "case-delete")
    from selenium.webdriver.support import expected_conditions as EC
    wait(browser, EC.alert_is_present()).accept()
    wait(browser, lambda d: "Deleted case Ring: Karachi/Quetta" in d.find_element(By.ID, "case-status").text)
    with DuckDBStore(home, snapshot=True) as store:
        assert "Ring: Karachi/Quetta" not in store.list_cases() and "Other" in store.list_cases()
        # what the page changed or took away is in the audit trail, with the client's address
        trail = [r for r in audit.records(store) if r["user"] == "dashboard"]
        assert audit.verify(store)[0]
    done = [(r["action"], r["detail"].get("case") or r["detail"].get("file")) for r in trail]
    for expected in [("case saved", "Ring: Karachi/Quetta"), ("export", file_name("Ring: Karachi/Quetta")),
                     ("case deleted", "Ring: Karachi/Quetta")]:
        assert expected in done, done
    assert all(r["client"] == "127.0.0.1" for r in trail)


def test_filters_redraw_what_is_drawn(server, browser, home):
    """Finding 3: moving the minimum risk hides the drawn entities under it at
    once (the start stays), and moving it back shows them again; finding 2: a
    busy node first says what it has, per kind, and draws the riskiest N of
    the kinds chosen."""
    from nigah.dashboard.investigation import ASK_ABOVE
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    with DuckDBStore(home, snapshot=True) as store:
        agents = store.relationship_table("CLEARED_BY")["target"].value_counts()
        busy = agents.index[0]
        gds = store.node_table("Declaration", ["risk"]).set_index("gd_number")["risk"]
        theirs = store.relationship_table("CLEARED_BY").query("target == @busy")["source"]
    visible = CY + "return cy.nodes().filter(n => !n.hasClass('filtered-out')).length;"
    assert theirs.nunique() > ASK_ABOVE, "the test needs a busy agent"
    pick(browser, server, busy)
    # nothing drawn yet but the agent: the choice, with each kind's count
    wait(browser, lambda d: d.find_element(By.ID, "expand-choice").is_displayed())
    assert browser.execute_script(NODE_COUNT) == 1
    choice = browser.find_element(By.ID, "expand-choice").text
    assert f"Cleared by · {theirs.nunique():,}" in choice, choice
    count = browser.find_element(By.ID, "expand-n")
    count.send_keys(Keys.CONTROL, "a")
    count.send_keys(Keys.DELETE, "60")
    browser.save_screenshot(str(ARTIFACTS / "15-choose-what-to-draw.png"))
    click(browser, "expand-draw")
    wait(browser, lambda d: d.execute_script(NODE_COUNT) > 5)
    drawn = browser.execute_script(visible)
    drawn_scores = browser.execute_script(CY + "return cy.nodes('.Declaration').map(n => n.data('score'));")
    assert len(drawn_scores) == 60   # the chosen number, of the chosen kind: the riskiest of the agent's GDs
    assert min(drawn_scores) >= sorted(gds[theirs], reverse=True)[59] - 1e-3
    status = browser.find_element(By.ID, "graph-status").text
    assert f"The riskiest 60 of {theirs.nunique():,}" in status, status
    assert not browser.find_element(By.ID, "expand-choice").is_displayed()
    handle = browser.find_element(By.CSS_SELECTOR, "#min-risk [role=slider]")
    handle.click()
    for _ in range(5):
        handle.send_keys(Keys.ARROW_RIGHT)   # to 0.5
    wait(browser, lambda d: "Filters hide" in d.find_element(By.ID, "graph-status").text)
    after = browser.execute_script(visible)
    expected = 1 + sum(s >= 0.5 for s in browser.execute_script(
        CY + "return cy.nodes().filter(n => !n.hasClass('root')).map(n => n.data('score'));"))
    assert after == expected < drawn
    assert browser.execute_script(CY + f"return !cy.getElementById('ClearingAgent:{busy}').hasClass('filtered-out');")
    browser.save_screenshot(str(ARTIFACTS / "11-filtered.png"))
    for _ in range(5):
        handle.send_keys(Keys.ARROW_LEFT)
    wait(browser, lambda d: "none hidden" in d.find_element(By.ID, "graph-status").text)
    assert browser.execute_script(visible) == drawn
    # and the filtering kept what each node is (its label's colour, the start's ring)
    assert browser.execute_script(CY + f"return cy.getElementById('ClearingAgent:{busy}').hasClass('root') && "
                                       "cy.nodes('.Declaration').length > 0;")


def test_a_shared_phone_shows_at_one_expansion(server, browser, home):
    """Finding 6: opening a trader draws the traders that share its phone, bank
    account, address or director's CNIC, as dashed "same …" links."""
    with DuckDBStore(home, snapshot=True) as store:
        traders = store.node_table("Trader", ["phone"])
    shared = traders[traders.duplicated("phone", keep=False)].sort_values(["phone", "ntn"])
    assert len(shared) >= 2, "the scenario's rings share phones"
    a, b = shared["ntn"].iloc[0], shared["ntn"].iloc[1]
    pick(browser, server, a)
    wait(browser, lambda d: d.execute_script(CY + f"return cy.getElementById('Trader:{b}').length;") == 1)
    titles = browser.execute_script(CY + f"return cy.edges('.shared').filter(e => e.target().id() == 'Trader:{b}')"
                                         ".map(e => e.data('title'));")
    assert "same phone" in titles
    browser.save_screenshot(str(ARTIFACTS / "12-shared-phone.png"))



def test_the_canvas_tools_remove_undo_clear_and_lay_out(server, browser, home):
    """Finding 7: what is drawn stays where it is (or where the officer dragged
    it) when more is expanded; remove, hide, pin, clear, undo and redo; lay out
    another way."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import Select

    with DuckDBStore(home, snapshot=True) as store:
        ntn = store.node_table("Trader", [])["ntn"].iloc[3]
    pick(browser, server, ntn)
    wait(browser, lambda d: d.execute_script(NODE_COUNT) > 2)
    # drag the trader itself with the mouse, then expand one of its GDs
    canvas = browser.find_element("id", "graph")
    x, y = browser.execute_script(CY + f"const p = cy.getElementById('Trader:{ntn}').renderedPosition(); return [p.x, p.y];")
    size = canvas.size
    ActionChains(browser).move_to_element_with_offset(canvas, x - size["width"] / 2, y - size["height"] / 2) \
        .click_and_hold().move_by_offset(60, 40).move_by_offset(20, 10).release().perform()
    wait(browser, lambda d: d.execute_script(POSITIONS)[f"Trader:{ntn}"] != [None, None])
    before = browser.execute_script(POSITIONS)
    gd = browser.execute_script(CY + "return cy.nodes('.Declaration')[0].id();")
    time.sleep(0.5)   # the canvas reports the drag back after 100 ms
    browser.execute_script(CY + f"cy.getElementById('{gd}').emit('tap');")
    wait(browser, lambda d: d.execute_script(NODE_COUNT) > len(before))
    after = browser.execute_script(POSITIONS)
    moved = [nid for nid, p in before.items() if abs(after[nid][0] - p[0]) > 1 or abs(after[nid][1] - p[1]) > 1]
    assert not moved, f"{len(moved)} of {len(before)} drawn entities moved when a GD was expanded"
    browser.save_screenshot(str(ARTIFACTS / "14-expanded-in-place.png"))
    drawn = browser.execute_script(NODE_COUNT)
    # hide two, show them again; pin one: a layout leaves it where it is
    browser.execute_script(CY + "cy.nodes().unselect(); cy.nodes('.Declaration').slice(0, 2).select();")
    time.sleep(0.4)   # the canvas reports a selection after 100 ms
    click(browser, "canvas-hide")
    wait(browser, lambda d: d.execute_script(CY + "return cy.nodes(':visible').length;") == drawn - 2)
    click(browser, "canvas-show")
    wait(browser, lambda d: d.execute_script(CY + "return cy.nodes(':visible').length;") == drawn)
    browser.execute_script(CY + f"cy.nodes().unselect(); cy.getElementById('Trader:{ntn}').select();")
    time.sleep(0.4)
    click(browser, "canvas-pin")
    wait(browser, lambda d: d.execute_script(CY + f"return cy.getElementById('Trader:{ntn}').locked();"))
    pinned_at = browser.execute_script(POSITIONS)[f"Trader:{ntn}"]
    browser.execute_script(CY + "cy.nodes().unselect();")
    time.sleep(0.4)
    browser.execute_script(CY + "cy.nodes('.Declaration').slice(0, 2).select();")
    time.sleep(0.4)
    click(browser, "canvas-remove")
    wait(browser, lambda d: d.execute_script(NODE_COUNT) == drawn - 2)
    assert browser.execute_script(CY + "return cy.nodes('.Declaration').length > 0;")   # still coloured by label
    click(browser, "canvas-undo")
    wait(browser, lambda d: d.execute_script(NODE_COUNT) == drawn)
    assert browser.execute_script(CY + f"return cy.getElementById('Trader:{ntn}').hasClass('root');")
    click(browser, "canvas-redo")
    wait(browser, lambda d: d.execute_script(NODE_COUNT) == drawn - 2)
    click(browser, "canvas-undo")
    wait(browser, lambda d: d.execute_script(NODE_COUNT) == drawn)
    # clear, and undo the clearing
    click(browser, "canvas-clear")
    wait(browser, lambda d: d.execute_script(NODE_COUNT) == 0)
    click(browser, "canvas-undo")
    wait(browser, lambda d: d.execute_script(NODE_COUNT) == drawn)
    sel = browser.find_element("id", "canvas-layout")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", sel)
    Select(sel).select_by_value("concentric")
    wait(browser, lambda d: d.find_element("id", "canvas-layout").get_attribute("value") == "concentric")
    severe = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, severe   # the layout ran
    wait(browser, lambda d: d.execute_script(POSITIONS) != after)
    assert browser.execute_script(POSITIONS)[f"Trader:{ntn}"] == pinned_at    # the pinned one stayed
    browser.save_screenshot(str(ARTIFACTS / "13-concentric.png"))


def test_the_timeline_has_the_schemas_colours_and_narrows_the_canvas(server, browser, home):
    """Finding 8: the profile's timeline colours each outcome as the schema says
    (the same in every chart), and zooming it narrows the canvas's time window,
    so the canvas hides what falls outside."""
    from selenium.webdriver.common.by import By

    from nigah.graph.schema import SCHEMA

    with DuckDBStore(home, snapshot=True) as store:
        filed = store.relationship_table("FILED_BY")
        decl = store.node_table("Declaration", ["date", "inspection_outcome"]).set_index("gd_number")
    counts = filed["target"].value_counts()
    ntn = counts[counts <= 60].index[0]   # a trader drawn whole, with a year of GDs
    pick(browser, server, ntn)
    # this trader's timeline, not the one a previous profile left on the page
    plot = f"const gd = document.querySelector('[id*=\"Trader:{ntn}\"][id*=timeline] .js-plotly-plot'); "
    wait(browser, lambda d: d.execute_script(plot + "return gd && gd.data ? gd.data.length : 0;") > 0)
    traces = browser.execute_script(plot + "return gd.data.filter(t => t.marker).map(t => [t.name, t.marker.color]);")
    outcome = SCHEMA.prop("Declaration", "inspection_outcome")
    expected = {outcome.value_titles[v]: outcome.colours[v] for v in outcome.values} | {
        "not examined": outcome.colours["missing"]}
    assert traces and all(expected[name] == colour for name, colour in traces if name in expected), traces
    wait(browser, lambda d: d.execute_script(NODE_COUNT) > 3)
    theirs = decl.loc[filed.query("target == @ntn")["source"], "date"].sort_values()
    lo, hi = theirs.iloc[len(theirs) // 2], theirs.iloc[-1]
    zoom = plot + f"Plotly.relayout(gd, {{'xaxis.range': ['{lo:%Y-%m-%d}', '{hi:%Y-%m-%d}']}});"

    def zoomed(d):   # zoom (again, should the chart have been redrawn meanwhile) until the canvas follows
        if "Filters hide" in d.find_element(By.ID, "graph-status").text:
            return True
        d.execute_script(zoom)
        time.sleep(0.5)
        return False
    wait(browser, zoomed)
    hidden = browser.execute_script(CY + "return cy.nodes('.Declaration.filtered-out').map(n => n.data('date'));")
    assert hidden and all(pd.Timestamp(d) < pd.Timestamp(lo).to_period("M").start_time for d in hidden)
    browser.save_screenshot(str(ARTIFACTS / "16-timeline-narrows-canvas.png"))
