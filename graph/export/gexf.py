"""GEXF 1.3 for Gephi, with times and schema colours.

Nodes and edges whose schema time property is set (``Declaration.date``,
``SCANNED_AT.scanned_at``) get a ``start``, so Gephi's timeline can play the
case; the graph is then ``mode="dynamic"`` with ``timeformat="date"``, or
``"dateTime"`` as soon as one time has a time of day (dates are then written
as midnight, since one graph has one time format). Nodes carry their schema
colour as ``viz:color``, the caption as ``label`` and the schema label as the
``kind`` attribute; edges are labelled with their type.

networkx's ``read_gexf`` (3.6) cannot read ``timeformat="dateTime"``, a valid
GEXF 1.3 value that Gephi reads (networkx issue #3246).
"""
from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element, ElementTree, SubElement, indent

from nigah.graph.export.common import (Column, as_datetime, caption, columns, edge_ids, properties, rgb,
                                 time_value, typed_text, xml_text)
from nigah.graph.model import Subgraph
from nigah.graph.schema import SCHEMA

NS = "http://gexf.net/1.3"
VIZ = "http://gexf.net/1.3/viz"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
GEXF_TYPES = {"text": "string", "int": "long", "float": "double", "bool": "boolean",
              "date": "string", "datetime": "string", "json": "string"}


def _attributes(graph: Element, domain: str, cols: list[Column]) -> dict[str, str]:
    element = SubElement(graph, "attributes", {"class": domain, "mode": "static"})
    ids = {}
    for i, col in enumerate(cols):
        ids[col.name] = str(i)
        SubElement(element, "attribute", id=ids[col.name], title=col.name, type=GEXF_TYPES[col.kind])
    return ids


def _attvalues(element: Element, ids: dict[str, str], kinds: dict[str, str], values: dict) -> None:
    holder = SubElement(element, "attvalues")
    for name, value in values.items():
        SubElement(holder, "attvalue", {"for": ids[name],
                                        "value": xml_text(typed_text(kinds[name], value))})


def write_gexf(subgraph: Subgraph, path: Path | str) -> list[Path]:
    """Write ``subgraph`` as GEXF 1.3 to ``path``; returns the files written."""
    path = Path(path)
    node_cols = [Column("kind", "text")] + columns(subgraph.nodes, reserved=("kind",))
    edge_cols = [Column("type", "text")] + columns(subgraph.edges, reserved=("type",))
    times = {id(item): time_value(item) for item in [*subgraph.nodes, *subgraph.edges]}
    kinds = {t[0] for t in times.values() if t}
    timeformat = "dateTime" if "datetime" in kinds else "date"

    def start(item) -> dict:
        t = times[id(item)]
        if t is None:
            return {}
        return {"start": as_datetime(t[1]) if timeformat == "dateTime" else t[1]}

    root = Element("gexf", {"xmlns": NS, "xmlns:viz": VIZ, "xmlns:xsi": XSI,
                            "xsi:schemaLocation": f"{NS} {NS}/gexf.xsd", "version": "1.3"})
    meta = SubElement(root, "meta")
    SubElement(meta, "creator").text = "Nigah"
    SubElement(meta, "description").text = (
        f"Case graph: {len(subgraph.nodes)} nodes, {len(subgraph.edges)} relationships"
        + (" (cut short by a cap)" if subgraph.truncated else ""))
    graph = SubElement(root, "graph", defaultedgetype="directed",
                       mode="dynamic" if kinds else "static")
    if kinds:
        graph.set("timeformat", timeformat)
    node_attrs = _attributes(graph, "node", node_cols)
    edge_attrs = _attributes(graph, "edge", edge_cols)
    node_kinds = {c.name: c.kind for c in node_cols}
    edge_kinds = {c.name: c.kind for c in edge_cols}

    nodes = SubElement(graph, "nodes")
    for node in subgraph.nodes:
        element = SubElement(nodes, "node", id=xml_text(node.id), label=xml_text(caption(node)),
                             **start(node))
        _attvalues(element, node_attrs, node_kinds, {"kind": node.label} | properties(node))
        r, g, b = rgb(SCHEMA.node(node.label).colour)
        SubElement(element, "viz:color", r=str(r), g=str(g), b=str(b))
    edges = SubElement(graph, "edges")
    for edge, eid in zip(subgraph.edges, edge_ids(subgraph.edges)):
        element = SubElement(edges, "edge", id=xml_text(eid), source=xml_text(edge.source),
                             target=xml_text(edge.target), label=edge.type, **start(edge))
        _attvalues(element, edge_attrs, edge_kinds, {"type": edge.type} | properties(edge))

    indent(root)
    ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return [path]
