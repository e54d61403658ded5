"""The analysts' case basket: add entities or the drawn graph, keep notes,
save and reopen named cases (kept in the store), and export them."""
from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import has_request_context, request

from nigah.dashboard.bounds import MAX_CASE
from nigah.dashboard.elements import to_elements
from nigah.dashboard.placement import fitted, place
from nigah.dashboard.state import StoreHolder
from nigah.graph import audit
from nigah.graph.export import SUFFIXES, export
from nigah.graph.export.common import caption, file_name
from nigah.graph.schema import split_node_id


def _case_graph(store, case: dict):
    graph = store.subgraph(case["entities"])
    for node in graph.nodes:  # the analyst's notes travel with the export
        if node.id in case.get("notes", {}):
            node.properties["case_note"] = case["notes"][node.id]
    return graph


def audited(store, action: str, detail: dict) -> None:
    """Record what a dashboard request changed or took away, with the client's
    address (who it was comes with sign-in, issue 16: until then "dashboard")."""
    client = request.remote_addr if has_request_context() else None
    audit.record(store, action, detail, user="dashboard", client=client)


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
                  Output("case-origin", "data"),
                  Input("case-add", "n_clicks"), Input("case-add-all", "n_clicks"),
                  Input("case-note-save", "n_clicks"), Input("case-open", "value"),
                  Input({"type": "case-remove", "nid": ALL}, "n_clicks"),
                  State("focus", "data"), State("graph", "elements"), State("case-note", "value"),
                  State("case", "data"), prevent_initial_call=True)
    def edit(_a, _b, _c, opened, removed, focus, elements, note, case):
        case = {"entities": list((case or {}).get("entities", [])), "notes": dict((case or {}).get("notes", {}))}
        trigger = ctx.triggered_id
        if trigger == "case-open":
            if not opened:
                raise PreventUpdate
            saved = holder.call(lambda s: s.load_case(opened))
            if saved is None:
                return no_update, no_update, f"No case named {opened}.", no_update
            return saved, opened, f"Opened {opened}: {len(saved['entities'])} entities.", opened
        if isinstance(trigger, dict):   # the × beside one entity of the basket
            if not any(removed):
                raise PreventUpdate
            nid = trigger["nid"]
            case["entities"] = [e for e in case["entities"] if e != nid]
            case["notes"].pop(nid, None)
            return case, no_update, f"Removed {nid} from the case (not yet saved).", no_update
        if trigger == "case-add-all":
            drawn = [el["data"]["id"] for el in elements or [] if "source" not in el["data"]]
            room = MAX_CASE - len(case["entities"])
            new = [i for i in drawn if i not in case["entities"]]
            case["entities"] += new[:max(room, 0)]
            if len(new) > room:
                return case, no_update, f"A case holds at most {MAX_CASE:,} entities: added {max(room, 0):,} of " \
                                        f"{len(new):,}.", no_update
            return case, no_update, f"Added {len(new)} drawn entities.", no_update
        if not focus:
            return no_update, no_update, "Select an entity first.", no_update
        if focus not in case["entities"]:
            if len(case["entities"]) >= MAX_CASE:
                return case, no_update, f"A case holds at most {MAX_CASE:,} entities.", no_update
            case["entities"].append(focus)
        if trigger == "case-note-save":
            case["notes"][focus] = note or ""
            return case, no_update, f"Note kept on {focus}.", no_update
        return case, no_update, f"Added {focus}.", no_update

    @app.callback(Output("case-note", "value"), Input("focus", "data"), Input("case", "data"),
                  prevent_initial_call=True)
    def note_of_focus(focus, case):
        """The note box shows the selected entity's own note, never the previous
        one's, and empties when that entity leaves the case; a note being typed
        is left alone when other entities come and go."""
        case = case or {}
        if ctx.triggered_id == "case" and focus in case.get("entities", []):
            raise PreventUpdate
        return (case.get("notes") or {}).get(focus or "", "")

    @app.callback(Output("case-status", "children", allow_duplicate=True), Output("case-origin", "data",
                                                                                  allow_duplicate=True),
                  Output("case-armed", "data"), Input("case-save", "n_clicks"),
                  State("case-name", "value"), State("case", "data"), State("case-origin", "data"),
                  State("case-armed", "data"), prevent_initial_call=True)
    def save(_n, name, case, origin, armed):
        name = (name or "").strip()
        if not name:
            return "Name the case first.", no_update, None
        if not (case or {}).get("entities"):
            return "The case is empty.", no_update, None
        existing = holder.call(lambda s: s.load_case(name))
        if existing is not None and name != origin and armed != name and existing != case:
            # Another case goes by this name: replacing it takes a second, deliberate click.
            return (f"A case named {name} already exists ({len(existing['entities'])} entities). Save again to "
                    f"replace it (its present contents are kept as an earlier version), or give another name.",
                    no_update, name)
        holder.call(lambda s: (s.save_case(name, case),
                               audited(s, "case saved", {"case": name, "entities": case["entities"]})))
        return f"Saved case {name} ({len(case['entities'])} entities).", name, None

    @app.callback(Output("case-status", "children", allow_duplicate=True),
                  Output("case-origin", "data", allow_duplicate=True),
                  Input("case-rename", "n_clicks"), State("case-name", "value"), State("case-origin", "data"),
                  prevent_initial_call=True)
    def rename(_n, name, origin):
        name = (name or "").strip()
        if not origin:
            return "Open or save a case first, then type its new name and Rename.", no_update
        if not name or name == origin:
            return f"Type the new name for {origin} in the name box, then Rename.", no_update
        try:
            holder.call(lambda s: (s.rename_case(origin, name), audited(s, "case renamed", {"case": origin, "to": name})))
        except ValueError as exc:
            return f"Not renamed: {exc}.", no_update
        return f"Renamed {origin} to {name}.", name

    @app.callback(Output("case-delete-confirm", "displayed"), Output("case-delete-confirm", "message"),
                  Input("case-delete", "n_clicks"), State("case-origin", "data"), prevent_initial_call=True)
    def ask_delete(_n, origin):
        if not origin:
            return False, no_update
        return True, f"Delete the saved case {origin}? Its entities stay in the graph."

    @app.callback(Output("case-status", "children", allow_duplicate=True),
                  Output("case-origin", "data", allow_duplicate=True),
                  Input("case-delete-confirm", "submit_n_clicks"), State("case-origin", "data"),
                  prevent_initial_call=True)
    def delete(_n, origin):
        if not origin:
            raise PreventUpdate
        holder.call(lambda s: (s.delete_case(origin), audited(s, "case deleted", {"case": origin})))
        return f"Deleted case {origin}; the basket still holds its entities.", None

    @app.callback(Output("case-entities", "children"), Input("case", "data"))
    def show(case):
        if not case or not case.get("entities"):
            return html.Div("The case is empty: add the selected entity or the drawn graph.", className="text-muted")
        notes = case.get("notes", {})
        try:
            named = {n.id: caption(n) for n in holder.call(lambda s: s.get_nodes(case["entities"]))}
        except holder.errors:
            named = {}
        return dbc.ListGroup([dbc.ListGroupItem([
            html.Button("×", id={"type": "case-remove", "nid": nid}, n_clicks=0, title="Remove from the case",
                        className="btn btn-sm btn-link text-danger p-0 me-2 float-end case-remove"),
            html.Span(named.get(nid, nid), className="case-entity"),
            html.Span(f" {split_node_id(nid)[0]}", className="text-muted ms-1"),
            html.Div(notes[nid], className="text-muted") if notes.get(nid) else None], className="py-1")
            for nid in case["entities"]], flush=True, id="case-list")

    @app.callback(Output("graph", "elements", allow_duplicate=True),
                  Output("graph-status", "children", allow_duplicate=True),
                  Output("fit-request", "data", allow_duplicate=True),
                  Input("case-draw", "n_clicks"), State("case", "data"), prevent_initial_call=True)
    def draw(_n, case):
        if not (case or {}).get("entities"):
            raise PreventUpdate
        graph = holder.call(lambda s: s.subgraph(case["entities"]))
        return place(to_elements(graph)), f"Case: {len(graph.nodes)} entities, {len(graph.edges)} links", fitted()

    @app.callback(Output("download", "data"), Output("case-status", "children", allow_duplicate=True),
                  Input("export-button", "n_clicks"), State("export-format", "value"), State("case", "data"),
                  State("case-name", "value"), prevent_initial_call=True)
    def download(_n, fmt, case, name):
        if not (case or {}).get("entities"):
            return no_update, "Add entities to the case before exporting."
        name = file_name(name or "case")   # extracts on Windows too: no ":" from "Ring: Karachi"
        graph = holder.call(lambda s: _case_graph(s, case))
        holder.call(lambda s: audited(s, "export", {"format": fmt, "file": name,
                                                    "entities": [n.id for n in graph.nodes]}))
        return _file(graph, fmt, name, case.get("notes", {})), f"Exported {len(graph.nodes)} entities as {fmt}."

    @app.callback(Output("graph", "generateImage"), Input("image-png", "n_clicks"), Input("image-svg", "n_clicks"),
                  prevent_initial_call=True)
    def image(_png, _svg):
        kind = "svg" if ctx.triggered_id == "image-svg" else "png"
        return {"type": kind, "action": "download", "filename": "nigah-canvas"}
