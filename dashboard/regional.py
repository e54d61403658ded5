"""The managers' view, "Regional risk": stations and corridors on a map of
Pakistan (``maps.py``), a station × month heatmap, monthly trends, and filters.
Every name from the data is escaped before Plotly sees it (``figures.esc``).
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from nigah.analytics.regional import (CHANNELS, GD_TYPES, NOT_EXAMINED, OUTCOMES, RATES, Measures, RegionalView,
                                heatmap_grid, month_range, prepare, read_regional_inputs, regional_view)
from nigah.dashboard.figures import GRAPH_CONFIG, empty_figure, esc, risk_text, usd
from nigah.dashboard.maps import RISK_SCALE, short_name, corridor_colours, map_figure, map_legend, outline_figure, tile_url
from nigah.graph.schema import SCHEMA

OUTCOME_NAMES = {NOT_EXAMINED: "not examined", **SCHEMA.prop("Declaration", "inspection_outcome").value_titles}


def metric_names(m: Measures) -> dict[str, str]:
    return {"risk_mean": m.risk_label, "seizures": "Seizures", "discrepancies": "Discrepancies",
            "recovered_duty_usd": m.recovered_label, "declarations": "Declarations",
            "hit_rate": "Findings per examination"}


# ---- layout ------------------------------------------------------------------
def _checklist(id_: str, values, names=None) -> dbc.Checklist:
    names = names or {}
    return dbc.Checklist(id=id_, options=[{"label": names.get(v, v), "value": v} for v in values],
                         value=list(values), inline=True, className="small")


def _graph_card(title: str, graph_id: str, height: str, note_id: str | None = None) -> dbc.Card:
    body = [dcc.Graph(id=graph_id, config=GRAPH_CONFIG, style={"height": height},
                      figure=empty_figure("Loading…"))]
    if note_id:
        body.append(html.Div(id=note_id, className="small text-muted mt-1"))
    return dbc.Card([dbc.CardHeader(title, id=f"{graph_id}-title"), dbc.CardBody(body, className="p-2")],
                    className="mb-3 h-100")


def regional_layout() -> html.Div:
    """The Regional risk tab (its callbacks are in :func:`register`)."""
    m = Measures("red_channel", "duty_on_findings")
    filters = dbc.Card(dbc.CardBody(dbc.Row([
        dbc.Col([
            html.Div(["Period ", html.Span(id="regional-period-text", className="fw-semibold")],
                     className="small mb-1"),
            dcc.RangeSlider(id="regional-period", min=0, max=0, step=1, value=[0, 0], marks={},
                            allowCross=False, updatemode="mouseup", allow_direct_input=False),
        ], lg=4),
        dbc.Col([html.Div("GD type", className="small mb-1"),
                 _checklist("regional-gd-type", GD_TYPES)], lg=2),
        dbc.Col([html.Div("Channel", className="small mb-1"),
                 _checklist("regional-channel", CHANNELS)], lg=2),
        dbc.Col([html.Div("Inspection outcome", className="small mb-1"),
                 _checklist("regional-outcome", OUTCOMES, OUTCOME_NAMES)], lg=4),
    ], className="g-3")), className="mb-3 regional-filters")
    metric = dbc.Card(dbc.CardBody([
        html.Span("Heatmap and trends show", className="small me-3"),
        dbc.RadioItems(id="regional-metric", value="risk_mean", inline=True, className="small d-inline-block",
                       options=[{"label": v, "value": k} for k, v in metric_names(m).items()]),
    ], className="py-2"), className="mb-3")
    return html.Div([
        filters,
        html.Div(id="regional-status", className="mb-2"),
        html.Div(id="regional-kpis", className="mb-3"),
        metric,
        dbc.Row([
            dbc.Col(_graph_card("Stations and transit corridors", "regional-map", "560px", "regional-map-note"),
                    xl=6, className="mb-3"),
            dbc.Col(_graph_card("Stations by month", "regional-heatmap", "560px", "regional-heatmap-note"), xl=6,
                    className="mb-3"),
        ]),
        dbc.Row([
            dbc.Col(_graph_card("All stations, monthly", "regional-trend", "320px"), lg=6, className="mb-3"),
            dbc.Col(_graph_card("Transit corridors, monthly", "regional-corridors", "320px"), lg=6,
                    className="mb-3"),
        ]),
        html.Div(id="regional-notes", className="small text-muted mb-4"),
        dcc.Store(id="regional-months"),
    ], className="regional")


def _month_labels(months, partial=()) -> list[str]:
    return [m.strftime("%b %Y") + ("*" if m in partial else "") for m in months]


def partial_note(view: RegionalView) -> str:
    if not view.partial:
        return ""
    listed = ", ".join(m.strftime("%b %Y") for m in view.partial)
    return f"* {listed}: the data covers only part of the month, so its figures are not comparable."


def heat_note(view: RegionalView, metric: str) -> str:
    thin = f"“few”: under {THIN_CELL} declarations in that station and month, too few for a rate or a mean." \
        if metric in RATES else ""
    return " ".join(t for t in (partial_note(view), thin) if t)


def cell_text(value: float, metric: str, m: Measures) -> str:
    """What a heatmap cell says: blank for none, short numbers.

    >>> [cell_text(v, "recovered_duty_usd", Measures("risk", "recovered_duty_usd")) for v in (0, 210, 17400, 2.5e6)]
    ['', '$210', '$17k', '$2.5M']
    """
    if value is None or math.isnan(value):
        return ""
    if metric == "hit_rate" or (metric == "risk_mean" and m.risk == "red_channel"):
        return f"{value:.0%}"
    if metric == "risk_mean":
        return f"{value:.2f}"
    if not value:
        return ""
    if metric == "recovered_duty_usd":
        return f"${value:,.0f}" if value < 1e3 else f"${value / 1e3:,.0f}k" if value < 1e6 else f"${value / 1e6:,.1f}M"
    return f"{value:,.0f}"


THIN_CELL = 20   # declarations under which a cell's rate or mean is noise, not a signal


def heatmap_figure(view: RegionalView, metric: str) -> go.Figure:
    """Stations (most declarations first) × months of one metric. A rate or
    mean from fewer than ``THIN_CELL`` declarations is left grey (hover says
    why): three GDs in a partial month must not be the darkest cell."""
    names = metric_names(view.measures)
    sm = view.station_month
    grid = heatmap_grid(sm, metric, view.months)
    counts = heatmap_grid(sm, "declarations", view.months, order=list(grid.index))
    station_names = view.stations.set_index("code")["name"]
    rows = [f"{esc(short_name(station_names.get(code)) or code)} ({esc(code)})" for code in grid.index]
    z = grid.to_numpy(dtype=float)
    if metric in RATES:
        z = np.where(counts.to_numpy(dtype=float) < THIN_CELL, np.nan, z)
    rate = metric in RATES
    ticks = _trend_axis(view, metric).get("tickformat")
    top = float(np.nanmax(z)) if z.size and not np.isnan(z).all() else 0.0
    whole = metric in ("declarations", "examined", "seizures", "discrepancies")
    steps = {"dtick": max(1, math.ceil(top / 5))} if whole and top < 10 else {}
    fig = go.Figure(go.Heatmap(
        z=np.where(np.isnan(z), None, z).tolist(), x=_month_labels(view.months, view.partial), y=rows,
        customdata=[[[int(n), esc(station_names.get(code, code))] for n in row]
                    for code, row in zip(grid.index, counts.to_numpy())],
        text=[[cell_text(v, metric, view.measures) if not (metric in RATES and 0 < n < THIN_CELL) else "few"
               for v, n in zip(row, nrow)] for row, nrow in zip(z, counts.to_numpy())],
        colorscale=RISK_SCALE if rate or metric in ("seizures", "discrepancies") else "Blues",
        zmin=0, xgap=1, ygap=1, texttemplate="%{text}", textfont={"size": 9},
        hovertemplate=f"%{{customdata[1]}}<br>%{{x}}<br>{esc(names[metric])}: %{{z{_hover_format(view, metric)}}}"
                      "<br>%{customdata[0]:,d} declarations<extra></extra>",
        colorbar={"thickness": 12, **({"tickformat": ticks} if ticks else {}), **steps,
                  "title": {"text": esc(names[metric]), "side": "right", "font": {"size": 11}}}))
    fig.update_layout(
        margin={"l": 8, "r": 8, "t": 30, "b": 8}, plot_bgcolor="#f8f9fa", paper_bgcolor="#fff",
        yaxis={"autorange": "reversed", "automargin": True, "tickfont": {"size": 11}, "type": "category"},
        xaxis={"automargin": True, "tickangle": -45, "tickfont": {"size": 10}, "type": "category", "side": "bottom"})
    return fig


def _trend_axis(view: RegionalView, metric: str) -> dict:
    if metric == "hit_rate" or (metric == "risk_mean" and view.measures.risk == "red_channel"):
        return {"tickformat": ".0%", "rangemode": "tozero"}
    if metric == "recovered_duty_usd":
        return {"tickformat": "$.2s", "rangemode": "tozero"}
    if metric == "risk_mean":
        return {"tickformat": ".2f", "rangemode": "tozero"}
    return {"rangemode": "tozero"}


def trend_figure(view: RegionalView, metric: str) -> go.Figure:
    names = metric_names(view.measures)
    t = view.monthly
    fig = go.Figure(go.Scatter(x=t["month"], y=t[metric], mode="lines+markers", name="All stations",
                               line={"color": "#14324f", "width": 2.5}, connectgaps=False,
                               marker=_partial_markers(view, t["month"], "#14324f"),
                               customdata=t["declarations"],
                               hovertemplate=f"%{{x|%b %Y}}<br>{esc(names[metric])}: "
                                             f"%{{y{_hover_format(view, metric)}}}"
                                             "<br>%{customdata:,d} declarations<extra></extra>"))
    _trend_layout(fig, view, metric)
    return fig


def corridor_figure(view: RegionalView, metric: str) -> go.Figure:
    c = view.corridors
    if not len(c):
        return empty_figure("No transit declarations in this selection.")
    fig = go.Figure()
    colours = corridor_colours(view)
    for code, rows in c.groupby("route_code", sort=True):
        name = rows["route_name"].iloc[0]
        colour = colours.get(code, "#6c757d")
        fig.add_trace(go.Scatter(x=rows["month"], y=rows[metric], mode="lines+markers", name=esc(name),
                                 line={"color": colour, "width": 2},
                                 marker=_partial_markers(view, rows["month"], colour),
                                 customdata=rows["declarations"],
                                 hovertemplate=f"{esc(name)}: %{{y{_hover_format(view, metric)}}} "
                                               "(%{customdata:,d} GDs)<extra></extra>"))
    _trend_layout(fig, view, metric)
    fig.update_layout(legend={"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top", "font": {"size": 10}})
    return fig


def _hover_format(view: RegionalView, metric: str) -> str:
    if metric == "hit_rate" or (metric == "risk_mean" and view.measures.risk == "red_channel"):
        return ":.1%"
    if metric == "risk_mean":
        return ":.3f"
    if metric == "recovered_duty_usd":
        return ":$,.0f"
    return ":,d"


def _partial_markers(view: RegionalView, months: pd.Series, colour: str) -> dict:
    """Hollow markers on months the data covers only in part."""
    partial = months.isin(view.partial).to_numpy()
    return {"size": 7, "color": np.where(partial, "#ffffff", colour).tolist(),
            "line": {"color": colour, "width": 1.5}, "symbol": "circle"}


def _trend_layout(fig: go.Figure, view: RegionalView, metric: str) -> None:
    names = metric_names(view.measures)
    if metric == "risk_mean" and view.warming:
        # Risk scores lean on traders' histories, which the store's first months
        # do not have yet: a rise there is the history filling in, not more fraud.
        fig.add_vrect(x0=view.warming[0] - pd.Timedelta(days=15), x1=view.warming[-1] + pd.Timedelta(days=15),
                      fillcolor="#adb5bd", opacity=0.25, line_width=0, layer="below",
                      annotation_text="histories still building up: not comparable",
                      annotation_position="top left", annotation_font={"size": 10, "color": "#495057"})
    fig.update_layout(
        margin={"l": 8, "r": 8, "t": 30, "b": 8}, plot_bgcolor="#fff", paper_bgcolor="#fff",
        hovermode="x unified" if len(fig.data) > 1 else "closest",
        xaxis={"tickformat": "%b %Y", "gridcolor": "#eef0f2", "automargin": True, "dtick": "M2"},
        yaxis={**_trend_axis(view, metric), "gridcolor": "#eef0f2", "automargin": True,
               "title": {"text": esc(names[metric]), "font": {"size": 11}}})


def kpis(view: RegionalView) -> dbc.Row:
    t, m = view.totals, view.measures
    examined, findings = int(t["examined"]), int(t["discrepancies"] + t["seizures"])
    cards = [
        ("Declarations", f"{view.selected:,}", f"of {view.total:,} in the store"),
        ("Examined", f"{examined:,}", f"{examined / view.selected:.1%} of selected" if view.selected else ""),
        ("Discrepancies", f"{int(t['discrepancies']):,}", ""),
        ("Seizures", f"{int(t['seizures']):,}", ""),
        ("Findings per examination", f"{findings / examined:.1%}" if examined else "–", ""),
        (m.recovered_label, usd(t["recovered_duty_usd"]), ""),
        (m.risk_label, risk_text(m, float(t["risk_mean"])), "mean over the selection"),
    ]
    return dbc.Row([dbc.Col(dbc.Card(dbc.CardBody([
        html.Div(title, className="kpi-title"), html.Div(value, className="kpi-value"),
        html.Div(sub, className="kpi-sub")], className="p-2")), className="kpi", xs=6, md=3, xl=True)
        for title, value, sub in cards], className="g-2")


# ---- callbacks ------------------------------------------------------------------
def period_marks(months: list[pd.Timestamp], most: int = 6) -> dict:
    """Slider marks: the first and last month and evenly spaced ones between,
    never two so close that their labels collide.

    >>> list(period_marks(list(pd.date_range("2025-01-01", periods=16, freq="MS"))))
    [0, 3, 6, 9, 12, 15]
    """
    if not months:
        return {}
    step = max(1, math.ceil((len(months) - 1) / (most - 1)))
    keep = [i for i in range(0, len(months), step)]
    if keep[-1] != len(months) - 1:
        if len(months) - 1 - keep[-1] < step / 2 and len(keep) > 1:
            keep[-1] = len(months) - 1
        else:
            keep.append(len(months) - 1)
    return {i: {"label": months[i].strftime("%b %y"), "style": {"fontSize": "11px", "whiteSpace": "nowrap"}}
            for i in keep}


class Views:
    """The managers' figures for one choice of filters, shared by the tab's
    small callbacks: the store is read once per snapshot (a Neo4j server, at
    most once a ``ttl``), and each choice of filters aggregated once, however
    many callbacks draw from it at the same moment."""

    def __init__(self, holder, ttl: float = 60.0, kept: int = 16):
        self.holder, self.ttl, self.kept = holder, ttl, kept
        self._inputs: tuple | None = None      # (key, inputs, the store's months)
        self._views: dict[tuple, object] = {}  # (inputs key, filters) -> view or message
        self._lock = threading.Lock()

    def _key(self, store) -> tuple:
        # A snapshot is immutable: its identity is its data. A server store may change under us.
        return (id(store),) if getattr(store, "snapshot", False) else (id(store), int(time.monotonic() // self.ttl))

    def inputs(self):
        """(key, RegionalInputs, months) of the current store, read once per snapshot."""
        def read(store):
            key = self._key(store)
            with self._lock:
                if self._inputs is None or self._inputs[0] != key:
                    inputs = read_regional_inputs(store)
                    self._inputs = (key, inputs, month_range(prepare(inputs.declarations)))
                    self._views.clear()
                return self._inputs
        return self.holder.call(read)

    def months(self) -> list[pd.Timestamp]:
        """The store's months (an unreachable store has none)."""
        try:
            return self.inputs()[2]
        except self.holder.errors:
            return []

    def view(self, period, gd_types, channels, outcomes, known_months=None) -> "Chosen":
        """The period's months, the chosen ones and the view; or a message to show
        instead. A period chosen among other months than the store's now
        (``known_months``: new data, or a first visit) is the whole period."""
        try:
            key, inputs, months = self.inputs()
        except self.holder.errors as exc:
            return Chosen(message=f"Store unreachable: {exc}", colour="danger")
        if [m.strftime("%Y-%m") for m in months] != (known_months or []):
            period = None
        wanted = (key, tuple(period or ()), tuple(gd_types or ()), tuple(channels or ()), tuple(outcomes or ()))
        with self._lock:
            if wanted in self._views:
                return self._views[wanted]
            if not months:
                chosen = Chosen(message="No declarations yet: run `nigah ingest DIR` to load some.",
                                colour="secondary")
            else:
                lo, hi = (0, len(months) - 1) if not period else (max(0, min(period)), min(len(months) - 1, max(period)))
                since, until = months[lo], months[hi] + pd.offsets.MonthEnd(0)
                chosen = Chosen(months=months, lo=lo, hi=hi, view=regional_view(
                    inputs, since.date(), until.date(), gd_types or [], channels or [], outcomes or []))
            if len(self._views) >= self.kept:
                self._views.pop(next(iter(self._views)))
            self._views[wanted] = chosen
            return chosen


@dataclass
class Chosen:
    """What one choice of filters gives: the months and the view, or a message."""
    months: list = field(default_factory=list)
    lo: int = 0
    hi: int = 0
    view: RegionalView | None = None
    message: str | None = None
    colour: str = "secondary"


FILTER_INPUTS = ("regional-period", "regional-gd-type", "regional-channel", "regional-outcome")


def register(app, holder, tab_id: str = "regional") -> None:
    views = Views(holder)
    filters = [Input("tabs", "active_tab")] + [Input(f, "value") for f in FILTER_INPUTS] + [
        Input("regional-months", "data")]

    def chosen_for(active, *values) -> Chosen:
        if active != tab_id:
            raise PreventUpdate
        return views.view(*values)

    @app.callback(Output("regional-period", "min"), Output("regional-period", "max"),
                  Output("regional-period", "marks"), Output("regional-period", "value"),
                  Output("regional-period", "disabled"), Output("regional-period-text", "children"),
                  Output("regional-months", "data"),
                  Input("tabs", "active_tab"), Input("regional-period", "value"), State("regional-months", "data"))
    def period(active, value, known_months):
        """The period slider: the store's months; all of them on a first visit or when the data has new ones."""
        if active != tab_id:
            raise PreventUpdate
        months = views.months()
        if not months:
            return 0, 0, {0: " "}, [0, 0], True, "", []
        keys = [m.strftime("%Y-%m") for m in months]
        if keys != known_months or not value:
            value = [0, len(months) - 1]
        lo, hi = max(0, min(value)), min(len(months) - 1, max(value))
        return (0, len(months) - 1, period_marks(months), [lo, hi], False,
                f"{months[lo]:%b %Y} – {months[hi]:%b %Y}", keys)

    @app.callback(Output("regional-status", "children"), Output("regional-kpis", "children"),
                  Output("regional-metric", "options"), Output("regional-notes", "children"), *filters)
    def summary(*args):
        chosen = chosen_for(*args)
        m = chosen.view.measures if chosen.view else Measures("red_channel", "duty_on_findings")
        options = [{"label": v, "value": k} for k, v in metric_names(m).items()]
        if chosen.message:
            return dbc.Alert(chosen.message, color=chosen.colour, className="py-2 mb-0"), None, options, None
        view = chosen.view
        status = None if view.selected else dbc.Alert(
            "No declarations match these filters: widen the period or tick more boxes.",
            color="warning", className="py-2 mb-0")
        notes = [html.Div(view.measures.risk_note), html.Div(view.measures.recovered_note),
                 html.Div("Corridors: transit declarations by their declared route; "
                          "the map's lines follow each corridor's stations in order.")]
        return status, kpis(view), options, notes

    @app.callback(Output("regional-map", "figure"), Output("regional-map-note", "children"), *filters)
    def station_map(*args):
        chosen = chosen_for(*args)
        if chosen.message:
            return outline_figure(chosen.message), ""
        return map_figure(chosen.view, tile_url()), map_legend(chosen.view)

    @app.callback(Output("regional-heatmap", "figure"), Output("regional-heatmap-title", "children"),
                  Output("regional-heatmap-note", "children"), *filters, Input("regional-metric", "value"))
    def heatmap(*args):
        chosen, metric = chosen_for(*args[:-1]), args[-1]
        if chosen.message:
            return empty_figure(chosen.message), "Stations by month", ""
        names = metric_names(chosen.view.measures)
        metric = metric if metric in names else "risk_mean"
        title = f"Stations by month: {names[metric].lower() if metric != 'risk_mean' else names[metric]}"
        if not chosen.view.selected:
            return empty_figure("No declarations match these filters."), title, ""
        return heatmap_figure(chosen.view, metric), title, heat_note(chosen.view, metric)

    @app.callback(Output("regional-trend", "figure"), Output("regional-corridors", "figure"),
                  *filters, Input("regional-metric", "value"))
    def trends(*args):
        chosen, metric = chosen_for(*args[:-1]), args[-1]
        if chosen.message or not chosen.view.selected:
            nothing = empty_figure(chosen.message or "No declarations match these filters.")
            return nothing, nothing
        metric = metric if metric in metric_names(chosen.view.measures) else "risk_mean"
        return trend_figure(chosen.view, metric), corridor_figure(chosen.view, metric)
