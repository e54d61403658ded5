"""Small callbacks: search, draw and expand the graph, show an entity."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.elements import caption, merge_elements, to_elements
from dashboard.state import StoreHolder
from graph.schema import SCHEMA, split_node_id

EXPAND_CAP = 300


def _hit(node) -> dbc.ListGroupItem:
    label = node.label
    return dbc.ListGroupItem([
        dbc.Badge(label, className="hit-label me-2", style={"backgroundColor": SCHEMA.node(label).colour}),
        html.Span(caption(node)),
        html.Span(f" {node.key}", className="text-muted small ms-1"),
    ], id={"type": "hit", "nid": node.id}, action=True, n_clicks=0)


def _status(graph, what: str) -> str:
    text = f"{what}: {len(graph.nodes)} entities, {len(graph.edges)} links"
    if graph.truncated:
        text += f" — {sum(graph.hidden.values()) or 'more'} neighbours not drawn (cap {EXPAND_CAP})"
    return text


def register(app, holder: StoreHolder) -> None:
    @app.callback(Output("store-status", "children"), Input("search", "id"))
    def store_status(_):
        return holder.describe()

    @app.callback(Output("results", "children"),
                  Input("search-button", "n_clicks"), Input("search", "n_submit"),
                  State("search", "value"), prevent_initial_call=True)
    def search(_clicks, _submit, text):
        if not text or not text.strip():
            return html.Div("Type a name, NTN, GD number, vehicle or phone.", className="text-muted small")
        try:
            hits = holder.call(lambda s: s.search(text, limit=25))
        except holder.errors as exc:
            return dbc.Alert(f"Store unreachable: {exc}", color="danger")
        if not hits:
            return html.Div(f"Nothing matches “{text}”.", className="text-muted small")
        return dbc.ListGroup([_hit(n) for n in hits], flush=True)

    @app.callback(Output("graph", "elements"), Output("graph-status", "children"), Output("focus", "data"),
                  Input({"type": "hit", "nid": ALL}, "n_clicks"), Input("graph", "tapNodeData"),
                  State("graph", "elements"), prevent_initial_call=True)
    def draw(_clicks, tapped, elements):
        trigger = ctx.triggered_id
        if isinstance(trigger, dict):
            if not ctx.triggered[0]["value"]:
                raise PreventUpdate  # the result list was redrawn, nothing clicked
            nid = trigger["nid"]
            graph = holder.call(lambda s: s.neighbourhood([nid], hops=1, limit=EXPAND_CAP))
            return to_elements(graph, roots=(nid,)), _status(graph, "Neighbourhood"), nid
        if not tapped:
            raise PreventUpdate
        nid = tapped["id"]
        graph = holder.call(lambda s: s.neighbourhood([nid], hops=1, limit=EXPAND_CAP))
        merged = merge_elements(elements or [], to_elements(graph))
        return merged, _status(graph, f"Expanded {tapped.get('label', nid)}"), nid

    @app.callback(Output("details", "children"), Input("focus", "data"), prevent_initial_call=True)
    def details(nid):
        if not nid:
            return no_update
        nodes = holder.call(lambda s: s.get_nodes([nid]))
        if not nodes:
            return html.Div(f"{nid} is no longer in the store.", className="text-muted small")
        node = nodes[0]
        label, _ = split_node_id(nid)
        rows = [html.Tr([html.Th(k), html.Td(str(v))]) for k, v in node.properties.items()]
        return html.Div([
            html.H6([dbc.Badge(label, className="me-2", style={"backgroundColor": SCHEMA.node(label).colour}),
                     caption(node)]),
            dbc.Table(html.Tbody(rows), size="sm", className="props-table mb-0"),
        ])
