"""GraphML for Gephi, Cytoscape, yEd and networkx.

Every node and edge property is kept under a typed key (``long``, ``double``,
``boolean`` or ``string``; dates and datetimes as ISO strings, lists and dicts
as JSON). Nodes also get ``label`` (the schema caption) and ``kind`` (the schema
label); edges get ``type``. The graph says whether the case graph was cut short
by a cap (``truncated``).
"""
from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element, ElementTree, SubElement, indent

from nigah.graph.export.common import Column, caption, columns, edge_ids, properties, typed_text, xml_text
from nigah.graph.model import Subgraph

NS = "http://graphml.graphdrawing.org/xmlns"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
GRAPHML_TYPES = {"text": "string", "int": "long", "float": "double", "bool": "boolean",
                 "date": "string", "datetime": "string", "json": "string"}


def _keys(root: Element, domain: str, prefix: str, cols: list[Column]) -> dict[str, str]:
    ids = {}
    for i, col in enumerate(cols):
        ids[col.name] = f"{prefix}{i}"
        SubElement(root, "key", {"id": ids[col.name], "for": domain, "attr.name": col.name,
                                 "attr.type": GRAPHML_TYPES[col.kind]})
    return ids


def _data(element: Element, key: str, kind: str, value: object) -> None:
    SubElement(element, "data", key=key).text = xml_text(typed_text(kind, value))


def write_graphml(subgraph: Subgraph, path: Path | str) -> list[Path]:
    """Write ``subgraph`` as GraphML to ``path``; returns the files written."""
    path = Path(path)
    node_cols = [Column("label", "text"), Column("kind", "text")] + columns(
        subgraph.nodes, reserved=("label", "kind"))
    edge_cols = [Column("type", "text")] + columns(subgraph.edges, reserved=("type",))
    root = Element("graphml", {"xmlns": NS, "xmlns:xsi": XSI, "xsi:schemaLocation":
                               f"{NS} http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"})
    graph_keys = _keys(root, "graph", "g", [Column("truncated", "bool")])
    node_keys = _keys(root, "node", "n", node_cols)
    edge_keys = _keys(root, "edge", "e", edge_cols)
    node_kinds = {c.name: c.kind for c in node_cols}
    edge_kinds = {c.name: c.kind for c in edge_cols}

    graph = SubElement(root, "graph", id="case", edgedefault="directed")
    _data(graph, graph_keys["truncated"], "bool", subgraph.truncated)
    for node in subgraph.nodes:
        element = SubElement(graph, "node", id=xml_text(node.id))
        values = {"label": caption(node), "kind": node.label} | properties(node)
        for name, value in values.items():
            _data(element, node_keys[name], node_kinds[name], value)
    for edge, eid in zip(subgraph.edges, edge_ids(subgraph.edges)):
        element = SubElement(graph, "edge", id=xml_text(eid), source=xml_text(edge.source),
                             target=xml_text(edge.target))
        for name, value in ({"type": edge.type} | properties(edge)).items():
            _data(element, edge_keys[name], edge_kinds[name], value)

    indent(root)
    ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return [path]
