"""``nigah evaluate``: detection quality against a scenario's ground truth."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from nigah.cli.common import HomeOpt, JsonOpt, LeafTreesOpt, StoreOpt, console, fail, home_dir, open_db, refusals

evaluate_app = typer.Typer(help="Measure detection quality against a scenario's ground truth.",
                           no_args_is_help=True)
TruthOpt = Annotated[Path, typer.Option("--truth", help="Scenario directory (its truth/ folder is read).")]
# The risk and reasons evaluations measure against one of two grounds.
ScenarioOpt = Annotated[Optional[Path], typer.Option(
    "--truth", help="Scenario directory written by `nigah generate`: measure against its ground truth.")]
LabelsOpt = Annotated[bool, typer.Option(
    "--labels", help="Measure against the store's own inspection outcomes (any administration's data).")]


def _ground(truth: Path | None, labels: bool) -> None:
    """Exactly one of ``--truth`` and ``--labels``; a truth directory must hold the scenario's truth."""
    if (truth is None) == (not labels):
        fail("give --truth DIR (a generated scenario) or --labels (the store's own outcomes)")
    if truth is not None:
        _truth(truth, "declarations.csv")


def _truth(directory: Path, name: str):
    import pandas as pd

    path = directory / "truth" / name
    if not path.exists():
        fail(f"no {path}: --truth must be a directory written by `nigah generate`")
    return pd.read_csv(path)


@evaluate_app.command("entities")
def evaluate_entities(truth: TruthOpt, store: StoreOpt = None, home: HomeOpt = None, as_json: JsonOpt = False):
    """Pairwise precision and recall of entity resolution (records merged into parties)."""
    import pandas as pd

    from nigah.ingest.resolve import pair_scores

    expected = _truth(truth, "entities.csv").astype(str)
    predicted = []
    with open_db(store, home_dir(home)) as db:
        for label in expected["label"].unique():
            key = db.schema.node(label).key
            table = db.node_table(label, ["party_id"])
            if table["party_id"].isna().all():
                fail("no parties in the store: run `nigah resolve` first")
            predicted.append(pd.DataFrame({"label": label, "key": table[key].astype(str),
                                           "party": table["party_id"]}))
    result = pair_scores(pd.concat(predicted, ignore_index=True), expected)
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        console.print(f"pair precision {result['pair_precision']}, pair recall {result['pair_recall']} "
                      f"({result['predicted_pairs']} pairs merged, {result['true_pairs']} true)")


@evaluate_app.command("communities")
def evaluate_communities(truth: TruthOpt, store: StoreOpt = None, home: HomeOpt = None,
                         top: Annotated[int, typer.Option(help="How many of the highest-scored communities "
                                                               "top-N recall looks at.")] = 20,
                         as_json: JsonOpt = False):
    """Planted-ring recovery: ring_f1, ari and top20_ring_recall of the stored communities."""
    from nigah.analytics.communities.evaluate import evaluate_communities as run, stored_partition

    _truth(truth, "rings.csv")
    with open_db(store, home_dir(home)) as db:
        parts, scores = stored_partition(db)
    if not parts:
        fail("no communities in the store: run `nigah analyze` first")
    result = run(parts, scores, truth, top=top)
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        console.print(f"ring_f1 {result['ring_f1']:.3f}, ari {result['ari']:.3f}, "
                      f"top{top}_ring_recall {result[f'top{top}_ring_recall']:.3f} "
                      f"({result['rings_found']} of {result['rings']} rings)")


@evaluate_app.command("diversion")
def evaluate_diversion(truth: TruthOpt, store: StoreOpt = None, home: HomeOpt = None,
                       threshold: Annotated[float, typer.Option(help="Score at which a movement is flagged.")] = 0.5,
                       as_json: JsonOpt = False):
    """Precision and recall of transit diversion flags, overall and per pattern."""
    from nigah.analytics.transit.evaluate import evaluate_diversion as run

    with open_db(store, home_dir(home)) as db:
        scores = db.node_table("Declaration", ["gd_type", "diversion_score"])
    scores = scores[scores["gd_type"] == "transit"]
    if scores["diversion_score"].isna().all():
        fail("no diversion scores in the store: run `nigah analyze` first")
    result = run(scores, _truth(truth, "movements.csv"), threshold)
    if as_json:
        print(json.dumps(result, indent=2))
        return
    console.print(f"precision {result['precision']}, recall {result['recall']} "
                  f"({result['flagged']} flagged, {result['diverted']} planted)")
    for pattern, r in result["patterns"].items():
        console.print(f"  {pattern}: recall {r['recall']} of {r['planted']}")


@evaluate_app.command("risk")
def evaluate_risk(truth: ScenarioOpt = None, labels: LabelsOpt = False,
                  test_from: Annotated[Optional[str], typer.Option(
                      "--test-from", help="With --labels: the test period starts on this date.")] = None,
                  test_share: Annotated[float, typer.Option(
                      help="With --labels: the latest share of GDs by filing date to test on.")] = 0.15,
                  store: StoreOpt = None, home: HomeOpt = None,
                  seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
                  epochs: Annotated[int, typer.Option(help="At most this many GNN epochs.")] = 30,
                  trees: Annotated[int, typer.Option(help="At most this many booster trees.")] = 600,
                  party_history: Annotated[bool, typer.Option(
                      help="Give the models the parties' earlier outcomes as features (the ablation: "
                           "--no-party-history, so that only the GNN can learn them, from the graph).")] = True,
                  leaf_trees: LeafTreesOpt = 0, as_json: JsonOpt = False):
    """Fit the final model, the booster, the GNN and label propagation on one time split;
    rank the latest period's GDs (precision@n%, recall, revenue, AUC; and per segment).
    With --labels the test period's outcomes are hidden from training and features."""
    from nigah.analytics.risk import RiskConfig
    from nigah.analytics.risk.evaluate import evaluate_labels, evaluate_risk as run

    _ground(truth, labels)
    config = RiskConfig(seed=seed, epochs=epochs, trees=trees, party_history=party_history,
                        leaf_trees=leaf_trees)
    log = (lambda m: None) if as_json else console.print
    with open_db(store, home_dir(home)) as db, refusals():
        result = run(db, truth, config, log=log) if truth is not None else \
            evaluate_labels(db, config, test_from=test_from, test_share=test_share, log=log)
    if as_json:
        print(json.dumps(result, indent=2))
        return
    _print_risk(result)


def _print_risk(result: dict) -> None:
    split = result["split"]
    console.print(f"test from {split['test_from']} (validation from {split['validation_from']}); "
                  f"final model: {result['final']}")
    table = Table("model", *next(iter(result["models"].values())).keys())
    for name, m in result["models"].items():
        table.add_row(name, *(f"{v:.3f}" for v in m.values()))
    Console().print(table)
    models = list(result["models"])
    segments = Table("segment (precision@5% / AUC)", "GDs", "fraud", *models)
    for name, row in result["segments"].items():
        segments.add_row(name, f"{row['declarations']:,}", f"{row['fraudulent']:,}",
                         *(f"{row[m]['precision_at_5']:.3f} / {row[m]['auc']:.3f}" for m in models))
    Console().print(segments)
    if "diagnosis" not in result:
        return
    d = result["diagnosis"]
    kinds = Table("caught in the top 5%", *(f"{k} ({n})" for k, n in d["planted_by_kind"].items()),
                  "honest alarms from ring fronts")
    for name, by_kind in d["caught_at_5_by_kind"].items():
        kinds.add_row(name, *(f"{by_kind.get(k, 0):.3f}" for k in d["planted_by_kind"]),
                      f"{d['honest_alarms_at_5_from_ring_fronts'][name]:.3f}")
    Console().print(kinds)
    oracle = d["tabular_with_true_rings"]
    console.print(f"tabular told the true rings (the most a graph could add): precision@5% "
                  f"{oracle['precision_at_5']:.3f}, AUC {oracle['auc']:.3f}")
    for flag, q in d["unit_value_flags"].items():
        console.print(f"unit-value flag {flag}: {q['flagged']} GDs, precision {q['precision']:.3f}, "
                      f"recall {q['recall']:.3f}")


@evaluate_app.command("reasons")
def evaluate_reasons(truth: ScenarioOpt = None, labels: LabelsOpt = False,
                     percent: Annotated[float, typer.Option(help="The top share of GDs by risk to read.")] = 5.0,
                     store: StoreOpt = None, home: HomeOpt = None, as_json: JsonOpt = False):
    """Reasons an officer can read: among the top GDs by risk, how often the first reason names
    the fraud's kind, how many carry a non-reason, and how many reason lines carry jargon."""
    from nigah.analytics.risk.evaluate import fraud_truth
    from nigah.analytics.risk.reason_quality import reason_quality

    _ground(truth, labels)
    kinds = fraud = None
    if truth is not None:
        t = fraud_truth(truth)
        kinds, fraud = t["kind"], t["fraud"]
    with open_db(store, home_dir(home)) as db, refusals():
        result = reason_quality(db, kinds, fraud, percent)
    if as_json:
        print(json.dumps(result, indent=2))
        return
    if "first_reason_names_the_kind" in result:
        console.print(f"first reason names the kind for {result['first_reason_names_the_kind']:.1%} of "
                      f"{result['caught_frauds']} frauds caught in the top {percent:g}%: " + ", ".join(
                          f"{k} {v['named']:.0%} of {v['caught']}" for k, v in result["by_kind"].items()))
    console.print(f"{result['with_a_non_reason']:.1%} of the top {percent:g}% carry a non-reason; "
                  f"{result['lines_with_jargon']:.1%} of {result['reason_lines']:,} reason lines carry jargon; "
                  f"{result['reasons_per_declaration']} reasons per GD")
    for example in result["non_reason_examples"] + result["jargon_examples"]:
        console.print(f"  e.g. {example}", markup=False, highlight=False)
