"""The bar the risk engine must clear: a plain LightGBM on the raw input
columns, fitted on the same split as ``nigah evaluate risk --labels``, in the
same run, on the same machine.

    python benchmarks/raw_lightgbm.py --declarations 30000            # our default scenario
    python benchmarks/raw_lightgbm.py --declarations 30000 --style flat   # the flat export style
    python benchmarks/raw_lightgbm.py --data DIR --file export.csv --mapping ingest/mappings/flat_declarations.yaml \\
        --label Fraud --adverse 1 --date Date --drop "Declaration ID"

It ingests the data into a fresh embedded store, runs ``nigah analyze
--no-risk`` (the diversion scores and flags the risk features read) and
``nigah evaluate risk --labels --test-share S --json`` there, then fits LightGBM on the one input
file as a data scientist would: every text column a native category, every
number as it stands, nothing engineered; trained on the examined rows filed
before the evaluation's ``test_from`` (the last 15 % of those for early
stopping), tested on the examined rows from it. It prints both tables and
the final model's precision@5 % and AUC against the plain booster's.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nigah.analytics.risk.metrics import ranking_metrics  # noqa: E402

SCENARIO_DROP = ["gd_number", "channel", "recovered_duty_usd", "description", "container_no"]


def nigah(*args: str) -> str:
    run = subprocess.run([sys.executable, "-m", "nigah", *args], capture_output=True, text=True)
    if run.returncode not in (0, 1):
        raise SystemExit(f"nigah {' '.join(args)} failed: {run.stderr}")
    return run.stdout


def plain_booster(frame: pd.DataFrame, label: pd.Series, dates: pd.Series, test_from: pd.Timestamp,
                  seed: int = 42) -> dict:
    X = frame.copy()
    for c in X.columns:
        numbers = pd.to_numeric(X[c], errors="coerce")
        X[c] = numbers if numbers.notna().mean() > 0.95 else X[c].astype("category")
    examined = label.notna().to_numpy()
    later = (dates >= test_from).to_numpy()
    before = np.flatnonzero(examined & ~later)
    stop = before[dates.iloc[before].rank(method="first").to_numpy() > len(before) * 0.85]
    fit = np.setdiff1d(before, stop)
    test = np.flatnonzero(examined & later)
    y = label.fillna(0).astype(int).to_numpy()
    model = lgb.LGBMClassifier(n_estimators=2000, learning_rate=0.05, random_state=seed, deterministic=True,
                               force_row_wise=True, n_jobs=2, verbose=-1)
    model.fit(X.iloc[fit], y[fit], eval_set=[(X.iloc[stop], y[stop])], eval_metric="average_precision",
              callbacks=[lgb.early_stopping(100, verbose=False)])
    score = model.predict_proba(X.iloc[test])[:, 1]
    return ranking_metrics(score, y[test].astype(bool), np.zeros(len(test))) | {
        "trees": int(model.best_iteration_ or 0), "test_examined": int(len(test))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--declarations", type=int, default=30_000, help="scenario size (without --data)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--style", default="nigah", help="generate this style: nigah or flat")
    parser.add_argument("--data", help="an input directory instead of a generated scenario")
    parser.add_argument("--file", default="declarations.csv", help="the input file the plain booster reads")
    parser.add_argument("--mapping", help="the column mapping nigah ingests --data with")
    parser.add_argument("--label", default="inspection_outcome", help="the outcome column of --file")
    parser.add_argument("--adverse", default="discrepancy,seizure", help="its adverse values")
    parser.add_argument("--date", default="date", help="its filing-date column")
    parser.add_argument("--drop", action="append", help="identifier or leaking columns to leave out")
    parser.add_argument("--test-share", type=float, default=0.15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nigah-raw-"))
    data = Path(args.data) if args.data else work / "data"
    if not args.data:
        nigah("generate", "--out", str(data), "--declarations", str(args.declarations), "--seed", str(args.seed),
              "--style", args.style)
    if args.style == "flat":  # the flat export's own columns
        args.file, args.label, args.adverse, args.date = "export.csv", "Fraud", "1", "Date"
        args.mapping = args.mapping or str(ROOT / "ingest" / "mappings" / "flat_declarations.yaml")
        args.drop = args.drop or ["Declaration ID"]
    home = work / "home"
    nigah("ingest", str(data), "--home", str(home), *(["--mapping", args.mapping] if args.mapping else []))
    nigah("analyze", "--no-risk", "--home", str(home))  # diversion scores and flags, as in use
    nigah_result = json.loads(nigah("evaluate", "risk", "--labels", "--test-share", str(args.test_share),
                                    "--json", "--home", str(home)))
    raw = pd.read_csv(data / args.file, dtype=str, keep_default_na=False).replace("", None)
    outcome = raw.pop(args.label)
    label = outcome.isin(args.adverse.split(",")).astype(float).where(outcome.notna())
    dates = pd.to_datetime(raw[args.date], errors="coerce")
    drop = args.drop or (SCENARIO_DROP if not args.data else [])
    if args.style == "flat":
        drop = args.drop
    frame = raw.drop(columns=[c for c in drop + [args.date] if c in raw])
    plain = plain_booster(frame, label, dates, pd.Timestamp(nigah_result["split"]["test_from"]))
    final = nigah_result["models"]["final"]
    print(json.dumps({"nigah": nigah_result["models"], "nigah_final": nigah_result["final"],
                      "plain_lightgbm": plain, "split": nigah_result["split"],
                      "precision_at_5_ratio": round(final["precision_at_5"] / max(plain["precision_at_5"], 1e-9), 3),
                      "auc_difference": round(final["auc"] - plain["auc"], 4),
                      "segments": nigah_result["segments"]}, indent=2))


if __name__ == "__main__":
    main()
