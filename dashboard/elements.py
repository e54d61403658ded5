"""Turn store subgraphs into dash-cytoscape elements, styled from the schema."""
from __future__ import annotations

from nigah.graph.export.common import caption
from nigah.graph.model import Node, Subgraph
from nigah.graph.schema import SCHEMA
from nigah.graph.shared import shared_title

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
    when = SCHEMA.node(node.label).time_property
    if when and node.properties.get(when) is not None:
        data["date"] = str(node.properties[when])[:10]   # what the time window filters the canvas by
    community = node.properties.get("community")
    if community is not None:
        data["community"] = community
        data["community_colour"] = COMMUNITY_COLOURS[int(community) % len(COMMUNITY_COLOURS)]
    classes = node.label + (" root" if root else "") + (" flagged" if flagged(node) else "") \
        + (f" {extra}" if extra else "")
    data["cls"] = classes   # a copy in data: the canvas sends elements back without their classes
    return {"data": data, "classes": classes}


def classes_of(el: dict) -> list[str]:
    """An element's classes, also when the canvas sent it back without them."""
    return (el.get("classes") or el["data"].get("cls") or "").split()


def restore_classes(elements: list[dict]) -> list[dict]:
    """Elements as the canvas sent them back, with their classes (colour, ring, flag) put back."""
    return [{**el, "classes": " ".join(classes_of(el))} for el in elements]


def to_elements(graph: Subgraph, roots: tuple[str, ...] = (), extra: str = "") -> list[dict]:
    nodes = [node_element(n, n.id in roots, extra) for n in graph.nodes]
    edges = []
    for e in graph.edges:
        title = shared_title(e.type)   # a detail two entities share (graph.shared), not a stored link
        cls = e.type + (" shared" if title else "") + (f" {extra}" if extra else "")
        data = {"id": e.id, "source": e.source, "target": e.target, "label": e.type, "cls": cls}
        if title:
            data["title"] = title
        edges.append({"data": data, "classes": cls})
    return nodes + edges


MAX_DRAWN = 2000  # elements on the canvas: beyond this a browser crawls


def merge_elements(current: list[dict], new: list[dict], mark: str = "") -> list[dict]:
    """Add ``new`` elements to ``current``, keeping what is drawn (and its position);
    elements already drawn that ``new`` also holds get the class ``mark``."""
    fresh = {el["data"]["id"]: el for el in new}
    out = []
    for el in current:
        classes = classes_of(el)
        if mark and el["data"]["id"] in fresh and mark not in classes:
            classes.append(mark)
            el = {**el, "data": {**el["data"], "cls": " ".join(c for c in classes if c != FILTERED)}}
        out.append({**el, "classes": " ".join(classes)})
    seen = {el["data"]["id"] for el in current}
    room = max(MAX_DRAWN - len(out), 0)
    return out + [el for el in new if el["data"]["id"] not in seen][:room]


FILTERED = "filtered-out"


def apply_filters(elements: list[dict], min_risk: float, since, until, rel_types) -> tuple[list[dict], int]:
    """The drawn ``elements`` with the canvas filters applied to what is already
    drawn (not only to the next expansion): a node under ``min_risk`` or dated
    outside ``since``..``until``, and a link of a type not in ``rel_types``, gets
    the class that hides it; the starting nodes and paths stay. Returns the
    elements and how many nodes are hidden.

    >>> els = [{"data": {"id": "a", "score": 0.9, "cls": "Trader"}},
    ...        {"data": {"id": "b", "score": 0.1, "date": "2025-01-03"}, "classes": "Declaration"},
    ...        {"data": {"id": "e", "source": "b", "target": "a", "label": "FILED_BY"}, "classes": "FILED_BY"}]
    >>> [el["classes"] for el in apply_filters(els, 0.5, None, None, None)[0]]
    ['Trader', 'Declaration filtered-out', 'FILED_BY']
    >>> apply_filters(els, 0, "2025-02-01", None, ["CLEARED_BY"])[1]   # b is older; FILED_BY is hidden too
    1
    """
    lo, hi = (str(since) if since else None), (str(until) if until else None)
    out, hidden = [], 0
    for el in elements:
        data, classes = el["data"], [c for c in classes_of(el) if c != FILTERED]
        if "source" in data:
            hide = bool(rel_types) and data.get("label") not in rel_types
        else:
            kept = "root" in classes or "path" in classes
            date = data.get("date")
            hide = not kept and (data.get("score", 0) < (min_risk or 0)
                                 or (date is not None and (bool(lo and date < lo) or bool(hi and date > hi))))
            hidden += hide
        out.append({**el, "classes": " ".join(classes + ([FILTERED] if hide else []))})
    return out, hidden


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
        {"selector": f".{FILTERED}", "style": {"display": "none"}},
        {"selector": ".hidden-by-officer", "style": {"display": "none"}},
        {"selector": "node.pinned", "style": {"border-width": 3, "border-style": "double", "border-color": "#495057"}},
        # a detail two entities share (no file states it): dashed, red, labelled "same phone"
        {"selector": "edge.shared", "style": {"line-style": "dashed", "line-color": "#dc3545", "width": 2,
                                              "target-arrow-shape": "none", "label": "data(title)",
                                              "font-size": 8, "color": "#dc3545", "text-rotation": "autorotate"}},
    ]
    for label, spec in SCHEMA.nodes.items():
        styles.append({"selector": f"node.{label}", "style": {"background-color": spec.colour}})
    return styles
