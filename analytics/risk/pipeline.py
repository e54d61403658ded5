"""From a store to trained models and written-back risk scores:
:func:`train_risk` fits the GNN and the booster on the time split, keeps the
one (or their blend) that ranks the validation period best, and saves them
under a home directory; :func:`score_risk` scores every GD with the saved
model (the risk stage of ``analytics.pipeline``, which trains first when
there is none)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from nigah.analytics.communities.projection import ProjectionConfig, shared_things, trader_projection
from nigah.analytics.risk.booster import (BoosterConfig, BoosterInputs, booster_inputs, booster_scores,
                                          fit_booster, leaf_indices)
from nigah.analytics.risk.features import DeclarationFeatures, declaration_features, read_declarations
from nigah.analytics.risk.graph_data import build_graph, feature_widths
from nigah.analytics.risk.persist import RiskBundle, load_bundle, save_bundle
from nigah.analytics.risk.reasons import NOTHING, reason_lines, split_evidence, with_own_anomalies
from nigah.analytics.risk.selectivity import SelectivityConfig, channels
from nigah.analytics.risk.train import RiskConfig, TimeSplit, predict, score_all, standardiser, train_gnn
from nigah.graph.schema import REASON_SEPARATOR, SCHEMA
from nigah.graph.store import GraphStore


# Reasons are written for every GD the channels select (red, yellow, at
# random) and for the riskiest 5 %: what an officer opens. TreeSHAP and the
# reason text cost most of a batch scoring (TreeSHAP alone 133 s for all of 1M
# GDs); the others read "nothing stands out", which at their risk is the case.
EXPLAIN_SHARE = 0.05


@dataclass
class Prepared:
    features: DeclarationFeatures
    data: object            # torch_geometric HeteroData, declaration features standardised (None: not built)
    split: TimeSplit
    mean: np.ndarray
    std: np.ndarray
    booster: BoosterInputs  # the booster's inputs, every GD


def booster_config(config: RiskConfig) -> BoosterConfig:
    return BoosterConfig(trees=config.trees, threads=config.booster_threads)


def prepare(store: GraphStore, config: RiskConfig, split: TimeSplit | None = None,
            scale: tuple[np.ndarray, np.ndarray] | None = None, links: pd.DataFrame | None = None,
            categories: dict | None = None, declarations: pd.DataFrame | None = None,
            graph: bool = True) -> Prepared:
    """Features, split and graph; the split, the standardisation and the
    booster's categories are the saved model's when given, else fitted on the
    training period. ``links``: the trader projection (default configuration)
    if the caller has built it; ``declarations``: the declaration read to use
    instead of the store's (an evaluation that hides the test period's outcomes);
    without ``graph`` no GNN graph is built (scoring with the booster alone)."""
    d = read_declarations(store) if declarations is None else declarations
    features = declaration_features(d, config.party_history)
    if not len(features):
        raise ValueError("no declarations in the store: ingest some first")
    split = split or TimeSplit.of(features.date, config)
    training = np.flatnonzero(split.parts(features.date)[0])
    inputs = booster_inputs(d, features.X, features.inspected, features.adverse, rows=training,
                            categories=categories, config=booster_config(config), schema=store.schema)
    X = features.X.to_numpy()
    mean, std = scale or standardiser(X, training)
    if not graph:
        return Prepared(features, None, split, mean, std, inputs)
    if not config.trader_links:
        links = None
    elif links is None:
        links = trader_projection(store, ProjectionConfig(), links=shared_things(store))
    days = features.date.to_numpy().astype("datetime64[D]").astype(np.int64)
    data = build_graph(store, (X - mean) / std, days, features.gd_number, links)
    return Prepared(features, data, split, mean, std, inputs)


def labelled(prepared: Prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of examined GDs in the train, validation and test periods."""
    f = prepared.features
    return tuple(np.flatnonzero(part & f.inspected) for part in prepared.split.parts(f.date))


def train_risk(store: GraphStore, home: Path, config: RiskConfig = RiskConfig(), log=lambda m: None,
               links: pd.DataFrame | None = None) -> dict:
    """Fit the GNN and the booster on the time split, keep the better of them
    (or their blend) on the validation period, measure it on the latest
    period's examined GDs, and save it all under ``home/models/risk``."""
    prepared = prepare(store, config, links=links)
    train, val, test = labelled(prepared)
    if prepared.features.adverse[train].sum() == 0 or len(val) == 0:
        raise ValueError("too few examined declarations with adverse findings to learn from "
                         f"({len(train)} examined in the training period)")
    y = prepared.features.adverse.astype(np.float32)
    model, history, booster = fit_both(prepared, y, train, val, config, log)
    final, chosen_on, on_validation = choose(model, booster, prepared, val, y, config)
    calibration = platt(on_validation[final], y[val])
    log(f"final model: {final} (validation average precision " +
        ", ".join(f"{k} {v}" for k, v in chosen_on.items()) + ")")
    metrics = {"train_examined": len(train), "validation_examined": len(val), "test_examined": len(test),
               "epochs": len(history), "trees": int(booster.best_iteration_ or booster.n_estimators_),
               "final": final, "validation_average_precision": chosen_on,
               "calibration": [round(c, 6) for c in calibration]}
    if len(test) and 0 < y[test].sum() < len(test):
        score = final_scores(final, model, booster.booster_, prepared, test, config)
        metrics |= {"test_auc": round(float(roc_auc_score(y[test], score)), 4),
                    "test_average_precision": round(float(average_precision_score(y[test], score)), 4)}
    bundle = RiskBundle(model.state_dict(), config, list(prepared.features.X.columns), prepared.mean,
                        prepared.std, prepared.split, feature_widths(prepared.data),
                        list(prepared.data.edge_types), metrics, history, booster.booster_,
                        prepared.booster.categories, final, calibration)
    save_bundle(bundle, home)
    return metrics


def fit_both(prepared: Prepared, y: np.ndarray, train: np.ndarray, val: np.ndarray, config: RiskConfig,
             log=lambda m: None):
    """The booster, then the GNN (over the booster's leaves, if configured)
    learning the finding and the recovered duty together (GraphFC's order),
    both fitted on ``train`` and stopped on ``val``."""
    log("training the booster")
    booster = fit_booster(prepared.booster, y, train, val, config.seed, booster_config(config))
    with_leaves(prepared, booster, config)
    log("training the GNN")
    revenue = prepared.features.context["recovered_duty_usd"].to_numpy(float)
    model, history = train_gnn(prepared.data, y, train, val, config, log, revenue=revenue)
    return model, history, booster


def with_leaves(prepared: Prepared, booster, config: RiskConfig) -> None:
    """Give every GD of the graph its leaves in the booster's first trees
    (``config.leaf_trees``; none when 0)."""
    import torch

    if not config.leaf_trees:
        return
    leaves = leaf_indices(booster, prepared.booster, config.leaf_trees, booster_config(config).leaves)
    prepared.data["Declaration"].leaf = torch.from_numpy(leaves)


def platt(score: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling on the validation period: ``a``, ``b`` with
    ``sigmoid(a * logit(score) + b)`` the chance that an examination finds
    something. Monotone (``a`` > 0), so it changes no ranking; (1, 0) when
    validation cannot fit it."""
    from sklearn.linear_model import LogisticRegression

    if not 0 < y.sum() < len(y):
        return 1.0, 0.0
    z = _logit(score)[:, None]
    fit = LogisticRegression(C=1e6).fit(z, y)
    a, b = float(fit.coef_[0, 0]), float(fit.intercept_[0])
    return (a, b) if a > 0 else (1.0, 0.0)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def calibrated(score: np.ndarray, calibration: tuple[float, float]) -> np.ndarray:
    a, b = calibration
    return 1 / (1 + np.exp(-(a * _logit(score) + b)))


def candidates(gnn: np.ndarray, tree: np.ndarray) -> dict[str, np.ndarray]:
    """The scores the final model may be: the GNN's, the booster's, their mean."""
    gnn, tree = np.asarray(gnn, float), np.asarray(tree, float)
    return {"gnn": gnn, "booster": tree, "blend": (gnn + tree) / 2}


def final_scores(final: str, model, booster, prepared: Prepared, rows: np.ndarray, config: RiskConfig) -> np.ndarray:
    """The ``final`` model's risk for ``rows``."""
    return candidates(predict(model, prepared.data, rows, config)[0],
                      booster_scores(booster, prepared.booster, rows)[0])[final]


def choose(model, booster, prepared: Prepared, val: np.ndarray, y: np.ndarray,
           config: RiskConfig) -> tuple[str, dict[str, float], dict[str, np.ndarray]]:
    """The candidate that ranks the validation period's examined GDs best
    (average precision; on a tie the simpler one, the booster first), the
    candidates' average precision, and their scores on ``val``."""
    scores = candidates(predict(model, prepared.data, val, config)[0],
                        booster_scores(booster.booster_, prepared.booster, val)[0])
    ap = {name: round(float(average_precision_score(y[val], s)), 4) if 0 < y[val].sum() < len(val) else 0.0
          for name, s in scores.items()}
    final = max(("booster", "gnn", "blend"), key=lambda name: ap[name])  # max keeps the first of equals
    return final, ap, scores


def score_risk(store: GraphStore, home: Path, selectivity: SelectivityConfig = SelectivityConfig(),
               links: pd.DataFrame | None = None) -> dict:
    """Score every declaration with the saved model (no retraining), write
    ``risk``, ``risk_channel`` and ``risk_reasons`` on declarations and
    ``risk`` and ``risk_reasons`` on traders."""
    bundle = load_bundle(home)
    gnn = bundle.final != "booster"   # the booster alone needs no graph (a third of a 1M scoring)
    prepared = prepare(store, bundle.config, bundle.split, (bundle.mean, bundle.std), links, bundle.categories,
                       graph=gnn)
    if list(prepared.features.X.columns) != bundle.features or gnn and (
            feature_widths(prepared.data) != bundle.in_dims or list(prepared.data.edge_types) != bundle.edge_types):
        raise ValueError("the saved risk model was trained on a graph of another shape: run `nigah train`")
    f = prepared.features
    risk, gnn_contrib = _risk(bundle, prepared)
    risk = calibrated(risk, bundle.calibration)
    channel, selection = channels(risk, f.date, f.gd_number, selectivity)
    explain = np.flatnonzero((channel != "green") | (risk >= np.quantile(risk, 1 - EXPLAIN_SHARE)))
    contrib, names = _contributions(bundle, prepared, explain, gnn_contrib)
    context = f.context.iloc[explain].join(attribute_context(prepared, bundle).iloc[explain])
    lines = with_own_anomalies(reason_lines(contrib, names, context), context)
    why = pd.Series(NOTHING, index=f.context.index, dtype=object)
    evidence = pd.Series(None, index=f.context.index, dtype=object)
    why.iloc[explain], evidence.iloc[explain] = (part.to_numpy() for part in split_evidence(lines))
    decl = pd.DataFrame({"gd_number": f.gd_number, "risk": np.round(risk.astype(float), 4),
                         "risk_channel": channel, "risk_selection": selection, "risk_reasons": why,
                         "risk_evidence": evidence})
    store.write_properties("Declaration", decl)
    traders = trader_risk(decl, f.context["trader"])
    store.write_properties("Trader", traders)
    return {"declarations": len(decl), "traders": len(traders), "at_random": int((selection == "random").sum()),
            "channels": {c: int((channel == c).sum())  # most severe first
                         for c in reversed(SCHEMA.enum_values("Declaration", "risk_channel"))}}


def _risk(bundle: RiskBundle, prepared: Prepared) -> tuple[np.ndarray, np.ndarray | None]:
    """Every GD's risk from the saved final model and, where the GNN is part of
    it, its gradients × inputs (computed in the same pass)."""
    if bundle.booster is None:
        raise ValueError("the saved risk model has no booster: run `nigah train`")
    tree, _ = booster_scores(bundle.booster, prepared.booster)
    if bundle.final == "booster":
        return tree, None
    with_leaves(prepared, bundle.booster, bundle.config)
    gnn, gnn_contrib = score_all(bundle.model(), prepared.data)
    return candidates(gnn, tree)[bundle.final], gnn_contrib


def _contributions(bundle: RiskBundle, prepared: Prepared, rows: np.ndarray,
                   gnn_contrib: np.ndarray | None) -> tuple[np.ndarray, list[str]]:
    """Each input's share of the logit of the GDs ``rows``, and the inputs'
    names. The booster's (TreeSHAP) are always part of it: a GNN or blend gets
    half its own gradients × inputs and half the booster's, since the GNN's
    gradients cover only the GD's own features."""
    names = bundle.booster.feature_name()   # the inputs it was trained on (booster.trained_inputs)
    contrib = booster_scores(bundle.booster, prepared.booster, rows, contributions=True)[1] if len(rows) \
        else np.zeros((0, len(names)))
    if gnn_contrib is None:
        return contrib, names
    return np.hstack([gnn_contrib[rows] / 2, contrib / 2]), list(prepared.features.X.columns) + names


def attribute_context(prepared: Prepared, bundle: RiskBundle) -> pd.DataFrame:
    """What the reasons quote about a categorical attribute: its value, how
    many earlier GDs with it were examined, the share adverse, and the share
    over all examined GDs of the training period to compare with."""
    X, f = prepared.booster.X, prepared.features
    training = prepared.split.parts(f.date)[0] & f.inspected
    out = {"base_adverse_share": np.full(len(X), f.adverse[training].mean() if training.any() else 0.0)}
    for column in X.columns:
        if column.endswith("_examined"):
            name = column[:-len("_examined")]
            out[f"{name}_examined"] = np.expm1(X[column].to_numpy())
            out[f"{name}_adverse_share"] = X[f"{name}_adverse_share"].to_numpy()
            if name in prepared.booster.values:
                out[f"value_{name}"] = prepared.booster.values[name].to_numpy()
    return pd.DataFrame(out, index=f.context.index)


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
