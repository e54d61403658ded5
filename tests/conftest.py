"""Shared fixtures: a small generated scenario, and real stores to load it into.

The Neo4j tests need a running server (``make test`` starts one from Maven
Central artifacts and sets NEO4J_URI). Without NEO4J_URI they are skipped,
unless NIGAH_REQUIRE_NEO4J=1 (set by ``make test``), where they fail instead.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nigah.graph.duckdb_store import DuckDBStore
from nigah.ingest.load import ingest_directory
from nigah.ingest.scenario import ScenarioConfig, generate

ARTIFACTS = Path(__file__).with_name("artifacts")
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCENARIO_SIZE = 1500


@pytest.fixture(scope="session")
def scenario(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scenario")
    generate(out, ScenarioConfig(declarations=SCENARIO_SIZE, seed=11, ring_trader_share=0.15))
    return out


def _neo4j_store():
    from nigah.graph.neo4j_store import Neo4jStore

    if not os.environ.get("NEO4J_URI"):
        if os.environ.get("NIGAH_REQUIRE_NEO4J") == "1":
            pytest.fail("NEO4J_URI is not set but NIGAH_REQUIRE_NEO4J=1")
        pytest.skip("no Neo4j server (set NEO4J_URI, or run `make test`)")
    return Neo4jStore()


class _Neo4jState:
    """Which scenario the one Neo4j database holds, so read-only tests reuse a load."""
    store = None
    holds: Path | None = None


def forget_neo4j_contents(store) -> None:
    """Empty the shared Neo4j database before a test that changes it."""
    store.clear()
    _Neo4jState.holds = None


@pytest.fixture(scope="session")
def neo4j_session():
    if _Neo4jState.store is None:
        _Neo4jState.store = _neo4j_store()
    yield _Neo4jState.store


@pytest.fixture
def empty_neo4j(neo4j_session):
    """The shared Neo4j database, emptied before and after a test that changes it."""
    forget_neo4j_contents(neo4j_session)
    yield neo4j_session
    forget_neo4j_contents(neo4j_session)


def _fresh_duckdb(tmp_path) -> DuckDBStore:
    return DuckDBStore(tmp_path / "home")


@pytest.fixture(params=["duckdb", "neo4j"])
def empty_store(request, tmp_path):
    """An empty store of each kind."""
    if request.param == "duckdb":
        store = _fresh_duckdb(tmp_path)
        yield store
        store.close()
    else:
        store = request.getfixturevalue("neo4j_session")
        forget_neo4j_contents(store)
        yield store


@pytest.fixture(scope="session")
def loaded_duckdb(scenario, tmp_path_factory):
    store = DuckDBStore(tmp_path_factory.mktemp("loaded") / "home")
    ingest_directory(store, scenario)
    yield store
    store.close()


def loaded_neo4j(request, scenario):
    store = request.getfixturevalue("neo4j_session")
    if _Neo4jState.holds != scenario:
        store.clear()
        ingest_directory(store, scenario)
        _Neo4jState.holds = scenario
    return store


@pytest.fixture(params=["duckdb", "neo4j"])
def loaded_store(request, scenario):
    """The scenario loaded into each kind of store. Tests must not change it."""
    if request.param == "duckdb":
        return request.getfixturevalue("loaded_duckdb")
    return loaded_neo4j(request, scenario)


@pytest.fixture
def both_stores(request, scenario, loaded_duckdb):
    return loaded_duckdb, loaded_neo4j(request, scenario)


@pytest.fixture(params=["duckdb", "neo4j"])
def cli_store(request, tmp_path) -> list[str]:
    """``nigah`` store arguments for an empty store of each kind."""
    if request.param == "neo4j":
        forget_neo4j_contents(request.getfixturevalue("neo4j_session"))
        return ["--store", "neo4j"]
    return ["--store", "duckdb", "--home", str(tmp_path / "home")]


# ---- a foreign, flat export of the scenario (one row per import GD)
def _flat_export(scenario: Path, out: Path, rows: int = 300) -> pd.DataFrame:
    """A public-style flat export (one row per declaration) made from the scenario."""
    decl = pd.read_csv(scenario / "declarations.csv", dtype=str, keep_default_na=False)
    imports = decl[decl["gd_type"] == "import"].head(rows)
    consignors = pd.read_csv(scenario / "consignors.csv", dtype=str).set_index("consignor_id")
    flat = pd.DataFrame({
        "Declaration ID": "D" + imports["gd_number"].str.replace("-", "", regex=False),
        "Date": imports["date"],  # ISO, as such exports publish it
        "Office ID": "OFF" + imports["station_code"],
        "Declarant ID": imports["agent_licence"], "Importer ID": "IMP" + imports["trader_ntn"].str[:7],
        # One row in ten names no seller, as in real exports of this shape.
        "Seller ID": imports["consignor_id"].where(np.arange(len(imports)) % 10 != 3, ""),
        "HS6 Code": imports["hs_code"].str[:6],
        "Country of Departure": consignors.loc[imports["consignor_id"], "country"].to_numpy(),
        "Country of Origin": imports["origin_country"], "Net Mass": imports["weight_kg"],
        "Item Price": imports["declared_value_usd"],
        "Fraud": np.where(imports["inspection_outcome"].isin(["discrepancy", "seizure"]), "1",
                          np.where(imports["inspection_outcome"] == "", "", "0"))})
    out.mkdir()
    flat.to_csv(out / "export.csv", index=False)
    return flat



@pytest.fixture
def flat_export():
    """``flat_export(scenario, out, rows=300)`` writes the flat export to ``out/export.csv``."""
    return _flat_export


# ---- the browser tests' headless Chromium (shared by the dashboard's browser tests)
@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        if os.environ.get("NIGAH_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium and chromium-driver are required (make test installs them)")
        pytest.skip("no /usr/bin/chromium (make test installs it)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="nigah-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1400,900",
                f"--user-data-dir={profile}"):
        opts.add_argument(arg)
    # An explicit driver path: Selenium Manager never tries to download one.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)
