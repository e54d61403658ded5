"""Ingest of real, messy exports: formats, mappings, every validation rule,
history of identifying details, crash safety, checksums and entity resolution."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nigah.graph.duckdb_store import DuckDBStore
from nigah.graph.formats import iso6346_check_digit
from nigah.ingest.load import ingest_directory
from nigah.ingest.resolve import pair_scores, resolve_entities
from nigah.ingest.scenario import ScenarioConfig, generate

ROOT = Path(__file__).resolve().parents[1]


def nigah(*args, check=False, **kw):
    return subprocess.run([sys.executable, "-m", "nigah", *map(str, args)], capture_output=True, text=True,
                          check=check, timeout=600, **kw)


def copy_without_truth(scenario, out):
    shutil.copytree(scenario, out, ignore=shutil.ignore_patterns("truth"))
    return out


# ---- one bad row per validation rule ---------------------------------------------------

RULES = [  # file stem, column, bad value, words in the reason
    ("traders", "ntn", "123456", "NTN"),
    ("traders", "registered_on", "31/12/2020", "date"),
    ("traders", "bank_account", "PK36 1234", "IBAN"),
    ("traders", "director_cnic", "1234-1234567-1", "CNIC"),
    ("traders", "phone", "call me", "phone"),
    ("traders", "name", "", "missing required value"),
    ("declarations", "hs_code", "85A71300", "HS"),
    ("declarations", "container_no", "MSCU123456" + str((iso6346_check_digit("MSCU123456") + 1) % 10),
     "check digit"),
    ("declarations", "gd_type", "smuggling", "one of"),
    ("declarations", "weight_kg", "-3", "below the minimum"),
    ("declarations", "declared_value_usd", "abc", "not a finite number"),
    ("declarations", "origin_country", "China", "country"),
    ("declarations", "agent_licence", "CHAL-NOPE", "unknown ClearingAgent"),
    ("stations", "lat", "123", "above the maximum"),
    ("checkpoint_scans", "scanned_at", "yesterday", "date-time"),
    ("hs_codes", "duty_rate", "9", "above the maximum"),
]


def test_every_rule_quarantines_its_row_and_loads_the_rest(scenario, tmp_path):
    data = copy_without_truth(scenario, tmp_path / "bad")
    planted = {}
    for i, (stem, column, value, reason) in enumerate(RULES):
        frame = pd.read_csv(data / f"{stem}.csv", dtype=str, keep_default_na=False)
        row = 3 + i  # a different row for each rule
        if stem == "declarations" and column == "container_no":
            row = int(np.flatnonzero(frame["container_no"] != "")[0])
        frame.at[row, column] = value
        frame.to_csv(data / f"{stem}.csv", index=False)
        planted[(f"{stem}.csv", row + 2)] = (column, reason)
    store = DuckDBStore(tmp_path / "home")
    report = ingest_directory(store, data)
    found = {(r.file, r.row): (r.field, r.reason) for r in report.rejections}
    for where, (column, reason) in planted.items():
        assert where in found, where
        assert found[where][0] == column and reason in found[where][1], (where, found[where])
    # A trader or station that was refused takes the rows that refer to it along,
    # each with its own reason; everything else loaded.
    knock_on = {r for r in report.rejections if "unknown" in r.reason} - \
        {r for r in report.rejections if (r.file, r.row) in planted}
    decl_rows = len(pd.read_csv(data / "declarations.csv"))
    declarations_rejected = {(r.file, r.row) for r in report.rejections if r.file == "declarations.csv"}
    assert store.counts()["nodes"]["Declaration"] == decl_rows - len(declarations_rejected)
    assert all(r.reason.startswith("refers to an unknown") for r in knock_on)


def test_detected_delimiter_and_encoding(scenario, tmp_path):
    data = copy_without_truth(scenario, tmp_path / "cp1252")
    traders = pd.read_csv(data / "traders.csv", dtype=str, keep_default_na=False)
    traders.at[0, "name"] = "Café Noël Impex"
    traders.to_csv(data / "traders.csv", index=False, sep=";", encoding="cp1252")
    store = DuckDBStore(tmp_path / "home")
    report = ingest_directory(store, data)
    assert report.quarantined_rows == 0
    assert store.get_nodes([f"Trader:{traders.at[0, 'ntn']}"])[0].properties["name"] == "Café Noël Impex"


def test_parquet_and_jsonl_load_like_csv(scenario, tmp_path):
    csv_store = DuckDBStore(tmp_path / "csv")
    ingest_directory(csv_store, scenario)
    other = tmp_path / "mixed"
    other.mkdir()
    for path in scenario.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if path.stem == "declarations":
            frame.to_json(other / "declarations.jsonl", orient="records", lines=True)
        else:
            frame.to_parquet(other / f"{path.stem}.parquet", index=False)
    mixed = DuckDBStore(tmp_path / "mixed-home")
    report = ingest_directory(mixed, other)
    assert report.quarantined_rows == 0
    assert mixed.checksums() == csv_store.checksums()


def test_foreign_flat_export_loads_through_the_shipped_mapping(scenario, tmp_path, flat_export):
    flat = flat_export(scenario, tmp_path / "foreign")
    run = nigah("ingest", tmp_path / "foreign", "--mapping", ROOT / "ingest" / "mappings" / "flat_declarations.yaml",
                "--home", tmp_path / "home", "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)["kinds"]
    assert summary["Declaration"]["inserted"] == len(flat)
    assert summary["Trader"]["inserted"] == flat["Importer ID"].nunique()
    store = DuckDBStore(tmp_path / "home", snapshot=True)
    row = flat.iloc[0]
    node = store.get_nodes([f"Declaration:{row['Declaration ID']}"])[0]
    assert node.properties["date"] == row["Date"]
    assert node.properties["trader_ntn"] == row["Importer ID"]
    for code, outcome in (("1", "discrepancy"), ("0", "no_discrepancy"), ("", None)):
        examples = flat[flat["Fraud"] == code]
        if len(examples):
            gd = examples.iloc[0]["Declaration ID"]
            assert store.get_nodes([f"Declaration:{gd}"])[0].properties.get("inspection_outcome") == outcome
    graph = store.neighbourhood([f"Trader:{row['Importer ID']}"], hops=1)
    assert f"Declaration:{row['Declaration ID']}" in graph.node_ids


def test_a_blank_seller_loads_the_gd_without_its_link(scenario, tmp_path, flat_export):
    """A blank optional reference is a GD without that party: the GD loads, no
    SHIPPED_BY, and no supplier row is quarantined for a missing key."""
    flat = flat_export(scenario, tmp_path / "foreign")
    blank = flat[flat["Seller ID"] == ""]
    assert len(blank) > 10
    run = nigah("ingest", tmp_path / "foreign", "--mapping", ROOT / "ingest" / "mappings" / "flat_declarations.yaml",
                "--home", tmp_path / "home", "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)["kinds"]
    assert summary["Declaration"]["inserted"] == len(flat)
    assert summary["Consignor"]["inserted"] == flat.loc[flat["Seller ID"] != "", "Seller ID"].nunique()
    store = DuckDBStore(tmp_path / "home", snapshot=True)
    shipped = set(store.relationship_table("SHIPPED_BY")["source"])
    assert shipped == set(flat.loc[flat["Seller ID"] != "", "Declaration ID"])
    gd = store.get_nodes([f"Declaration:{blank.iloc[0]['Declaration ID']}"])[0]
    assert gd.properties.get("consignor_id") is None


def test_a_date_in_another_shape_than_the_mapping_says_is_quarantined(scenario, tmp_path, flat_export):
    flat = flat_export(scenario, tmp_path / "foreign", rows=50).reset_index(drop=True)
    flat.loc[7, "Date"] = "2025-03-04"  # the others are written as the mapping says
    flat.loc[flat.index != 7, "Date"] = pd.to_datetime(flat["Date"]).dt.strftime("%d/%m/%Y")
    flat.to_csv(tmp_path / "foreign" / "export.csv", index=False)
    mapping = (ROOT / "ingest" / "mappings" / "flat_declarations.yaml").read_text(encoding="utf-8")
    mapping = mapping.replace("      date: Date ", '      date: {column: Date, date_format: "%d/%m/%Y"} ')
    assert "date_format" in mapping
    (tmp_path / "m.yaml").write_text(mapping, encoding="utf-8")
    quarantine = tmp_path / "q.csv"
    run = nigah("ingest", tmp_path / "foreign", "--mapping", tmp_path / "m.yaml", "--home", tmp_path / "home",
                "--json", "--quarantine", quarantine)
    assert run.returncode == 1, run.stderr
    report = pd.read_csv(quarantine, dtype=str, keep_default_na=False)
    assert report[["file", "row", "field", "value"]].values.tolist() == [["export.csv", "9", "date", "2025-03-04"]]
    assert "%d/%m/%Y" in report.iloc[0]["reason"]
    summary = json.loads(run.stdout)["kinds"]
    assert summary["Declaration"]["inserted"] == len(flat) - 1
    store = DuckDBStore(tmp_path / "home", snapshot=True)
    first = flat.iloc[0]
    day, month, year = first["Date"].split("/")
    node = store.get_nodes([f"Declaration:{first['Declaration ID']}"])[0]
    assert node.properties["date"] == f"{year}-{month}-{day}"


def test_a_mapping_naming_a_missing_column_is_refused(tmp_path):
    (tmp_path / "in").mkdir()
    pd.DataFrame({"A": ["1"]}).to_csv(tmp_path / "in" / "x.csv", index=False)
    (tmp_path / "m.yaml").write_text("kinds:\n  Trader:\n    file: x.csv\n    columns: {ntn: NTN, name: A}\n")
    run = nigah("ingest", tmp_path / "in", "--mapping", tmp_path / "m.yaml", "--home", tmp_path / "home")
    assert run.returncode == 2 and "missing column 'NTN'" in run.stderr


def test_the_shipped_own_format_mapping_is_generated_from_the_schema():
    import yaml

    from nigah.ingest.mapping import identity_mapping

    shipped = yaml.safe_load((ROOT / "ingest" / "mappings" / "nigah.yaml").read_text())
    assert shipped == identity_mapping()


# ---- incremental loads and history ----------------------------------------------------

def test_changed_details_are_kept_as_history(empty_store, scenario, tmp_path):
    ingest_directory(empty_store, scenario)
    traders = pd.read_csv(scenario / "traders.csv", dtype=str, keep_default_na=False)
    ntn, old_phone, old_address = traders.at[4, "ntn"], traders.at[4, "phone"], traders.at[4, "address"]
    traders.at[4, "phone"] = "+923001112223"
    traders.at[4, "address"] = "12, New Address, Lahore"
    later = tmp_path / "later"
    later.mkdir()
    traders.iloc[[4, 5]].to_csv(later / "traders.csv", index=False)
    report = ingest_directory(empty_store, later)
    assert report.kinds["Trader"].result.updated == 1 and report.kinds["Trader"].result.unchanged == 1
    node = empty_store.get_nodes([f"Trader:{ntn}"])[0]
    assert node.properties["phone"] == "+923001112223"
    history = {h["property"]: h for h in empty_store.history(f"Trader:{ntn}")}
    assert history["phone"]["old_value"] == old_phone and history["phone"]["new_value"] == "+923001112223"
    assert history["address"]["old_value"] == old_address
    assert history["phone"]["source_file"] == "traders.csv" and history["phone"]["source_row"] == 2
    ingest_directory(empty_store, later)  # the same file again adds no history
    assert len(empty_store.history(f"Trader:{ntn}")) == 2


def test_a_changed_reference_replaces_the_relationship(empty_store, scenario, tmp_path):
    ingest_directory(empty_store, scenario)
    decl = pd.read_csv(scenario / "declarations.csv", dtype=str, keep_default_na=False)
    traders = pd.read_csv(scenario / "traders.csv", dtype=str)
    row = decl.iloc[[0]].copy()
    new_trader = traders.loc[traders["ntn"] != row.iloc[0]["trader_ntn"], "ntn"].iloc[0]
    row["trader_ntn"] = new_trader
    row["vehicle_registration"] = ""
    (tmp_path / "amend").mkdir()
    row.to_csv(tmp_path / "amend" / "declarations.csv", index=False)
    before = empty_store.counts()["relationships"]
    ingest_directory(empty_store, tmp_path / "amend")
    graph = empty_store.neighbourhood([f"Declaration:{row.iloc[0]['gd_number']}"], hops=1,
                                      rel_types=["FILED_BY", "CARRIED_BY"])
    assert {e.target for e in graph.edges if e.type == "FILED_BY"} == {f"Trader:{new_trader}"}
    assert not [e for e in graph.edges if e.type == "CARRIED_BY"]
    after = empty_store.counts()["relationships"]
    assert after["FILED_BY"] == before["FILED_BY"]


# ---- crash safety: a real ingest killed with SIGKILL, then rerun --------------------------

@pytest.fixture(scope="module")
def big_scenario(tmp_path_factory):
    out = tmp_path_factory.mktemp("big")
    generate(out, ScenarioConfig(declarations=6000, seed=21))
    return copy_without_truth(out, tmp_path_factory.mktemp("big-input") / "data")


@pytest.fixture(scope="module")
def reference_checksums(big_scenario, tmp_path_factory):
    home = tmp_path_factory.mktemp("reference")
    nigah("ingest", big_scenario, "--home", home, "--batch-rows", "400", check=True)
    return json.loads(nigah("stats", "--json", "--checksum", "--home", home, check=True).stdout)


def test_kill_9_mid_ingest_then_rerun_is_identical(cli_store, big_scenario, reference_checksums, tmp_path):
    home = tmp_path / "home"
    args = [*cli_store, "--home", home] if "--home" not in cli_store else cli_store
    journal = (home if "--home" not in cli_store else Path(cli_store[cli_store.index("--home") + 1])) / "journal"
    proc = subprocess.Popen([sys.executable, "-m", "nigah", "ingest", str(big_scenario), "--batch-rows", "400",
                             *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        lines = sum(len(p.read_text().splitlines()) for p in journal.glob("*.jsonl")) if journal.exists() else 0
        if lines >= 25:  # well into the load: past the parties, inside the declarations
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the ingest finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    rerun = nigah("ingest", big_scenario, "--batch-rows", "400", "--json", *args)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["resumed"] is True
    assert sum(k["resumed"] for k in summary["kinds"].values()) > 0
    after = json.loads(nigah("stats", "--json", "--checksum", *args, check=True).stdout)
    assert after == reference_checksums  # same counts and same digests, whatever the store
    assert not list(journal.glob("*.jsonl")), "a completed run leaves no journal"


# ---- entity resolution ------------------------------------------------------------------

def test_entity_resolution_meets_its_targets(tmp_path):
    data = tmp_path / "er"
    generate(data, ScenarioConfig(declarations=12_000, seed=8))
    store = DuckDBStore(tmp_path / "home")
    ingest_directory(store, data)
    summary, review = resolve_entities(store)
    truth = pd.read_csv(data / "truth" / "entities.csv", dtype=str)
    predicted = pd.concat([
        pd.DataFrame({"label": label, "key": t[store.schema.node(label).key], "party": t["party_id"]})
        for label in ("Trader", "Consignor") for t in [store.node_table(label, ["party_id"])]])
    scores = pair_scores(predicted, truth)
    assert scores["true_pairs"] >= 10
    assert scores["pair_precision"] >= 0.95 and scores["pair_recall"] >= 0.90, scores
    merged = store.node_table("Consignor", ["party_id", "party_reasons"]).dropna(subset=["party_reasons"])
    assert merged["party_reasons"].str.contains("same party as .* score", regex=True).all()
    assert set(review.columns) >= {"label", "key_a", "key_b", "score", "reasons"}


@pytest.mark.parametrize("text, says", [
    ("- just\n- a list\n", "the mapping must be a map"),
    ("kind:\n  Trader: {file: x.csv}\n", "('kind' was unexpected)"),
    ("empty: wipe\nkinds: {}\n", "empty must be keep or clear"),
    ("kinds:\n  Trader: [a, b]\n", "kinds.Trader must be a map"),
    ("kinds:\n  Trader:\n    columns: {ntn: NTN}\n", "'file' is a required property"),
    ("csv: {encoding: klingon}\nkinds: {}\n", "unknown encoding 'klingon'"),
    ("kinds:\n  Trader:\n    file: x.csv\n    columns: {ntn: {colum: NTN}}\n", "kinds.Trader.columns.ntn must be"),
    ("kinds:\n  Trader:\n    file: x.csv\n    columns: {ntn: [1, 2]}\n", "kinds.Trader.columns.ntn must be"),
    ("kinds:\n  Trader:\n    file: x.csv\n    columns: {ntn: {column: N, codes: [1]}}\n", "codes must be a map"),
    ("kinds:\n  Trader:\n    file: x.csv\n    columns: [ntn]\n", "kinds.Trader.columns must be a map"),
])
def test_a_malformed_mapping_is_named_not_a_traceback(tmp_path, text, says):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.csv").write_text("NTN\n1234567-8\n")
    (tmp_path / "m.yaml").write_text(text)
    run = nigah("ingest", tmp_path / "in", "--mapping", tmp_path / "m.yaml", "--home", tmp_path / "home")
    assert run.returncode == 2 and says in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
