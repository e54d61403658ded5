"""CSV tables of nodes and edges, for Excel.

Two files, ``<stem>-nodes.csv`` (``id, kind, label``, then the properties) and
``<stem>-edges.csv`` (``source, target, type``, then the properties), or both
in one zip when the path ends in ``.zip``. UTF-8 with a byte order mark, so
that Excel shows Urdu and Arabic names as they are.

Cells are safe from CSV (formula) injection: a spreadsheet runs a cell that
starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or carriage
return) as a formula. Such a cell gets a leading ``'``, which Excel shows as
text and does not display, unless it is a plain number: ``-5.2``, ``+1e3`` and
phone numbers in their canonical form ``+923001234567`` are left as they are,
since they are not formulas. ``-`` or ``+`` followed by anything else
(``-2+3``, ``+92 300 1234567``, ``- see note``) is prefixed.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

from nigah.graph.export.common import caption, columns, properties, text
from nigah.graph.model import Subgraph

_FORMULA_START = ("=", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_safe(cell: str) -> str:
    """``cell`` with a leading ``'`` where a spreadsheet would run it as a formula.

    >>> [csv_safe(c) for c in ["=1+1", "@SUM(A1)", "-5.2", "+923001234567", "-2+3", "Ali"]]
    ["'=1+1", "'@SUM(A1)", '-5.2', '+923001234567', "'-2+3", 'Ali']
    """
    if cell.startswith(_FORMULA_START):
        return "'" + cell
    if cell.startswith(("+", "-")) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def node_rows(subgraph: Subgraph) -> list[list[str]]:
    """The nodes table, header first."""
    fixed = ["id", "kind", "label"]
    names = [c.name for c in columns(subgraph.nodes, reserved=fixed)]
    rows = [fixed + names]
    for node in subgraph.nodes:
        props = properties(node)
        rows.append([node.id, node.label, caption(node)] + [text(props.get(n)) for n in names])
    return [[csv_safe(cell) for cell in row] for row in rows]


def edge_rows(subgraph: Subgraph) -> list[list[str]]:
    """The edges table, header first."""
    fixed = ["source", "target", "type"]
    names = [c.name for c in columns(subgraph.edges, reserved=fixed)]
    rows = [fixed + names]
    for edge in subgraph.edges:
        props = properties(edge)
        rows.append([edge.source, edge.target, edge.type] + [text(props.get(n)) for n in names])
    return [[csv_safe(cell) for cell in row] for row in rows]


def _csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)  # CRLF line ends, as Excel writes them
    return out.getvalue().encode("utf-8-sig")


def write_csv(subgraph: Subgraph, path: Path | str) -> list[Path]:
    """Write the nodes and edges tables next to ``path`` (``case.csv`` gives
    ``case-nodes.csv`` and ``case-edges.csv``), or into ``path`` if it is a zip."""
    path = Path(path)
    stem = path.stem if path.suffix.lower() in (".csv", ".zip") else path.name
    tables = {f"{stem}-nodes.csv": _csv_bytes(node_rows(subgraph)),
              f"{stem}-edges.csv": _csv_bytes(edge_rows(subgraph))}
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in tables.items():
                archive.writestr(name, data)
        return [path]
    written = []
    for name, data in tables.items():
        written.append(path.with_name(name))
        written[-1].write_bytes(data)
    return written
