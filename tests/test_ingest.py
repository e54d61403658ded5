"""Ingest through the real command line: validation, quarantine, exit codes, idempotence."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from nigah.ingest.validate import IngestError, validate
from nigah.graph.schema import SCHEMA


def nigah(*args, env=None, check=False):
    return subprocess.run([sys.executable, "-m", "nigah", *map(str, args)], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, check=check, timeout=300)


def bad_copy(scenario, tmp_path):
    """The scenario with one bad declaration row per rule; returns (dir, bad rows)."""
    out = tmp_path / "bad"
    shutil.copytree(scenario, out, ignore=shutil.ignore_patterns("truth"))
    decl = pd.read_csv(out / "declarations.csv", dtype=str, keep_default_na=False)
    rules = {10: ("gd_number", "", "missing required value"),
             11: ("date", "2025-13-45", "not a date"),
             12: ("declared_value_usd", "-5", "below the minimum"),
             13: ("hs_code", "85A7", "8-digit PCT code"),
             14: ("trader_ntn", "9999999-9", "unknown Trader")}
    for i, (field, value, _) in rules.items():
        decl.at[i, field] = value
    decl.to_csv(out / "declarations.csv", index=False)
    # file row = data index + 2 (the header is row 1)
    return out, {i + 2: (field, reason) for i, (field, _, reason) in rules.items()}, len(decl)


def test_bad_rows_are_quarantined_and_named(scenario, tmp_path, cli_store):
    data, bad, total = bad_copy(scenario, tmp_path)
    quarantine = tmp_path / "quarantine.csv"
    run = nigah("ingest", data, "--json", "--quarantine", quarantine, *cli_store)
    assert run.returncode == 1, run.stderr
    summary = json.loads(run.stdout)
    assert summary["kinds"]["Declaration"]["inserted"] == total - len(bad)
    assert summary["kinds"]["Declaration"]["quarantined"] == len(bad)
    report = pd.read_csv(quarantine, dtype=str)
    assert set(report["file"]) == {"declarations.csv"}
    for row, (field, reason) in bad.items():
        line = report[report["row"] == str(row)]
        assert list(line["field"]) == [field] and reason in line["reason"].iloc[0]
    assert "quarantined" in run.stderr and "declarations.csv row" in run.stderr
    stats = json.loads(nigah("stats", "--json", *cli_store, check=True).stdout)
    assert stats["nodes"]["Declaration"] == total - len(bad)
    # Fixing the rows and loading again adds exactly them; nothing duplicated.
    rerun = nigah("ingest", scenario, "--json", *cli_store)
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["kinds"]["Declaration"]["inserted"] == len(bad)
    stats = json.loads(nigah("stats", "--json", *cli_store, check=True).stdout)
    assert stats["nodes"]["Declaration"] == total


def test_second_ingest_leaves_stats_unchanged(scenario, tmp_path, cli_store):
    assert nigah("ingest", scenario, *cli_store).returncode == 0
    first = nigah("stats", "--json", *cli_store, check=True).stdout
    assert nigah("ingest", scenario, *cli_store).returncode == 0
    assert nigah("stats", "--json", *cli_store, check=True).stdout == first


def test_unreadable_file_is_a_clear_error(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "traders.csv").write_text("name,phone\nX,123\n")
    run = nigah("ingest", tmp_path / "in", "--home", tmp_path / "home")
    assert run.returncode == 2
    assert "traders.csv: missing required column(s) ntn" in run.stderr


def test_duplicate_keys_keep_the_last_row_and_report_the_first():
    raw = pd.DataFrame({"ntn": ["1234567-8", "1234567-8"], "name": ["Old Name", "New Name"]})
    good, rejected = validate(raw, SCHEMA.node("Trader").input_properties, "traders.csv")
    assert len(good) == 2 and not rejected  # duplicates are the loader's concern
    with pytest.raises(IngestError):
        validate(raw[["name"]], SCHEMA.node("Trader").input_properties, "traders.csv")


@pytest.mark.parametrize("field,value,reason", [
    ("ntn", "123", "NTN"), ("phone", "call me", "phone"), ("registered_on", "01/02/2024", "date"),
])
def test_each_trader_rule(field, value, reason):
    raw = pd.DataFrame({"ntn": ["1234567-8", "7654321-0"], "name": ["A", "B"],
                        "phone": ["+923001234567", "+923001234568"], "registered_on": ["2020-01-01", "2021-01-01"]})
    raw.at[1, field] = value
    good, rejected = validate(raw, SCHEMA.node("Trader").input_properties, "traders.csv")
    assert list(good["ntn"]) == ["1234567-8"]
    assert [(r.row, r.field) for r in rejected] == [(3, field)] and reason in rejected[0].reason


def test_formats_are_normalised():
    raw = pd.DataFrame({"code": ["8517.13.00"], "description": ["phones"], "duty_rate": ["0.1"]})
    good, rejected = validate(raw, SCHEMA.node("HSCode").input_properties, "hs_codes.csv")
    assert not rejected and good["code"].tolist() == ["85171300"]


@pytest.mark.parametrize("values", [
    ["1", "", "2.5"], ["-0", "1.5", ""], ["-0", "1"], ["1", "2"], ["1.5", "x", ""], ["", ""],
    ["nan", "1.5"], ["inf", "-Infinity", "1e400"], ["0.1", "26628.96", "1.7976931348623157e308", "5."],
])
def test_numbers_parse_as_pandas_reads_them(values):
    from nigah.ingest.validate import _parse
    from nigah.graph.schema import Property

    text = pd.Series(values, dtype="str")
    parsed, bad, _ = _parse(Property("x", "float"), text)
    expected = pd.to_numeric(text.where(text != ""), errors="coerce")
    expected = expected.where(expected.abs() < float("inf"))  # inf, nan and 1e400 are refused, not loaded
    pd.testing.assert_series_equal(parsed, expected, check_names=False)
    assert [str(v) for v in parsed] == [str(v) for v in expected]  # the sign of zero too
    assert bad.tolist() == ((text != "") & expected.isna()).tolist()


def test_short_rows_read_as_empty_values(tmp_path):
    from nigah.ingest.readers import read_table

    (tmp_path / "traders.csv").write_text("ntn,name,phone\n1234567-8,A\n7654321-0,B,+923001234567\n")
    frame = read_table(tmp_path / "traders.csv")
    assert frame.fillna("").values.tolist() == [["1234567-8", "A", ""], ["7654321-0", "B", "+923001234567"]]
