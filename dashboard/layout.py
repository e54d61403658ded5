"""The page layout (no callbacks here): the investigators' tab and the managers' (``regional.py``)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import dash_cytoscape as cyto
from dash import dcc, html

from nigah.dashboard.elements import stylesheet
from nigah.dashboard.regional import regional_layout
from nigah.graph.export import FORMATS, TITLES
from nigah.graph.schema import SCHEMA


def legend() -> html.Div:
    return html.Div([
        html.Span([html.Span("●", style={"color": spec.colour, "marginRight": "3px"}), label],
                  className="me-3 small text-nowrap")
        for label, spec in SCHEMA.nodes.items()
    ], className="mb-2")


def filters() -> dbc.Row:
    return dbc.Row([
        dbc.Col(dcc.Dropdown(id="rel-filter", multi=True, placeholder="All relationship types",
                             options=[{"label": t, "value": t} for t in SCHEMA.relationships]), md=4),
        dbc.Col([html.Div("Time window", className="small text-muted"),
                 dcc.RangeSlider(id="window", min=0, max=1, value=[0, 1], step=1, marks=None,
                                 tooltip={"placement": "bottom"}, allowCross=False)], md=5),
        dbc.Col([html.Div("Minimum risk", className="small text-muted"),
                 dcc.Slider(id="min-risk", min=0, max=1, step=0.1, value=0, marks={0: "0", 0.5: "0.5", 1: "1"})],
                md=3),
    ], className="g-2 mb-2")


def path_finder() -> dbc.InputGroup:
    return dbc.InputGroup([
        dbc.InputGroupText("Path from the selected entity to"),
        dbc.Input(id="path-to", placeholder="Label:key or a name", type="text"),
        dbc.Select(id="path-hops", options=[{"label": f"≤ {h} hops", "value": h} for h in (2, 4, 6)], value=4),
        dbc.Button("Find paths", id="path-button", color="secondary", n_clicks=0),
    ], size="sm", className="mb-2")


LAYOUTS = {"preset": "As placed (layout…)", "cose": "Force-directed", "fcose": "Force-directed (fast)", "concentric": "Rings, most linked inside",
           "breadthfirst": "Tree from the start", "grid": "Grid"}


def canvas_tools() -> html.Div:
    """What an officer does to the drawing itself (select several with shift-click or a box drag)."""
    return html.Div([
        dbc.ButtonGroup([
            dbc.Button("Fit", id="canvas-fit", n_clicks=0, title="Fit the drawing to the canvas"),
            dbc.Button("Remove selected", id="canvas-remove", n_clicks=0,
                       title="Take the selected entities off the canvas (shift-click or drag a box to select several)"),
            dbc.Button("Hide selected", id="canvas-hide", n_clicks=0,
                       title="Hide the selected entities, keeping them on the chart"),
            dbc.Button("Show hidden", id="canvas-show", n_clicks=0, title="Show every hidden entity again"),
            dbc.Button("Pin", id="canvas-pin", n_clicks=0,
                       title="Pin the selected where they are: a layout leaves them (again: unpin)"),
            dbc.Button("Clear", id="canvas-clear", n_clicks=0, title="Take everything off the canvas"),
        ], size="sm", className="me-2"),
        dbc.ButtonGroup([
            dbc.Button("Undo", id="canvas-undo", n_clicks=0, title="Put back what the last change took away"),
            dbc.Button("Redo", id="canvas-redo", n_clicks=0, title="Make the undone change again"),
        ], size="sm", className="me-2"),
        dbc.Select(id="canvas-layout", value="preset", size="sm", style={"width": "13rem", "display": "inline-block"},
                   options=[{"label": v, "value": k} for k, v in LAYOUTS.items()]),
    ], className="mb-2")


def expand_choice() -> html.Div:
    """For an entity with many neighbours: which kinds to draw, and how many
    (the riskiest first), chosen before anything is drawn."""
    return html.Div([
        html.Div(id="expand-what", className="small mb-1"),
        dbc.Checklist(id="expand-types", options=[], value=[], inline=True, className="small mb-1"),
        dbc.InputGroup([dbc.InputGroupText("draw the riskiest"),
                        dbc.Input(id="expand-n", type="number", min=1, max=2000, step=1, value=50,
                                  style={"maxWidth": "6rem"}),
                        dbc.Button("Draw", id="expand-draw", n_clicks=0, color="primary")], size="sm"),
    ], id="expand-choice", className="border rounded p-2 mb-2 expand-choice", style={"display": "none"})


def case_card() -> dbc.Card:
    return dbc.Card([dbc.CardHeader("Case"), dbc.CardBody([
        dbc.InputGroup([dbc.Input(id="case-name", placeholder="Case name", type="text", maxLength=120),
                        dbc.Button("Save", id="case-save", n_clicks=0, color="primary"),
                        dbc.Select(id="case-open", placeholder="Open…")], size="sm", className="mb-1"),
        dbc.ButtonGroup([dbc.Button("Rename", id="case-rename", n_clicks=0, outline=True, color="secondary"),
                         dbc.Button("Delete case", id="case-delete", n_clicks=0, outline=True, color="danger")],
                        size="sm", className="mb-2"),
        dcc.ConfirmDialog(id="case-delete-confirm"),
        dbc.ButtonGroup([dbc.Button("Add selected", id="case-add", n_clicks=0, outline=True, color="primary"),
                         dbc.Button("Add drawn graph", id="case-add-all", n_clicks=0, outline=True, color="primary"),
                         dbc.Button("Draw case", id="case-draw", n_clicks=0, outline=True, color="secondary")],
                        size="sm", className="mb-2"),
        dbc.Textarea(id="case-note", placeholder="Note on the selected entity", className="mb-1", rows=2),
        dbc.Button("Keep note", id="case-note-save", n_clicks=0, size="sm", outline=True, className="mb-2"),
        html.Div(id="case-entities", className="small"),
        dbc.InputGroup([
            dbc.Select(id="export-format", value=FORMATS[0],
                       options=[{"label": TITLES.get(f, f), "value": f} for f in FORMATS]),
            dbc.Button("Export", id="export-button", n_clicks=0, color="secondary"),
        ], size="sm", className="mt-2"),
        dbc.ButtonGroup([dbc.Button("PNG", id="image-png", n_clicks=0, size="sm", outline=True),
                         dbc.Button("SVG", id="image-svg", n_clicks=0, size="sm", outline=True)], className="mt-2"),
        html.Div(id="case-status", className="small text-muted mt-1"),
        dcc.Download(id="download"),
    ])], className="mt-3")


def layout() -> html.Div:
    navbar = dbc.Navbar(dbc.Container([
        dbc.NavbarBrand("Nigah · watchful eye"),
        html.Span(id="store-status", className="navbar-text small"),
    ], fluid=True), className="nigah-navbar mb-3", color="#14324f", dark=True)
    search = dbc.Card(dbc.CardBody([
        dbc.InputGroup([
            dbc.Input(id="search", placeholder="Name, NTN, GD number, vehicle, phone…",
                      type="search", debounce=False, autoFocus=True),
            dbc.Button("Search", id="search-button", color="primary", n_clicks=0),
        ]),
        html.Div(id="results", className="mt-3"),
    ]))
    details = dbc.Card([dbc.CardHeader("Entity"), dbc.CardBody([
        html.Div("Pick an entity to see its details.", id="details", className="text-muted small"),
        html.Div(id="profile-graphs")])], className="mt-3")
    canvas = dbc.Card(dbc.CardBody([
        filters(),
        path_finder(),
        legend(),
        html.Div([html.Span(id="graph-status", className="small text-muted me-2"),
                  dbc.Button("Show more", id="show-more", n_clicks=0, size="sm", outline=True,
                             color="secondary", style={"display": "none"})], className="mb-2"),
        expand_choice(),
        canvas_tools(),
        # A spinner over the canvas while it is being redrawn (an expansion, a
        # path, a filter): the drawing stays visible underneath.
        dcc.Loading(cyto.Cytoscape(id="graph", elements=[], stylesheet=stylesheet(),
                                   # positions come from the server (placement.py): adding
                                   # elements must not re-run a layout and move what is drawn
                                   layout={"name": "preset"}, autoRefreshLayout=False,
                                   style={"width": "100%", "height": "70vh"}, minZoom=0.05, maxZoom=1.6,
                                   wheelSensitivity=0.2,   # a wheel notch zooms a little, not ×2.5
                                   boxSelectionEnabled=True),
                    target_components={"graph": "elements"}, delay_show=250, type="circle",
                    overlay_style={"visibility": "visible", "opacity": 0.6}),
        html.Div("Click a node to expand its neighbourhood; size shows risk, rings show communities.",
                 className="small text-muted mt-2"),
    ]))
    investigation = dbc.Row([
        dbc.Col([search, details, case_card()], md=4),
        dbc.Col(canvas, md=8),
    ])
    communities = html.Div([html.P("Communities of traders that act as one, highest risk first. "
                                   "Open one to draw it.", className="text-muted small"),
                            html.Div(id="community-list")])
    return html.Div([
        navbar,
        # What went wrong on the server, in words (dashboard/app.py's on_error), never an HTTP 500.
        dbc.Container(dbc.Alert(id="problem", color="warning", is_open=False, dismissable=True,
                                className="mt-2 mb-0 small"), fluid=True),
        dbc.Container(dbc.Tabs([
            dbc.Tab(investigation, label="Investigation", tab_id="investigation", className="pt-3"),
            dbc.Tab(communities, label="Communities", tab_id="communities", className="pt-3"),
            dbc.Tab(regional_layout(), label="Regional risk", tab_id="regional", className="pt-3"),
        ], id="tabs", active_tab="investigation", className="nigah-tabs"), fluid=True),
        dcc.Store(id="focus"), dcc.Store(id="caps", data={}), dcc.Store(id="expand-pending"),
        dcc.Store(id="fit-request"), dcc.Store(id="fit-done"), dcc.Store(id="months", data=[]),
        # The basket and where it came from live in the tab's session storage: a
        # reload keeps them; closing the tab (a shared desk) forgets them.
        dcc.Store(id="case", data={"entities": [], "notes": {}}, storage_type="session"),
        dcc.Store(id="case-origin", storage_type="session"), dcc.Store(id="case-armed"),
        dcc.Store(id="canvas-history", data={}),   # earlier and undone drawings, for Undo and Redo
    ])
