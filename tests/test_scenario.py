"""The scenario simulator: deterministic, planted typologies at their shares,
honest look-alikes present, and no ground truth in the files that get ingested."""
from __future__ import annotations

import filecmp
import json

import pandas as pd
import pytest

from nigah.ingest.scenario import ScenarioConfig, generate

CONFIG = ScenarioConfig(declarations=20_000, seed=5)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("world")
    generate(out, CONFIG)
    return out


def read(out, name):
    return pd.read_csv(out / name, dtype=str, keep_default_na=False)


def test_same_seed_same_bytes(world, tmp_path):
    generate(tmp_path / "again", CONFIG)
    files = sorted(p.relative_to(world) for p in world.rglob("*.csv"))
    assert files == sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("*.csv"))
    match, mismatch, errors = filecmp.cmpfiles(world, tmp_path / "again", [str(f) for f in files], shallow=False)
    assert not mismatch and not errors
    generate(tmp_path / "other", ScenarioConfig(declarations=20_000, seed=6))
    assert not filecmp.cmp(world / "declarations.csv", tmp_path / "other" / "declarations.csv", shallow=False)


def test_truth_stays_out_of_the_ingested_files(world):
    truth_words = {"ring", "fraud", "typology", "party", "pattern", "diverted", "recoverable_duty_usd"}
    for path in world.glob("*.csv"):
        assert not truth_words & set(read(world, path.name).columns), path.name
    assert json.loads((world / "truth" / "config.json").read_text())["seed"] == 5


def test_rings_at_their_share(world):
    traders, rings = read(world, "traders.csv"), read(world, "truth/rings.csv")
    base = len(traders) - (rings["party"].duplicated()).sum()  # re-registrations add records
    share = rings["party"].nunique() / base
    assert share == pytest.approx(CONFIG.ring_trader_share, abs=0.02)
    sizes = rings.groupby("ring_id")["party"].nunique()
    assert sizes.between(*CONFIG.ring_size).all()
    # Fronts share the controller's fingerprints: every ring shares at least one identifier.
    merged = rings.merge(traders, on="ntn")
    for ring_id, group in merged.groupby("ring_id"):
        assert any(group[c].duplicated().any() for c in ("phone", "address", "bank_account", "director_cnic")), ring_id


def test_fraud_typologies_at_their_shares(world):
    truth = read(world, "truth/declarations.csv")
    decl = read(world, "declarations.csv").merge(truth, on="gd_number")
    honest_imports = decl[(decl["gd_type"] == "import") & (decl["ring"] == "-1")]
    assert (honest_imports["fraud"] == "True").mean() == pytest.approx(CONFIG.under_invoicing_share, abs=0.01)
    ring_imports = decl[(decl["gd_type"] == "import") & (decl["ring"] != "-1")]
    assert (ring_imports["fraud"] == "True").mean() == pytest.approx(CONFIG.ring_fraud_share, abs=0.07)
    fraud = decl[decl["fraud"] == "True"]
    assert set(fraud["typology"]) == {"under_invoicing", "misdeclaration_hs", "misdeclaration_weight"}
    mis = fraud["typology"].str.startswith("misdeclaration").mean()
    assert mis == pytest.approx(CONFIG.misdeclaration_share, abs=0.08)
    # Under-invoiced goods are declared far below what honest ones of the same HS code cost.
    decl["usd_per_kg"] = decl["declared_value_usd"].astype(float) / decl["weight_kg"].astype(float)
    imports = decl[decl["gd_type"] == "import"]
    ratio = imports.groupby(["hs_code", "typology"])["usd_per_kg"].median().unstack()
    assert (ratio["under_invoicing"] < 0.7 * ratio["none"]).mean() > 0.8
    # Labels are scarce and only where goods were examined.
    labelled = decl["inspection_outcome"] != ""
    assert 0.02 < labelled.mean() < 0.25
    assert set(decl.loc[labelled, "channel"]) <= {"red", "yellow"}


def test_transit_diversions_and_look_alikes(world):
    moves = read(world, "truth/movements.csv")
    ring = moves["ring"] != "-1"
    diverted = moves["diverted"] == "True"
    assert diverted[ring].mean() == pytest.approx(CONFIG.ring_diversion_share, abs=0.08)
    assert set(moves.loc[diverted, "pattern"]) == {"off_corridor", "overstay", "no_exit", "double_booking"}
    assert (moves["lookalike"] == "ordinary_delay").mean() == pytest.approx(CONFIG.ordinary_delay_share, abs=0.03)
    scans = read(world, "checkpoint_scans.csv")
    # A no-exit diversion never scans at its corridor's exit station.
    routes = read(world, "route_stops.csv")
    exits = routes.sort_values("seq").groupby("route_code")["station_code"].last()
    decl = read(world, "declarations.csv").set_index("gd_number")
    for gd in moves.loc[moves["pattern"] == "no_exit", "gd_number"].head(20):
        seen = set(scans.loc[scans["gd_number"] == gd, "station_code"])
        assert exits[decl.at[gd, "route_code"]] not in seen


def test_honest_look_alikes_are_planted(world):
    traders, decl = read(world, "traders.csv"), read(world, "declarations.csv")
    rings = set(read(world, "truth/rings.csv")["ntn"])
    honest = traders[~traders["ntn"].isin(rings)]
    # A commercial plaza: many honest traders at one building address.
    assert honest["address"].value_counts().iloc[0] >= 5
    # Busy agents serve many honest traders.
    clients = decl[~decl["trader_ntn"].isin(rings)].groupby("agent_licence")["trader_ntn"].nunique()
    assert clients.max() >= 50
    # Suppliers written under two ids with variant names.
    entities = read(world, "truth/entities.csv")
    consignors = entities[entities["label"] == "Consignor"]
    assert consignors["party"].duplicated().sum() >= 10


def test_parquet_matches_csv(tmp_path):
    small = ScenarioConfig(declarations=1000, seed=3)
    generate(tmp_path / "csv", small)
    generate(tmp_path / "pq", small, fmt="parquet")
    a = pd.read_csv(tmp_path / "csv" / "declarations.csv", dtype=str, keep_default_na=False)
    b = pd.read_parquet(tmp_path / "pq" / "declarations.parquet")
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    assert a["gd_number"].tolist() == b["gd_number"].tolist()
