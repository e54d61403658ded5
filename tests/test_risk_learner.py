"""The general learner: inputs chosen by the schema, time safety when the
store's own outcomes are the labels, deterministic training, and
``nigah evaluate risk --labels`` on data that is not a scenario of ours."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from nigah.analytics.risk.booster import attribute_columns, booster_scores, fit_booster
from nigah.analytics.risk.evaluate import hide_outcomes
from nigah.analytics.risk.features import read_declarations
from nigah.analytics.risk.pipeline import booster_config, labelled, prepare, score_risk, train_risk
from nigah.analytics.risk.train import RiskConfig, TimeSplit
from nigah.graph.duckdb_store import DuckDBStore
from nigah.graph.schema import load_schema
from nigah.ingest.load import ingest_directory
from nigah.ingest.scenario import ScenarioConfig, generate

ROOT = Path(__file__).resolve().parents[1]
QUICK = RiskConfig(epochs=2, hidden=16, batch_size=64, trees=60)


def test_inputs_come_from_the_schema_not_from_a_list(tmp_path):
    numeric, categorical = attribute_columns()
    assert {"declared_value_usd", "weight_kg", "quantity"} <= set(numeric)
    assert {"origin_country", "hs_code", "station_code", "trader_ntn"} <= set(categorical)
    # outcomes, the old rules' channel, identifiers of one GD and computed scores never are
    for never in ("inspection_outcome", "recovered_duty_usd", "channel", "gd_number", "container_no",
                  "risk", "diversion_score"):
        assert never not in numeric + categorical
    # a property another administration adds reaches the model without code
    raw = yaml.safe_load((ROOT / "graph" / "schema.yaml").read_text())
    raw["nodes"]["Declaration"]["properties"]["payment_type"] = {"type": "str"}
    raw["nodes"]["Declaration"]["properties"]["tax_rate"] = {"type": "float"}
    (tmp_path / "schema.yaml").write_text(yaml.safe_dump(raw))
    numeric, categorical = attribute_columns(load_schema(tmp_path / "schema.yaml"))
    assert "payment_type" in categorical and "tax_rate" in numeric


@pytest.fixture(scope="module")
def store(scenario, tmp_path_factory):
    home = tmp_path_factory.mktemp("learner") / "home"
    with DuckDBStore(home) as s:
        ingest_directory(s, scenario)
        yield s, home


def test_a_test_period_outcome_reaches_no_input_and_no_score(store):
    s, _ = store
    d = read_declarations(s)
    split = TimeSplit.of(d["date"], QUICK)
    later = (pd.to_datetime(d["date"]) >= split.test_from).to_numpy()
    flipped = d.copy()
    examined = flipped["inspection_outcome"].notna() & later
    assert examined.sum() > 5
    flipped.loc[examined, "inspection_outcome"] = flipped.loc[examined, "inspection_outcome"].map(
        {"no_discrepancy": "seizure", "discrepancy": "no_discrepancy", "seizure": "no_discrepancy"})
    scores = []
    for frame in (d, flipped):
        prepared = prepare(s, QUICK, split=split, declarations=hide_outcomes(frame, split.test_from))
        train, val, test = labelled(prepared)
        assert len(test) == 0  # hidden: nothing in the test period is a label
        y = prepared.features.adverse.astype(np.float32)
        model = fit_booster(prepared.booster, y, train, val, QUICK.seed, booster_config(QUICK))
        scores.append((prepared.booster.X, booster_scores(model, prepared.booster, np.flatnonzero(later))[0]))
    pd.testing.assert_frame_equal(scores[0][0], scores[1][0])
    np.testing.assert_array_equal(scores[0][1], scores[1][1])
    # and without hiding, the flip does reach the later GDs' inputs (the test can fail)
    plain = [prepare(s, QUICK, split=split, declarations=frame).booster.X for frame in (d, flipped)]
    assert not plain[0].loc[later].equals(plain[1].loc[later])


def test_training_twice_gives_the_same_scores(store, tmp_path):
    s, _ = store
    written = []
    for run in ("a", "b"):
        home = tmp_path / run
        metrics = train_risk(s, home, QUICK)
        score_risk(s, home)
        written.append(s.node_table("Declaration", ["risk", "risk_reasons"]).set_index("gd_number"))
        assert metrics["final"] in ("gnn", "booster", "blend") and metrics["trees"] >= 1
    pd.testing.assert_frame_equal(written[0], written[1])


def nigah(*args):
    return subprocess.run([sys.executable, "-m", "nigah", *map(str, args)], capture_output=True, text=True,
                          timeout=900)


def test_evaluate_on_the_stores_own_labels_of_a_foreign_export(tmp_path, flat_export):
    # Larger than the shared scenario: its test period must hold findings to rank.
    scenario = tmp_path / "scenario"
    generate(scenario, ScenarioConfig(declarations=8000, seed=5))
    flat_export(scenario, tmp_path / "flat", rows=8000)
    home = tmp_path / "home"
    mapping = ROOT / "ingest" / "mappings" / "flat_declarations.yaml"
    assert nigah("ingest", tmp_path / "flat", "--mapping", mapping, "--home", home).returncode == 0
    run = nigah("evaluate", "risk", "--labels", "--test-share", "0.2", "--epochs", "2", "--trees", "60",
                "--json", "--home", home)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert set(result["models"]) == {"final", "gnn", "booster", "label_propagation"}
    assert result["final"] in ("gnn", "booster", "blend")
    assert result["test_examined"] > 20 and 0 < result["test_adverse"] < result["test_examined"]
    assert set(result["segments"]) == {"established", "cold_start"}
    assert sum(r["declarations"] for r in result["segments"].values()) == result["test_examined"]
    table = nigah("evaluate", "risk", "--labels", "--test-share", "0.2", "--epochs", "1", "--trees", "20",
                  "--home", home)
    assert table.returncode == 0 and "cold_start" in table.stdout and "final model" in table.stderr
    both = nigah("evaluate", "risk", "--home", home)
    assert both.returncode == 2 and "give --truth DIR" in both.stderr


def test_channels_follow_capacity_with_a_random_share():
    from nigah.analytics.risk.selectivity import SelectivityConfig, channels

    rng = np.random.default_rng(3)
    n = 3000
    filed = pd.Series(pd.to_datetime("2025-01-01") + pd.to_timedelta(rng.integers(0, 90, n), unit="D"))
    gd = pd.Series([f"GD-{i}" for i in range(n)])
    risk = rng.random(n)
    config = SelectivityConfig(red_share=0.03, yellow_share=0.07, random_share=0.02, min_probability=0.0)
    channel, why = channels(risk, filed, gd, config)
    frame = pd.DataFrame({"month": filed.dt.to_period("M"), "risk": risk, "channel": channel, "why": why})
    for _, m in frame.groupby("month"):
        by_risk = m[m["why"] == "risk"]
        top = m.nlargest(int(np.ceil(len(m) * 0.03)), "risk")
        assert set(top.index) == set(by_risk[by_risk["channel"] == "red"].index)   # the riskiest, by capacity
        assert (by_risk["channel"] == "yellow").sum() <= int(np.ceil(len(m) * 0.07))
    drawn = frame[frame["why"] == "random"]
    assert 0.01 < len(drawn) / n < 0.03 and (drawn["channel"] == "red").all()
    assert (drawn["risk"] < 0.5).any()                    # drawn whatever the risk
    again, why_again = channels(risk, filed, gd, config)   # a rerun draws the same GDs
    assert (again == channel).all() and (why_again == why).all()
    other = channels(risk, filed, gd, SelectivityConfig(random_share=0.02, min_probability=0.0, seed=1))[1]
    assert set(np.flatnonzero(other == "random")) != set(drawn.index)
    quiet = channels(risk * 0.01, filed, gd, SelectivityConfig(random_share=0.0))[0]
    assert (quiet == "green").all()                       # nothing likely enough to stop for risk
    with pytest.raises(ValueError, match="red_share"):
        SelectivityConfig(red_share=1.5)


def test_scores_are_calibrated_and_channels_written(store, tmp_path):
    s, _ = store
    home = tmp_path / "cal"
    metrics = train_risk(s, home, QUICK)
    a, b = metrics["calibration"]
    assert a > 0
    summary = score_risk(s, home)
    written = s.node_table("Declaration", ["risk", "risk_channel", "risk_selection"])
    assert written["risk"].between(0, 1).all()
    assert set(written["risk_selection"].dropna()) <= {"risk", "random"}
    assert (written["risk_channel"] != "green").sum() == written["risk_selection"].notna().sum()
    assert summary["at_random"] == (written["risk_selection"] == "random").sum()
    assert (written["risk_channel"] == "red").mean() <= 0.03 + 0.02 + 3 / len(written)


def test_the_flat_style_loads_every_attribute_and_converts_its_currency(tmp_path):
    data = tmp_path / "flat"
    run = nigah("generate", "--style", "flat", "--declarations", "3000", "--out", data)
    assert run.returncode == 0, run.stderr
    assert not (data / "truth" / "declarations.csv").read_text().count("Payment")  # truth kept apart
    mapping = yaml.safe_load((ROOT / "ingest" / "mappings" / "flat_declarations.yaml").read_text())
    # the export's prices are in won at 0.00072 USD each; one row names a currency without a rate
    mapping["exchange_rates"] = {"KRW": 0.00072}
    mapping["kinds"]["Declaration"]["columns"]["currency"] = {"column": "Currency"}
    export = pd.read_csv(data / "export.csv", dtype=str, keep_default_na=False)
    export["Currency"] = np.where(np.arange(len(export)) == 7, "XYZ", "KRW")
    export.to_csv(data / "export.csv", index=False)
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(mapping))
    home = tmp_path / "home"
    run = nigah("ingest", data, "--mapping", tmp_path / "m.yaml", "--home", home, "--json",
                "--quarantine", tmp_path / "q.csv")
    assert run.returncode == 1, run.stderr   # the one row without a rate
    rejected = pd.read_csv(tmp_path / "q.csv", dtype=str)
    assert rejected["field"].tolist() == ["declared_value_usd"] and "XYZ" in rejected["reason"].iloc[0] + \
        rejected["value"].iloc[0]
    with DuckDBStore(home) as s:
        d = s.node_table("Declaration", ["declared_amount", "currency", "declared_value_usd", "payment_type",
                                         "transport_mode", "courier_id", "departure_country", "tax_rate"])
        couriers = s.counts()["nodes"]["Courier"]
    assert len(d) == 2999 and (d["currency"] == "KRW").all()
    np.testing.assert_allclose(d["declared_value_usd"], d["declared_amount"] * 0.00072, rtol=1e-6)
    assert d["payment_type"].notna().all() and d["transport_mode"].notna().all() and d["tax_rate"].notna().all()
    assert couriers > 0 and d["courier_id"].notna().sum() == (d["transport_mode"] == "courier").sum()
    numeric, categorical = attribute_columns()
    assert {"payment_type", "transport_mode", "courier_id", "import_use"} <= set(categorical)


def test_evaluate_reasons_reads_the_reasons_an_officer_reads(scenario, tmp_path):
    home = tmp_path / "home"
    assert nigah("ingest", scenario, "--home", home).returncode == 0
    assert nigah("train", "--epochs", "2", "--trees", "60", "--home", home).returncode == 0
    assert nigah("analyze", "--home", home).returncode == 0
    run = nigah("evaluate", "reasons", "--truth", scenario, "--json", "--home", home)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["top_declarations"] == int(np.ceil(1500 * 0.05)) and result["caught_frauds"] > 0
    assert 0 <= result["first_reason_names_the_kind"] <= 1 and set(result["by_kind"]) <= {
        "under_invoicing", "misdeclaration_hs", "misdeclaration_weight", "diversion"}
    assert result["with_a_non_reason"] == 0.0, result["non_reason_examples"]
    assert result["lines_with_jargon"] < 0.05, result["jargon_examples"]
    labels = nigah("evaluate", "reasons", "--labels", "--home", home)
    assert labels.returncode == 0 and "reason lines carry jargon" in labels.stderr
    with DuckDBStore(home) as s:
        reasons = s.node_table("Declaration", ["risk_reasons"])["risk_reasons"]
    for line in reasons.str.split("\n").explode().dropna().unique():  # no fact without a direction
        assert "no adverse finding" not in line and not line.endswith(" declaration") and "robust z" not in line
