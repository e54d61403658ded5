"""Turn store subgraphs into dash-cytoscape elements, styled from the schema."""
from __future__ import annotations

from nigah.graph.export.common import caption
from nigah.graph.model import Node, Subgraph
from nigah.graph.schema import SCHEMA

# Community ring colours: a qualitative palette, repeated.
COMMUNITY_COLOURS = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628",
                     "#f781bf", "#17becf", "#bcbd22", "#7f7f7f"]


def node_score(node: Node) -> float:
    """The highest of a node's risk scores (0 where it has none)."""
    return max([float(node.properties[s]) for s in SCHEMA.scores if node.properties.get(s) is not None] or [0.0])


def flagged(node: Node) -> bool:
    """Whether any of the node's scores reaches the score's ``flag_at`` (schema)."""
    return any(node.properties.get(s) is not None and float(node.properties[s]) >= SCHEMA.score(s).flag_at
               for s in SCHEMA.scores)


def node_element(node: Node, root: bool = False, extra: str = "") -> dict:
    data = {"id": node.id, "label": caption(node), "kind": node.label, "score": round(node_score(node), 3)}
    community = node.properties.get("community")
    if community is not None:
        data["community"] = community
        data["community_colour"] = COMMUNITY_COLOURS[int(community) % len(COMMUNITY_COLOURS)]
    classes = node.label + (" root" if root else "") + (" flagged" if flagged(node) else "") \
        + (f" {extra}" if extra else "")
    return {"data": data, "classes": classes}


def to_elements(graph: Subgraph, roots: tuple[str, ...] = (), extra: str = "") -> list[dict]:
    nodes = [node_element(n, n.id in roots, extra) for n in graph.nodes]
    edges = [{"data": {"id": e.id, "source": e.source, "target": e.target, "label": e.type},
              "classes": e.type + (f" {extra}" if extra else "")} for e in graph.edges]
    return nodes + edges


MAX_DRAWN = 2000  # elements on the canvas: beyond this a browser crawls


def merge_elements(current: list[dict], new: list[dict], mark: str = "") -> list[dict]:
    """Add ``new`` elements to ``current``, keeping what is drawn (and its position);
    elements already drawn that ``new`` also holds get the class ``mark``."""
    fresh = {el["data"]["id"]: el for el in new}
    out = []
    for el in current:
        if mark and el["data"]["id"] in fresh and mark not in el.get("classes", ""):
            el = {**el, "classes": f"{el.get('classes', '')} {mark}".strip()}
        out.append(el)
    seen = {el["data"]["id"] for el in current}
    room = max(MAX_DRAWN - len(out), 0)
    return out + [el for el in new if el["data"]["id"] not in seen][:room]


def shared_by_members(graph: Subgraph, members: set[str]) -> Subgraph:
    """A community as an investigator reads it: its traders and the agents,
    vehicles and suppliers that two or more of them use, declarations folded
    into the links (labelled with how many GDs each link stands for)."""
    from collections import Counter

    from nigah.graph.model import Edge

    filed = {e.source: e.target for e in graph.edges if e.type == "FILED_BY" and e.target in members}
    uses = Counter((filed[e.source], e.target, e.type) for e in graph.edges
                   if e.source in filed and e.type != "FILED_BY")
    users: dict[str, set[str]] = {}
    for trader, thing, _ in uses:
        users.setdefault(thing, set()).add(trader)
    shared = {thing for thing, who in users.items() if len(who) >= 2}
    nodes = [n for n in graph.nodes if n.id in members or n.id in shared]
    edges = [Edge(rel, trader, thing, {"gds": count}) for (trader, thing, rel), count in sorted(uses.items())
             if thing in shared]
    return Subgraph(nodes, edges, graph.truncated, graph.hidden)


def stylesheet() -> list[dict]:
    """Cytoscape styles: colour by label from the schema, ring by community."""
    styles = [
        {"selector": "node", "style": {
            "label": "data(label)", "font-size": 9, "text-valign": "bottom", "text-margin-y": 3,
            "width": "mapData(score, 0, 1, 18, 44)", "height": "mapData(score, 0, 1, 18, 44)",
            "color": "#212529", "text-max-width": 110, "text-wrap": "ellipsis",
            # Captions appear once zoomed in enough to read them, so big graphs stay legible.
            "min-zoomed-font-size": 8}},
        {"selector": "edge", "style": {
            "width": 1.2, "line-color": "#adb5bd", "curve-style": "bezier",
            "target-arrow-shape": "triangle", "target-arrow-color": "#adb5bd", "arrow-scale": .7}},
        {"selector": "node[community_colour]", "style": {
            "border-width": 4, "border-color": "data(community_colour)"}},
        {"selector": "node.root", "style": {"width": 34, "height": 34, "font-weight": "bold"}},
        {"selector": ":selected", "style": {"overlay-color": "#ffc107", "overlay-opacity": .35}},
        {"selector": "edge.path", "style": {"line-color": "#d63384", "target-arrow-color": "#d63384", "width": 4}},
        {"selector": "node.path", "style": {"border-width": 4, "border-color": "#d63384"}},
        {"selector": "node.flagged", "style": {"background-blacken": -0.1, "shape": "diamond"}},
    ]
    for label, spec in SCHEMA.nodes.items():
        styles.append({"selector": f"node.{label}", "style": {"background-color": spec.colour}})
    return styles
