"""The trained risk model on disk: the GNN's weights (``model.pt``), the
booster (``booster.txt``, LightGBM's own text format) and everything needed to
use them again (``model.json``: config, feature names and standardisation,
the booster's category vocabularies, time split, graph shape, which model
scores (``final``, chosen on validation) and the metrics)."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import torch

from nigah.analytics.risk.model import RiskGNN
from nigah.analytics.risk.train import RiskConfig, TimeSplit, new_model

FORMAT = 3


def model_dir(home: Path) -> Path:
    return Path(home) / "models" / "risk"


@dataclass
class RiskBundle:
    state: dict
    config: RiskConfig
    features: list[str]
    mean: np.ndarray
    std: np.ndarray
    split: TimeSplit
    in_dims: dict[str, int]
    edge_types: list[tuple[str, str, str]]
    metrics: dict
    history: list[dict]
    booster: lgb.Booster | None = None
    categories: dict[str, list[str]] | None = None
    final: str = "gnn"            # gnn, booster or blend: the one that did best on validation
    calibration: tuple[float, float] = (1.0, 0.0)   # Platt scaling of the final score (validation)

    def model(self) -> RiskGNN:
        model = new_model(self.in_dims, self.edge_types, self.config)
        model.load_state_dict(self.state)
        return model.eval()


def save_bundle(bundle: RiskBundle, home: Path) -> Path:
    where = model_dir(home)
    where.mkdir(parents=True, exist_ok=True)
    torch.save(bundle.state, where / "model.pt")
    if bundle.booster is not None:
        bundle.booster.save_model(str(where / "booster.txt"))
    meta = {"format": FORMAT, "trained_at": dt.datetime.now().isoformat(timespec="seconds"),
            "config": bundle.config.as_dict(), "features": bundle.features,
            "mean": bundle.mean.tolist(), "std": bundle.std.tolist(),
            "split": {"validation_from": bundle.split.val_from.date().isoformat(),
                      "test_from": bundle.split.test_from.date().isoformat()},
            "in_dims": bundle.in_dims, "edge_types": [list(e) for e in bundle.edge_types],
            "categories": bundle.categories or {}, "final": bundle.final,
            "calibration": list(bundle.calibration),
            "metrics": bundle.metrics, "history": bundle.history}
    (where / "model.json").write_text(json.dumps(meta, indent=2))
    return where


def load_bundle(home: Path) -> RiskBundle:
    where = model_dir(home)
    if not (where / "model.json").exists():
        raise FileNotFoundError(f"no trained risk model in {where}: run `nigah train` first")
    meta = json.loads((where / "model.json").read_text())
    if meta.get("format") != FORMAT:
        raise ValueError(f"{where} holds a risk model of another format: run `nigah train`")
    booster = lgb.Booster(model_file=str(where / "booster.txt")) if (where / "booster.txt").exists() else None
    return RiskBundle(torch.load(where / "model.pt", weights_only=True), RiskConfig(**meta["config"]),
                      meta["features"], np.array(meta["mean"], np.float32), np.array(meta["std"], np.float32),
                      TimeSplit(pd.Timestamp(meta["split"]["validation_from"]), pd.Timestamp(meta["split"]["test_from"])),
                      meta["in_dims"], [tuple(e) for e in meta["edge_types"]], meta["metrics"], meta["history"],
                      booster, meta["categories"], meta["final"], tuple(meta["calibration"]))
