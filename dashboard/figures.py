"""What every chart of the dashboard shares: text from the data escaped for
Plotly (which reads a subset of HTML in its text: a name must show as typed),
an empty chart with a message, money and risk in words, the chart toolbar."""
from __future__ import annotations

import html as html_text
import math

import plotly.graph_objects as go

from nigah.analytics.regional import Measures

GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"],
                "toImageButtonOptions": {"scale": 2}}


def esc(value) -> str:
    """Text from the data, for Plotly: shown as written, never read as HTML."""
    return html_text.escape("" if value is None or (isinstance(value, float) and math.isnan(value))
                            else str(value), quote=False)


# ---- figures -------------------------------------------------------------------
def empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=esc(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 14, "color": "#6c757d"})
    fig.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, plot_bgcolor="#fff",
                      paper_bgcolor="#fff", margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig


def usd(value: float) -> str:
    value = float(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"${value / limit:,.1f}{suffix}"
    return f"${value:,.0f}"


def risk_text(m: Measures, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.1%}" if m.risk == "red_channel" else f"{value:.2f}"
