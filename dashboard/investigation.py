"""Small callbacks of the investigators' tab: search, draw and expand (with
filters, the choice for a busy entity and "show more"), paths and the entity
profile. The canvas's own tools are ``canvas.py``, cases ``cases.py``, the
other tabs ``communities.py`` and ``regional.py``."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from nigah.dashboard.bounds import path_hops, query_text
from nigah.dashboard.elements import apply_filters, flagged, merge_elements, node_score, to_elements
from nigah.dashboard.placement import fitted, place
from nigah.dashboard.profile import graphs, profile
from nigah.dashboard.state import StoreHolder
from nigah.graph.export.common import caption
from nigah.graph.model import Subgraph
from nigah.graph.schema import SCHEMA
from nigah.graph.shared import shared_details
from nigah.graph.store import matched_field

SHOWN = 25        # search results listed
EXPAND_CAP = 300  # neighbours drawn per click; "show more" adds as many again
MORE_LIMIT = 2000
ASK_ABOVE = 100   # an entity with more neighbours than this: the officer chooses what to draw
HIDE, SHOW = {"display": "none"}, {"display": "inline-block"}


def _hit(node, field: str | None = None) -> dbc.ListGroupItem:
    label = node.label
    return dbc.ListGroupItem([
        dbc.Badge(label, className="hit-label me-2", style={"backgroundColor": SCHEMA.node(label).colour}),
        html.Span(caption(node)),
        html.Span(f" {node.key}", className="text-muted small ms-1"),
        # which field matched: a phone or an earlier address says why this entity is here
        html.Span(f" · {field}" if field else " · a name spelled alike", className="text-muted small hit-field"),
        dbc.Badge(f"{node_score(node):.2f}", color="danger", className="ms-2") if flagged(node) else None,
    ], id={"type": "hit", "nid": node.id}, action=True, n_clicks=0)


def _window(window, months):
    if not months or not window:
        return None, None
    lo, hi = window
    since = pd.Timestamp(months[lo]).date() if lo > 0 else None
    until = (pd.Timestamp(months[hi]) + pd.offsets.MonthEnd(0)).date() if hi < len(months) - 1 else None
    return since, until


def expand(store, nid: str, rel, window, months, min_risk, limit: int = EXPAND_CAP) -> Subgraph:
    """The neighbourhood of ``nid`` under the canvas filters."""
    since, until = _window(window, months)
    graph = store.neighbourhood([nid], hops=1, limit=limit, rel_types=rel or None, since=since, until=until)
    start = [n for n in graph.nodes if n.id == nid]
    if start and not rel:   # the details it shares with others (a phone, an account), drawn as links
        others, links = shared_details(store, start)
        drawn = {n.id for n in graph.nodes}
        graph = Subgraph(graph.nodes + [n for n in others if n.id not in drawn], graph.edges + links,
                         graph.truncated, graph.hidden)
    if min_risk:
        keep = [n for n in graph.nodes if n.id == nid or node_score(n) >= min_risk]
        ids = {n.id for n in keep}
        graph = Subgraph(keep, [e for e in graph.edges if e.source in ids and e.target in ids],
                         graph.truncated, graph.hidden)
    return graph


def neighbour_counts(store, nid: str, rel, window, months) -> dict[str, int]:
    """How many neighbours ``nid`` has through each relationship type (under the
    time window): what a capped drawing leaves out, said before "Show more"."""
    since, until = _window(window, months)
    return store.neighbour_counts([nid], sorted(rel) if rel else sorted(store.schema.relationships), since, until)


def timeline_months(relayout: dict | None, months: list[str]) -> list[int] | None:
    """The time-window slider's value for a timeline zoomed to ``relayout``'s range.

    >>> months = ["2025-01", "2025-02", "2025-03", "2025-04"]
    >>> timeline_months({"xaxis.range[0]": "2025-02-10", "xaxis.range[1]": "2025-03-05 12:00"}, months)
    [1, 2]
    >>> timeline_months({"xaxis.autorange": True}, months), timeline_months({"dragmode": "pan"}, months)
    ([0, 3], None)
    >>> timeline_months({"xaxis.range": ["2025-03-01", "2025-04-30"]}, months)
    [2, 3]
    """
    if not relayout or not months:
        return None
    if relayout.get("xaxis.autorange"):
        return [0, len(months) - 1]
    # a zoom with the mouse says range[0] and range[1]; Plotly.relayout, the range
    ends = relayout.get("xaxis.range") or [relayout.get(f"xaxis.range[{i}]") for i in (0, 1)]
    if len(ends) != 2 or None in ends:
        return None
    periods = pd.PeriodIndex(months, freq="M")
    lo, hi = (pd.Timestamp(end).to_period("M") for end in ends)
    inside = [i for i, p in enumerate(periods) if lo <= p <= hi]
    return [inside[0], inside[-1]] if inside else None


def _status(graph: Subgraph, what: str, counts: dict[str, int] | None = None) -> tuple[str, dict]:
    text = f"{what}: {len(graph.nodes)} entities, {len(graph.edges)} links"
    if graph.truncated:
        text += f" — {sum(graph.hidden.values()) or 'more'} neighbours not drawn"
        if counts:   # e.g. "of Cleared by 5,204 · Lodged at 1: the riskiest first"
            text += " (of " + " · ".join(f"{SCHEMA.relationship(t).title} {n:,}" for t, n in
                                        sorted(counts.items(), key=lambda kv: -kv[1])) + "; the riskiest drawn first)"
    return text, SHOW if graph.truncated else HIDE


def _drawn(store, nid, rel, window, months, min_risk, limit: int = EXPAND_CAP):
    """The expansion and, when it is capped, the neighbour counts per relationship
    type; for an entity with more than ``ASK_ABOVE`` neighbours, only the entity
    itself and the counts, for the officer to choose from (``pending`` true)."""
    counts = neighbour_counts(store, nid, rel, window, months)
    if sum(counts.values()) > ASK_ABOVE:
        return Subgraph(store.get_nodes([nid]), [], False, {}), counts, True
    graph = expand(store, nid, rel, window, months, min_risk, limit)
    return graph, (counts if graph.truncated else None), False


def _asked(nid: str, counts: dict[str, int]) -> str:
    return (f"{sum(counts.values()):,} neighbours in all: choose the kinds and how many to draw "
            "(the riskiest first, then the latest).")


FILTERS = [State("rel-filter", "value"), State("window", "value"), State("months", "data"),
           State("min-risk", "value")]


def register(app, holder: StoreHolder) -> None:
    @app.callback(Output("store-status", "children"), Input("search", "id"))
    def store_status(_):
        return holder.describe()

    @app.callback(Output("window", "max"), Output("window", "value"), Output("window", "marks"),
                  Output("months", "data"), Input("search", "id"))
    def time_window(_):
        try:
            dates = holder.call(lambda s: s.node_table("Declaration", ["date"])["date"])
        except holder.errors:
            raise PreventUpdate
        if dates.dropna().empty:
            raise PreventUpdate
        months = pd.period_range(dates.min(), dates.max(), freq="M")
        marks = {i: m.strftime("%b %y") for i, m in enumerate(months) if i % max(1, len(months) // 5) == 0}
        return len(months) - 1, [0, len(months) - 1], marks, [str(m) for m in months]

    @app.callback(Output("results", "children"),
                  Input("search-button", "n_clicks"), Input("search", "n_submit"),
                  State("search", "value"), prevent_initial_call=True)
    def search(_clicks, _submit, text):
        if not text or not text.strip():
            return html.Div("Type a name, NTN, GD number, vehicle or phone.", className="text-muted small")
        q = query_text(text)
        try:   # one more than shown, to say when there are more
            hits = holder.call(lambda s: [(n, matched_field(n, q, s)) for n in s.search(q, limit=SHOWN + 1)])
        except holder.errors as exc:
            return dbc.Alert(f"Store unreachable: {exc}", color="danger")
        if not hits:
            return html.Div(f"Nothing matches “{text}”.", className="text-muted small")
        more = len(hits) > SHOWN
        count = html.Div(f"The first {SHOWN} matches: more match, so add to the text to narrow them." if more
                         else f"{len(hits)} match{'es' if len(hits) > 1 else ''}.",
                         className="small text-muted mb-1", id="results-count")
        return html.Div([count, dbc.ListGroup([_hit(n, field) for n, field in hits[:SHOWN]], flush=True)])

    @app.callback(Output("graph", "elements"), Output("graph-status", "children"), Output("focus", "data"),
                  Output("show-more", "style"), Output("caps", "data"),
                  Output("fit-request", "data", allow_duplicate=True), Output("expand-pending", "data"),
                  Input({"type": "hit", "nid": ALL}, "n_clicks"), *FILTERS, prevent_initial_call=True)
    def pick(_clicks, rel, window, months, min_risk):
        if not isinstance(ctx.triggered_id, dict) or not ctx.triggered[0]["value"]:
            raise PreventUpdate  # the result list was redrawn, nothing clicked
        nid = ctx.triggered_id["nid"]
        graph, counts, ask = holder.call(lambda s: _drawn(s, nid, rel, window, months, min_risk))
        text, more = (_asked(nid, counts), HIDE) if ask else _status(graph, "Neighbourhood", counts)
        return (place(to_elements(graph, roots=(nid,))), text, nid, more, {nid: EXPAND_CAP}, fitted(),
                {"nid": nid, "counts": counts} if ask else None)

    @app.callback(Output("graph", "elements", allow_duplicate=True),
                  Output("graph-status", "children", allow_duplicate=True),
                  Output("focus", "data", allow_duplicate=True), Output("show-more", "style", allow_duplicate=True),
                  Output("expand-pending", "data", allow_duplicate=True),
                  Input("graph", "tapNodeData"), State("graph", "elements"), *FILTERS, prevent_initial_call=True)
    def tap(tapped, elements, rel, window, months, min_risk):
        if not tapped:
            raise PreventUpdate
        nid = tapped["id"]
        graph, counts, ask = holder.call(lambda s: _drawn(s, nid, rel, window, months, min_risk))
        if ask:
            return no_update, _asked(nid, counts), nid, HIDE, {"nid": nid, "counts": counts}
        text, more = _status(graph, f"Expanded {tapped.get('label', nid)}", counts)
        return place(merge_elements(elements or [], to_elements(graph)), around=nid), text, nid, more, None

    @app.callback(Output("expand-choice", "style"), Output("expand-what", "children"),
                  Output("expand-types", "options"), Output("expand-types", "value"),
                  Input("expand-pending", "data"), prevent_initial_call=True)
    def offer(pending):
        """The choice for a busy entity: each kind of neighbour with its count, the biggest first."""
        if not pending:
            return HIDE, no_update, no_update, no_update
        counts = sorted(pending["counts"].items(), key=lambda kv: -kv[1])
        options = [{"label": f"{SCHEMA.relationship(t).title} · {n:,}", "value": t} for t, n in counts]
        title = holder.call(lambda s: [caption(n) for n in s.get_nodes([pending["nid"]])]) or [pending["nid"]]
        return ({"display": "block"}, f"{title[0]} has {sum(n for _, n in counts):,} neighbours. Draw which?",
                options, [counts[0][0]])

    @app.callback(Output("graph", "elements", allow_duplicate=True),
                  Output("graph-status", "children", allow_duplicate=True),
                  Output("expand-pending", "data", allow_duplicate=True), Output("caps", "data", allow_duplicate=True),
                  Input("expand-draw", "n_clicks"), State("expand-pending", "data"), State("expand-types", "value"),
                  State("expand-n", "value"), State("graph", "elements"), State("caps", "data"), *FILTERS,
                  prevent_initial_call=True)
    def draw_chosen(_n, pending, types, count, elements, caps, rel, window, months, min_risk):
        if not pending or not types:
            return no_update, "Tick at least one kind of neighbour to draw.", no_update, no_update
        nid = pending["nid"]
        limit = max(1, min(int(count or 50), MORE_LIMIT))   # bounded here, whatever the page sent
        chosen = [t for t in types if t in SCHEMA.relationships]
        # the store's limit counts the start too
        graph = holder.call(lambda s: expand(s, nid, chosen, window, months, min_risk, limit + 1))
        text, _ = _status(graph, f"The riskiest {limit:,} of {sum(pending['counts'].get(t, 0) for t in chosen):,}")
        merged = merge_elements(elements or [], to_elements(graph, roots=(nid,)))
        return place(merged, around=nid), text, None, {**(caps or {}), nid: limit}

    @app.callback(Output("graph", "elements", allow_duplicate=True),
                  Output("graph-status", "children", allow_duplicate=True),
                  Output("show-more", "style", allow_duplicate=True), Output("caps", "data", allow_duplicate=True),
                  Input("show-more", "n_clicks"), State("focus", "data"), State("caps", "data"),
                  State("graph", "elements"), *FILTERS, prevent_initial_call=True)
    def show_more(_n, nid, caps, elements, rel, window, months, min_risk):
        if not nid:
            raise PreventUpdate
        limit = min((caps or {}).get(nid, EXPAND_CAP) + EXPAND_CAP, MORE_LIMIT)
        def run(store):
            graph = expand(store, nid, rel, window, months, min_risk, limit)
            return graph, neighbour_counts(store, nid, rel, window, months) if graph.truncated else None

        graph, counts = holder.call(run)
        text, more = _status(graph, f"Showing up to {limit}", counts)
        return (place(merge_elements(elements or [], to_elements(graph)), around=nid), text, more,
                {**(caps or {}), nid: limit})

    @app.callback(Output("graph", "elements", allow_duplicate=True),
                  Output("graph-status", "children", allow_duplicate=True),
                  Output("window", "value", allow_duplicate=True),
                  Input("min-risk", "value"), Input("window", "value"), Input("rel-filter", "value"),
                  Input({"type": "timeline", "nid": ALL}, "relayoutData"),
                  State("months", "data"), State("graph", "elements"), prevent_initial_call=True)
    def refilter(min_risk, window, rel, timeline, months, elements):
        """A filter moved: what is drawn follows at once, not only the next
        expansion. Zooming the profile's timeline is moving the time window to
        the months it shows (and the slider follows); resetting its zoom opens it."""
        slider = no_update
        if isinstance(ctx.triggered_id, dict):   # the timeline
            slider = timeline_months((timeline or [None])[0], months)
            if slider is None:
                raise PreventUpdate
            window = slider
        if not elements:
            return no_update, no_update, slider
        since, until = _window(window, months)
        # a slider's 0.1 steps add up to 0.5000000000000001: compare at the scores' own precision
        filtered, hidden = apply_filters(elements, round(float(min_risk or 0), 3), since, until, rel or None)
        drawn = sum("source" not in el["data"] for el in filtered)
        return place(filtered), (f"Filters hide {hidden:,} of {drawn:,} drawn entities" if hidden
                                 else f"{drawn:,} entities drawn, none hidden by the filters"), slider

    @app.callback(Output("graph", "elements", allow_duplicate=True),
                  Output("graph-status", "children", allow_duplicate=True),
                  Input("path-button", "n_clicks"), State("focus", "data"), State("path-to", "value"),
                  State("path-hops", "value"), State("graph", "elements"), prevent_initial_call=True)
    def paths(_n, source, target_text, hops, elements):
        if not source or not target_text:
            return no_update, "Select an entity, then name the other end of the path."
        hops = path_hops(hops)
        if hops is None:
            return no_update, "Choose how many hops the path may have."

        def run(store):
            target = query_text(target_text)
            try:
                known = store.get_nodes([target])
            except ValueError:   # a name, not an id: found by search below
                known = []
            if not known:
                hits = store.search(target, limit=1)
                if not hits:
                    return None, []
                target = hits[0].id
            found = store.shortest_paths(source, target, max_hops=hops)
            return target, found

        target, found = holder.call(run)
        if target is None:
            return no_update, f"Nothing matches “{target_text}”."
        if not found:
            return no_update, f"No path of at most {hops} hops between the two."
        ids = list(dict.fromkeys(i for p in found for i in p))
        graph = holder.call(lambda s: s.subgraph(ids))
        on_path = {(a, b) for p in found for a, b in zip(p, p[1:])}
        graph.edges = [e for e in graph.edges if (e.source, e.target) in on_path or (e.target, e.source) in on_path]
        merged = place(merge_elements(elements or [], to_elements(graph, roots=(source, target), extra="path"),
                                      mark="path"), around=source)
        return merged, f"{len(found)} shortest path(s) of {len(found[0]) - 1} hops, drawn in pink"

    @app.callback(Output("details", "children"), Output("profile-graphs", "children"), Input("focus", "data"),
                  prevent_initial_call=True)
    def details(nid):
        if not nid:
            return no_update, no_update

        def run(store):
            nodes = store.get_nodes([nid])
            return (profile(store, nodes[0]), graphs(store, nodes[0])) if nodes else (None, [])

        shown, figures = holder.call(run)
        if shown is None:
            return html.Div(f"{nid} is no longer in the store.", className="text-muted small"), []
        return shown, figures
