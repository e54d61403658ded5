"""``nigah evaluate risk``: the GNN and its two baselines, fitted on the same
time split in one run and ranked on the latest period against the
scenario's ground truth.

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
from nigah.analytics.risk.diagnosis import diagnose
from nigah.analytics.risk.features import read_declarations
from nigah.analytics.risk.metrics import ranking_metrics
from nigah.analytics.risk.pipeline import labelled, prepare
from nigah.analytics.risk.train import RiskConfig, predict, train_gnn
from nigah.analytics.unit_value_flags import unit_value_flags
from nigah.graph.store import GraphStore


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

    log("training the GNN")
    model, history = train_gnn(prepared.data, y, train, val, config, log)
    scores = {"gnn": predict(model, prepared.data, test, config)[0]}
    log("training the tabular baseline")
    X = f.X.to_numpy()
    both = np.concatenate([train, val])  # the GNN uses val to pick its epoch; the booster stops on its own split
    scores["tabular"] = fit_tabular(X[both], y[both], config.seed).predict_proba(X[test])[:, 1]
    log("label propagation")
    reference = {label for label, node in store.schema.nodes.items() if node.reference}
    scores["label_propagation"] = label_propagation(prepared.data, both, y[both], reference)[test]
    log("the booster again, told the true rings")
    rings = truth["ring_front"].to_numpy(float)[:, None]
    oracle = fit_tabular(np.hstack([X, rings])[both], y[both], config.seed).predict_proba(
        np.hstack([X, rings])[test])[:, 1]
    flags = unit_value_flags(read_declarations(store))["unit_value_flag"].to_numpy()
    return {"split": {"validation_from": str(prepared.split.val_from.date()),
                      "test_from": str(prepared.split.test_from.date())},
            "train_examined": int(len(train)), "validation_examined": int(len(val)),
            "test_declarations": int(len(test)), "test_fraudulent": int(fraud.sum()),
            "gnn_epochs": len(history),
            "models": {name: ranking_metrics(np.asarray(s, float), fraud, revenue) for name, s in scores.items()},
            "diagnosis": diagnose({n: np.asarray(s, float) for n, s in scores.items()}, truth.iloc[test],
                                  fraud, revenue, oracle, flags[test])}
