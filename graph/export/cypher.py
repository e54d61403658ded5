"""A Cypher script that recreates the case graph in Neo4j.

The nodes and relationships come out as Nigah's Neo4j store holds them (schema
label plus ``Entity``, a ``nid``, dates as ``date``, datetimes as
``localdatetime``), one statement a line::

    MERGE (n:Trader:Entity {ntn: '1234567-8'}) SET n += {nid: 'Trader:1234567-8', name: 'Ali'};
    MATCH (a:Declaration {gd_number: 'KPPI-HC-1-2025'}) MATCH (b:Trader {ntn: '1234567-8'})
      MERGE (a)-[r:FILED_BY]->(b);                                  (on one line)

Nodes merge on their schema key, relationships on their ends and schema key
properties, so running the script twice changes nothing. Run it with
``cypher-shell -f case.cypher`` or paste it into Neo4j Browser.

This is a file for an analyst to run, so values are written as literals (by
``cypher_literal``); Nigah's own queries pass every value as a parameter.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

from nigah.graph.export.common import (check_reserved, declared, is_date, is_datetime, plain, properties,
                                 value_kind)
from nigah.graph.model import Edge, Node, Subgraph
from nigah.graph.schema import SCHEMA, split_node_id

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def cypher_string(value: str) -> str:
    r"""A Cypher string literal: single quotes, with backslash escapes.

    >>> print(cypher_string('O\'Brien "X" \\ Co'))
    'O\'Brien "X" \\ Co'
    """
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


def cypher_name(name: str) -> str:
    """A label, type or property name, backquoted unless it is a plain identifier.

    >>> cypher_name("_source_row"), cypher_name("odd name`")
    ('_source_row', '`odd name```')
    """
    return name if _NAME.fullmatch(name) else "`" + name.replace("`", "``") + "`"


def cypher_literal(value: object, kind: str | None = None) -> str:
    """``value`` as a Cypher literal; ``kind`` ``date``/``datetime`` makes ISO
    strings temporal values. Lists Neo4j cannot store (mixed, nested) and dicts
    become JSON strings.

    >>> cypher_literal("2025-03-01", "date"), cypher_literal(-5.2), cypher_literal(["a", "b"])
    ("date('2025-03-01')", '-5.2', "['a', 'b']")
    """
    value = plain(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "date" and is_date(value):
        return f"date({cypher_string(value)})"
    if kind == "datetime" and is_datetime(value):
        return f"localdatetime({cypher_string(value)})"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"toFloat({cypher_string(str(value))})"
    if isinstance(value, list):
        types = {type(v) for v in value}
        if len(types) <= 1 and types <= {str, int, float, bool}:
            return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
        return cypher_string(json.dumps(value, ensure_ascii=False))
    if isinstance(value, dict):
        return cypher_string(json.dumps(value, ensure_ascii=False))
    return cypher_string(str(value))


def _map(literals: dict[str, str]) -> str:
    return "{" + ", ".join(f"{cypher_name(k)}: {v}" for k, v in literals.items()) + "}"


def _literals(item: Node | Edge, values: dict) -> dict[str, str]:
    spec = declared(item)
    return {name: cypher_literal(v, value_kind(spec.get(name), v)) for name, v in values.items()}


def cypher_statements(subgraph: Subgraph) -> list[str]:
    """One ``MERGE`` statement per node, then one per relationship."""
    check_reserved(subgraph.nodes, ("nid",))
    statements, keys = [], {}
    for node in subgraph.nodes:
        spec = SCHEMA.node(node.label)
        values = properties(node)
        values.setdefault(spec.key, node.key)
        literals = _literals(node, values)
        keys[node.id] = f"{cypher_name(spec.key)}: {literals.pop(spec.key)}"
        statements.append(f"MERGE (n:{cypher_name(node.label)}:Entity {{{keys[node.id]}}}) "
                          f"SET n += {_map({'nid': cypher_string(node.id)} | literals)};")
    for edge in subgraph.edges:
        ends = []
        for nid in (edge.source, edge.target):
            label, key = split_node_id(nid)
            ends.append((label, keys.get(nid) or
                         f"{cypher_name(SCHEMA.node(label).key)}: {cypher_string(key)}"))
        literals = _literals(edge, properties(edge))
        merged = {k: literals.pop(k) for k in SCHEMA.relationship(edge.type).key if k in literals}
        rel = cypher_name(edge.type) + (" " + _map(merged) if merged else "")
        statement = (f"MATCH (a:{cypher_name(ends[0][0])} {{{ends[0][1]}}}) "
                     f"MATCH (b:{cypher_name(ends[1][0])} {{{ends[1][1]}}}) MERGE (a)-[r:{rel}]->(b)")
        statements.append(statement + (f" SET r += {_map(literals)};" if literals else ";"))
    return statements


def write_cypher(subgraph: Subgraph, path: Path | str) -> list[Path]:
    """Write the script (UTF-8) to ``path``; returns the files written."""
    path = Path(path)
    header = [
        f"// Nigah case graph: {len(subgraph.nodes)} nodes, {len(subgraph.edges)} relationships"
        + (" (cut short by a cap)." if subgraph.truncated else "."),
        "// Recreates them as Nigah's Neo4j store holds them; running it again changes nothing.",
        f"// Run with: cypher-shell -f {path.name}",
    ]
    path.write_text("\n".join(header + cypher_statements(subgraph)) + "\n", encoding="utf-8")
    return [path]
