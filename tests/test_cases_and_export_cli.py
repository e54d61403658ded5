"""Analysts' cases kept in the store, and `nigah export` from the command line."""
from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import networkx as nx
import pandas as pd
import pytest

from nigah.ingest.load import ingest_directory


def test_cases_survive_reopening(empty_store, scenario):
    empty_store.save_case("Ring A", {"entities": ["Trader:1", "Trader:2"], "notes": {"Trader:1": "front"}})
    empty_store.save_case("Alpha", {"entities": ["Vehicle:TLH-1"], "notes": {}})
    empty_store.save_case("Ring A", {"entities": ["Trader:1"], "notes": {"Trader:1": "controller"}})
    assert empty_store.list_cases() == ["Alpha", "Ring A"]
    assert empty_store.load_case("Ring A") == {"entities": ["Trader:1"], "notes": {"Trader:1": "controller"}}
    assert empty_store.load_case("nope") is None
    empty_store.delete_case("Alpha")
    assert empty_store.list_cases() == ["Ring A"]
    # the replaced contents were kept: a version back, and a save of the same contents adds none
    empty_store.save_case("Ring A", {"entities": ["Trader:1"], "notes": {"Trader:1": "controller"}})
    assert [v["entities"] for v in empty_store.case_versions("Ring A")] == [1, 2]
    assert empty_store.load_case("Ring A", version=1)["notes"] == {"Trader:1": "front"}
    empty_store.rename_case("Ring A", "Ring A (closed)")
    assert empty_store.list_cases() == ["Ring A (closed)"]
    assert len(empty_store.case_versions("Ring A (closed)")) == 2
    empty_store.save_case("Other", {"entities": ["Trader:9"], "notes": {}})
    with pytest.raises(ValueError, match="already exists"):
        empty_store.rename_case("Other", "Ring A (closed)")   # never over another case


def nigah(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nigah", *map(str, args)], capture_output=True, text=True)


def test_case_versions_from_the_command_line(tmp_path):
    home = ["--home", str(tmp_path / "home")]
    assert nigah("case", "save", "Watch", "--ids", "Trader:1", "--ids", "Trader:2", *home).returncode == 0
    assert nigah("case", "save", "Watch", "--ids", "Trader:3", *home).returncode == 0
    versions = nigah("case", "versions", "Watch", *home)
    assert versions.returncode == 0 and [line.split("\t")[2] for line in versions.stdout.splitlines()] == \
        ["1 entities", "2 entities"]
    earlier = nigah("case", "show", "Watch", "--version", "1", *home)
    assert json.loads(earlier.stdout)["entities"] == ["Trader:1", "Trader:2"]
    assert nigah("case", "rename", "Watch", "Closed", *home).returncode == 0
    missing = nigah("case", "delete", "Watch", *home)
    assert missing.returncode == 2 and "no case named 'Watch'" in missing.stderr
    assert nigah("case", "delete", "Closed", *home).returncode == 0
    assert nigah("case", "list", *home).stdout.strip() == ""


def test_export_a_case_from_the_command_line(scenario, tmp_path):
    home = tmp_path / "home"
    from nigah.graph.duckdb_store import DuckDBStore

    with DuckDBStore(home) as store:
        ingest_directory(store, scenario)
    ntn = pd.read_csv(scenario / "truth" / "rings.csv", dtype=str)["ntn"].iloc[0]
    nigah = [sys.executable, "-m", "nigah"]
    subprocess.run([*nigah, "case", "save", "Ring A", "--ids", f"Trader:{ntn}", "--note",
                    f"Trader:{ntn}=shares a director", "--home", str(home)], check=True, capture_output=True)
    subprocess.run([*nigah, "export", "--case", "Ring A", "--format", "anx", "--out", str(tmp_path / "a.anx"),
                    "--home", str(home)], check=True, capture_output=True)
    chart = ET.parse(tmp_path / "a.anx").getroot()
    entities = chart.findall(".//Entity")
    assert any(e.get("Identity") == f"Trader:{ntn}" for e in entities)
    assert "shares a director" in ET.tostring(chart, encoding="unicode")
    run = subprocess.run([*nigah, "export", "--ids", f"Trader:{ntn}", "--hops", "2", "--format", "graphml",
                          "--out", str(tmp_path / "t.graphml"), "--home", str(home)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    g = nx.read_graphml(tmp_path / "t.graphml")
    assert f"Trader:{ntn}" in g and g.number_of_nodes() > 1
    bad = subprocess.run([*nigah, "export", "--ids", "Trader:0000000-0", "--out", str(tmp_path / "x.json"),
                          "--format", "json", "--home", str(home)], capture_output=True, text=True)
    assert bad.returncode == 2 and "none of those entities" in bad.stderr


def test_a_case_saved_from_the_dashboards_snapshot_reaches_the_file(scenario, tmp_path):
    from nigah.graph.duckdb_store import DuckDBStore

    with DuckDBStore(tmp_path / "home") as store:
        ingest_directory(store, scenario)
    dashboard = DuckDBStore(tmp_path / "home", snapshot=True)
    dashboard.save_case("Watch", {"entities": ["Trader:1"], "notes": {}})
    dashboard.save_case("Watch", {"entities": ["Trader:2"], "notes": {}})
    assert dashboard.list_cases() == ["Watch"]
    with DuckDBStore(tmp_path / "home") as reopened:  # as after a restart
        assert reopened.load_case("Watch") == {"entities": ["Trader:2"], "notes": {}}
