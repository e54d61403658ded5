"""The page layout (no callbacks here): the investigators' tab and the managers' (``regional.py``)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import dash_cytoscape as cyto
from dash import dcc, html

from dashboard.elements import stylesheet
from dashboard.regional import regional_layout
from graph.schema import SCHEMA


def legend() -> html.Div:
    return html.Div([
        html.Span([html.Span("●", style={"color": spec.colour, "marginRight": "3px"}), label],
                  className="me-3 small text-nowrap")
        for label, spec in SCHEMA.nodes.items()
    ], className="mb-2")


def layout() -> html.Div:
    navbar = dbc.Navbar(dbc.Container([
        dbc.NavbarBrand("Nigah · watchful eye"),
        html.Span(id="store-status", className="navbar-text small"),
    ], fluid=True), className="nigah-navbar mb-3", dark=True)
    search = dbc.Card(dbc.CardBody([
        dbc.InputGroup([
            dbc.Input(id="search", placeholder="Name, NTN, GD number, vehicle, phone…",
                      type="search", debounce=False, autoFocus=True),
            dbc.Button("Search", id="search-button", color="primary", n_clicks=0),
        ]),
        html.Div(id="results", className="mt-3"),
    ]))
    details = dbc.Card([dbc.CardHeader("Entity"), dbc.CardBody(
        html.Div("Pick an entity to see its details.", id="details", className="text-muted small"))],
        className="mt-3")
    canvas = dbc.Card(dbc.CardBody([
        legend(),
        html.Div(id="graph-status", className="small text-muted mb-2"),
        cyto.Cytoscape(id="graph", elements=[], stylesheet=stylesheet(),
                       layout={"name": "cose", "animate": False, "nodeRepulsion": 8000},
                       style={"width": "100%", "height": "70vh"}, minZoom=0.1, maxZoom=3),
        html.Div("Click a node to expand its neighbourhood.", className="small text-muted mt-2"),
    ]))
    investigation = dbc.Row([
        dbc.Col([search, details], md=4),
        dbc.Col(canvas, md=8),
    ])
    return html.Div([
        navbar,
        dbc.Container(dbc.Tabs([
            dbc.Tab(investigation, label="Investigation", tab_id="investigation", className="pt-3"),
            dbc.Tab(regional_layout(), label="Regional risk", tab_id="regional", className="pt-3"),
        ], id="tabs", active_tab="investigation", className="nigah-tabs"), fluid=True),
        dcc.Store(id="focus"),
    ])
