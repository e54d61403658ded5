"""Exports of a case graph (a ``Subgraph``) to the formats intelligence analysts use.

One module per format, all driven by the schema (captions, colours, property
types, time properties) and all keeping every property, provenance included:

========  =====================================================  ==================
format    for                                                    module
========  =====================================================  ==================
graphml   Gephi, Cytoscape, yEd, networkx                        ``graphml``
gexf      Gephi, with times for its timeline (GEXF 1.3)          ``gexf``
csv       Excel: nodes and edges tables (or a zip of both)       ``tables``
json      cytoscape.js and Cytoscape desktop (``elements``)      ``cytoscape``
anx       i2 Analyst's Notebook (ANX chart)                      ``anx``
cypher    a script that recreates the graph in Neo4j             ``cypher``
html      a case report: picture, entities, reasons, notes       ``report``
========  =====================================================  ==================

>>> import tempfile
>>> from pathlib import Path
>>> from nigah.graph.model import Edge, Node, Subgraph
>>> case = Subgraph([Node("Declaration:KPPI-HC-1-2025", {"date": "2025-03-01"}),
...                  Node("Trader:1234567-8", {"name": "Ali Traders"})],
...                 [Edge("FILED_BY", "Declaration:KPPI-HC-1-2025", "Trader:1234567-8")])
>>> with tempfile.TemporaryDirectory() as tmp:
...     [p.name for p in export(case, "csv", Path(tmp) / "case.csv")]
['case-nodes.csv', 'case-edges.csv']
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from nigah.graph.export.anx import write_anx
from nigah.graph.export.cypher import write_cypher
from nigah.graph.export.cytoscape import write_json
from nigah.graph.export.gexf import write_gexf
from nigah.graph.export.graphml import write_graphml
from nigah.graph.export.report import write_report
from nigah.graph.export.tables import write_csv
from nigah.graph.model import Subgraph

WRITERS: dict[str, Callable[[Subgraph, Path | str], list[Path]]] = {
    "graphml": write_graphml,
    "gexf": write_gexf,
    "csv": write_csv,
    "json": write_json,
    "anx": write_anx,
    "cypher": write_cypher,
    "html": write_report,
}
FORMATS = tuple(WRITERS)
# What each format is for, as an analyst picks it from a list.
TITLES = {"graphml": "GraphML (Gephi, Cytoscape)", "gexf": "GEXF (Gephi)", "csv": "CSV nodes + edges (Excel)",
          "json": "Cytoscape JSON", "anx": "i2 ANX", "cypher": "Cypher script", "html": "HTML case report"}
# The usual file suffix of each format (csv also takes ``.zip``).
SUFFIXES = {"graphml": ".graphml", "gexf": ".gexf", "csv": ".csv", "json": ".json",
            "anx": ".anx", "cypher": ".cypher", "html": ".html"}


def export(subgraph: Subgraph, fmt: str, path: Path | str) -> list[Path]:
    """Write ``subgraph`` in format ``fmt`` (one of ``FORMATS``) to ``path``;
    returns the files written (csv writes two, unless ``path`` ends in ``.zip``)."""
    try:
        writer = WRITERS[fmt.lower()]
    except KeyError:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}") from None
    return writer(subgraph, path)


__all__ = ["FORMATS", "SUFFIXES", "WRITERS", "export"]
