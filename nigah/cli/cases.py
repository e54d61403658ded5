"""Commands for analysts' cases and the case graphs they take away: export and
``nigah case list|show|save``."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from nigah.cli.common import HomeOpt, StoreOpt, console, fail, home_dir, open_db, refusals
from nigah.graph import audit

case_app = typer.Typer(help="Analysts' cases: named baskets of entities with notes, kept in the store.",
                       no_args_is_help=True)


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

    with open_db(store, home_dir(home)) as db:
        seeds = list(ids or [])
        if case:
            saved = db.load_case(case)
            if saved is None:
                fail(f"no case named {case!r} (see `nigah case list`)")
            seeds += saved["entities"]
        if not seeds:
            fail("give --ids or --case")
        graph = db.neighbourhood(_by_name(db, seeds), hops=hops, limit=limit)
        if not graph.nodes:
            fail("none of those entities is in the store")
        if case:  # the analyst's notes travel with the export
            for node in graph.nodes:
                if node.id in saved.get("notes", {}):
                    node.properties["case_note"] = saved["notes"][node.id]
    with refusals():
        files = write(graph, fmt, out)
    with open_db(store, home_dir(home)) as db:   # what was taken away, by whom
        audit.record(db, "export", {"format": fmt, "files": [str(f) for f in files], "case": case,
                                    "entities": [n.id for n in graph.nodes]})
    console.print(f"wrote {len(graph.nodes)} entities and {len(graph.edges)} links"
                  f"{' (capped)' if graph.truncated else ''} to {', '.join(map(str, files))}")


def _by_name(db, seeds: list[str]) -> list[str]:
    """Node ids for ``seeds``: an id as given, a name (or NTN, phone...) by the
    one entity whose name it is; several or none stop with what matched."""
    from nigah.graph.export.common import caption
    from nigah.graph.schema import split_node_id

    out = []
    for seed in seeds:
        try:
            split_node_id(seed)
            out.append(seed)
            continue
        except ValueError:
            pass
        hits = db.search(seed, limit=5)
        exact = [h for h in hits if caption(h).casefold() == seed.strip().casefold()]
        if len(exact) == 1 or len(hits) == 1:
            out.append((exact or hits)[0].id)
            continue
        if not hits:
            fail(f"nothing is named {seed!r}: give an id (Label:key) or another name")
        fail(f"{seed!r} names more than one entity: " + "; ".join(f"{caption(h)} ({h.id})" for h in hits)
             + ": give one of those ids to --ids")
    return out


@case_app.command("list")
def case_list(store: StoreOpt = None, home: HomeOpt = None):
    """Names of the saved cases."""
    with open_db(store, home_dir(home)) as db:
        for name in db.list_cases():
            print(name)


@case_app.command("show")
def case_show(name: str, version: Annotated[int, typer.Option(
                  min=0, help="That many saves back (see `nigah case versions`); 0: the current.")] = 0,
              store: StoreOpt = None, home: HomeOpt = None):
    """A saved case as JSON."""
    with open_db(store, home_dir(home)) as db:
        saved = db.load_case(name, version=version)
    if saved is None:
        fail(f"no case named {name!r}" + (f" with a version {version}" if version else ""))
    print(json.dumps(saved, indent=2))


@case_app.command("versions")
def case_versions(name: str, store: StoreOpt = None, home: HomeOpt = None):
    """The saves of a case, newest first: a replaced case is never lost."""
    with open_db(store, home_dir(home)) as db:
        versions = db.case_versions(name)
    if not versions:
        fail(f"no case named {name!r}")
    for v in versions:
        print(f"{v['version']}\t{v['saved_at'] or '-'}\t{v['entities']} entities")


@case_app.command("rename")
def case_rename(name: str, new_name: str, store: StoreOpt = None, home: HomeOpt = None):
    """Give a case another name (never over another case)."""
    with open_db(store, home_dir(home)) as db, refusals():
        db.rename_case(name, new_name)
    console.print(f"renamed case {name!r} to {new_name!r}")


@case_app.command("delete")
def case_delete(name: str, store: StoreOpt = None, home: HomeOpt = None):
    """Forget a saved case (its entities stay in the graph)."""
    with open_db(store, home_dir(home)) as db:
        if db.load_case(name) is None:
            fail(f"no case named {name!r}")
        db.delete_case(name)
    console.print(f"deleted case {name!r}")


@case_app.command("save")
def case_save(name: str, ids: Annotated[list[str], typer.Option("--ids", help="Entity ids to keep.")],
              note: Annotated[Optional[list[str]], typer.Option(help="ID=TEXT, a note on an entity.")] = None,
              store: StoreOpt = None, home: HomeOpt = None):
    """Save a named case (replacing one keeps its earlier contents: `nigah case versions`)."""
    notes = dict(n.split("=", 1) for n in (note or []) if "=" in n)
    with open_db(store, home_dir(home)) as db:
        db.save_case(name, {"entities": list(dict.fromkeys(ids)), "notes": notes})
        audit.record(db, "case saved", {"case": name, "entities": list(dict.fromkeys(ids))})
    console.print(f"saved case {name!r} with {len(set(ids))} entities")


COMMANDS = (export,)
