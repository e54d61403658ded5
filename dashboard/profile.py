"""The entity profile: attributes, provenance, scores with their reasons,
community, party, detail history, a timeline, and for a transit movement its
corridor with the flagged legs."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from nigah.dashboard.figures import esc
from nigah.dashboard.maps import outline_figure
from nigah.graph.export.common import caption
from nigah.graph.model import Node
from nigah.graph.schema import PROVENANCE, REASON_SEPARATOR, SCHEMA, node_id, provenance_text, when
from nigah.graph.store import GraphStore


def _badge(label: str) -> dbc.Badge:
    return dbc.Badge(label, className="me-2", style={"backgroundColor": SCHEMA.node(label).colour})


def _scores(node: Node) -> list:
    out = []
    for prop in SCHEMA.scores:
        value, score = node.properties.get(prop), SCHEMA.score(prop)
        if value is None:
            continue
        colour = "danger" if value >= score.flag_at else "warning" if value >= 0.2 else "success"
        # a stated scale: a score alone ("1.00") says nothing of what the top is
        badges = [html.Span(f"{score.title}: "), dbc.Badge(f"{value:.2f}", color=colour,
                                                           title=f"0 = nothing seen, 1 = certain; flagged from "
                                                                 f"{score.flag_at:.2f}"),
                  html.Span(f" of 1{' · flagged' if value >= score.flag_at else ''}",
                            className="small text-muted score-scale")]
        if prop == "risk" and node.properties.get("risk_channel"):
            channel = node.properties["risk_channel"]
            badges.append(dbc.Badge(f"{channel} channel", className="ms-2", id="profile-channel",
                                    color={"red": "danger", "yellow": "warning"}.get(channel, "success")))
            if node.properties.get("risk_selection") == "random":   # its outcome is an unbiased label
                badges.append(dbc.Badge(SCHEMA.prop("Declaration", "risk_selection").value_titles["random"],
                                        className="ms-2", color="secondary", id="profile-selection"))
        out.append(html.Div(badges, className="mb-1"))
        reasons = node.properties.get(score.explained_by) if score.explained_by else None
        if reasons:
            # the records are kept on the labels that have them (a Declaration's, not a Trader's)
            evidenced_by = SCHEMA.prop(node.label, prop).evidenced_by
            records = node.properties.get(evidenced_by) if evidenced_by else None
            out.append(html.Ul([_reason(r, e) for r, e in zip(reasons.split(REASON_SEPARATOR), _records(records))],
                               className="small reasons mb-2", id=f"profile-{score.explained_by.replace('_', '-')}"))
    flag = node.properties.get("unit_value_flag")
    if flag:  # the detector on its own, whatever the model made of it
        flag = SCHEMA.prop("Declaration", "unit_value_flag").value_titles.get(flag, flag)
        out.append(html.Div([html.Span("Unit value: "), dbc.Badge(flag, color="danger"),
                             html.Span(node.properties.get("unit_value_reasons") or "", className="small ms-2")],
                            className="mb-1", id="profile-unit-value"))
    if node.properties.get("community") is not None:
        role = node.properties.get("community_role")
        out.append(html.Div(f"Community {node.properties['community']}" + (f" · {role}" if role else ""),
                            className="small mb-1"))
    if node.properties.get("party_reasons"):
        out.append(html.Div([html.Strong("Same party as other records:", className="small"), html.Ul(
            [html.Li(r) for r in node.properties["party_reasons"].split(REASON_SEPARATOR)], className="small")]))
    return out


def _records(text: str | None):
    """The reasons' records (``risk_evidence``), one per line; endless Nones without them."""
    import itertools
    import json

    for line in (text or "").split(REASON_SEPARATOR) if text else ():
        try:
            yield json.loads(line) if line else None
        except ValueError:
            yield None
    yield from itertools.repeat(None)


def _reason(text: str, record: dict | None) -> html.Li:
    """A reason; where its evidence is about an entity, a link that opens it."""
    entity = record.get("entity") if isinstance(record, dict) else None
    shown = html.Span(text, className="reason-text")
    if not entity:
        return html.Li(shown)
    return html.Li([shown, " ", html.A("open", href="#", n_clicks=0, className="ms-1 reason-link",
                                       id={"type": "hit", "nid": entity}, title=f"open {entity}")])


def profile(store: GraphStore, node: Node) -> html.Div:
    spec = SCHEMA.node(node.label)
    rows = [html.Tr([html.Th(spec.properties[k].title if k in spec.properties else k), html.Td(str(v))])
            for k, v in node.properties.items()
            if k not in PROVENANCE and not (k in spec.properties and spec.properties[k].hidden)]
    where = provenance_text(node.properties)
    provenance = f"from {where}" if where else "no provenance recorded"
    history = store.history(node.id)
    parts = [
        html.H6([_badge(node.label), caption(node)], id="profile-title"),
        html.Div(provenance, className="small text-muted mb-2", id="profile-provenance"),
        *_scores(node),
        dbc.Table(html.Tbody(rows), size="sm", className="props-table mb-2"),
    ]
    if history:
        parts.append(html.Div([html.Strong("Earlier details", className="small"), html.Ul([
            html.Li(f"{spec.properties[h['property']].title if h['property'] in spec.properties else h['property']}: {h['old_value']} → {h.get('new_value') or '(none)'} "
                    f"(changed {when(h.get('changed_at'))} by {h.get('source_file')} row {h.get('source_row')})")
            for h in history], className="small")]))
    return html.Div(parts)


def timeline_figure(store: GraphStore, node: Node) -> go.Figure | None:
    """Declarations (and checkpoint scans) of an entity over time."""
    around = store.neighbourhood([node.id], hops=1, limit=2000, labels=["Declaration", "Station"])
    decl = [n for n in around.nodes if n.label == "Declaration" and n.id != node.id]
    scans = [e for e in around.edges if e.type == "SCANNED_AT"]
    if not decl and not scans:
        return None
    fig = go.Figure()
    if decl:
        outcome = SCHEMA.prop("Declaration", "inspection_outcome")   # names and colours: the schema's
        frame = pd.DataFrame([{"date": n.properties.get("date"), "value": n.properties.get("declared_value_usd", 0),
                               "gd": n.key, "nid": n.id, "outcome": n.properties.get("inspection_outcome") or "missing"}
                              for n in decl])
        for value in [*outcome.values, "missing"]:
            part = frame[frame["outcome"] == value]
            if part.empty:
                continue
            fig.add_trace(go.Scatter(
                x=pd.to_datetime(part["date"]), y=part["value"], mode="markers",
                name=outcome.value_titles.get(value, "not examined"), customdata=part["nid"],
                marker={"color": outcome.colours.get(value), "size": 8},
                text=[esc(g) for g in part["gd"]], hovertemplate="%{text}<br>%{x|%d %b %Y}"
                "<br>USD %{y:,.0f}<extra></extra>"))
    if scans:
        times = pd.to_datetime([e.properties.get("scanned_at") for e in scans])
        fig.add_trace(go.Scatter(x=times, y=[0] * len(times), mode="markers", name="checkpoint scans",
                                 marker={"symbol": "line-ns-open", "size": 12}))
    fig.update_layout(height=220, margin={"l": 40, "r": 10, "t": 10, "b": 30}, legend={"orientation": "h"},
                      yaxis_title="declared USD", plot_bgcolor="#fff")
    return fig


def movement_figure(store: GraphStore, node: Node) -> go.Figure | None:
    """A transit GD's declared corridor, where its vehicle was scanned, and the flagged legs."""
    p = node.properties
    route, vehicle = p.get("route_code"), p.get("vehicle_registration")
    if p.get("gd_type") != "transit" or not route:
        return None
    stops = store.subgraph([node_id("Route", route)] + [node_id("Station", s.key) for s in store.neighbourhood(
        [node_id("Route", route)], hops=1, rel_types=["PASSES_THROUGH"]).nodes if s.label == "Station"],
        rel_types=["PASSES_THROUGH"])
    stations = {n.key: n for n in stops.nodes if n.label == "Station"}
    order = sorted((e for e in stops.edges), key=lambda e: e.properties.get("seq", 0))
    corridor = [e.target.split(":", 1)[1] for e in order]
    scans = []
    if vehicle:
        seen = store.neighbourhood([node_id("Vehicle", vehicle)], hops=1, rel_types=["SCANNED_AT"], limit=5000)
        scans = sorted((e for e in seen.edges if e.properties.get("gd_number") == node.key),
                       key=lambda e: e.properties["scanned_at"])
        stations |= {n.key: n for n in seen.nodes if n.label == "Station"}
    reasons = (p.get("diversion_reasons") or "")
    fig = outline_figure()
    lon = [stations[c].properties.get("lon") for c in corridor if c in stations]
    lat = [stations[c].properties.get("lat") for c in corridor if c in stations]
    fig.add_trace(go.Scatter(x=lon, y=lat, mode="lines+markers", name="declared corridor",
                             line={"color": "#adb5bd", "width": 6}, marker={"size": 9, "color": "#6c757d"},
                             text=[esc(stations[c].properties.get("name")) for c in corridor if c in stations],
                             hovertemplate="%{text}<extra>corridor</extra>"))
    path = [e.target.split(":", 1)[1] for e in scans]
    for a, b, ea, eb in zip(path, path[1:], scans, scans[1:]):
        na, nb = stations.get(a), stations.get(b)
        if not na or not nb:
            continue
        flagged = b not in corridor or a not in corridor or (
            esc(na.properties.get("name")) in reasons and esc(nb.properties.get("name")) in reasons)
        hours = (pd.Timestamp(eb.properties["scanned_at"]) - pd.Timestamp(ea.properties["scanned_at"])) / \
            pd.Timedelta(hours=1)
        fig.add_trace(go.Scatter(
            x=[na.properties.get("lon"), nb.properties.get("lon")], y=[na.properties.get("lat"), nb.properties.get("lat")],
            mode="lines", line={"color": "#d62728" if flagged else "#1f77b4", "width": 4 if flagged else 2.5},
            name="flagged leg" if flagged else "leg", showlegend=False,
            hovertemplate=f"{esc(na.properties.get('name'))} → {esc(nb.properties.get('name'))}: {hours:.0f} h"
                          "<extra></extra>"))
    if scans:
        fig.add_trace(go.Scatter(
            x=[stations[s].properties.get("lon") for s in path if s in stations],
            y=[stations[s].properties.get("lat") for s in path if s in stations], mode="markers+text",
            marker={"size": 11, "color": ["#d62728" if s not in corridor else "#1f77b4" for s in path]},
            text=[esc(stations[s].properties.get("name")) for s in path if s in stations], textposition="top right",
            name="scans", hovertemplate="%{text}<extra>scan</extra>"))
    fig.update_layout(height=360, showlegend=False)
    return fig


def graphs(store: GraphStore, node: Node) -> list:
    out = []
    movement = movement_figure(store, node)
    if movement is not None:
        out += [html.Div("Movement on its corridor (red: flagged legs and off-corridor scans)",
                         className="small text-muted"), dcc.Graph(figure=movement, id="movement-map",
                                                                  config={"displaylogo": False})]
    timeline = timeline_figure(store, node)
    if timeline is not None:
        out += [html.Div("Timeline", className="small text-muted"),
                html.Div("Zoom the timeline to narrow the canvas's time window; click a GD to select it there.",
                         className="small text-muted"),
                dcc.Graph(figure=timeline, id={"type": "timeline", "nid": node.id}, config={"displaylogo": False})]
    return out
