"""The communities tab: trader communities ranked by risk, each opened on the
canvas as its traders and the agents, vehicles and suppliers they share."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Input, Output, ctx, html
from dash.exceptions import PreventUpdate

from nigah.dashboard.elements import MAX_DRAWN, shared_by_members, to_elements
from nigah.dashboard.placement import fitted, place
from nigah.dashboard.state import StoreHolder
from nigah.graph.schema import SCHEMA, node_id


def register(app, holder: StoreHolder) -> None:
    @app.callback(Output("community-list", "children"), Input("tabs", "active_tab"))
    def communities(tab):
        if tab != "communities":
            raise PreventUpdate
        wanted = [c for c in ("name", "community", "community_score", "community_role")
                  if c in SCHEMA.node("Trader").properties]
        traders = holder.call(lambda s: s.node_table("Trader", wanted)).dropna(subset=["community"])
        if traders.empty:
            return html.Div("No communities yet: run `nigah analyze`.", className="text-muted small")
        score = "community_score" if "community_score" in traders else None
        agg = traders.groupby("community").agg(size=("ntn", "size"), names=("name", lambda n: ", ".join(n.head(3))),
                                               **({"score": (score, "max")} if score else {}))
        agg = agg.sort_values(["score", "size"] if score else ["size"], ascending=False).head(100)
        rows = [html.Tr([html.Td(int(c)), html.Td(f"{r['score']:.2f}" if score and pd.notna(r["score"]) else "–"),
                         html.Td(int(r["size"])), html.Td(r["names"]),
                         html.Td(dbc.Button("Open", id={"type": "open-community", "community": int(c)},
                                            size="sm", outline=True, n_clicks=0))])
                for c, r in agg.iterrows()]
        return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in ("community", "risk", "traders", "members", "")])),
                          html.Tbody(rows)], size="sm", striped=True, id="community-table")

    @app.callback(Output("graph", "elements", allow_duplicate=True),
                  Output("graph-status", "children", allow_duplicate=True),
                  Output("tabs", "active_tab"), Output("fit-request", "data", allow_duplicate=True),
                  Input({"type": "open-community", "community": ALL}, "n_clicks"),
                  prevent_initial_call=True)
    def open_community(_clicks):
        if not isinstance(ctx.triggered_id, dict) or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        number = ctx.triggered_id["community"]

        def run(store):
            traders = store.node_table("Trader", ["community"])
            members = [node_id("Trader", k) for k in traders.loc[traders["community"] == number, "ntn"]]
            # Members and what links them: the agents, vehicles and consignors
            # their GDs share, with the GDs themselves folded into the links.
            around = store.neighbourhood(members, hops=2, limit=MAX_DRAWN * 5,
                                         rel_types=["FILED_BY", "CLEARED_BY", "CARRIED_BY", "SHIPPED_BY"])
            return members, shared_by_members(around, set(members))

        members, graph = holder.call(run)
        return (place(to_elements(graph, roots=tuple(members))),
                f"Community {number}: {len(members)} traders and the {len(graph.nodes) - len(members)} "
                f"agents, vehicles and suppliers two or more of them share", "investigation", fitted())
