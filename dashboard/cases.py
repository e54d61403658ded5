"""The analysts' case basket: add entities or the drawn graph, keep notes,
save and reopen named cases (kept in the store), and export them."""
from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from nigah.dashboard.bounds import MAX_CASE
from nigah.dashboard.elements import to_elements
from nigah.dashboard.state import StoreHolder
from nigah.graph.export import SUFFIXES, export


def _case_graph(store, case: dict):
    graph = store.subgraph(case["entities"])
    for node in graph.nodes:  # the analyst's notes travel with the export
        if node.id in case.get("notes", {}):
            node.properties["case_note"] = case["notes"][node.id]
    return graph


def _file(graph, fmt: str, name: str, notes: dict):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}{SUFFIXES.get(fmt, '')}"
        if fmt == "csv":
            path = path.with_suffix(".zip")  # nodes and edges together
        if fmt == "html":
            from nigah.graph.export.report import write_report

            written = write_report(graph, path, title=name, notes=notes)
        else:
            written = export(graph, fmt, path)
        if len(written) > 1:
            path = Path(tmp) / f"{name}.zip"
            with zipfile.ZipFile(path, "w") as z:
                for w in written:
                    z.write(w, w.name)
        return dcc.send_bytes(path.read_bytes(), path.name)


def register(app, holder: StoreHolder) -> None:
    @app.callback(Output("case-open", "options"), Input("search", "id"), Input("case-status", "children"))
    def saved_cases(*_):
        try:
            names = holder.call(lambda s: s.list_cases())
        except holder.errors:
            return []
        return [{"label": n, "value": n} for n in names]

    @app.callback(Output("case", "data"), Output("case-name", "value"), Output("case-status", "children"),
                  Input("case-add", "n_clicks"), Input("case-add-all", "n_clicks"),
                  Input("case-note-save", "n_clicks"), Input("case-open", "value"),
                  State("focus", "data"), State("graph", "elements"), State("case-note", "value"),
                  State("case", "data"), prevent_initial_call=True)
    def edit(_a, _b, _c, opened, focus, elements, note, case):
        case = {"entities": list(case.get("entities", [])), "notes": dict(case.get("notes", {}))}
        trigger = ctx.triggered_id
        if trigger == "case-open":
            if not opened:
                raise PreventUpdate
            saved = holder.call(lambda s: s.load_case(opened))
            if saved is None:
                return no_update, no_update, f"No case named {opened}."
            return saved, opened, f"Opened {opened}: {len(saved['entities'])} entities."
        if trigger == "case-add-all":
            drawn = [el["data"]["id"] for el in elements or [] if "source" not in el["data"]]
            room = MAX_CASE - len(case["entities"])
            new = [i for i in drawn if i not in case["entities"]]
            case["entities"] += new[:max(room, 0)]
            if len(new) > room:
                return case, no_update, f"A case holds at most {MAX_CASE:,} entities: added {max(room, 0):,} of " \
                                        f"{len(new):,}."
            return case, no_update, f"Added {len(drawn)} drawn entities."
        if not focus:
            return no_update, no_update, "Select an entity first."
        if focus not in case["entities"]:
            if len(case["entities"]) >= MAX_CASE:
                return case, no_update, f"A case holds at most {MAX_CASE:,} entities."
            case["entities"].append(focus)
        if trigger == "case-note-save":
            case["notes"][focus] = note or ""
            return case, no_update, f"Note kept on {focus}."
        return case, no_update, f"Added {focus}."

    @app.callback(Output("case-status", "children", allow_duplicate=True), Input("case-save", "n_clicks"),
                  State("case-name", "value"), State("case", "data"), prevent_initial_call=True)
    def save(_n, name, case):
        if not name or not name.strip():
            return "Name the case first."
        if not case.get("entities"):
            return "The case is empty."
        holder.call(lambda s: s.save_case(name.strip(), case))
        return f"Saved case {name.strip()} ({len(case['entities'])} entities)."

    @app.callback(Output("case-entities", "children"), Input("case", "data"))
    def show(case):
        if not case or not case.get("entities"):
            return html.Div("The case is empty: add the selected entity or the drawn graph.", className="text-muted")
        notes = case.get("notes", {})
        return dbc.ListGroup([dbc.ListGroupItem([html.Span(nid), html.Div(notes[nid], className="text-muted")
                                                 if notes.get(nid) else None], className="py-1")
                              for nid in case["entities"]], flush=True, id="case-list")

    @app.callback(Output("graph", "elements", allow_duplicate=True),
                  Output("graph-status", "children", allow_duplicate=True),
                  Input("case-draw", "n_clicks"), State("case", "data"), prevent_initial_call=True)
    def draw(_n, case):
        if not case.get("entities"):
            raise PreventUpdate
        graph = holder.call(lambda s: s.subgraph(case["entities"]))
        return to_elements(graph), f"Case: {len(graph.nodes)} entities, {len(graph.edges)} links"

    @app.callback(Output("download", "data"), Output("case-status", "children", allow_duplicate=True),
                  Input("export-button", "n_clicks"), State("export-format", "value"), State("case", "data"),
                  State("case-name", "value"), prevent_initial_call=True)
    def download(_n, fmt, case, name):
        if not case.get("entities"):
            return no_update, "Add entities to the case before exporting."
        name = (name or "case").strip().replace("/", "-") or "case"
        graph = holder.call(lambda s: _case_graph(s, case))
        return _file(graph, fmt, name, case.get("notes", {})), f"Exported {len(graph.nodes)} entities as {fmt}."

    @app.callback(Output("graph", "generateImage"), Input("image-png", "n_clicks"), Input("image-svg", "n_clicks"),
                  prevent_initial_call=True)
    def image(_png, _svg):
        kind = "svg" if ctx.triggered_id == "image-svg" else "png"
        return {"type": kind, "action": "download", "filename": "nigah-canvas"}
