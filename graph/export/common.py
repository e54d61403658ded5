"""What every export needs: plain values, captions, times and typed property columns.

A property's *kind* is what the exports need to know about it: ``text``,
``int``, ``float``, ``bool``, ``date``, ``datetime`` (ISO strings) or ``json``
(lists and dicts). It comes from the schema where the schema declares the
property and the value fits; otherwise (provenance such as ``_source_file`` and
``_source_row``, or a value that does not fit) from the value itself.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from nigah.graph.model import Edge, Node, clean_value
from nigah.graph.schema import SCHEMA, Property

DECLARED_KINDS = {"str": "text", "enum": "text", "int": "int", "float": "float",
                  "date": "date", "datetime": "datetime"}

# Characters XML 1.0 cannot carry at all (not even escaped).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Column:
    """A property as an export column: its name and kind."""
    name: str
    kind: str


def plain(value: object) -> object:
    """A value as the exports handle it: ISO strings for dates, no NaN or numpy types.

    >>> plain(dt.date(2025, 3, 1)), plain(float("nan")), plain((1, 2))
    ('2025-03-01', None, [1, 2])
    """
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return clean_value(value)


def properties(item: Node | Edge) -> dict:
    """The item's properties in plain form, without missing values."""
    out = {}
    for name, value in item.properties.items():
        value = plain(value)
        if value is not None:
            out[name] = value
    return out


def declared(item: Node | Edge) -> dict[str, Property]:
    """The schema's properties of the item's label or relationship type."""
    if isinstance(item, Node):
        return SCHEMA.node(item.label).properties
    return SCHEMA.relationship(item.type).properties


def caption(node: Node) -> str:
    """The node's caption: its schema display property, else its key (also
    for a label the schema does not know). The one caption of every export
    and of the dashboard.

    >>> caption(Node("Trader:1234567-8", {"name": "Ali Traders"})), caption(Node("Other:x", {}))
    ('Ali Traders', 'x')
    """
    spec = SCHEMA.nodes.get(node.label)
    return str(node.properties.get(spec.caption, node.key)) if spec else node.key


def is_date(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_datetime(value: object) -> bool:
    if not isinstance(value, str) or len(value) <= 10:
        return False
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def fits(kind: str, value: object) -> bool:
    """Whether ``value`` (plain) can be written as ``kind``; anything can be text."""
    if isinstance(value, bool):
        return kind in ("bool", "text")
    if kind == "int":
        return isinstance(value, int)
    if kind == "float":
        return isinstance(value, (int, float))
    if kind == "date":
        return is_date(value)
    if kind == "datetime":
        return is_datetime(value)
    if kind == "json":
        return isinstance(value, (list, dict))
    return kind == "text"


def inferred_kind(value: object) -> str:
    for kind in ("bool", "int", "float", "json"):
        if fits(kind, value):
            return kind
    return "text"


def value_kind(prop: Property | None, value: object) -> str:
    """The kind to write ``value`` as: the schema's if declared and it fits."""
    if prop is not None and fits(DECLARED_KINDS[prop.type], value):
        return DECLARED_KINDS[prop.type]
    return inferred_kind(value)


def combined_kind(kinds: set[str]) -> str:
    """One kind for a column whose values have ``kinds``."""
    if len(kinds) == 1:
        return next(iter(kinds))
    if kinds <= {"int", "float"}:
        return "float"
    if kinds <= {"date", "datetime"}:
        return "datetime"
    return "text"


def check_reserved(items: Iterable[Node | Edge], reserved: Iterable[str]) -> None:
    """Refuse properties that would overwrite a column the export writes itself."""
    reserved = set(reserved)
    for item in items:
        clash = reserved & set(item.properties)
        if clash:
            raise ValueError(f"{item.id}: property {sorted(clash)[0]!r} clashes with the "
                             f"export's own column of that name")


def columns(items: list[Node] | list[Edge], reserved: Iterable[str] = ()) -> list[Column]:
    """The properties present on ``items`` with one kind each, in a stable order:
    the schema's order of declaration first, then the others (provenance) by name."""
    items = list(items)
    check_reserved(items, reserved)
    kinds: dict[str, set[str]] = {}
    for item in items:
        spec = declared(item)
        for name, value in properties(item).items():
            kinds.setdefault(name, set()).add(value_kind(spec.get(name), value))
    nodes = not items or isinstance(items[0], Node)
    specs = SCHEMA.nodes.values() if nodes else SCHEMA.relationships.values()
    order = list(dict.fromkeys(name for spec in specs for name in spec.properties))
    position = {name: i for i, name in enumerate(order)}
    names = sorted(kinds, key=lambda n: (position.get(n, len(order)), n))
    return [Column(n, combined_kind(kinds[n])) for n in names]


def time_value(item: Node | Edge) -> tuple[str, str] | None:
    """``(kind, ISO value)`` of the item's schema time property, if it is set."""
    spec = SCHEMA.node(item.label) if isinstance(item, Node) else SCHEMA.relationship(item.type)
    if spec.time_property is None:
        return None
    value = plain(item.properties.get(spec.time_property))
    if is_date(value):
        return "date", value
    if is_datetime(value):
        return "datetime", dt.datetime.fromisoformat(value).isoformat()
    return None


def as_datetime(value: str) -> str:
    """An ISO date or datetime as an ISO datetime (dates at midnight)."""
    return dt.datetime.fromisoformat(value).isoformat()


def text(value: object) -> str:
    """A plain value as text: ``true``/``false``, JSON for lists and dicts.

    >>> text(True), text(0.5), text(["a", "ب"]), text(None)
    ('true', '0.5', '["a", "ب"]', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def typed_text(kind: str, value: object) -> str:
    """``value`` written as a value of ``kind`` (an int in a float column as a float)."""
    if kind == "float" and not isinstance(value, bool):
        return repr(float(value))
    return text(value)


def xml_text(value: str) -> str:
    """Text that XML 1.0 can carry: characters it cannot are replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", value)


def edge_ids(edges: list[Edge]) -> list[str]:
    """An id per edge, unique within the list (repeats get ``#2``, ``#3``...)."""
    seen: dict[str, int] = {}
    out = []
    for e in edges:
        n = seen[e.id] = seen.get(e.id, 0) + 1
        out.append(e.id if n == 1 else f"{e.id}#{n}")
    return out


def rgb(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` as red, green, blue.

    >>> rgb("#0d6efd")
    (13, 110, 253)
    """
    h = colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


_NOT_IN_FILE_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')


def file_name(text: str, fallback: str = "case") -> str:
    """``text`` as a file name every system extracts and opens: no characters
    Windows refuses (``: / \\ * ? " < > |``), no trailing dots or spaces, at most 80 characters.

    >>> file_name("Ring: Karachi/Quetta?"), file_name(" ... "), file_name("حلقہ ١")
    ('Ring- Karachi-Quetta-', 'case', 'حلقہ ١')
    """
    name = _NOT_IN_FILE_NAMES.sub("-", str(text)).strip().rstrip(". ")[:80].rstrip(". ")
    return name or fallback
