"""Commands that bring data in and describe it: generate, ingest, resolve, stats."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from nigah.cli.common import HomeOpt, JsonOpt, StoreOpt, console, fail, home_dir, open_db, progress, refusals


def generate(out: Annotated[Path, typer.Option("--out", help="Directory to write the CSV files to.")],
             declarations: Annotated[int, typer.Option(help="Number of goods declarations.")] = 10_000,
             seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 7,
             fmt: Annotated[str, typer.Option("--format", help="File format: csv or parquet.")] = "csv",
             style: Annotated[str, typer.Option(
                 help="'nigah': our own input files, rings, transit and unit-value fraud; 'flat': another "
                      "administration's flat export of inspected GDs, fraud in parties and attribute "
                      "combinations (load it with ingest/mappings/flat_declarations.yaml).")] = "nigah"):
    """Generate a synthetic customs scenario with planted typologies (ground truth under OUT/truth/)."""
    from nigah.ingest.scenario import ScenarioConfig, generate as run
    from nigah.ingest.scenario.flat import FlatConfig, generate_flat

    t0 = time.perf_counter()
    if style == "flat":
        counts = generate_flat(out, FlatConfig(declarations=declarations, seed=seed))
        console.print(f"wrote a flat export of {counts['declarations']:,} inspected declarations "
                      f"({counts['fraudulent']:,} fraudulent, {counts['importers']:,} importers) to "
                      f"{out / 'export.csv'} in {time.perf_counter() - t0:.1f}s")
        return
    if style != "nigah":
        fail(f"unknown style {style!r}: use 'nigah' or 'flat'")
    with refusals():
        counts = run(out, ScenarioConfig(declarations=declarations, seed=seed), fmt=fmt)
    console.print(f"wrote {counts['declarations']:,} declarations, {counts['traders']:,} traders, "
                  f"{counts['rings']} planted rings, {counts['fraudulent']:,} fraudulent GDs, "
                  f"{counts['diverted']:,} diverted movements to {out} in {time.perf_counter() - t0:.1f}s")


def ingest(directory: Annotated[Path, typer.Argument(help="Directory of input files (see docs/input-format.md).")],
           store: StoreOpt = None, home: HomeOpt = None,
           mapping: Annotated[Optional[Path], typer.Option(
               help="Column mapping (YAML) for another system's export (see docs/mappings.md).")] = None,
           quarantine: Annotated[Optional[Path], typer.Option(
               help="Where to write rejected rows (default HOME/quarantine/ingest-TIME.csv).")] = None,
           batch_rows: Annotated[int, typer.Option(min=1, help="Rows per committed, journalled batch.")] = 200_000,
           resolve: Annotated[bool, typer.Option(help="Resolve parties written under variant names "
                                                      "(see `nigah resolve`).")] = True,
           empty_clears: Annotated[bool, typer.Option(
               "--empty-clears", help="An empty cell clears the stored value or link (by default it "
                                      "leaves it as it is; a column the file lacks never changes anything).")] = False,
           as_json: JsonOpt = False):
    """Validate and load a directory of customs files; bad rows go to a quarantine report.

    Loading is by key in journalled batches: running it again changes nothing, and a
    run that was killed resumes. Exits 1 when any row was quarantined, 2 when a whole
    file or the mapping could not be read, 3 when the store could not be opened.
    """
    from nigah.ingest.load import ingest_directory, write_quarantine
    from nigah.ingest.mapping import Mapping
    from nigah.ingest.validate import IngestError

    home = home_dir(home)
    db = open_db(store, home)
    t0 = time.perf_counter()
    with db, progress() as bar:
        tasks: dict[str, int] = {}

        def show(kind: str, done: int, total: int) -> None:
            if kind not in tasks:
                tasks[kind] = bar.add_task(kind, total=total or 1, rate="")
            rate = done / max(time.perf_counter() - t0, 1e-9)
            bar.update(tasks[kind], completed=done if total else 1, rate=f"{rate:,.0f} rows/s")

        with refusals(IngestError):
            rules = Mapping.load(mapping) if mapping else None
            report = ingest_directory(db, directory, progress=show, batch_rows=batch_rows,
                                      mapping=rules, journal_dir=home / "journal", empty_clears=empty_clears)
        resolved = resolve_parties(db, home) if resolve else None
    seconds = time.perf_counter() - t0
    summary = report.as_dict() | {"seconds": round(seconds, 2)}
    if resolved:
        summary["entity_resolution"] = resolved
    if report.rejections:
        path = quarantine or home / "quarantine" / f"ingest-{time.strftime('%Y%m%d-%H%M%S')}.csv"
        try:
            write_quarantine(report.rejections, path)
        except OSError as exc:  # the load itself is committed; say where the report could not go
            fail(f"loaded, but cannot write the quarantine report to {path}: {exc.strerror or exc}; "
                 f"{report.quarantined_rows} row(s) were rejected (rerun with --quarantine FILE)")
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
        console.print(f"[red]{report.quarantined_rows} row(s) quarantined[/red]: see {summary['quarantine_file']}",
                      highlight=False)
        for r in report.rejections[:5]:
            console.print(f"  {r.file} row {r.row}, field {r.field}: {r.reason} (value {r.value!r})",
                          markup=False, highlight=False)
        raise typer.Exit(1)


def resolve_parties(db, home: Path, threshold: float | None = None) -> dict:
    """Entity resolution, with its review list written under ``home/review``."""
    from nigah.ingest.resolve import ResolveConfig, resolve_entities

    config = ResolveConfig(threshold=threshold) if threshold is not None else ResolveConfig()
    summary, review = resolve_entities(db, config)
    if len(review):
        path = home / "review" / f"entities-{time.strftime('%Y%m%d-%H%M%S')}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        review.to_csv(path, index=False)
        summary["review_file"] = str(path)
    return summary


def resolve(store: StoreOpt = None, home: HomeOpt = None,
            threshold: Annotated[float, typer.Option(help="Pair score at which two records are merged.")] = 0.88,
            as_json: JsonOpt = False):
    """Resolve traders, consignees, consignors and agents written under variant names into
    parties (`party_id`, with the reasons); uncertain pairs go to a review list."""
    home = home_dir(home)
    with open_db(store, home) as db:
        summary = resolve_parties(db, home, threshold)
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    for label, s in summary.items():
        if isinstance(s, dict):
            console.print(f"{label}: {s['records']:,} records -> {s['parties']:,} parties "
                          f"({s['review_pairs']} pairs to review)")
    if "review_file" in summary:
        console.print(f"review list: {summary['review_file']}")


def stats(store: StoreOpt = None, home: HomeOpt = None, as_json: JsonOpt = False,
          checksum: Annotated[bool, typer.Option(
              "--checksum", help="Add a digest of every key and property per label and type, "
                                 "to compare two loads or two stores exactly.")] = False):
    """Counts of nodes per label and relationships per type."""
    with open_db(store, home_dir(home)) as db:
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


def backup(directory: Annotated[Path, typer.Argument(help="A new (or empty) directory for the copy.")],
           store: StoreOpt = None, home: HomeOpt = None,
           logical: Annotated[bool, typer.Option(
               "--logical", help="Read every table through the store interface into Parquet files, which "
                                 "restore into either store (always so for Neo4j).")] = False,
           as_json: JsonOpt = False):
    """Back up the store while the dashboard reads it: the embedded store as a
    consistent file copy, a Neo4j server (or --logical) table by table; a
    manifest keeps the counts and checksums that a restore must reproduce."""
    from nigah.graph.backup import BackupError, backup as run
    from nigah.graph.logical_backup import LogicalBackupError, dump
    from nigah.graph.open import store_name

    with refusals(BackupError, LogicalBackupError, OSError):
        if logical or store_name(store) != "duckdb":
            with open_db(store, home_dir(home), **({"snapshot": True} if store_name(store) == "duckdb" else {})) as db:
                manifest = dump(db, directory)
        else:
            manifest = run(home_dir(home), directory)
    if as_json:
        print(json.dumps(manifest, indent=2))
        return
    nodes = sum(manifest["counts"]["nodes"].values())
    console.print(f"backed up {nodes:,} nodes and "
                  f"{sum(manifest['counts']['relationships'].values()):,} relationships to {directory}")


def restore(directory: Annotated[Path, typer.Argument(help="A directory written by `nigah backup`.")],
            store: StoreOpt = None, home: HomeOpt = None,
            force: Annotated[bool, typer.Option("--force", help="Replace a store that holds data.")] = False,
            as_json: JsonOpt = False):
    """Put a backup in place and check it restores exactly (its checksums
    against the manifest's). A logical backup restores into either store."""
    from nigah.graph.backup import BackupError, restore as run
    from nigah.graph.logical_backup import LogicalBackupError, is_logical, load
    from nigah.graph.open import store_name

    with refusals(BackupError, LogicalBackupError, OSError):
        if is_logical(directory):
            with open_db(store, home_dir(home)) as db:
                result = load(directory, db, force=force)
        elif store_name(store) != "duckdb":
            fail(f"{directory} is a file copy of the embedded store: restore it with --store duckdb, "
                 "or take a logical backup (`nigah backup --logical`) to move it to Neo4j")
        else:
            result = run(directory, home_dir(home), force=force)
    # An interrupted load's journal describes the store just replaced: a rerun
    # must not resume into the restored one (it loads in full, which is safe).
    shutil.rmtree(home_dir(home) / "journal", ignore_errors=True)
    if as_json:
        print(json.dumps(result, indent=2, default=str))
        return
    console.print(f"restored {directory} (taken {result['taken_at']}): checksums equal to the backup's")


COMMANDS = (generate, ingest, resolve, stats, backup, restore)
