"""Callbacks that change the drawing itself, not what the store holds: fit,
layout choice, remove the selected entities, and undo the last removal (each
keeps the drawing it replaced, up to ``UNDO_STEPS``). No "clear": dash-cytoscape
leaves the drawing in place when its elements become an empty list, so a new
search (which replaces the drawing) is the way to start again."""
from __future__ import annotations

from dash import Input, Output, State, ctx, no_update

from nigah.dashboard.elements import restore_classes

UNDO_STEPS = 10
LAYOUT_OPTIONS = {
    "cose": {"name": "cose", "animate": False, "nodeRepulsion": 8000},
    "fcose": {"name": "fcose", "animate": False, "quality": "default"},
    # the most linked in the middle (the option that would order by risk takes a JS function)
    "concentric": {"name": "concentric", "animate": False},
    "breadthfirst": {"name": "breadthfirst", "directed": False, "animate": False},
    "grid": {"name": "grid", "animate": False},
}


def without(elements: list[dict], ids: set[str]) -> list[dict]:
    """``elements`` less the nodes ``ids`` and every link that touches them.

    >>> els = [{"data": {"id": "a"}}, {"data": {"id": "b"}}, {"data": {"id": "e", "source": "a", "target": "b"}}]
    >>> [el["data"]["id"] for el in without(els, {"b"})]
    ['a']
    """
    return [el for el in elements if el["data"]["id"] not in ids
            and el["data"].get("source") not in ids and el["data"].get("target") not in ids]


def register(app) -> None:

    @app.callback(Output("graph", "layout"), Input("canvas-layout", "value"), Input("canvas-fit", "n_clicks"),
                  prevent_initial_call=True)
    def relayout(name, _fit):
        # A new layout object re-runs the layout and fits the drawing to the canvas.
        return {**LAYOUT_OPTIONS.get(name, LAYOUT_OPTIONS["cose"]), "fit": True,
                "refresh": ctx.triggered_id == "canvas-fit" and (_fit or 0)}

    @app.callback(Output("graph", "elements", allow_duplicate=True),
                  Output("graph-status", "children", allow_duplicate=True),
                  Output("canvas-history", "data"),
                  Input("canvas-remove", "n_clicks"), Input("canvas-undo", "n_clicks"),
                  State("graph", "selectedNodeData"), State("graph", "elements"), State("canvas-history", "data"),
                  prevent_initial_call=True)
    def edit(_remove, _undo, selected, elements, history):
        elements, history = restore_classes(elements or []), list(history or [])
        if ctx.triggered_id == "canvas-undo":
            if not history:
                return no_update, "Nothing to undo.", no_update
            return history[-1], "Put back the drawing before the last change.", history[:-1]
        ids = {d["id"] for d in selected or []}
        if not ids:
            return no_update, "Select entities first: click one, shift-click more, or drag a box.", no_update
        kept = without(elements, ids)
        return kept, f"Removed {len(ids)} entities from the canvas (Undo puts them back).", \
            (history + [elements])[-UNDO_STEPS:]
