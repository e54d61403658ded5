"""Turn store subgraphs into dash-cytoscape elements, styled from the schema."""
from __future__ import annotations

from graph.model import Node, Subgraph
from graph.schema import SCHEMA

# Community ring colours: a qualitative palette, repeated.
COMMUNITY_COLOURS = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628",
                     "#f781bf", "#17becf", "#bcbd22", "#7f7f7f"]


def caption(node: Node) -> str:
    spec = SCHEMA.node(node.label)
    return str(node.properties.get(spec.caption, node.key))


def node_element(node: Node, root: bool = False) -> dict:
    data = {"id": node.id, "label": caption(node), "kind": node.label}
    community = node.properties.get("community")
    if community is not None:
        data["community"] = community
        data["community_colour"] = COMMUNITY_COLOURS[int(community) % len(COMMUNITY_COLOURS)]
    classes = node.label + (" root" if root else "")
    return {"data": data, "classes": classes}


def to_elements(graph: Subgraph, roots: tuple[str, ...] = ()) -> list[dict]:
    nodes = [node_element(n, n.id in roots) for n in graph.nodes]
    edges = [{"data": {"id": e.id, "source": e.source, "target": e.target, "label": e.type},
              "classes": e.type} for e in graph.edges]
    return nodes + edges


def merge_elements(current: list[dict], new: list[dict]) -> list[dict]:
    """Add ``new`` elements to ``current``, keeping what is drawn (and its position)."""
    seen = {el["data"]["id"] for el in current}
    return current + [el for el in new if el["data"]["id"] not in seen]


def stylesheet() -> list[dict]:
    """Cytoscape styles: colour by label from the schema, ring by community."""
    styles = [
        {"selector": "node", "style": {
            "label": "data(label)", "font-size": 9, "text-valign": "bottom", "text-margin-y": 3,
            "width": 22, "height": 22, "color": "#212529", "text-max-width": 110, "text-wrap": "ellipsis",
            # Captions appear once zoomed in enough to read them, so big graphs stay legible.
            "min-zoomed-font-size": 8}},
        {"selector": "edge", "style": {
            "width": 1.2, "line-color": "#adb5bd", "curve-style": "bezier",
            "target-arrow-shape": "triangle", "target-arrow-color": "#adb5bd", "arrow-scale": .7}},
        {"selector": "node[community_colour]", "style": {
            "border-width": 4, "border-color": "data(community_colour)"}},
        {"selector": "node.root", "style": {"width": 34, "height": 34, "font-weight": "bold"}},
        {"selector": ":selected", "style": {"overlay-color": "#ffc107", "overlay-opacity": .35}},
    ]
    for label, spec in SCHEMA.nodes.items():
        styles.append({"selector": f"node.{label}", "style": {"background-color": spec.colour}})
    return styles
