"""The general learner: gradient boosting (LightGBM) over every declared
attribute of a GD, not only the features our own typologies suggest.

Its inputs are chosen by the schema, not by hand, so a column another
administration brings (process type, payment type, a courier) reaches the
model as soon as the schema or a mapping names it:

- every numeric Declaration property that is a feature (``feature: false``
  leaves out outcomes, the old rules' channel and per-GD identifiers), raw;
- every categorical one (str or enum), twice: as LightGBM's native category
  where it has at most ``max_categories`` values in the training period, and,
  whatever its cardinality, by the history of its value as of filing (how
  many earlier GDs had it, how many were examined, the share adverse): a
  target encoding that is time-safe by construction, since only GDs filed on
  earlier days count (``analytics.risk.history``);
- the same histories for HS code × origin and for the HS heading;
- the tabular features of :mod:`analytics.risk.features` (unit value against
  its reference, the parties' histories, the trader's age, diversion score).

Training is budgeted in trees with early stopping on the validation period's
average precision, in a fixed number of threads, with LightGBM's
deterministic mode: the same seed gives the same model under any load.

>>> d = pd.DataFrame({"date": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03"]),
...                   "origin_country": ["CN", "CN", "AE"]})
>>> value_history(d, "origin_country", np.array([1, 1, 0]), np.array([1, 0, 0]))["origin_country_seen"].tolist()
[0.0, 0.6931471805599453, 0.0]
"""
from __future__ import annotations

from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd

from nigah.analytics.risk.history import prior_history
from nigah.graph.schema import SCHEMA, Schema

# Combinations whose history matters beyond their parts: goods of one
# heading from one origin, and the heading alone (a code's neighbours).
COMBINATIONS = {"hs_origin": ("hs_code", "origin_country"), "hs_heading": ("hs_code",)}


@dataclass
class BoosterConfig:
    trees: int = 600              # at most this many; early stopping picks fewer
    learning_rate: float = 0.05
    leaves: int = 31
    min_child_samples: int = 20
    patience: int = 50            # trees without a better validation AP before stopping
    max_categories: int = 2000    # a categorical with more values is kept as its history only
    threads: int = 2              # part of the model: the same threads give the same trees

    def params(self, seed: int) -> dict:
        return dict(n_estimators=self.trees, learning_rate=self.learning_rate, num_leaves=self.leaves,
                    min_child_samples=self.min_child_samples, subsample=0.8, subsample_freq=1,
                    colsample_bytree=0.8, reg_lambda=1.0, cat_smooth=10.0, min_data_per_group=20,
                    random_state=seed, deterministic=True, force_row_wise=True, n_jobs=self.threads,
                    verbose=-1)


def attribute_columns(schema: Schema = SCHEMA) -> tuple[list[str], list[str]]:
    """The Declaration's numeric and categorical model inputs, from the schema."""
    node = schema.node("Declaration")
    numeric, categorical = [], []
    for name, p in node.properties.items():
        if name == node.key or not p.feature or p.time or p.type == "date":
            continue
        (numeric if p.type in ("float", "int", "bool") else categorical).append(name)
    return numeric, categorical


def value_history(d: pd.DataFrame, column: str, inspected: np.ndarray, adverse: np.ndarray,
                  keys: pd.Series | None = None) -> pd.DataFrame:
    """What was known, as of each GD's filing, about GDs with the same value
    of ``column`` (or of ``keys``): log counts seen and examined, share adverse."""
    h = prior_history(d[column] if keys is None else keys, d["date"], inspected, adverse)
    return pd.DataFrame({f"{column}_seen": np.log1p(h["gds"].to_numpy(float)),
                         f"{column}_examined": np.log1p(h["inspected"].to_numpy(float)),
                         f"{column}_adverse_share": (h["adverse"] / (h["inspected"] + 1.0)).to_numpy(float)},
                        index=d.index)


@dataclass
class BoosterInputs:
    """The booster's input frame and how its categories were coded."""
    X: pd.DataFrame
    categories: dict[str, list[str]] = field(default_factory=dict)   # column -> training vocabulary
    values: dict[str, pd.Series] = field(default_factory=dict)       # each history's values, for reasons


def booster_inputs(d: pd.DataFrame, tabular: pd.DataFrame, inspected: np.ndarray, adverse: np.ndarray,
                   rows: np.ndarray | None = None, categories: dict[str, list[str]] | None = None,
                   config: BoosterConfig = BoosterConfig(), schema: Schema = SCHEMA) -> BoosterInputs:
    """Inputs for every GD of ``d`` (the declaration read, in the features'
    order). ``tabular``: :class:`DeclarationFeatures` ``.X``. The native
    categories' vocabularies are fitted on ``rows`` (the training period)
    unless ``categories`` (a saved model's) are given."""
    d = d.reset_index(drop=True).assign(date=pd.to_datetime(d["date"].to_numpy()))
    numeric, categorical = attribute_columns(schema)
    parts = [tabular.reset_index(drop=True)]
    parts.append(pd.DataFrame({f"raw_{c}": pd.to_numeric(d[c], errors="coerce").astype(float)
                               for c in numeric if c in d}, index=d.index))
    inspected, adverse = inspected.astype(np.int64), adverse.astype(np.int64)
    values = {}
    for c in categorical:
        if c in d:
            values[c] = d[c]
            parts.append(value_history(d, c, inspected, adverse))
    for name, columns in COMBINATIONS.items():
        if all(c in d for c in columns):
            present = d[list(columns)].notna().all(axis=1)
            keys = d[columns[0]].astype(str).str[:4] if len(columns) == 1 else \
                d[columns[0]].astype(str) + "|" + d[columns[1]].astype(str)
            values[name] = keys = keys.where(present)
            parts.append(value_history(d.assign(**{name: keys}), name, inspected, adverse))
    if categories is None:
        fit = d if rows is None else d.iloc[rows]
        categories = {}
        for c in categorical:
            if c in d:
                vocabulary = sorted(fit[c].dropna().astype(str).unique())
                if 1 < len(vocabulary) <= config.max_categories:
                    categories[c] = vocabulary
    coded = {}
    for c, vocabulary in categories.items():
        if c in d:
            text = d[c].astype(str).where(d[c].notna())
            coded[f"cat_{c}"] = pd.Categorical(text.where(text.isin(vocabulary)), categories=vocabulary)
    parts.append(pd.DataFrame(coded, index=d.index))
    X = pd.concat(parts, axis=1)
    return BoosterInputs(X, categories, values)


def fit_booster(inputs: BoosterInputs, y: np.ndarray, train: np.ndarray, val: np.ndarray,
                seed: int = 42, config: BoosterConfig = BoosterConfig()) -> lgb.LGBMClassifier:
    """Fit on the examined GDs ``train``, stop early on ``val``'s average precision."""
    model = lgb.LGBMClassifier(**config.params(seed))
    X = inputs.X
    fit = {}
    if len(val) and 0 < y[val].sum() < len(val):
        fit = dict(eval_set=[(X.iloc[val], y[val])], eval_metric="average_precision",
                   callbacks=[lgb.early_stopping(config.patience, first_metric_only=True, verbose=False)])
    return model.fit(X.iloc[train], y[train], **fit)


def trained_inputs(booster: lgb.Booster, X: pd.DataFrame) -> pd.DataFrame:
    """``X``'s columns the booster was trained on, in its order: an attribute a
    later load brought waits for the next training instead of breaking scoring."""
    names = booster.feature_name()
    if list(X.columns) == names:
        return X
    missing = [n for n in names if n not in X.columns]
    if missing:
        raise ValueError(f"the saved risk model uses inputs the store no longer has ({', '.join(missing[:5])}): "
                         "run `nigah train`")
    return X[names]


def booster_scores(model: lgb.LGBMClassifier | lgb.Booster, inputs: BoosterInputs, rows: np.ndarray | None = None,
                   contributions: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Probability of an adverse finding for ``rows`` (default: all) and,
    with ``contributions``, each input's share of the logit (TreeSHAP)."""
    booster = model.booster_ if isinstance(model, lgb.LGBMClassifier) else model
    X = trained_inputs(booster, inputs.X if rows is None else inputs.X.iloc[rows])
    risk = booster.predict(X)
    if not contributions:
        return risk, None
    shap = booster.predict(X, pred_contrib=True)
    return risk, np.asarray(shap)[:, :-1]   # the last column is the expected value


def leaf_indices(model: lgb.LGBMClassifier | lgb.Booster, inputs: BoosterInputs, trees: int,
                 leaves: int, rows: np.ndarray | None = None) -> np.ndarray:
    """The leaf each GD of ``rows`` (default: all) falls into in each of the
    booster's first ``trees`` trees, numbered apart per tree (tree ``t``'s
    leaf ``l`` is ``t * leaves + l``), int32: the GNN's view of what the
    booster learned (``analytics.risk.model``). A booster that stopped early
    gives fewer trees, the same for training and scoring."""
    if isinstance(model, lgb.LGBMClassifier):   # a saved booster keeps only its best trees
        booster, kept = model.booster_, model.best_iteration_ or model.booster_.num_trees()
    else:
        booster, kept = model, model.num_trees()
    X = trained_inputs(booster, inputs.X if rows is None else inputs.X.iloc[rows])
    used = min(trees, kept)
    if used == 0 or not len(X):
        return np.zeros((len(X), 0), np.int32)
    leaf = np.asarray(booster.predict(X, pred_leaf=True, num_iteration=used), np.int64).reshape(len(X), -1)
    return (leaf[:, :used] + np.arange(used) * leaves).astype(np.int32)
