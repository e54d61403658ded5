"""Declaration risk: features without the future, the detector, the GNN and
its round trip, reasons, write-back on both stores, evaluation, and data
that is not ours."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import roc_auc_score
from torch_geometric.loader import NodeLoader

from nigah.analytics.risk.full_graph import FullGraph
from nigah.analytics.risk.features import declaration_features, read_declarations
from nigah.analytics.risk.persist import load_bundle
from nigah.analytics.risk.pipeline import prepare, score_risk, train_risk, with_leaves
from nigah.analytics.risk.reasons import evidence_texts, reason_lines, reasons, split_evidence
from nigah.analytics.risk.sampler import TemporalNeighborSampler
from nigah.analytics.risk.train import RiskConfig, TimeSplit
from nigah.analytics.unit_value_flags import write_unit_value_flags
from nigah.analytics.unit_values import unit_value_reference
from nigah.graph.duckdb_store import DuckDBStore
from nigah.ingest.load import ingest_directory

ROOT = Path(__file__).resolve().parents[1]
QUICK = RiskConfig(epochs=30, patience=6, hidden=16, batch_size=64, leaf_trees=8)   # the leaves path too


def nigah(*args):
    return subprocess.run([sys.executable, "-m", "nigah", *map(str, args)], capture_output=True, text=True,
                          timeout=900)


@pytest.fixture(scope="module")
def features(loaded_duckdb):
    return declaration_features(read_declarations(loaded_duckdb))


def test_party_history_counts_only_earlier_days(features):
    f = features
    frame = pd.DataFrame({"trader": f.context["trader"], "date": f.date, "inspected": f.inspected,
                          "adverse": f.adverse})
    for i in np.random.default_rng(0).choice(len(frame), 200, replace=False):
        same = frame[(frame["trader"] == frame.at[i, "trader"]) & (frame["date"] < frame.at[i, "date"])]
        assert f.context.at[i, "trader_inspected"] == same["inspected"].sum()
        assert f.context.at[i, "trader_adverse"] == same["adverse"].sum()


def test_later_outcomes_do_not_change_earlier_features(loaded_duckdb):
    d = read_declarations(loaded_duckdb)
    split = TimeSplit.of(d["date"], RiskConfig())
    before = declaration_features(d)
    later = pd.to_datetime(d["date"]) >= split.test_from
    changed = d.copy()
    changed.loc[later, "inspection_outcome"] = "seizure"
    after = declaration_features(changed)
    early = ~later.to_numpy()
    party = [c for c in before.X.columns if c.endswith(("_adverse", "_adverse_recent", "_adverse_rate"))]
    pd.testing.assert_frame_equal(before.X.loc[early, party], after.X.loc[early, party])
    assert not before.X.loc[~early, party].equals(after.X.loc[~early, party])  # the test is not vacuous


def test_sampled_neighbourhoods_hold_no_later_declaration(loaded_duckdb):
    prepared = prepare(loaded_duckdb, QUICK)
    data = prepared.data
    seeds = torch.from_numpy(np.random.default_rng(1).choice(data["Declaration"].num_nodes, 40, replace=False))
    loader = NodeLoader(data, TemporalNeighborSampler(data, QUICK.fanout), input_nodes=("Declaration", seeds),
                        batch_size=1)
    reached_other = 0
    for batch in loader:
        times = data["Declaration"].time[batch["Declaration"].n_id]
        assert (times <= times[0]).all()
        reached_other += len(times) > 1
    assert reached_other > 10


def test_unit_value_detector_separates_under_invoicing(scenario, loaded_duckdb):
    d = read_declarations(loaded_duckdb)
    uv = unit_value_reference(d)
    truth = pd.read_csv(scenario / "truth" / "declarations.csv").set_index("gd_number")["typology"]
    kind = d.loc[uv.index, "gd_number"].map(truth)
    under, honest = uv["z"][kind == "under_invoicing"], uv["z"][kind == "none"]
    assert under.median() < -1.5 and abs(honest.median()) < 0.3
    flagged = uv["ratio"] < 0.6
    assert (kind[flagged] == "under_invoicing").mean() > 0.6 and flagged[kind == "under_invoicing"].mean() > 0.6


def test_unit_value_flags_stand_alone_with_reasons(scenario, tmp_path):
    store = DuckDBStore(tmp_path / "home")
    ingest_directory(store, scenario)
    counts = write_unit_value_flags(store)
    decl = store.node_table("Declaration", ["gd_type", "unit_value_flag", "unit_value_reasons"])
    store.close()
    truth = pd.read_csv(scenario / "truth" / "declarations.csv").set_index("gd_number")["typology"]
    kind = decl["gd_number"].map(truth)
    under = decl["unit_value_flag"] == "under_invoicing"
    assert counts["under_invoicing"] == under.sum() > 0
    assert (kind[under] == "under_invoicing").mean() > 0.7      # 0.91 on the default scenario
    assert under[kind == "under_invoicing"].mean() > 0.2    # 0.66 at 30k; 1,500 GDs make thin, wide groups
    assert (decl.loc[under, "gd_type"] == "import").all()
    assert decl.loc[under, "unit_value_reasons"].str.match(r"unit value \d+% below the HS \d+ reference for \w+: under-invoiced").all()
    assert decl.loc[decl["unit_value_flag"].isna(), "unit_value_reasons"].isna().all()


def test_reasons_name_the_strongest_evidence_first():
    context = pd.DataFrame({"hs_code": ["85171300"], "origin_country": ["CN"], "unit_value_ratio": [0.38],
                            "agent": ["CHAL-1"], "agent_adverse": [3], "agent_adverse_recent": [2],
                            "agent_inspected": [9], "gd_type": ["import"], "base_adverse_share": [0.1]})
    features = ["unit_value_z", "unit_value_log_ratio", "agent_adverse", "agent_adverse_recent", "import",
                "log_value_usd"]
    text = reasons(np.array([[0.5, 0.4, 1.2, 0.3, 2.0, 0.2]]), features, context)[0].split("\n")
    # the GD type and the consignment's size raised the score too, but say nothing with a direction
    assert text == ["agent CHAL-1: findings in 3 of 9 earlier examination(s), 2 in the last 90 days, "
                    "3.3× the usual share", "unit value 62% below the HS 85171300 reference for CN"
                    ": under-invoiced, or goods of a higher-duty code declared under this one?"]
    # rows keep their own index: a slice of the context is not realigned
    assert evidence_texts("unit_value", context.set_index(pd.Index([7]))).to_dict() == {
        7: "unit value 62% below the HS 85171300 reference for CN: under-invoiced, or goods of a higher-duty code declared under this one?"}


def test_each_reason_carries_its_evidence_as_data():
    """Beside every reason line, one JSON record: what kind of evidence, the
    entity it is about (a node id the dashboard can open) and the figures the
    text quotes, the same numbers."""
    context = pd.DataFrame({"hs_code": ["85171300", "3004"], "origin_country": ["CN", 'A"E'],
                            "unit_value_ratio": [0.38, 1.0], "agent": ["CHAL-1", None],
                            "agent_adverse": [3, 0], "agent_adverse_recent": [2, 0], "agent_inspected": [9, 0],
                            "gd_type": ["import", "import"], "base_adverse_share": [0.1, 0.1]})
    features = ["unit_value_z", "agent_adverse", "log_value_usd"]
    lines = reason_lines(np.array([[0.5, 1.2, 0.2], [0.0, 0.0, 2.0]]), features, context)
    texts, records = split_evidence(lines)
    first = [json.loads(r) for r in records[0].split("\n")]
    assert len(first) == len(texts[0].split("\n")) == 2
    assert first[0] == {"kind": "agent", "entity": "ClearingAgent:CHAL-1",
                        "figures": {"adverse": 3, "adverse_last_90_days": 2, "examined": 9,
                                    "usual_adverse_share": 0.1}}
    assert first[1]["kind"] == "unit_value" and first[1]["entity"] == "HSCode:85171300"
    assert first[1]["figures"]["ratio_to_reference"] == 0.38 and "62% below" in texts[0].split("\n")[1]
    # a GD with nothing to say has no records; a quote in a value stays valid JSON
    assert texts[1] == "nothing stands out" and pd.isna(records[1])
    odd = reason_lines(np.array([[1.0]]), ["unit_value_z"], context.iloc[[1]].assign(unit_value_ratio=0.2).reset_index())
    assert json.loads(split_evidence(odd)[1][0])["figures"]["origin_country"] == 'A"E'


def test_reasons_keep_each_row_its_own_text():
    n = 1000
    context = pd.DataFrame({"agent": [f"CHAL-{i}" if i % 7 else None for i in range(n)],
                            "agent_adverse": np.arange(n) % 5, "agent_adverse_recent": 0,
                            "agent_inspected": np.arange(n) % 5 + 1, "trader_age_days": np.arange(n) - 10.0,
                            "base_adverse_share": 0.5})
    contrib = np.zeros((n, 2))
    contrib[::3, 0] = 1.0                   # agent first on every third row
    contrib[1::3, 1] = 1.0                  # trader's age alone on the next
    text = reasons(contrib, ["agent_adverse", "trader_age_log_days"], context).tolist()
    assert text[3] == "agent CHAL-3: findings in 3 of 4 earlier examination(s), 1.5× the usual share"
    assert text[0] == "nothing stands out"          # no agent on record is no reason
    assert text[6] == "nothing stands out"          # an agent with 1 finding in 2 (the usual share) neither
    assert text[4] == "filed 6 days before the trader's registration"
    assert text[13] == "trader registered only 3 days before filing"
    assert text[400] == "nothing stands out"        # an established trader's age is no reason
    assert text[2] == "nothing stands out" and text[999] == ("agent CHAL-999: findings in 4 of 5 earlier "
                                                             "examination(s), 1.6× the usual share")


@pytest.fixture(scope="module")
def trained(scenario, tmp_path_factory):
    home = tmp_path_factory.mktemp("risk") / "home"
    store = DuckDBStore(home)
    ingest_directory(store, scenario)
    metrics = train_risk(store, home, QUICK)
    yield store, home, metrics
    store.close()


def test_model_round_trip_scores_without_retraining(trained):
    store, home, metrics = trained
    assert metrics["epochs"] >= 1 and metrics["train_examined"] > 50
    bundle = load_bundle(home)
    assert bundle.features[0] == "import" and bundle.split.test_from > bundle.split.val_from
    summary = score_risk(store, home)
    first = store.node_table("Declaration", ["risk", "risk_channel", "risk_reasons"])
    assert summary["declarations"] == len(first) and first["risk"].notna().all()
    assert first["risk"].between(0, 1).all() and first["risk_reasons"].str.len().gt(0).all()
    assert set(first["risk_channel"]) <= {"red", "yellow", "green"}
    # red by capacity: at most the red share of each month (rounded up), plus the random share
    months = pd.to_datetime(store.node_table("Declaration", ["date"])["date"]).dt.to_period("M")
    assert (first["risk_channel"] == "red").mean() <= 0.03 + 0.02 + months.nunique() / len(first)
    trained_at = (home / "models" / "risk" / "model.json").stat().st_mtime
    score_risk(store, home)  # the saved model again, not a new one
    again = store.node_table("Declaration", ["risk"])
    assert (home / "models" / "risk" / "model.json").stat().st_mtime == trained_at
    pd.testing.assert_series_equal(first.set_index("gd_number")["risk"], again.set_index("gd_number")["risk"])
    traders = store.node_table("Trader", ["risk", "risk_reasons"]).dropna(subset=["risk"])
    assert len(traders) > 0 and traders["risk_reasons"].str.startswith("GD ").all()


def test_full_graph_pass_matches_the_message_passing_layers(trained):
    """Scoring uses sparse products over the whole graph; they must give
    what the trained layers give, logits and the gradients behind the reasons."""
    store, home, _ = trained
    bundle = load_bundle(home)
    model = bundle.model()
    prepared = prepare(store, bundle.config, bundle.split, (bundle.mean, bundle.std), categories=bundle.categories)
    with_leaves(prepared, bundle.booster, bundle.config)
    data, leaves = prepared.data, prepared.data["Declaration"].leaf
    assert leaves.shape[1] > 0 and model.leaves is not None   # the GNN reads the booster's leaves
    results = []
    for run in (lambda x: model(x, data.edge_index_dict, leaves),
                lambda x: model.full_forward(x, FullGraph.of(data), leaves)):
        x_dict = dict(data.x_dict)
        x = x_dict["Declaration"] = x_dict["Declaration"].clone().requires_grad_(True)
        logit = run(x_dict)
        logit.sum().backward()
        results.append((logit.detach(), x.grad))
    (logit, grad), (full_logit, full_grad) = results
    assert logit.std() > 0.1 and grad.abs().max() > 0.01   # a model that says something
    torch.testing.assert_close(full_logit, logit, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(full_grad, grad, atol=1e-4, rtol=1e-4)


def test_risk_ranks_fraud_above_honest_declarations(trained, scenario):
    store, home, _ = trained
    score_risk(store, home)
    scored = store.node_table("Declaration", ["risk"]).set_index("gd_number")["risk"]
    fraud = pd.read_csv(scenario / "truth" / "declarations.csv").set_index("gd_number")["fraud"]
    auc = roc_auc_score(fraud.to_numpy(), scored.reindex(fraud.index).to_numpy())
    assert auc > 0.6  # 1,500 GDs hold only ~10 adverse findings to learn from before the test period


def test_train_analyze_and_evaluate_through_the_cli(scenario, cli_store, tmp_path):
    home = ["--home", tmp_path / "home"] if "neo4j" in cli_store else []
    assert nigah("ingest", scenario, *cli_store, *home).returncode == 0
    run = nigah("train", "--epochs", "2", "--json", *cli_store, *home)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["epochs"] == 2
    run = nigah("analyze", "--json", *cli_store, *home)
    assert run.returncode == 0, run.stderr
    analysed = json.loads(run.stdout)
    assert analysed["risk"]["declarations"] > 1000
    assert set(analysed["unit_value_flags"]) == {"under_invoicing", "misdeclaration"}
    assert analysed["unit_value_flags"]["under_invoicing"] > 0
    run = nigah("evaluate", "risk", "--truth", scenario, "--json", *cli_store, *home)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert set(result["models"]) == {"final", "gnn", "booster", "label_propagation"}
    for metrics in result["models"].values():
        assert set(metrics) == {"precision_at_1", "precision_at_2", "precision_at_5", "precision_at_10",
                                "recall_at_5", "revenue_at_5", "auc"}
        assert 0 <= metrics["precision_at_5"] <= 1
    assert result["models"]["gnn"]["auc"] > 0.6
    diagnosis = result["diagnosis"]
    planted = diagnosis["planted_by_kind"]
    assert set(planted) <= {"under_invoicing", "misdeclaration_hs", "misdeclaration_weight", "diversion"}
    assert sum(planted.values()) == result["test_fraudulent"]
    for by_kind in diagnosis["caught_at_5_by_kind"].values():
        assert set(by_kind) == set(planted) and all(0 <= v <= 1 for v in by_kind.values())
    assert 0 < diagnosis["tabular_with_true_rings"]["auc"] <= 1
    for quality in diagnosis["unit_value_flags"].values():  # the flags' own quality: test_unit_value_flags_...
        assert quality["flagged"] >= 0 and 0 <= quality["precision"] <= 1 and 0 <= quality["recall"] <= 1


def test_flat_public_export_trains_and_scores(scenario, tmp_path, flat_export):
    flat = flat_export(scenario, tmp_path / "flat", rows=5000)
    home = tmp_path / "home"
    mapping = ROOT / "ingest" / "mappings" / "flat_declarations.yaml"
    assert nigah("ingest", tmp_path / "flat", "--mapping", mapping, "--home", home).returncode == 0
    run = nigah("train", "--epochs", "2", "--json", "--home", home)
    assert run.returncode == 0, run.stderr
    assert nigah("analyze", "--home", home).returncode == 0
    store = DuckDBStore(home)
    scored = store.node_table("Declaration", ["risk", "risk_reasons"])
    store.close()
    assert len(scored) == len(flat) and scored["risk"].notna().all()
