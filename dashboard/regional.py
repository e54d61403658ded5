"""The managers' view, "Regional risk": stations and corridors on a map of
Pakistan, a station × month heatmap, monthly trends, and filters.

The map is drawn without tiles, from the small Natural Earth outline in
``geo/`` (see its README), as plain Plotly scatter traces on lon/lat axes, so
it renders air-gapped. ``NIGAH_TILE_URL`` (an XYZ raster URL such as
``http://tiles.local/{z}/{x}/{y}.png``) switches to a tiled map from that
server instead. Every name from the data is escaped before Plotly sees it:
Plotly reads a subset of HTML in its text, a name must show as typed.
"""
from __future__ import annotations

import html as html_text
import json
import math
import os
from functools import lru_cache
from pathlib import Path

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from nigah.analytics.regional import (CHANNELS, GD_TYPES, NOT_EXAMINED, OUTCOMES, RATES, Measures, RegionalView,
                                heatmap_grid, month_range, prepare, read_regional_inputs, regional_view)
from nigah.graph.schema import SCHEMA

GEOMETRY = Path(__file__).with_name("geo") / "pakistan.geojson"
VIEW_LON, VIEW_LAT = (60.4, 78.0), (23.3, 37.3)
ASPECT = 1 / math.cos(math.radians(30))  # plate carrée true to scale at 30° N, mid-Pakistan
SEA, LAND, NEIGHBOUR, BORDER = "#dce8f2", "#ffffff", "#eef0f2", "#8a96a3"
CORRIDOR_COLOURS = ["#1b7f79", "#7b3294", "#e08214", "#2166ac", "#b2182b", "#4d9221"]
RISK_SCALE = "YlOrRd"
GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"],
                "toImageButtonOptions": {"scale": 2}}
OUTCOME_NAMES = {NOT_EXAMINED: "not examined", **SCHEMA.prop("Declaration", "inspection_outcome").value_titles}


def esc(value) -> str:
    """Text from the data, for Plotly: shown as written, never read as HTML."""
    return html_text.escape("" if value is None or (isinstance(value, float) and math.isnan(value))
                            else str(value), quote=False)


def metric_names(m: Measures) -> dict[str, str]:
    return {"risk_mean": m.risk_label, "seizures": "Seizures", "discrepancies": "Discrepancies",
            "recovered_duty_usd": m.recovered_label, "declarations": "Declarations",
            "hit_rate": "Findings per examination"}


def tile_url() -> str | None:
    return os.environ.get("NIGAH_TILE_URL") or None


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


# ---- figures -------------------------------------------------------------------
def empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=esc(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 14, "color": "#6c757d"})
    fig.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, plot_bgcolor="#fff",
                      paper_bgcolor="#fff", margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig


@lru_cache(maxsize=1)
def geometry() -> dict:
    return json.loads(GEOMETRY.read_text(encoding="utf-8"))


def _outline(feature: dict) -> tuple[list, list]:
    lon, lat = [], []
    for polygon in feature["geometry"]["coordinates"]:
        for ring in polygon:
            lon += [p[0] for p in ring] + [None]
            lat += [p[1] for p in ring] + [None]
    return lon, lat


# Label placement works in screen pixels at the scale the map is usually drawn at.
PX_PER_DEGREE = 34.0
CHAR_PX, LINE_PX = 5.8, 13.0
# Candidate label centres around a marker: (dx, dy) in units of (half box width + r, half box height + r).
_AROUND = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)]


def _overlap(a, b) -> float:
    """Overlap area of two boxes (x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def place_labels(lon, lat, radius, texts) -> list[tuple[float, float]]:
    """Pixel offsets (ax, ay; ay down, as Plotly's annotations take them) of a
    label per station, greedy in the order given (the busiest first): each takes
    the first spot around its marker, near or, failing that, further out with a
    leader line, that overlaps no marker or label placed before it.

    >>> place_labels([70.0, 70.1], [30.0, 30.0], [5, 5], ["A", "B"])
    [(-10.9, 0.0), (10.9, 0.0)]
    """
    x = (np.asarray(lon, float) - VIEW_LON[0]) * PX_PER_DEGREE
    y = (np.asarray(lat, float) - VIEW_LAT[0]) * PX_PER_DEGREE * ASPECT
    width, height = (VIEW_LON[1] - VIEW_LON[0]) * PX_PER_DEGREE, (VIEW_LAT[1] - VIEW_LAT[0]) * PX_PER_DEGREE * ASPECT
    markers = [(x[i] - r, y[i] - r, x[i] + r, y[i] + r) for i, r in enumerate(radius)]
    placed, out = [], []
    for i, text in enumerate(texts):
        hw, hh, r = CHAR_PX * len(text) / 2 + 1, LINE_PX / 2, float(radius[i]) + 2
        best = None
        for reach in (1.0, 2.2, 3.4):
            for ux, uy in _AROUND:
                dx, dy = ux * (hw + r * reach), uy * (hh + r * reach)
                if reach > 1:
                    dx, dy = dx + ux * 10 * reach, dy + uy * 8 * reach
                box = (x[i] + dx - hw, y[i] + dy - hh, x[i] + dx + hw, y[i] + dy + hh)
                cost = sum(_overlap(box, m) for j, m in enumerate(markers) if j != i) + \
                    sum(_overlap(box, b) for b in placed) * 2
                cost += 1e4 * (box[0] < 0 or box[2] > width or box[1] < 0 or box[3] > height)
                if best is None or cost < best[0] - 1e-9:
                    best = (cost, dx, dy, box)
            if best[0] == 0:
                break
        _, dx, dy, box = best
        placed.append(box)
        out.append((round(float(dx), 1) + 0.0, round(float(-dy), 1) + 0.0))
    return out


def _add_labels(fig: go.Figure, st: pd.DataFrame, radius: pd.Series) -> None:
    texts = [_short(n) or str(c) for n, c in zip(st["name"], st["code"])]
    for (ax, ay), r, text, lon_, lat_ in zip(place_labels(st["lon"], st["lat"], radius, texts), radius, texts,
                                              st["lon"], st["lat"]):
        far = math.hypot(ax, ay) > CHAR_PX * len(text) / 2 + r + LINE_PX
        fig.add_annotation(x=lon_, y=lat_, ax=ax, ay=ay, text=esc(text), showarrow=True, arrowhead=0,
                           arrowwidth=0.8, arrowcolor="#6c757d" if far else "rgba(0,0,0,0)",
                           standoff=float(r), font={"size": 10, "color": "#212529"},
                           bgcolor="rgba(255,255,255,.6)" if far else None, borderpad=0)


def _short(name, most: int = 24) -> str:
    """A station's name without its bracketed detail, at most ``most`` characters,
    for labels (hover texts give the whole name).

    >>> _short("Karachi Port (West Wharf)"), _short("A very long station name indeed, really")
    ('Karachi Port', 'A very long station name…')
    """
    text = "" if name is None or (isinstance(name, float) and math.isnan(name)) else str(name)
    text = text.split(" (")[0].strip()
    return text if len(text) <= most else text[:most].rstrip() + "…"


def _usd(value: float) -> str:
    value = float(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"${value / limit:,.1f}{suffix}"
    return f"${value:,.0f}"


def _risk_text(m: Measures, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.1%}" if m.risk == "red_channel" else f"{value:.2f}"


def _station_hover(view: RegionalView, st: pd.DataFrame) -> list[str]:
    m = view.measures
    return [f"<b>{esc(r['name'])}</b> ({esc(r['code'])})<br>{int(r['declarations']):,} declarations, "
            f"{int(r['examined']):,} examined<br>{int(r['seizures']):,} seizures, "
            f"{int(r['discrepancies']):,} discrepancies<br>{esc(m.recovered_label)}: {_usd(r['recovered_duty_usd'])}"
            f"<br>{esc(m.risk_label)}: {_risk_text(m, r['risk_mean'])}" for _, r in st.iterrows()]


def outline_figure(message: str | None = None) -> go.Figure:
    """Pakistan and its neighbours, untiled, on lon/lat axes of equal scale."""
    fig = go.Figure()
    for feature in geometry()["features"]:
        lon, lat = _outline(feature)
        own = feature["properties"]["role"] == "country"
        fig.add_trace(go.Scatter(x=lon, y=lat, mode="lines", fill="toself", hoverinfo="skip", showlegend=False,
                                 fillcolor=LAND if own else NEIGHBOUR,
                                 line={"color": "#5f6b78" if own else BORDER, "width": 1.2 if own else 0.7}))
        if not own and feature["properties"].get("label"):
            x, y = feature["properties"]["label"]
            fig.add_annotation(x=x, y=y, text=esc(feature["properties"]["name"]).upper(), showarrow=False,
                               font={"size": 10, "color": "#8a96a3"})
    fig.update_layout(
        plot_bgcolor=SEA, paper_bgcolor="#fff", margin={"l": 4, "r": 4, "t": 4, "b": 4}, dragmode="pan",
        xaxis={"range": list(VIEW_LON), "visible": False, "constrain": "domain"},
        yaxis={"range": list(VIEW_LAT), "visible": False, "scaleanchor": "x", "scaleratio": ASPECT,
               "constrain": "domain"},
        hoverlabel={"align": "left"})
    fig.add_annotation(x=64.2, y=23.9, text="Arabian Sea", showarrow=False,
                       font={"size": 10, "color": "#6f8aa3", "style": "italic"})
    if message:
        fig.add_annotation(x=68.6, y=29.6, text=esc(message), showarrow=False, bgcolor="rgba(255,255,255,.9)",
                           font={"size": 12, "color": "#495057"}, borderpad=4)
    return fig


def map_figure(view: RegionalView, tiles: str | None = None) -> go.Figure:
    """Stations sized by declarations and coloured by mean risk; corridors as
    lines through their stations in PASSES_THROUGH order."""
    st = view.stations[view.stations["lat"].notna() & view.stations["lon"].notna()].reset_index(drop=True)
    if tiles:
        return _tile_map(view, st, tiles)
    fig = outline_figure()
    _add_corridors(fig, view, go.Scatter, "x", "y")
    _add_stations(fig, view, st, go.Scatter, "x", "y")
    return fig


def map_legend(view: RegionalView) -> html.Div:
    """The map's key, as page text: corridors by colour, what circles mean."""
    names = view.routes.set_index("code")["name"] if len(view.routes) else pd.Series(dtype=object)
    colours = corridor_colours(view)
    items = [html.Span([html.Span(className="swatch-line", style={"background": colours[code]}),
                        str(names.get(code, code))], className="me-3 text-nowrap d-inline-block")
             for code in sorted(view.corridor_paths["route_code"].unique())]
    busy = int((view.stations["declarations"] > 0).sum())
    return html.Div([
        html.Div(items),
        html.Div([html.Span(className="swatch-dot"), f"{busy} stations with declarations: circle area by declarations, "
                  f"colour by {view.measures.risk_label.lower()}; ",
                  html.Span(className="swatch-dot idle"), "no declarations in this selection."]),
    ])


def corridor_colours(view: RegionalView) -> dict[str, str]:
    """One colour per corridor, the same on the map and in the trend chart."""
    codes = sorted(set(view.routes["code"]) | set(view.corridor_paths["route_code"])) if len(view.routes) \
        else sorted(set(view.corridor_paths["route_code"]))
    return {code: CORRIDOR_COLOURS[i % len(CORRIDOR_COLOURS)] for i, code in enumerate(codes)}


def _add_corridors(fig, view: RegionalView, trace, xk: str, yk: str) -> None:
    paths = view.corridor_paths
    names = view.routes.set_index("code")["name"] if len(view.routes) else pd.Series(dtype=object)
    totals = view.corridors.groupby("route_code")[["declarations", "seizures"]].sum() \
        if len(view.corridors) else pd.DataFrame(columns=["declarations", "seizures"])
    colours = corridor_colours(view)
    for code, stops in paths.groupby("route_code", sort=True):
        name = names.get(code, code)
        n = totals.loc[code] if code in totals.index else {"declarations": 0, "seizures": 0}
        hover = (f"<b>{esc(name)}</b><br>{esc(' → '.join(stops['station_code']))}<br>"
                 f"{int(n['declarations']):,} transit GDs, {int(n['seizures']):,} seizures")
        fig.add_trace(trace(**{xk: stops["lon"].tolist(), yk: stops["lat"].tolist()}, mode="lines",
                            name=esc(name), hovertext=hover, hoverinfo="text", showlegend=False,
                            line={"color": colours[code], "width": 3.5},
                            opacity=0.75))


def marker_sizes(declarations: pd.Series) -> pd.Series:
    """Marker diameters in pixels: area grows with declarations, 8 to 30 px."""
    top = float(declarations.max()) if len(declarations) else 0.0
    if top <= 0:
        return pd.Series(7.0, index=declarations.index)
    return (8 + 22 * np.sqrt(declarations.astype(float) / top)).where(declarations > 0, 7.0).round(1)


def _add_stations(fig, view: RegionalView, st: pd.DataFrame, trace, xk: str, yk: str) -> None:
    m = view.measures
    sizes = marker_sizes(st["declarations"])
    idle = st["declarations"] == 0
    if idle.any():
        fig.add_trace(trace(**{xk: st.loc[idle, "lon"], yk: st.loc[idle, "lat"]}, mode="markers",
                            name="No GDs in selection", showlegend=False,
                            marker={"size": 7, "color": "#ffffff" if trace is go.Scatter else "#6c757d",
                                    **({"line": {"color": "#495057", "width": 1.5}} if trace is go.Scatter else {})},
                            hovertext=[f"<b>{esc(n)}</b> ({esc(c)})<br>no declarations in this selection"
                                       for n, c in zip(st.loc[idle, "name"], st.loc[idle, "code"])],
                            hoverinfo="text"))
    busy = st[~idle]
    if len(busy):
        risk = busy["risk_mean"].astype(float)
        proxy = m.risk == "red_channel"
        marker = {"size": sizes[~idle].tolist(), "color": risk.fillna(0).tolist(), "colorscale": RISK_SCALE,
                  # From 0 to the highest station, as the heatmap: where risk concentrates stands out.
                  "cmin": 0, "cmax": max(float(risk.max()) if risk.notna().any() else 0, 0.01),
                  "opacity": 0.92,
                  "colorbar": {"title": {"text": "Red-channel<br>share (proxy)" if proxy else "Mean risk",
                                         "side": "top", "font": {"size": 10}},
                               "thickness": 10, "len": 0.32, "x": 0.87, "xanchor": "left", "y": 0.03,
                               "yanchor": "bottom", "bgcolor": "rgba(255,255,255,.85)", "outlinewidth": 0,
                               "tickformat": ".0%" if proxy else ".2f", "tickfont": {"size": 10}}}
        if trace is go.Scatter:
            marker["line"] = {"color": "#343a40", "width": 0.8}
        fig.add_trace(trace(**{xk: busy["lon"], yk: busy["lat"]}, mode="markers", name="Stations",
                            showlegend=False, marker=marker, hovertext=_station_hover(view, busy),
                            hoverinfo="text"))
    if trace is go.Scatter and len(st):
        _add_labels(fig, st, sizes / 2)


def _tile_map(view: RegionalView, st: pd.DataFrame, tiles: str) -> go.Figure:
    """The same stations and corridors over raster tiles from the configured server."""
    fig = go.Figure()
    _add_corridors(fig, view, go.Scattermap, "lon", "lat")
    _add_stations(fig, view, st, go.Scattermap, "lon", "lat")
    style = {"version": 8, "sources": {"tiles": {"type": "raster", "tiles": [tiles], "tileSize": 256}},
             "layers": [{"id": "tiles", "type": "raster", "source": "tiles"}]}
    fig.update_layout(map={"style": style, "center": {"lat": 30.3, "lon": 69.3}, "zoom": 4.1},
                      margin={"l": 0, "r": 0, "t": 0, "b": 0})
    return fig


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
    rows = [f"{esc(_short(station_names.get(code)) or code)} ({esc(code)})" for code in grid.index]
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
        (m.recovered_label, _usd(t["recovered_duty_usd"]), ""),
        (m.risk_label, _risk_text(m, float(t["risk_mean"])), "mean over the selection"),
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


def register(app, holder, tab_id: str = "regional") -> None:
    outputs = [Output("regional-period", "min"), Output("regional-period", "max"),
               Output("regional-period", "marks"), Output("regional-period", "value"),
               Output("regional-period", "disabled"), Output("regional-period-text", "children"),
               Output("regional-months", "data"), Output("regional-metric", "options"),
               Output("regional-status", "children"), Output("regional-kpis", "children"),
               Output("regional-map", "figure"), Output("regional-map-note", "children"),
               Output("regional-heatmap", "figure"), Output("regional-heatmap-title", "children"),
               Output("regional-heatmap-note", "children"),
               Output("regional-trend", "figure"), Output("regional-corridors", "figure"),
               Output("regional-notes", "children")]

    @app.callback(*outputs, Input("tabs", "active_tab"), Input("regional-period", "value"),
                  Input("regional-gd-type", "value"), Input("regional-channel", "value"),
                  Input("regional-outcome", "value"), Input("regional-metric", "value"),
                  State("regional-months", "data"))
    def update(active, period, gd_types, channels, outcomes, metric, known_months):
        if active != tab_id:
            raise PreventUpdate
        try:
            inputs = holder.call(read_regional_inputs)
        except holder.errors as exc:
            return _blank(f"Store unreachable: {exc}", "danger")
        months = month_range(prepare(inputs.declarations))
        keys = [m.strftime("%Y-%m") for m in months]
        if not months:
            return _blank("No declarations yet: run `nigah ingest DIR` to load some.", "secondary")
        if keys != known_months or not period:
            period = [0, len(months) - 1]  # new data (or first visit): the whole period
        lo, hi = max(0, min(period)), min(len(months) - 1, max(period))
        since, until = months[lo], months[hi] + pd.offsets.MonthEnd(0)
        view = regional_view(inputs, since.date(), until.date(), gd_types or [], channels or [], outcomes or [])
        names = metric_names(view.measures)
        metric = metric if metric in names else "risk_mean"
        options = [{"label": v, "value": k} for k, v in names.items()]
        period_text = f"{months[lo]:%b %Y} – {months[hi]:%b %Y}"
        notes = [html.Div(view.measures.risk_note), html.Div(view.measures.recovered_note),
                 html.Div("Corridors: transit declarations by their declared route; "
                          "the map's lines follow each corridor's stations in order.")]
        map_note = map_legend(view)
        heat_title = f"Stations by month: {names[metric].lower() if metric != 'risk_mean' else names[metric]}"
        if not view.selected:
            status = dbc.Alert("No declarations match these filters: widen the period or tick more boxes.",
                               color="warning", className="py-2 mb-0")
            nothing = empty_figure("No declarations match these filters.")
            return (0, len(months) - 1, period_marks(months), [lo, hi], False, period_text, keys, options,
                    status, kpis(view), map_figure(view, tile_url()), map_note, nothing, heat_title,
                    "", nothing, nothing, notes)
        return (0, len(months) - 1, period_marks(months), [lo, hi], False, period_text, keys, options,
                None, kpis(view), map_figure(view, tile_url()), map_note, heatmap_figure(view, metric),
                heat_title, heat_note(view, metric), trend_figure(view, metric), corridor_figure(view, metric), notes)

    def _blank(message: str, colour: str):
        nothing = empty_figure(message)
        m = Measures("red_channel", "duty_on_findings")
        return (0, 0, {0: " "}, [0, 0], True, "", [], [{"label": v, "value": k} for k, v in metric_names(m).items()],
                dbc.Alert(message, color=colour, className="py-2 mb-0"), None, outline_figure(message), "", nothing,
                "Stations by month", "", nothing, nothing, None)
