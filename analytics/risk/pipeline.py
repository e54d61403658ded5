"""From a store to trained models and written-back risk scores:
:func:`train_risk` fits the GNN on the time split and saves it under a home
directory; :func:`score_risk` scores every GD with the saved model (the risk
stage of ``analytics.pipeline``, which trains first when there is none)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from nigah.analytics.communities.projection import ProjectionConfig, shared_things, trader_projection
from nigah.analytics.risk.features import DeclarationFeatures, declaration_features, read_declarations
from nigah.analytics.risk.graph_data import build_graph, feature_widths
from nigah.analytics.risk.persist import RiskBundle, load_bundle, save_bundle
from nigah.analytics.risk.reasons import reasons
from nigah.analytics.risk.selectivity import SelectivityConfig, channels
from nigah.analytics.risk.train import RiskConfig, TimeSplit, predict, score_all, standardiser, train_gnn
from nigah.graph.schema import REASON_SEPARATOR, SCHEMA
from nigah.graph.store import GraphStore


@dataclass
class Prepared:
    features: DeclarationFeatures
    data: object            # torch_geometric HeteroData, declaration features standardised
    split: TimeSplit
    mean: np.ndarray
    std: np.ndarray


def prepare(store: GraphStore, config: RiskConfig, split: TimeSplit | None = None,
            scale: tuple[np.ndarray, np.ndarray] | None = None, links: pd.DataFrame | None = None) -> Prepared:
    """Features, split and graph; the split and the standardisation are the
    saved model's when given, else fitted on the training period. ``links``:
    the trader projection (default configuration) if the caller has built it."""
    features = declaration_features(read_declarations(store), config.party_history)
    if not len(features):
        raise ValueError("no declarations in the store: ingest some first")
    split = split or TimeSplit.of(features.date, config)
    X = features.X.to_numpy()
    mean, std = scale or standardiser(X, split.parts(features.date)[0])
    if not config.trader_links:
        links = None
    elif links is None:
        links = trader_projection(store, ProjectionConfig(), links=shared_things(store))
    days = features.date.to_numpy().astype("datetime64[D]").astype(np.int64)
    data = build_graph(store, (X - mean) / std, days, features.gd_number, links)
    return Prepared(features, data, split, mean, std)


def labelled(prepared: Prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of examined GDs in the train, validation and test periods."""
    f = prepared.features
    return tuple(np.flatnonzero(part & f.inspected) for part in prepared.split.parts(f.date))


def train_risk(store: GraphStore, home: Path, config: RiskConfig = RiskConfig(), log=lambda m: None,
               links: pd.DataFrame | None = None) -> dict:
    """Fit the GNN on the time split, measure it on the latest period's
    examined GDs, and save it under ``home/models/risk``."""
    prepared = prepare(store, config, links=links)
    train, val, test = labelled(prepared)
    if prepared.features.adverse[train].sum() == 0 or len(val) == 0:
        raise ValueError("too few examined declarations with adverse findings to learn from "
                         f"({len(train)} examined in the training period)")
    y = prepared.features.adverse.astype(np.float32)
    model, history = train_gnn(prepared.data, y, train, val, config, log)
    metrics = {"train_examined": len(train), "validation_examined": len(val), "test_examined": len(test),
               "epochs": len(history)}
    if len(test) and 0 < y[test].sum() < len(test):
        score, _ = predict(model, prepared.data, test, config)
        metrics |= {"test_auc": round(float(roc_auc_score(y[test], score)), 4),
                    "test_average_precision": round(float(average_precision_score(y[test], score)), 4)}
    bundle = RiskBundle(model.state_dict(), config, list(prepared.features.X.columns), prepared.mean,
                        prepared.std, prepared.split, feature_widths(prepared.data),
                        list(prepared.data.edge_types), metrics, history)
    save_bundle(bundle, home)
    return metrics


def score_risk(store: GraphStore, home: Path, selectivity: SelectivityConfig = SelectivityConfig(),
               links: pd.DataFrame | None = None) -> dict:
    """Score every declaration with the saved model (no retraining), write
    ``risk``, ``risk_channel`` and ``risk_reasons`` on declarations and
    ``risk`` and ``risk_reasons`` on traders."""
    bundle = load_bundle(home)
    prepared = prepare(store, bundle.config, bundle.split, (bundle.mean, bundle.std), links)
    columns = list(prepared.features.X.columns)
    shape = feature_widths(prepared.data)
    if columns != bundle.features or shape != bundle.in_dims or list(prepared.data.edge_types) != bundle.edge_types:
        raise ValueError("the saved risk model was trained on a graph of another shape: run `nigah train`")
    model = bundle.model()
    risk, contrib = score_all(model, prepared.data)
    f = prepared.features
    why = reasons(contrib, columns, f.context)
    channel = channels(risk, selectivity)
    decl = pd.DataFrame({"gd_number": f.gd_number, "risk": np.round(risk.astype(float), 4),
                         "risk_channel": channel, "risk_reasons": why})
    store.write_properties("Declaration", decl)
    traders = trader_risk(decl, f.context["trader"])
    store.write_properties("Trader", traders)
    return {"declarations": len(decl), "traders": len(traders),
            "channels": {c: int((channel == c).sum())  # most severe first
                         for c in reversed(SCHEMA.enum_values("Declaration", "risk_channel"))}}


def trader_risk(decl: pd.DataFrame, trader: pd.Series, top: int = 3) -> pd.DataFrame:
    """A trader's risk is the mean of its ``top`` riskiest GDs; its reasons are
    those of the riskiest one.

    >>> d = pd.DataFrame({"gd_number": ["a", "b", "c"], "risk": [0.9, 0.5, 0.1], "risk_reasons": ["x", "y", "z"]})
    >>> trader_risk(d, pd.Series(["T1", "T1", "T2"]), top=2).to_dict("records")
    [{'ntn': 'T1', 'risk': 0.7, 'risk_reasons': 'GD a (risk 0.90): x'}, {'ntn': 'T2', 'risk': 0.1, 'risk_reasons': 'GD c (risk 0.10): z'}]
    """
    d = decl.assign(ntn=trader.to_numpy()).dropna(subset=["ntn"]).sort_values("risk", ascending=False, kind="stable")
    best = d.groupby("ntn", sort=True).head(top).groupby("ntn", sort=True)["risk"].mean().round(4)
    first = d.groupby("ntn", sort=True).first()
    text = "GD " + first["gd_number"] + " (risk " + first["risk"].map("{:.2f}".format) + "): " \
        + first["risk_reasons"].str.replace(REASON_SEPARATOR, "; ", regex=False)
    return pd.DataFrame({"ntn": best.index, "risk": best.to_numpy(), "risk_reasons": text.to_numpy()})
