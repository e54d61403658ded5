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


LABEL_CHARS = 28     # a caption's length on the picture
CHAR_WIDTH = 5.6     # of a 10 px sans-serif character, about


def picture(graph: Subgraph, width: int = 900, height: int = 560) -> str:
    """The case graph as an inline SVG (a spring layout, seeded so it is stable)
    whose view box holds every circle and caption: it scales to the page and
    nothing is cut off at the edges."""
    g = nx.Graph()
    g.add_nodes_from(n.id for n in graph.nodes)
    g.add_edges_from((e.source, e.target) for e in graph.edges)
    pos = nx.spring_layout(g, seed=7) if len(g) else {}
    sx = lambda x: (x + 1) / 2 * width  # noqa: E731
    sy = lambda y: (y + 1) / 2 * height  # noqa: E731
    # the view box: the drawing's own extent, each caption's width to its right, a margin
    xs = [sx(pos[n.id][0]) for n in graph.nodes] or [0.0]
    ys = [sy(pos[n.id][1]) for n in graph.nodes] or [0.0]
    right = max([sx(pos[n.id][0]) + 20 + min(len(caption(n)), LABEL_CHARS) * CHAR_WIDTH for n in graph.nodes]
                or [0.0])
    box = f"{min(xs) - 30:.0f} {min(ys) - 30:.0f} {right - min(xs) + 60:.0f} {max(ys) - min(ys) + 60:.0f}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="{box}" '
             f'preserveAspectRatio="xMidYMid meet" role="img" aria-label="case graph">']
    for e in graph.edges:
        (x1, y1), (x2, y2) = pos[e.source], pos[e.target]
        parts.append(f'<line x1="{sx(x1):.1f}" y1="{sy(y1):.1f}" x2="{sx(x2):.1f}" y2="{sy(y2):.1f}" '
                     f'stroke="#adb5bd" stroke-width="1"><title>{html.escape(e.type)}</title></line>')
    for n in graph.nodes:
        x, y = pos[n.id]
        score = max([float(n.properties[s]) for s in SCORES if n.properties.get(s) is not None] or [0.0])
        r = 6 + 10 * min(max(score, 0.0), 1.0)
        colour = SCHEMA.nodes[n.label].colour if n.label in SCHEMA.nodes else "#999"
        label = html.escape(caption(n)[:LABEL_CHARS])
        parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="{r:.1f}" fill="{colour}" stroke="#333" '
                     f'stroke-width="0.5"><title>{html.escape(n.id)}</title></circle>'
                     f'<text x="{sx(x) + r + 2:.1f}" y="{sy(y) + 3:.1f}" font-size="10">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def legend(graph: Subgraph) -> str:
    """What the picture's colours and sizes mean: each kind of entity in it, and the score scale."""
    kinds = sorted({n.label for n in graph.nodes if n.label in SCHEMA.nodes})
    items = "".join(f'<span class="key"><span class="dot" style="background:{SCHEMA.nodes[k].colour}"></span>'
                    f"{html.escape(SCHEMA.nodes[k].title)}</span>" for k in kinds)
    return (f'<p class="legend">{items}<span class="key">circle size: the highest risk score, '
            "from 0 (small) to 1 (large)</span></p>")


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
        kind = SCHEMA.nodes[n.label].title if n.label in SCHEMA.nodes else n.label
        rows.append(f"<tr><td>{esc(kind)}</td><td>{esc(n.key)}</td><td>{esc(caption(n))}</td>"
                    f"<td>{esc(scores)}</td><td><ul>{reasons}</ul></td><td>{esc(notes.get(n.id, ''))}</td>"
                    f"<td>{esc(where)}</td></tr>")
    named = {n.id: f"{caption(n)} ({SCHEMA.nodes[n.label].title if n.label in SCHEMA.nodes else n.label})"
             for n in graph.nodes}
    title_of = (lambda t: SCHEMA.relationships[t].title if t in SCHEMA.relationships else t)  # noqa: E731
    links = "".join(f"<tr><td>{esc(named.get(e.source, e.source))}</td><td>{esc(title_of(e.type))}</td>"
                    f"<td>{esc(named.get(e.target, e.target))}</td></tr>" for e in graph.edges)
    made = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;color:#212529}}table{{border-collapse:collapse;width:100%;
font-size:12px}}td,th{{border:1px solid #dee2e6;padding:4px;vertical-align:top;text-align:left}}
th{{background:#f1f3f5}}ul{{margin:0;padding-left:1.2em}}h1{{font-size:20px}}h2{{font-size:16px}}
.legend{{font-size:12px}}.key{{margin-right:1.2em;white-space:nowrap}}.dot{{display:inline-block;width:10px;
height:10px;border-radius:50%;margin-right:4px;vertical-align:middle}}svg{{max-height:75vh}}</style>
</head><body>
<h1>{esc(title)}</h1>
<p>Nigah case report, made {made}: {len(graph.nodes)} entities, {len(graph.edges)} relationships{
' (cut short by a cap)' if graph.truncated else ''}.</p>
{picture(graph)}
{legend(graph)}
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
