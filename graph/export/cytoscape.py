"""Cytoscape JSON: the ``elements`` format that cytoscape.js and Cytoscape desktop read.

Each node's ``data`` holds ``id``, ``label`` (the schema caption), ``kind``
(the schema label) and every property; each edge's holds ``id``, ``source``,
``target``, ``type`` and every property. Values keep their JSON types; dates
are ISO strings.
"""
from __future__ import annotations

import json
from pathlib import Path

from nigah.graph.export.common import caption, check_reserved, edge_ids, properties
from nigah.graph.model import Subgraph


def to_cytoscape(subgraph: Subgraph) -> dict:
    """The subgraph as a Cytoscape JSON document.

    >>> from nigah.graph.model import Node
    >>> doc = to_cytoscape(Subgraph([Node("Trader:1234567-8", {"name": "Ali"})]))
    >>> doc["elements"]["nodes"][0]["data"]
    {'id': 'Trader:1234567-8', 'label': 'Ali', 'kind': 'Trader', 'name': 'Ali'}
    """
    check_reserved(subgraph.nodes, ("id", "label", "kind"))
    check_reserved(subgraph.edges, ("id", "source", "target", "type"))
    nodes = [{"data": {"id": n.id, "label": caption(n), "kind": n.label} | properties(n)}
             for n in subgraph.nodes]
    edges = [{"data": {"id": eid, "source": e.source, "target": e.target, "type": e.type}
              | properties(e)} for e, eid in zip(subgraph.edges, edge_ids(subgraph.edges))]
    return {"data": {"truncated": subgraph.truncated},
            "elements": {"nodes": nodes, "edges": edges}}


def write_json(subgraph: Subgraph, path: Path | str) -> list[Path]:
    """Write ``subgraph`` as Cytoscape JSON (UTF-8) to ``path``; returns the files written."""
    path = Path(path)
    path.write_text(json.dumps(to_cytoscape(subgraph), ensure_ascii=False, indent=1),
                    encoding="utf-8")
    return [path]
