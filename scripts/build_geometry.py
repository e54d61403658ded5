"""Build dashboard/geo/pakistan.geojson from Natural Earth (via the npm package world-atlas).

The dashboard draws its map of Pakistan without tiles, from this small file.
It is made once, at development time, and committed; to remake it:

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python scripts/build_geometry.py package/countries-50m.json dashboard/geo/pakistan.geojson

Natural Earth's admin-0 countries (1:50m, v4.1.0) are public domain; world-atlas
(ISC) redistributes them as TopoJSON. Arcs are simplified one by one
(Douglas-Peucker), so borders shared by two countries stay shared; Pakistan is
kept whole, its neighbours are clipped to a box around it. Standard library only.
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

PAKISTAN = "Pakistan"
NEIGHBOURS = ["Afghanistan", "Iran", "India", "China", "Tajikistan", "Turkmenistan", "Uzbekistan", "Siachen Glacier"]
CLIP = (58.0, 21.0, 80.0, 39.5)  # lon_min, lat_min, lon_max, lat_max: wider than the map's view
# Where the map writes a neighbour's name (lon, lat), chosen by the project to fall inside
# the neighbour and clear of the stations; neighbours without one go unnamed.
LABELS = {"Afghanistan": (65.2, 33.4), "Iran": (61.2, 26.6), "India": (74.8, 25.0), "China": (77.2, 36.2)}
TOLERANCE = 0.02  # degrees (about 2 km): Pakistan's outline keeps a few hundred points


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((round(x * sx + tx, 4), round(y * sy + ty, 4)))
        arcs.append(points)
    return arcs


def _distance(p, a, b) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return math.hypot(x - x1, y - y1)
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - x1 - t * dx, y - y1 - t * dy)


def simplify(points: list, tolerance: float) -> list:
    """Douglas-Peucker, keeping both ends (iterative)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        i, j = stack.pop()
        best, at = 0.0, None
        for k in range(i + 1, j):
            d = _distance(points[k], points[i], points[j])
            if d > best:
                best, at = d, k
        if at is not None and best > tolerance:
            keep[at] = True
            stack += [(i, at), (at, j)]
    return [p for p, k in zip(points, keep) if k]


def ring(indices: list[int], arcs: list) -> list:
    out = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        out += arc if not out else arc[1:]
    return out


def polygons(geometry: dict, arcs: list) -> list[list[list]]:
    if geometry["type"] == "Polygon":
        return [[ring(r, arcs) for r in geometry["arcs"]]]
    if geometry["type"] == "MultiPolygon":
        return [[ring(r, arcs) for r in poly] for poly in geometry["arcs"]]
    return []


def clip(points: list, box=CLIP) -> list:
    """Sutherland-Hodgman clipping of a closed ring to a rectangle."""
    x0, y0, x1, y1 = box
    edges = [(lambda p: p[0] >= x0, lambda a, b: _cut_x(a, b, x0)),
             (lambda p: p[0] <= x1, lambda a, b: _cut_x(a, b, x1)),
             (lambda p: p[1] >= y0, lambda a, b: _cut_y(a, b, y0)),
             (lambda p: p[1] <= y1, lambda a, b: _cut_y(a, b, y1))]
    out = points[:-1] if points and points[0] == points[-1] else points
    for inside, cut in edges:
        src, out = out, []
        for k, cur in enumerate(src):
            prev = src[k - 1]
            if inside(cur):
                if not inside(prev):
                    out.append(cut(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cut(prev, cur))
        if not out:
            return []
    return out + [out[0]]


def _cut_x(a, b, x):
    t = (x - a[0]) / (b[0] - a[0])
    return (x, round(a[1] + t * (b[1] - a[1]), 4))


def _cut_y(a, b, y):
    t = (y - a[1]) / (b[1] - a[1])
    return (round(a[0] + t * (b[0] - a[0]), 4), y)


def area(points: list) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:]))) / 2


def build(topo: dict) -> dict:
    arcs = [simplify(a, TOLERANCE) for a in decode_arcs(topo)]
    features = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        name = geometry.get("properties", {}).get("name")
        if name != PAKISTAN and name not in NEIGHBOURS:
            continue
        polys = []
        for poly in polygons(geometry, arcs):
            rings = [r if name == PAKISTAN else clip(r) for r in poly]
            rings = [r for r in rings if len(r) >= 4 and area(r) > 0.01]
            if rings:
                polys.append([[list(p) for p in r] for r in rings])
        if polys:
            features.append({"type": "Feature",
                             "properties": {"name": name, "role": "country" if name == PAKISTAN else "neighbour",
                                            **({"label": list(LABELS[name])} if name in LABELS else {})},
                             "geometry": {"type": "MultiPolygon", "coordinates": polys}})
    features.sort(key=lambda f: (f["properties"]["role"] == "country", f["properties"]["name"]))
    return {"type": "FeatureCollection",
            "source": "Natural Earth 1:50m admin-0 countries v4.1.0 (public domain), via world-atlas 2.0.2",
            "features": features}


def main(src: str, dst: str) -> None:
    collection = build(json.loads(Path(src).read_text(encoding="utf-8")))
    Path(dst).write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    for f in collection["features"]:
        n = sum(len(r) for poly in f["geometry"]["coordinates"] for r in poly)
        print(f"{f['properties']['name']}: {n} points")


if __name__ == "__main__":
    main(*sys.argv[1:3])
