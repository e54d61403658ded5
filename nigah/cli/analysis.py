"""Commands that analyse the store: analyze and train."""
from __future__ import annotations

import json
import time
from typing import Annotated, Optional

import typer

from nigah.cli.common import HomeOpt, JsonOpt, LeafTreesOpt, StoreOpt, console, home_dir, open_db, refusals


def analyze(store: StoreOpt = None, home: HomeOpt = None,
            method: Annotated[str, typer.Option(help="Community detection: 'leiden' (igraph) or "
                                                     "'louvain' (python-louvain, small graphs).")] = "leiden",
            resolution: Annotated[float, typer.Option(help="Modularity resolution (higher: smaller communities).")] = 1.0,
            as_of: Annotated[Optional[str], typer.Option(
                "--as-of", help="Judge transit exits as of this time (default: the latest checkpoint scan).")] = None,
            risk: Annotated[bool, typer.Option(help="Score declaration and trader risk with the saved model "
                                                    "(trained first if there is none).")] = True,
            as_json: JsonOpt = False):
    """Detect collusive trader communities and transit diversions, score risk; write scores back."""
    import pandas as pd

    from nigah.analytics.pipeline import STAGES, run

    stages = STAGES if risk else tuple(s for s in STAGES if s != "risk")
    home = home_dir(home)
    with open_db(store, home) as db, refusals():
        when = pd.Timestamp(as_of) if as_of else None
        summary = run(db, home, as_of=when, stages=stages, method=method, resolution=resolution,
                      log=console.print).summary
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    console.print(f"{summary['communities']} communities among {summary['traders_in_communities']:,} "
                  f"linked traders ({summary['method']}); {summary['transit']['flagged']:,} of "
                  f"{summary['transit']['movements']:,} transit movements flagged ({summary['seconds']}s)")
    flags = summary["unit_value_flags"]
    console.print(f"unit value: {flags['under_invoicing']:,} GDs flagged for under-invoicing, "
                  f"{flags['misdeclaration']:,} for misdeclaration")
    if risk:
        c = summary["risk"]["channels"]
        console.print(f"risk scored on {summary['risk']['declarations']:,} declarations: "
                      f"{c['red']:,} red ({summary['risk'].get('at_random', 0):,} of them at random), "
                      f"{c['yellow']:,} yellow, {c['green']:,} green")


def train(store: StoreOpt = None, home: HomeOpt = None,
          epochs: Annotated[int, typer.Option(help="At most this many GNN passes over the training GDs.")] = 30,
          trees: Annotated[int, typer.Option(help="At most this many booster trees (early stopping may "
                                                  "use fewer).")] = 600,
          seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
          leaf_trees: LeafTreesOpt = 0, as_json: JsonOpt = False):
    """Train the risk models on examined GDs (time split): the GNN and the booster, keeping
    the one (or blend) that ranks the validation period best; `nigah analyze` scores with it.
    Budgets are epochs and trees, not seconds: the same seed gives the same model."""
    from nigah.analytics.risk import RiskConfig, train_risk
    from nigah.analytics.risk.persist import model_dir

    home = home_dir(home)
    t0 = time.perf_counter()
    with open_db(store, home) as db, refusals():
        metrics = train_risk(db, home, RiskConfig(epochs=epochs, trees=trees, seed=seed, leaf_trees=leaf_trees),
                             log=(lambda m: None) if as_json else console.print)
    metrics["seconds"] = round(time.perf_counter() - t0, 2)
    if as_json:
        print(json.dumps(metrics, indent=2))
    else:
        console.print(f"saved the risk model to {model_dir(home)}: "
                      + ", ".join(f"{k} {v}" for k, v in metrics.items()))


COMMANDS = (analyze, train)
