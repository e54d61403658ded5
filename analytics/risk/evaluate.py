"""``nigah evaluate risk``: the final model, the booster, the GNN and label
propagation, fitted on the same time split in one run and ranked on the
latest period, against a scenario's ground truth (``--truth``) or against the
store's own inspection outcomes (``--labels``, any administration's data).

With ``--labels`` the test period's outcomes are hidden before anything is
computed (:func:`hide_outcomes`): no feature, no history, no early stopping
and no model choice sees them; they come back only to be ranked against.
Only examined test GDs have a label, so the ranking is among those.

Truly fraudulent: a GD the generator made fraudulent (under-invoicing,
misdeclaration) or a transit movement it diverted. Every GD of the test
period is ranked, examined or not, as an officer's queue would be. Revenue is
the duty the fraud evaded (``truth/declarations.csv``); diversions carry none
there, so they count for precision and recall but not revenue.

The ``diagnosis`` (:mod:`analytics.risk.diagnosis`) says what each model
catches by kind of fraud, where its false alarms come from, and what the
booster reaches when told the true rings: the most a graph could add.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from nigah.analytics.risk.baselines import fit_tabular, label_propagation
from nigah.analytics.risk.booster import booster_scores
from nigah.analytics.risk.diagnosis import diagnose
from nigah.analytics.risk.features import outcomes, read_declarations
from nigah.analytics.risk.metrics import ranking_metrics
from nigah.analytics.risk.pipeline import Prepared, candidates, choose, fit_both, labelled, prepare
from nigah.analytics.risk.train import RiskConfig, TimeSplit, predict
from nigah.analytics.unit_value_flags import unit_value_flags
from nigah.graph.schema import SCHEMA
from nigah.graph.store import GraphStore

# Known only after examination: hidden for the test period with --labels.
OUTCOMES = [name for name, p in SCHEMA.node("Declaration").properties.items()
            if p.adverse or name == "recovered_duty_usd"]
COLD_START_DAYS = 90


def fraud_truth(truth_dir: Path) -> pd.DataFrame:
    """Per GD number: ``fraud`` (bool), ``revenue`` (evaded duty, USD),
    ``kind`` (the typology, ``diversion`` for a diverted movement, ``none``)
    and ``ring_front`` (its trader fronts a planted ring)."""
    decl = pd.read_csv(Path(truth_dir) / "truth" / "declarations.csv", dtype={"gd_number": str})
    moves = pd.read_csv(Path(truth_dir) / "truth" / "movements.csv", dtype={"gd_number": str})
    diverted = decl["gd_number"].isin(set(moves.loc[moves["diverted"].astype(bool), "gd_number"]))
    fraud = decl["fraud"].astype(bool)
    return pd.DataFrame({"fraud": (fraud | diverted).to_numpy(),
                         "revenue": decl["recoverable_duty_usd"].clip(lower=0).to_numpy(),
                         "kind": decl["typology"].where(fraud, "none").where(~diverted, "diversion").to_numpy(),
                         "ring_front": (decl["ring"] >= 0).to_numpy()},
                        index=decl["gd_number"])


def fit_models(store: GraphStore, prepared: Prepared, train: np.ndarray, val: np.ndarray, test: np.ndarray,
               config: RiskConfig, log) -> tuple[dict[str, np.ndarray], dict]:
    """Every model's scores on ``test``, fitted on ``train`` (choosing on ``val``)."""
    y = prepared.features.adverse.astype(np.float32)
    model, history, booster = fit_both(prepared, y, train, val, config, log)
    final, on_validation, _ = choose(model, booster, prepared, val, y, config)
    scores = candidates(predict(model, prepared.data, test, config)[0], booster_scores(booster, prepared.booster, test)[0])
    scores = {"final": scores[final], "gnn": scores["gnn"], "booster": scores["booster"]}
    log("label propagation")
    reference = {label for label, node in store.schema.nodes.items() if node.reference}
    both = np.concatenate([train, val])
    scores["label_propagation"] = label_propagation(prepared.data, both, y[both], reference)[test]
    return scores, {"final": final, "validation_average_precision": on_validation, "gnn_epochs": len(history),
                    "booster_trees": int(booster.best_iteration_ or booster.n_estimators_)}


def segments(prepared: Prepared, test: np.ndarray, ring_front: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Boolean masks over ``test``: GDs of established traders, of cold-start
    traders (first GD within the last 90 days, or no earlier examination),
    and (with the truth) of planted ring fronts, cold-start or not."""
    f = prepared.features
    trader = f.context["trader"]
    first = f.date.groupby(trader).transform("min")
    cold = ((f.date - first).dt.days < COLD_START_DAYS) | (f.context["trader_inspected"] == 0)
    cold = cold.to_numpy()[test]
    out = {"established": ~cold, "cold_start": cold}
    if ring_front is not None:
        out["ring_fronts"] = ring_front
        out["cold_start_ring_fronts"] = ring_front & cold
    return out


def segment_table(scores: dict[str, np.ndarray], masks: dict[str, np.ndarray], fraud: np.ndarray,
                  revenue: np.ndarray, percent: int = 5) -> dict[str, dict]:
    """Per segment: how many GDs and frauds, and each model's precision@n%
    and AUC within it (an officer's queue for that segment alone)."""
    out = {}
    for name, mask in masks.items():
        row = {"declarations": int(mask.sum()), "fraudulent": int(fraud[mask].sum())}
        for model, s in scores.items():
            m = ranking_metrics(s[mask], fraud[mask], revenue[mask]) if mask.sum() else {}
            row[model] = {k: m.get(k, float("nan")) for k in (f"precision_at_{percent}", "auc")}
        out[name] = row
    return out


def hide_outcomes(d: pd.DataFrame, test_from: pd.Timestamp) -> pd.DataFrame:
    """The declaration read with every outcome of GDs filed from ``test_from`` blanked."""
    hidden = d.copy()
    later = pd.to_datetime(hidden["date"]) >= test_from
    for column in OUTCOMES:
        if column in hidden:
            hidden.loc[later, column] = None
    return hidden


def evaluate_labels(store: GraphStore, config: RiskConfig = RiskConfig(), test_from: str | None = None,
                    test_share: float = 0.15, log=lambda m: None) -> dict:
    """Train on the earlier outcomes, rank the examined GDs of the test period
    (from ``test_from``, else the latest ``test_share`` of GDs by filing date)
    against their own outcomes, which were hidden from everything before."""
    d = read_declarations(store)
    if not len(d):
        raise ValueError("no declarations in the store: ingest some first")
    dates = pd.to_datetime(d["date"]).sort_values()
    if test_from:
        cut = pd.Timestamp(test_from)
    elif 0 < test_share < 1:
        cut = dates.iloc[int(len(dates) * (1 - test_share))].normalize()
    else:
        raise ValueError(f"--test-share must be between 0 and 1, not {test_share}")
    before = dates[dates < cut]
    if len(before) < 10:
        raise ValueError(f"too few declarations filed before {cut.date()} to train on")
    val_from = before.iloc[int(len(before) * config.train_share / (config.train_share + config.val_share))].normalize()
    prepared = prepare(store, config, split=TimeSplit(val_from, cut), declarations=hide_outcomes(d, cut))
    truth = declaration_features_truth(d, prepared)
    train, val, _ = labelled(prepared)
    test = np.flatnonzero(prepared.split.parts(prepared.features.date)[2] & truth["inspected"])
    fraud, revenue = truth["adverse"][test], truth["revenue"][test]
    if not 0 < fraud.sum() < len(test):
        raise ValueError(f"the test period (from {cut.date()}) needs examined GDs with and without findings")
    scores, chosen = fit_models(store, prepared, train, val, test, config, log)
    return {"split": {"validation_from": str(val_from.date()), "test_from": str(cut.date())},
            "train_examined": int(len(train)), "validation_examined": int(len(val)),
            "test_examined": int(len(test)), "test_adverse": int(fraud.sum()), **chosen,
            "models": {name: ranking_metrics(s, fraud, revenue) for name, s in scores.items()},
            "segments": segment_table(scores, segments(prepared, test), fraud, revenue)}


def declaration_features_truth(d: pd.DataFrame, prepared: Prepared) -> dict[str, np.ndarray]:
    """The real outcomes, in the prepared features' order."""
    d = d.reset_index(drop=True)
    assert (d["gd_number"].to_numpy() == prepared.features.gd_number.to_numpy()).all()
    inspected, adverse = outcomes(d)
    return {"inspected": inspected, "adverse": adverse,
            "revenue": pd.to_numeric(d.get("recovered_duty_usd"), errors="coerce").fillna(0).clip(lower=0).to_numpy()}


def evaluate_risk(store: GraphStore, truth_dir: Path, config: RiskConfig = RiskConfig(), log=lambda m: None) -> dict:
    prepared = prepare(store, config)
    f = prepared.features
    truth = fraud_truth(truth_dir).reindex(f.gd_number.astype(str))
    if truth["fraud"].isna().any():
        raise ValueError("the store holds declarations the truth does not know: was it loaded from this scenario?")
    train, val, _ = labelled(prepared)
    test = np.flatnonzero(prepared.split.parts(f.date)[2])
    y = f.adverse.astype(np.float32)
    fraud, revenue = truth["fraud"].to_numpy(bool)[test], truth["revenue"].to_numpy(float)[test]
    scores, chosen = fit_models(store, prepared, train, val, test, config, log)
    X = f.X.to_numpy()
    both = np.concatenate([train, val])
    log("a plain booster on the tabular features, told the true rings")
    rings = truth["ring_front"].to_numpy(float)[:, None]
    oracle = fit_tabular(np.hstack([X, rings])[both], y[both], config.seed).predict_proba(
        np.hstack([X, rings])[test])[:, 1]
    flags = unit_value_flags(read_declarations(store))["unit_value_flag"].to_numpy()
    return {"split": {"validation_from": str(prepared.split.val_from.date()),
                      "test_from": str(prepared.split.test_from.date())},
            "train_examined": int(len(train)), "validation_examined": int(len(val)),
            "test_declarations": int(len(test)), "test_fraudulent": int(fraud.sum()), **chosen,
            "models": {name: ranking_metrics(np.asarray(s, float), fraud, revenue) for name, s in scores.items()},
            "segments": segment_table(scores, segments(prepared, test, truth["ring_front"].to_numpy(bool)[test]),
                                      fraud, revenue),
            "diagnosis": diagnose({n: np.asarray(s, float) for n, s in scores.items()}, truth.iloc[test],
                                  fraud, revenue, oracle, flags[test])}
