"""Maps of Pakistan's stations and transit corridors, drawn without tiles.

The map is drawn from the small Natural Earth outline in ``geo/`` (see its
README), as plain Plotly scatter traces on lon/lat axes, so it renders
air-gapped. ``NIGAH_TILE_URL`` (an XYZ raster URL such as
``http://tiles.local/{z}/{x}/{y}.png``) switches to a tiled map from that
server instead. Used by the managers' tab (stations by risk) and by a
transit GD's profile (its movement on its corridor).
"""
from __future__ import annotations

import json
import math
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import html

from nigah.analytics.regional import RegionalView
from nigah.dashboard.figures import esc, risk_text, usd

GEOMETRY = Path(__file__).with_name("geo") / "pakistan.geojson"


VIEW_LON, VIEW_LAT = (60.4, 78.0), (23.3, 37.3)


ASPECT = 1 / math.cos(math.radians(30))  # plate carrée true to scale at 30° N, mid-Pakistan


SEA, LAND, NEIGHBOUR, BORDER = "#dce8f2", "#ffffff", "#eef0f2", "#8a96a3"


CORRIDOR_COLOURS = ["#1b7f79", "#7b3294", "#e08214", "#2166ac", "#b2182b", "#4d9221"]


RISK_SCALE = "YlOrRd"


def tile_url() -> str | None:
    return os.environ.get("NIGAH_TILE_URL") or None


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
    texts = [short_name(n) or str(c) for n, c in zip(st["name"], st["code"])]
    for (ax, ay), r, text, lon_, lat_ in zip(place_labels(st["lon"], st["lat"], radius, texts), radius, texts,
                                              st["lon"], st["lat"]):
        far = math.hypot(ax, ay) > CHAR_PX * len(text) / 2 + r + LINE_PX
        fig.add_annotation(x=lon_, y=lat_, ax=ax, ay=ay, text=esc(text), showarrow=True, arrowhead=0,
                           arrowwidth=0.8, arrowcolor="#6c757d" if far else "rgba(0,0,0,0)",
                           standoff=float(r), font={"size": 10, "color": "#212529"},
                           bgcolor="rgba(255,255,255,.6)" if far else None, borderpad=0)


def short_name(name, most: int = 24) -> str:
    """A station's name without its bracketed detail, at most ``most`` characters,
    for labels (hover texts give the whole name).

    >>> short_name("Karachi Port (West Wharf)"), short_name("A very long station name indeed, really")
    ('Karachi Port', 'A very long station name…')
    """
    text = "" if name is None or (isinstance(name, float) and math.isnan(name)) else str(name)
    text = text.split(" (")[0].strip()
    return text if len(text) <= most else text[:most].rstrip() + "…"


def _station_hover(view: RegionalView, st: pd.DataFrame) -> list[str]:
    m = view.measures
    return [f"<b>{esc(r['name'])}</b> ({esc(r['code'])})<br>{int(r['declarations']):,} declarations, "
            f"{int(r['examined']):,} examined<br>{int(r['seizures']):,} seizures, "
            f"{int(r['discrepancies']):,} discrepancies<br>{esc(m.recovered_label)}: {usd(r['recovered_duty_usd'])}"
            f"<br>{esc(m.risk_label)}: {risk_text(m, r['risk_mean'])}" for _, r in st.iterrows()]


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
