"""An HTML case report: a picture of the case graph, the entity table with the
reasons behind every score, the analyst's notes and the relationships.

Self-contained (inline SVG and CSS, no scripts, nothing fetched), so it opens
on an air-gapped machine, prints to PDF from any browser, and can be mailed.
Every value from the data is escaped: names show as typed, never as markup.
"""
from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import networkx as nx

from nigah.graph.export.common import caption
from nigah.graph.model import Subgraph
from nigah.graph.schema import REASON_SEPARATOR, SCHEMA, provenance_text

SCORES = SCHEMA.scores
# Each score's reasons, then why records were taken for one party.
REASONS = tuple(p.explained_by for p in map(SCHEMA.score, SCORES) if p.explained_by) + ("party_reasons",)


def picture(graph: Subgraph, width: int = 900, height: int = 560) -> str:
    """The case graph as an inline SVG (a spring layout, seeded so it is stable)."""
    g = nx.Graph()
    g.add_nodes_from(n.id for n in graph.nodes)
    g.add_edges_from((e.source, e.target) for e in graph.edges)
    pos = nx.spring_layout(g, seed=7) if len(g) else {}
    sx = lambda x: 40 + (x + 1) / 2 * (width - 80)  # noqa: E731
    sy = lambda y: 30 + (y + 1) / 2 * (height - 60)  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="case graph">']
    for e in graph.edges:
        (x1, y1), (x2, y2) = pos[e.source], pos[e.target]
        parts.append(f'<line x1="{sx(x1):.1f}" y1="{sy(y1):.1f}" x2="{sx(x2):.1f}" y2="{sy(y2):.1f}" '
                     f'stroke="#adb5bd" stroke-width="1"><title>{html.escape(e.type)}</title></line>')
    for n in graph.nodes:
        x, y = pos[n.id]
        score = max([float(n.properties[s]) for s in SCORES if n.properties.get(s) is not None] or [0.0])
        r = 6 + 10 * min(max(score, 0.0), 1.0)
        colour = SCHEMA.nodes[n.label].colour if n.label in SCHEMA.nodes else "#999"
        label = html.escape(caption(n)[:28])
        parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="{r:.1f}" fill="{colour}" stroke="#333" '
                     f'stroke-width="0.5"><title>{html.escape(n.id)}</title></circle>'
                     f'<text x="{sx(x) + r + 2:.1f}" y="{sy(y) + 3:.1f}" font-size="10">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_report(graph: Subgraph, title: str = "Case report", notes: dict | None = None) -> str:
    notes = notes or {}
    esc = html.escape
    rows = []
    ordered = sorted(graph.nodes, key=lambda n: -max([float(n.properties[s]) for s in SCORES
                                                      if n.properties.get(s) is not None] or [0.0]))
    for n in ordered:
        scores = ", ".join(f"{SCHEMA.score(s).title} {float(n.properties[s]):.2f}" for s in SCORES
                           if n.properties.get(s) is not None)
        reasons = "".join(f"<li>{esc(r)}</li>" for key in REASONS if n.properties.get(key)
                          for r in str(n.properties[key]).split(REASON_SEPARATOR))
        where = provenance_text(n.properties)
        rows.append(f"<tr><td>{esc(n.label)}</td><td>{esc(n.key)}</td><td>{esc(caption(n))}</td>"
                    f"<td>{esc(scores)}</td><td><ul>{reasons}</ul></td><td>{esc(notes.get(n.id, ''))}</td>"
                    f"<td>{esc(where)}</td></tr>")
    links = "".join(f"<tr><td>{esc(e.source)}</td><td>{esc(e.type)}</td><td>{esc(e.target)}</td></tr>"
                    for e in graph.edges)
    made = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;color:#212529}}table{{border-collapse:collapse;width:100%;
font-size:12px}}td,th{{border:1px solid #dee2e6;padding:4px;vertical-align:top;text-align:left}}
th{{background:#f1f3f5}}ul{{margin:0;padding-left:1.2em}}h1{{font-size:20px}}h2{{font-size:16px}}</style>
</head><body>
<h1>{esc(title)}</h1>
<p>Nigah case report, made {made}: {len(graph.nodes)} entities, {len(graph.edges)} relationships{
' (cut short by a cap)' if graph.truncated else ''}.</p>
{picture(graph)}
<h2>Entities, highest risk first</h2>
<table><tr><th>kind</th><th>key</th><th>name</th><th>scores</th><th>reasons</th><th>note</th><th>source</th></tr>
{''.join(rows)}</table>
<h2>Relationships</h2>
<table><tr><th>from</th><th>relationship</th><th>to</th></tr>{links}</table>
</body></html>
"""


def write_report(graph: Subgraph, path: Path | str, title: str = "Case report", notes: dict | None = None) -> list[Path]:
    path = Path(path)
    path.write_text(render_report(graph, title, notes), encoding="utf-8")
    return [path]
