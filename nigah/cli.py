"""The ``nigah`` command line: a thin layer that wires ingest, graph, analytics
and the dashboard together."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(help="Nigah: smuggling-network graph analytics for customs.",
                  no_args_is_help=True, add_completion=False)
evaluate_app = typer.Typer(help="Measure detection quality against a scenario's ground truth.",
                           no_args_is_help=True)
app.add_typer(evaluate_app, name="evaluate")
case_app = typer.Typer(help="Analysts' cases: named baskets of entities with notes, kept in the store.",
                       no_args_is_help=True)
app.add_typer(case_app, name="case")
TruthOpt = Annotated[Path, typer.Option("--truth", help="Scenario directory (its truth/ folder is read).")]
console = Console(stderr=True)

StoreOpt = Annotated[Optional[str], typer.Option(
    "--store", help="Graph store: 'duckdb' (embedded, default) or 'neo4j' "
                    "(NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD). Also $NIGAH_STORE.")]
HomeOpt = Annotated[Optional[Path], typer.Option(
    "--home", help="Data directory of the embedded store (default $NIGAH_HOME or ./.nigah).")]


def _open(store: str | None, home: Path | None):
    from nigah.graph.open import open_store
    from nigah.graph.store import StoreUnavailable

    if home:
        os.environ["NIGAH_HOME"] = str(home)
    try:
        return open_store(store)
    except StoreUnavailable as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(3) from exc


def _progress() -> Progress:
    return Progress(TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), console=console,
                    disable=not console.is_terminal)


@app.command()
def generate(out: Annotated[Path, typer.Option("--out", help="Directory to write the CSV files to.")],
             declarations: Annotated[int, typer.Option(help="Number of goods declarations.")] = 10_000,
             seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 7,
             fmt: Annotated[str, typer.Option("--format", help="File format: csv or parquet.")] = "csv"):
    """Generate a synthetic customs scenario with planted typologies (ground truth under OUT/truth/)."""
    from nigah.ingest.scenario import ScenarioConfig, generate as run

    t0 = time.perf_counter()
    try:
        counts = run(out, ScenarioConfig(declarations=declarations, seed=seed), fmt=fmt)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"wrote {counts['declarations']:,} declarations, {counts['traders']:,} traders, "
                  f"{counts['rings']} planted rings, {counts['fraudulent']:,} fraudulent GDs, "
                  f"{counts['diverted']:,} diverted movements to {out} in {time.perf_counter() - t0:.1f}s")


@app.command()
def ingest(directory: Annotated[Path, typer.Argument(help="Directory of input files (see docs/input-format.md).")],
           store: StoreOpt = None, home: HomeOpt = None,
           mapping: Annotated[Optional[Path], typer.Option(
               help="Column mapping (YAML) for another system's export (see docs/mappings.md).")] = None,
           quarantine: Annotated[Optional[Path], typer.Option(
               help="Where to write rejected rows (default NIGAH_HOME/quarantine/ingest-TIME.csv).")] = None,
           batch_rows: Annotated[int, typer.Option(help="Rows per committed, journalled batch.")] = 200_000,
           resolve: Annotated[bool, typer.Option(help="Resolve parties written under variant names "
                                                      "(see `nigah resolve`).")] = True,
           as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False):
    """Validate and load a directory of customs files; bad rows go to a quarantine report.

    Loading is by key in journalled batches: running it again changes nothing, and a
    run that was killed resumes. Exits 1 when any row was quarantined, 2 when a whole
    file or the mapping could not be read.
    """
    from nigah.graph.home import default_home
    from nigah.ingest.load import ingest_directory, write_quarantine
    from nigah.ingest.mapping import Mapping
    from nigah.ingest.validate import IngestError

    db = _open(store, home)
    home_dir = default_home()
    t0 = time.perf_counter()
    with db, _progress() as bar:
        tasks: dict[str, int] = {}

        def progress(kind: str, done: int, total: int) -> None:
            if kind not in tasks:
                tasks[kind] = bar.add_task(kind, total=total or 1, rate="")
            rate = done / max(time.perf_counter() - t0, 1e-9)
            bar.update(tasks[kind], completed=done if total else 1, rate=f"{rate:,.0f} rows/s")

        try:
            rules = Mapping.load(mapping) if mapping else None
            report = ingest_directory(db, directory, progress=progress, batch_rows=batch_rows,
                                      mapping=rules, journal_dir=home_dir / "journal")
        except IngestError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
        resolved = _resolve(db, home_dir) if resolve else None
    seconds = time.perf_counter() - t0
    summary = report.as_dict() | {"seconds": round(seconds, 2)}
    if resolved:
        summary["entity_resolution"] = resolved
    if report.rejections:
        path = quarantine or home_dir / "quarantine" / f"ingest-{time.strftime('%Y%m%d-%H%M%S')}.csv"
        write_quarantine(report.rejections, path)
        summary["quarantine_file"] = str(path)
    if as_json:
        print(json.dumps(summary, indent=2))
    else:
        table = Table("kind", "read", "inserted", "updated", "unchanged", "quarantined", title="ingest summary")
        for kind, k in summary["kinds"].items():
            table.add_row(kind, *(f"{k[c]:,}" for c in ("read", "inserted", "updated", "unchanged", "quarantined")))
        Console().print(table)
        if report.resumed:
            console.print("resumed an interrupted load: batches it had committed were skipped")
        console.print(f"done in {seconds:.1f}s")
    if report.rejections:
        console.print(f"[red]{report.quarantined_rows} row(s) quarantined[/red]: see {summary['quarantine_file']}")
        for r in report.rejections[:5]:
            console.print(f"  {r.file} row {r.row}, field {r.field}: {r.reason} (value {r.value!r})")
        raise typer.Exit(1)


def _resolve(db, home_dir: Path, threshold: float | None = None) -> dict:
    from nigah.ingest.resolve import ResolveConfig, resolve_entities

    config = ResolveConfig(threshold=threshold) if threshold is not None else ResolveConfig()
    summary, review = resolve_entities(db, config)
    if len(review):
        path = home_dir / "review" / f"entities-{time.strftime('%Y%m%d-%H%M%S')}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        review.to_csv(path, index=False)
        summary["review_file"] = str(path)
    return summary


@app.command()
def resolve(store: StoreOpt = None, home: HomeOpt = None,
            threshold: Annotated[float, typer.Option(help="Pair score at which two records are merged.")] = 0.88,
            as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False):
    """Resolve traders, consignees, consignors and agents written under variant names into
    parties (`party_id`, with the reasons); uncertain pairs go to a review list."""
    from nigah.graph.home import default_home

    with _open(store, home) as db:
        summary = _resolve(db, default_home(), threshold)
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    for label, s in summary.items():
        if isinstance(s, dict):
            console.print(f"{label}: {s['records']:,} records -> {s['parties']:,} parties "
                          f"({s['review_pairs']} pairs to review)")
    if "review_file" in summary:
        console.print(f"review list: {summary['review_file']}")


@app.command()
def stats(store: StoreOpt = None, home: HomeOpt = None,
          as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
          checksum: Annotated[bool, typer.Option(
              "--checksum", help="Add a digest of every key and property per label and type, "
                                 "to compare two loads or two stores exactly.")] = False):
    """Counts of nodes per label and relationships per type."""
    with _open(store, home) as db:
        counts = db.counts()
        if checksum:
            counts["checksums"] = db.checksums()
    if as_json:
        print(json.dumps(counts, indent=2, sort_keys=True))
        return
    table = Table("kind", "count", *(["checksum"] if checksum else []), title=f"{db.name} store")
    for group in ("nodes", "relationships"):
        for kind, n in counts[group].items():
            table.add_row(kind, f"{n:,}", *([counts["checksums"][kind][:16]] if checksum else []))
    Console().print(table)


@app.command()
def analyze(store: StoreOpt = None, home: HomeOpt = None,
            method: Annotated[str, typer.Option(help="Community detection: 'leiden' (igraph) or "
                                                     "'louvain' (python-louvain, small graphs).")] = "leiden",
            resolution: Annotated[float, typer.Option(help="Modularity resolution (higher: smaller communities).")] = 1.0,
            as_of: Annotated[Optional[str], typer.Option(
                "--as-of", help="Judge transit exits as of this time (default: the latest checkpoint scan).")] = None,
            risk: Annotated[bool, typer.Option(help="Score declaration and trader risk with the saved model "
                                                    "(trained first if there is none).")] = True,
            as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False):
    """Detect collusive trader communities and transit diversions, score risk; write scores back."""
    import pandas as pd

    from nigah.analytics.pipeline import STAGES, run
    from nigah.graph.home import default_home

    stages = STAGES if risk else tuple(s for s in STAGES if s != "risk")
    with _open(store, home) as db:
        try:
            summary = run(db, home or default_home(), as_of=pd.Timestamp(as_of) if as_of else None,
                          stages=stages, method=method, resolution=resolution, log=console.print).summary
        except ValueError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
    if as_json:
        print(json.dumps(summary, indent=2))
    else:
        console.print(f"{summary['communities']} communities among {summary['traders_in_communities']:,} "
                      f"linked traders ({summary['method']}); {summary['transit']['flagged']:,} of "
                      f"{summary['transit']['movements']:,} transit movements flagged ({summary['seconds']}s)")
        flags = summary["unit_value_flags"]
        console.print(f"unit value: {flags['under_invoicing']:,} GDs flagged for under-invoicing, "
                      f"{flags['misdeclaration']:,} for misdeclaration")
        if risk:
            c = summary["risk"]["channels"]
            console.print(f"risk scored on {summary['risk']['declarations']:,} declarations: "
                          f"{c['red']:,} red, {c['yellow']:,} yellow, {c['green']:,} green")


@app.command()
def train(store: StoreOpt = None, home: HomeOpt = None,
          epochs: Annotated[int, typer.Option(help="At most this many passes over the training GDs.")] = 30,
          seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
          as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False):
    """Train the declaration risk GNN on examined GDs (time split) and save it;
    `nigah analyze` then scores with it."""
    from nigah.analytics.risk import RiskConfig, train_risk
    from nigah.analytics.risk.persist import model_dir
    from nigah.graph.home import default_home

    with _open(store, home) as db:
        t0 = time.perf_counter()
        try:
            metrics = train_risk(db, default_home(), RiskConfig(epochs=epochs, seed=seed),
                                 log=(lambda m: None) if as_json else console.print)
        except ValueError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
    metrics["seconds"] = round(time.perf_counter() - t0, 2)
    if as_json:
        print(json.dumps(metrics, indent=2))
    else:
        console.print(f"saved the risk model to {model_dir(default_home())}: "
                      + ", ".join(f"{k} {v}" for k, v in metrics.items()))


@app.command()
def export(out: Annotated[Path, typer.Option("--out", help="File to write (csv writes FILE-nodes.csv and "
                                                           "FILE-edges.csv, or one .zip).")],
           fmt: Annotated[str, typer.Option("--format", help="graphml, gexf, csv, json (Cytoscape), "
                                                             "anx (i2 Analyst's Notebook) or cypher.")] = "graphml",
           ids: Annotated[Optional[list[str]], typer.Option(
               "--ids", help="Entity ids (Label:key, e.g. Trader:1234567-8); repeat or list several.")] = None,
           case: Annotated[Optional[str], typer.Option("--case", help="Export a saved case instead.")] = None,
           hops: Annotated[int, typer.Option(help="Neighbourhood around the entities to include.")] = 1,
           limit: Annotated[int, typer.Option(help="At most this many entities.")] = 2000,
           store: StoreOpt = None, home: HomeOpt = None):
    """Export a case graph for Gephi, Cytoscape, i2, Excel or Neo4j."""
    from nigah.graph.export import export as write

    with _open(store, home) as db:
        seeds = list(ids or [])
        if case:
            saved = db.load_case(case)
            if saved is None:
                console.print(f"[red]error:[/red] no case named {case!r} (see `nigah case list`)")
                raise typer.Exit(2)
            seeds += saved["entities"]
        if not seeds:
            console.print("[red]error:[/red] give --ids or --case")
            raise typer.Exit(2)
        graph = db.neighbourhood(seeds, hops=hops, limit=limit)
        if not graph.nodes:
            console.print("[red]error:[/red] none of those entities is in the store")
            raise typer.Exit(2)
        if case:  # the analyst's notes travel with the export
            for node in graph.nodes:
                if node.id in saved.get("notes", {}):
                    node.properties["case_note"] = saved["notes"][node.id]
    try:
        files = write(graph, fmt, out)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"wrote {len(graph.nodes)} entities and {len(graph.edges)} links"
                  f"{' (capped)' if graph.truncated else ''} to {', '.join(map(str, files))}")


@case_app.command("list")
def case_list(store: StoreOpt = None, home: HomeOpt = None):
    """Names of the saved cases."""
    with _open(store, home) as db:
        for name in db.list_cases():
            print(name)


@case_app.command("show")
def case_show(name: str, store: StoreOpt = None, home: HomeOpt = None):
    """A saved case as JSON."""
    with _open(store, home) as db:
        saved = db.load_case(name)
    if saved is None:
        console.print(f"[red]error:[/red] no case named {name!r}")
        raise typer.Exit(2)
    print(json.dumps(saved, indent=2))


@case_app.command("save")
def case_save(name: str, ids: Annotated[list[str], typer.Option("--ids", help="Entity ids to keep.")],
              note: Annotated[Optional[list[str]], typer.Option(help="ID=TEXT, a note on an entity.")] = None,
              store: StoreOpt = None, home: HomeOpt = None):
    """Save (or replace) a named case."""
    notes = dict(n.split("=", 1) for n in (note or []) if "=" in n)
    with _open(store, home) as db:
        db.save_case(name, {"entities": list(dict.fromkeys(ids)), "notes": notes})
    console.print(f"saved case {name!r} with {len(set(ids))} entities")


def _truth(directory: Path, name: str):
    import pandas as pd

    path = directory / "truth" / name
    if not path.exists():
        console.print(f"[red]error:[/red] no {path}: --truth must be a directory written by `nigah generate`")
        raise typer.Exit(2)
    return pd.read_csv(path)


@evaluate_app.command("entities")
def evaluate_entities(truth: TruthOpt, store: StoreOpt = None, home: HomeOpt = None,
                      as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False):
    """Pairwise precision and recall of entity resolution (records merged into parties)."""
    import pandas as pd

    from nigah.ingest.resolve import pair_scores

    expected = _truth(truth, "entities.csv").astype(str)
    predicted = []
    with _open(store, home) as db:
        for label in expected["label"].unique():
            key = db.schema.node(label).key
            table = db.node_table(label, ["party_id"])
            if table["party_id"].isna().all():
                console.print("[red]error:[/red] no parties in the store: run `nigah resolve` first")
                raise typer.Exit(2)
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
                         as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False):
    """Planted-ring recovery: ring_f1, ari and top20_ring_recall of the stored communities."""
    from nigah.analytics.communities.evaluate import evaluate_communities as run, stored_partition

    _truth(truth, "rings.csv")
    with _open(store, home) as db:
        parts, scores = stored_partition(db)
    if not parts:
        console.print("[red]error:[/red] no communities in the store: run `nigah analyze` first")
        raise typer.Exit(2)
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
                       as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False):
    """Precision and recall of transit diversion flags, overall and per pattern."""
    from nigah.analytics.transit.evaluate import evaluate_diversion as run

    with _open(store, home) as db:
        scores = db.node_table("Declaration", ["gd_type", "diversion_score"])
    scores = scores[scores["gd_type"] == "transit"]
    if scores["diversion_score"].isna().all():
        console.print("[red]error:[/red] no diversion scores in the store: run `nigah analyze` first")
        raise typer.Exit(2)
    result = run(scores, _truth(truth, "movements.csv"), threshold)
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        console.print(f"precision {result['precision']}, recall {result['recall']} "
                      f"({result['flagged']} flagged, {result['diverted']} planted)")
        for pattern, r in result["patterns"].items():
            console.print(f"  {pattern}: recall {r['recall']} of {r['planted']}")


@evaluate_app.command("risk")
def evaluate_risk(truth: TruthOpt, store: StoreOpt = None, home: HomeOpt = None,
                  seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
                  party_history: Annotated[bool, typer.Option(
                      help="Give both models the parties' earlier outcomes as features (the ablation: "
                           "--no-party-history, so that only the GNN can learn them, from the graph).")] = True,
                  as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False):
    """Fit the GNN, a tabular booster and label propagation on one time split;
    rank the latest period's GDs against the truth (precision@n%, recall, revenue, AUC)."""
    from nigah.analytics.risk import RiskConfig
    from nigah.analytics.risk.evaluate import evaluate_risk as run

    _truth(truth, "declarations.csv")
    with _open(store, home) as db:
        try:
            result = run(db, truth, RiskConfig(seed=seed, party_history=party_history), log=(lambda m: None) if as_json else console.print)
        except ValueError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
    if as_json:
        print(json.dumps(result, indent=2))
        return
    table = Table("model", *next(iter(result["models"].values())).keys())
    for name, m in result["models"].items():
        table.add_row(name, *(f"{v:.3f}" for v in m.values()))
    Console().print(table)
    d = result["diagnosis"]
    caught = d["caught_at_5_by_kind"]
    kinds = Table("caught in the top 5%", *(f"{k} ({n})" for k, n in d["planted_by_kind"].items()),
                  "honest alarms from ring fronts")
    for name, by_kind in caught.items():
        kinds.add_row(name, *(f"{by_kind.get(k, 0):.3f}" for k in d["planted_by_kind"]),
                      f"{d['honest_alarms_at_5_from_ring_fronts'][name]:.3f}")
    Console().print(kinds)
    oracle = d["tabular_with_true_rings"]
    console.print(f"tabular told the true rings (the most a graph could add): precision@5% "
                  f"{oracle['precision_at_5']:.3f}, AUC {oracle['auc']:.3f}")
    for flag, q in d["unit_value_flags"].items():
        console.print(f"unit-value flag {flag}: {q['flagged']} GDs, precision {q['precision']:.3f}, "
                      f"recall {q['recall']:.3f}")


@app.command()
def serve(store: StoreOpt = None, home: HomeOpt = None,
          host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on.")] = 8050):
    """Serve the investigation dashboard."""
    from nigah.dashboard.app import create_app
    from nigah.graph.open import open_store

    if home:
        os.environ["NIGAH_HOME"] = str(home)
    dash_app = create_app(lambda: open_store(store, **({"snapshot": True} if (store or os.environ.get(
        "NIGAH_STORE", "duckdb")) == "duckdb" else {})))
    from waitress import serve as wsgi_serve

    console.print(f"Nigah dashboard: http://{host}:{port}/  (Ctrl-C to stop)")
    wsgi_serve(dash_app.server, host=host, port=port, threads=8, _quiet=True)


@app.command()
def demo(store: StoreOpt = None, home: HomeOpt = None,
         declarations: Annotated[int, typer.Option(help="Size of the generated scenario.")] = 20_000,
         seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
         no_serve: Annotated[bool, typer.Option("--no-serve", help="Stop after the analysis.")] = False,
         host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
         port: Annotated[int, typer.Option(help="Port to listen on.")] = 8050):
    """Generate a scenario, ingest it, analyse it and serve the dashboard."""
    from nigah.graph.home import default_home

    home_dir = home or default_home()
    data = home_dir / "scenario"
    generate(out=data, declarations=declarations, seed=seed, fmt="csv")
    ingest(directory=data, store=store, home=home_dir, mapping=None, quarantine=None, batch_rows=200_000,
           as_json=False)
    analyze(store=store, home=home_dir, method="leiden", resolution=1.0, as_json=False)
    if not no_serve:
        serve(store=store, home=home_dir, host=host, port=port)


def main() -> None:  # console script entry point
    app()


if __name__ == "__main__":
    sys.exit(main())
