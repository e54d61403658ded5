"""Where each entity sits on the canvas, computed on the server once.

A first drawing is laid out by force (igraph's Fruchterman-Reingold, seeded,
so the same neighbourhood draws the same way). After that nothing drawn moves
when more is added: an expansion keeps every position the canvas sent back
(including where the officer dragged things) and sets the newcomers on a
sunflower spiral around the entity that was expanded, the way Linkurious and
i2 grow a chart. A layout the officer chooses re-arranges everything, except
pinned entities.
"""
from __future__ import annotations

import math
import time

import igraph as ig
import numpy as np

SPACING = 60.0                              # between two newcomers, in canvas pixels
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))  # a sunflower's: no two newcomers in line


def _is_node(el: dict) -> bool:
    return "source" not in el["data"]


def spiral(centre: tuple[float, float], count: int, start: int = 1) -> list[tuple[float, float]]:
    """``count`` points on a sunflower spiral around ``centre``, evenly spread.

    >>> [tuple(round(v) for v in p) for p in spiral((0, 0), 2)]
    [(-54, 50), (8, -95)]
    """
    out = []
    for i in range(start, start + count):
        r, a = SPACING * math.sqrt(i + 0.5), i * GOLDEN_ANGLE
        out.append((centre[0] + r * math.cos(a), centre[1] + r * math.sin(a)))
    return out


def free_places(centre: tuple[float, float], count: int, taken: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """``count`` spiral points around ``centre`` that keep clear of the ``taken`` places.

    >>> first = spiral((0, 0), 1)[0]
    >>> free_places((0, 0), 1, [])[0] == first, free_places((0, 0), 1, [first])[0] == first
    (True, False)
    """
    taken = np.asarray(taken, dtype=float).reshape(-1, 2)
    out, i = [], 1
    while len(out) < count:
        batch = np.asarray(spiral(centre, max(count * 2, 16), start=i))
        i += len(batch)
        if len(taken):
            near = ((batch[:, None, :] - taken[None, :, :]) ** 2).sum(axis=2).min(axis=1) < (SPACING * 0.8) ** 2
            batch = batch[~near]
        out.extend(map(tuple, batch[:count - len(out)]))
    return out


def force_layout(elements: list[dict]) -> dict[str, tuple[float, float]]:
    """Positions for every node of a first drawing, by force, scaled to the spacing."""
    ids = [el["data"]["id"] for el in elements if _is_node(el)]
    if len(ids) <= 1:
        return {i: (0.0, 0.0) for i in ids}
    number = {nid: n for n, nid in enumerate(ids)}
    edges = [(number[el["data"]["source"]], number[el["data"]["target"]]) for el in elements
             if not _is_node(el) and el["data"]["source"] in number and el["data"]["target"] in number]
    graph = ig.Graph(n=len(ids), edges=edges)
    seed = spiral((0.0, 0.0), len(ids), start=0)   # a fixed start: the same drawing every time
    layout = graph.layout_fruchterman_reingold(seed=[list(p) for p in seed], niter=300)
    coords = layout.coords
    # scale so that the median nearest link is one spacing long
    lengths = sorted(math.dist(coords[a], coords[b]) for a, b in edges) or [1.0]
    scale = SPACING * 1.6 / max(lengths[len(lengths) // 2], 1e-6)
    return {nid: (coords[n][0] * scale, coords[n][1] * scale) for nid, n in number.items()}


def fitted() -> float:
    """A request to fit a new drawing to the canvas (``fit-request``): a new
    value each time, answered in the browser once the drawing is in place."""
    return time.monotonic()


def place(elements: list[dict], around: str | None = None) -> list[dict]:
    """``elements`` with a position on every node: kept where the canvas had
    one, around ``around`` for those that have none (a force layout of all
    when none has one: a first drawing)."""
    nodes = [el for el in elements if _is_node(el)]
    known = {el["data"]["id"]: (el["position"]["x"], el["position"]["y"]) for el in nodes
             if isinstance(el.get("position"), dict) and "x" in el["position"]}
    if not known:
        where = force_layout(elements)
    else:
        fresh = [el["data"]["id"] for el in nodes if el["data"]["id"] not in known]
        if around in known:
            centre = known[around]
        else:   # nothing to grow from: beside what is drawn
            xs, ys = zip(*known.values())
            centre = (max(xs) + SPACING * 3, sum(ys) / len(ys))
        where = {**known, **dict(zip(fresh, free_places(centre, len(fresh), list(known.values()))))}
    out = []
    for el in elements:
        if _is_node(el):
            x, y = where[el["data"]["id"]]
            el = {**el, "position": {"x": round(x, 1), "y": round(y, 1)}}
            if el["data"].get("pinned"):
                el["locked"] = True   # the canvas sends `locked` back only in data
        out.append(el)
    return out
