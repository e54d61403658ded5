"""Callbacks that change the drawing itself, not what the store holds: fit,
layout choice, and the edits an officer makes to a chart (remove, hide, show
the hidden, pin, clear), each undoable and redoable (``UNDO_STEPS`` kept).

Positions are the server's (``placement.py``): the canvas does not re-run a
layout when elements come or go, so nothing jumps when a node is expanded; a
layout the officer picks re-arranges all but the pinned. The canvas reports
positions back after a drag, and after a layout through ``assets/20-canvas.js``.
"""
from __future__ import annotations

from dash import ALL, Input, Output, State, clientside_callback, ctx, no_update

from nigah.dashboard.elements import classes_of, restore_classes
from nigah.dashboard.placement import place

UNDO_STEPS = 10
HIDDEN = "hidden-by-officer"
PINNED = "pinned"
LAYOUT_OPTIONS = {
    "preset": {"name": "preset", "animate": False},   # as placed: only a fit
    "cose": {"name": "cose", "animate": False, "nodeRepulsion": 8000},
    "fcose": {"name": "fcose", "animate": False, "quality": "default"},
    # the most linked in the middle (the option that would order by risk takes a JS function)
    "concentric": {"name": "concentric", "animate": False},
    "breadthfirst": {"name": "breadthfirst", "directed": False, "animate": False},
    "grid": {"name": "grid", "animate": False},
}
EDITS = ("canvas-remove", "canvas-hide", "canvas-show", "canvas-pin", "canvas-clear")


def without(elements: list[dict], ids: set[str]) -> list[dict]:
    """``elements`` less the nodes ``ids`` and every link that touches them.

    >>> els = [{"data": {"id": "a"}}, {"data": {"id": "b"}}, {"data": {"id": "e", "source": "a", "target": "b"}}]
    >>> [el["data"]["id"] for el in without(els, {"b"})]
    ['a']
    """
    return [el for el in elements if el["data"]["id"] not in ids
            and el["data"].get("source") not in ids and el["data"].get("target") not in ids]


def with_class(el: dict, name: str, on: bool) -> dict:
    """``el`` with class ``name`` set or taken off (in ``classes`` and in its data's copy)."""
    classes = [c for c in classes_of(el) if c != name] + ([name] if on else [])
    data = {**el["data"], "cls": " ".join(c for c in classes if c != "filtered-out")}
    return {**el, "data": data, "classes": " ".join(classes)}


def hide(elements: list[dict], ids: set[str]) -> list[dict]:
    """Hidden, not removed: the nodes ``ids`` and their links stay on the chart, unseen.

    >>> els = [{"data": {"id": "a"}}, {"data": {"id": "e", "source": "a", "target": "b"}}]
    >>> [el["classes"] for el in hide(els, {"a"})]
    ['hidden-by-officer', 'hidden-by-officer']
    """
    return [with_class(el, HIDDEN, True) if {el["data"]["id"], el["data"].get("source"),
                                            el["data"].get("target")} & ids else el for el in elements]


def pin(elements: list[dict], ids: set[str]) -> tuple[list[dict], bool]:
    """Pin the nodes ``ids`` where they are (a layout leaves them), or unpin them if all were pinned."""
    chosen = [el for el in elements if el["data"]["id"] in ids and "source" not in el["data"]]
    on = not all(el["data"].get("pinned") for el in chosen)
    out = []
    for el in elements:
        if el in chosen:
            el = with_class({**el, "data": {**el["data"], "pinned": on}, "locked": on}, PINNED, on)
        out.append(el)
    return out, on


def edit(action: str, elements: list[dict], ids: set[str]) -> tuple[list[dict] | None, str]:
    """The drawing after ``action`` on the selected ``ids``, and what to say; None: nothing to do."""
    if action == "canvas-clear":
        return ([], "Cleared the canvas (Undo puts it back).") if elements else (None, "The canvas is empty.")
    if action == "canvas-show":
        hidden = [el for el in elements if HIDDEN in classes_of(el)]
        if not hidden:
            return None, "Nothing is hidden."
        shown = sum("source" not in el["data"] for el in hidden)
        return [with_class(el, HIDDEN, False) for el in elements], f"Showing the {shown} hidden entities again."
    if not ids:
        return None, "Select entities first: click one, shift-click more, or drag a box."
    if action == "canvas-remove":
        return without(elements, ids), f"Removed {len(ids)} entities from the canvas (Undo puts them back)."
    if action == "canvas-hide":
        return hide(elements, ids), f"Hid {len(ids)} entities (Show hidden brings them back)."
    pinned, on = pin(elements, ids)
    return pinned, (f"Pinned {len(ids)} entities: a layout leaves them where they are." if on
                    else f"Unpinned {len(ids)} entities.")


def register(app) -> None:

    @app.callback(Output("graph", "layout"), Input("canvas-layout", "value"), Input("canvas-fit", "n_clicks"),
                  prevent_initial_call=True)
    def relayout(name, _fit):
        # A new layout object re-runs the layout (pinned nodes stay) and fits the drawing.
        chosen = "preset" if ctx.triggered_id == "canvas-fit" else name
        return {**LAYOUT_OPTIONS.get(chosen, LAYOUT_OPTIONS["preset"]), "fit": True, "refresh": _fit or 0}

    @app.callback(Output("graph", "elements", allow_duplicate=True),
                  Output("graph-status", "children", allow_duplicate=True),
                  Output("canvas-history", "data"),
                  *(Input(b, "n_clicks") for b in EDITS), Input("canvas-undo", "n_clicks"),
                  Input("canvas-redo", "n_clicks"),
                  State("graph", "selectedNodeData"), State("graph", "elements"), State("canvas-history", "data"),
                  prevent_initial_call=True)
    def change(*args):
        selected, elements, history = args[-3:]
        elements = restore_classes(elements or [])
        history = history if isinstance(history, dict) else {}
        undo, redo = list(history.get("undo", [])), list(history.get("redo", []))
        action = ctx.triggered_id
        if action in ("canvas-undo", "canvas-redo"):
            back, forth = (undo, redo) if action == "canvas-undo" else (redo, undo)
            if not back:
                return no_update, f"Nothing to {action.split('-')[1]}.", no_update
            forth.append(elements)
            return place(back.pop()), ("Put back the drawing before the last change." if action == "canvas-undo"
                                else "Made the change again."), {"undo": undo[-UNDO_STEPS:], "redo": redo[-UNDO_STEPS:]}
        changed, said = edit(action, elements, {d["id"] for d in selected or []})
        if changed is None:
            return no_update, said, no_update
        return place(changed), said, {"undo": (undo + [elements])[-UNDO_STEPS:], "redo": []}

    # A new drawing (a search pick, a community, a case) is fitted once its
    # elements are on the canvas: a layout sent in the same response as the
    # elements ran before they arrived and left the drawing in a corner.
    clientside_callback(
        """function(token) {
            setTimeout(function () {   // resized first: the canvas may have been on a hidden tab
                if (window.cy) { window.cy.resize(); window.cy.fit(window.cy.elements(':visible'), 30); } }, 150);
            return token; }""",
        Output("fit-done", "data"), Input("fit-request", "data"), prevent_initial_call=True)

    # The drawing survives a reload: assets/20-canvas.js keeps it in the tab's
    # session storage as it changes (in the browser, nothing sent to the
    # server); it is put back when the page opens, with the classes and pins
    # the canvas does not send back.
    clientside_callback(
        """function(_) {
            let saved = null;
            try { saved = JSON.parse(window.sessionStorage.getItem("nigah-canvas") || "null"); } catch (e) {}
            if (!saved || !saved.length) { return window.dash_clientside.no_update; }
            setTimeout(function () { if (window.cy) { window.cy.fit(window.cy.elements(':visible'), 30); } }, 300);
            return saved.map(function (el) {
                const out = Object.assign({}, el, {classes: (el.data && el.data.cls) || el.classes || ""});
                if (el.data && el.data.pinned) { out.locked = true; }
                return out; }); }""",
        Output("graph", "elements", allow_duplicate=True), Input("search", "id"),
        prevent_initial_call="initial_duplicate")

    # A GD clicked on the profile's timeline is selected on the canvas.
    clientside_callback(
        """function(clicks) {
            const click = (clicks || []).find(c => c && c.points && c.points.length);
            if (click && window.cy) {
                window.cy.nodes().unselect();
                window.cy.getElementById(click.points[0].customdata).select();
            }
            return window.dash_clientside.no_update; }""",
        Output("fit-done", "data", allow_duplicate=True), Input({"type": "timeline", "nid": ALL}, "clickData"),
        prevent_initial_call=True)

    # dash-cytoscape keeps its drawing when given an empty list: clearing is done in the browser
    clientside_callback(
        """function(n) { if (n && window.cy) { window.cy.elements().remove(); } return window.dash_clientside.no_update; }""",
        Output("canvas-clear", "title"), Input("canvas-clear", "n_clicks"), prevent_initial_call=True)
