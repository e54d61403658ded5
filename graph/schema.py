"""The graph schema as data, loaded from ``schema.yaml``.

Every other module asks this one what labels, keys, properties and
relationships exist, and what they mean to a reader (titles, enum value
titles, scores and their reasons, adverse outcomes, personal data), so the
schema is stated once, as followthemoney states its model.

>>> from nigah.graph.schema import SCHEMA
>>> SCHEMA.node("Trader").key
'ntn'
>>> SCHEMA.relationship("FILED_BY").target
'Trader'
>>> SCHEMA.prop("Trader", "registered_on").title, SCHEMA.node("ClearingAgent").title
('Registered on', 'Clearing agent')
>>> SCHEMA.prop("Declaration", "risk").explained_by, SCHEMA.adverse_outcomes
('risk_reasons', ('discrepancy', 'seizure'))
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import yaml

IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
PROPERTY_TYPES = {"str", "int", "float", "date", "datetime", "enum"}
# Where each stored node and relationship came from: the input file and row,
# and when the load that last changed it ran (ISO 8601 with its UTC offset).
# Every store keeps these columns beside the schema's properties.
SOURCE_FILE, SOURCE_ROW, LOADED_AT = "_source_file", "_source_row", "_loaded_at"
PROVENANCE = {SOURCE_FILE: "str", SOURCE_ROW: "int", LOADED_AT: "str"}
# How a reasons property (``risk_reasons``, ``diversion_reasons``, ...) holds its
# reasons in one stored string: one per line, since reasons contain "; " themselves.
REASON_SEPARATOR = "\n"
# What each level of the schema file may say; anything else is a typo, refused.
PROPERTY_KEYS = {"type", "title", "required", "format", "values", "min", "max", "search", "computed", "time",
                 "references", "relationship", "history", "hidden", "personal", "adverse", "feature", "colours"}
SCORE_KEYS = {"title", "explained_by", "evidenced_by", "flag_at"}
NODE_KEYS = {"key", "file", "display", "colour", "reference", "title", "properties"}
RELATIONSHIP_KEYS = {"source", "target", "title", "file", "columns", "key", "properties"}


class SchemaError(ValueError):
    """The schema file itself is inconsistent."""


@dataclass(frozen=True)
class Property:
    name: str
    type: str
    required: bool = False
    format: str | None = None
    values: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    search: bool = False
    computed: bool = False
    time: bool = False
    references: str | None = None
    relationship: str | None = None
    history: bool = False
    # Display meaning. ``title``: the human label ("Registered on"). ``hidden``:
    # left out of a profile's attribute table (computed ones by default: the
    # profile shows scores and reasons apart). ``personal``: personal data of a
    # natural person (masked for some roles). ``value_titles``: an enum value's
    # human label. ``adverse``: the enum values that are adverse findings.
    title: str = ""
    hidden: bool = False
    personal: bool = False
    value_titles: dict[str, str] = field(default_factory=dict, hash=False)
    # ``colours``: an enum value's colour in every chart (``missing``: no value).
    colours: dict[str, str] = field(default_factory=dict, hash=False)
    adverse: tuple[str, ...] = ()
    # For a score (declared under ``scores:``): the property holding its reasons
    # and the score from which an entity counts as flagged.
    explained_by: str | None = None
    flag_at: float | None = None
    # ``evidenced_by``: the property holding those reasons as data (one JSON
    # object per line: kind, entity, figures), for links and checks.
    evidenced_by: str | None = None
    # ``feature: false``: never a risk-model input, because it is known only
    # after examination (the outcome), is the old rules' choice, or names one
    # GD alone (free text, a container number). Computed properties never are.
    feature: bool = True

    def __post_init__(self) -> None:
        if not self.title:
            object.__setattr__(self, "title", words(self.name))


@dataclass(frozen=True)
class NodeType:
    label: str
    key: str
    properties: dict[str, Property]
    file: str | None = None
    display: str | None = None
    colour: str = "#999999"
    reference: bool = False
    title: str = ""

    @property
    def input_properties(self) -> list[Property]:
        """Properties read from input files (computed ones are written by analytics)."""
        return [p for p in self.properties.values() if not p.computed]

    @property
    def search_properties(self) -> list[str]:
        return [p.name for p in self.properties.values() if p.search]

    @property
    def time_property(self) -> str | None:
        return next((p.name for p in self.properties.values() if p.time), None)

    @property
    def caption(self) -> str:
        return self.display or self.key


@dataclass(frozen=True)
class RelationshipType:
    type: str
    source: str
    target: str
    properties: dict[str, Property] = field(default_factory=dict)
    key: tuple[str, ...] = ()
    file: str | None = None
    # Set when the relationship comes from a reference column of the source's file.
    column: str | None = None
    # For relationships with a file of their own: the source and target key columns.
    source_column: str = "source"
    target_column: str = "target"
    title: str = ""

    @property
    def time_property(self) -> str | None:
        return next((p.name for p in self.properties.values() if p.time), None)


def _check_keys(where: str, spec: dict, allowed: set[str]) -> None:
    unknown = set(spec) - allowed
    if unknown:
        raise SchemaError(f"{where}: unknown attribute(s) {', '.join(sorted(unknown))}")


def words(name: str) -> str:
    """The fallback title of a name: ``registered_on`` → "Registered on",
    ``ClearingAgent`` → "Clearing agent", ``FILED_BY`` → "Filed by".

    >>> words("registered_on"), words("ClearingAgent"), words("FILED_BY")
    ('Registered on', 'Clearing agent', 'Filed by')
    """
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").lower()
    return spaced[:1].upper() + spaced[1:]


def _property(name: str, spec: dict) -> Property:
    spec = dict(spec)
    _check_keys(f"property {name!r}", spec, PROPERTY_KEYS)
    if spec.get("type") not in PROPERTY_TYPES:
        raise SchemaError(f"property {name!r}: unknown type {spec.get('type')!r}")
    # An enum's values are a list, or a mapping of each value to its title.
    values = spec.get("values", ())
    titles = dict(values) if isinstance(values, dict) else {}
    spec["values"] = tuple(values)
    spec["value_titles"] = {v: str(titles.get(v) or v.replace("_", " ")) for v in spec["values"]}
    spec["adverse"] = tuple(spec.get("adverse", ()))
    spec["colours"] = {str(k): str(v) for k, v in dict(spec.get("colours") or {}).items()}
    if not set(spec["colours"]) <= set(spec["values"]) | {"missing"}:
        raise SchemaError(f"property {name!r}: colours are for its values (or 'missing')")
    if not set(spec["adverse"]) <= set(spec["values"]):
        raise SchemaError(f"property {name!r}: adverse values must be among its values")
    spec.setdefault("hidden", bool(spec.get("computed", False)))
    spec["feature"] = bool(spec.get("feature", True)) and not spec.get("computed", False)
    return Property(name=name, **spec)


def _check_identifier(name: str) -> str:
    # Labels and types are spliced into Cypher and SQL as identifiers (they
    # cannot be parameters), so only plain identifiers are allowed.
    if not IDENTIFIER.match(name):
        raise SchemaError(f"{name!r} is not a plain identifier")
    return name


# What a mapping may add to a kind without a schema edit (``with_attributes``).
ATTRIBUTE_TYPES = ("str", "float", "int", "date")


def with_attributes(schema: "Schema", attributes: dict[str, dict[str, str]]) -> "Schema":
    """The schema with extra attributes (label -> {name: type}) that a mapping
    brought and a store keeps: typed, optional, inputs of the risk model
    (``feature``), shown under their own name. An attribute the schema has
    already must have its type.

    >>> s = with_attributes(SCHEMA, {"Declaration": {"warehouse_code": "str"}})
    >>> s.prop("Declaration", "warehouse_code").type, "warehouse_code" in SCHEMA.node("Declaration").properties
    ('str', False)
    """
    nodes = dict(schema.nodes)
    for label, extra in attributes.items():
        node = schema.node(label)
        props = dict(node.properties)
        for name, kind in extra.items():
            _check_identifier(name)
            if kind not in ATTRIBUTE_TYPES:
                raise SchemaError(f"{label}.{name}: an extra attribute's type is one of {', '.join(ATTRIBUTE_TYPES)}, "
                                  f"not {kind!r}")
            if name in props and props[name].type != kind:
                raise SchemaError(f"{label}.{name} is already a {props[name].type}, not a {kind}")
            props.setdefault(name, Property(name=name, type=kind))
        nodes[label] = replace(node, properties=props)
    return replace(schema, nodes=nodes)


@dataclass(frozen=True)
class Schema:
    nodes: dict[str, NodeType]
    relationships: dict[str, RelationshipType]
    # The score properties, in the order a profile shows them.
    scores: tuple[str, ...] = ()

    def node(self, label: str) -> NodeType:
        try:
            return self.nodes[label]
        except KeyError:
            raise KeyError(f"unknown node label {label!r}") from None

    def relationship(self, rel_type: str) -> RelationshipType:
        try:
            return self.relationships[rel_type]
        except KeyError:
            raise KeyError(f"unknown relationship type {rel_type!r}") from None

    def prop(self, label: str, name: str) -> Property:
        try:
            return self.node(label).properties[name]
        except KeyError:
            raise KeyError(f"{label} has no property {name!r}") from None

    def score(self, name: str) -> Property:
        """A score as declared under ``scores:`` (its title, reasons, flag_at)."""
        if name not in self.scores:
            raise KeyError(f"{name!r} is not a score")
        return next(n.properties[name] for n in self.nodes.values() if name in n.properties)

    def enum_values(self, label: str, name: str) -> tuple[str, ...]:
        return self.prop(label, name).values

    @property
    def adverse_outcomes(self) -> tuple[str, ...]:
        """Inspection outcomes that found something (a discrepancy or a seizure)."""
        return self.prop("Declaration", "inspection_outcome").adverse

    @cached_property
    def load_order(self) -> list[str]:
        """Labels ordered so that every referenced label comes before its referrers."""
        order: list[str] = []

        def visit(label: str, path: tuple[str, ...]) -> None:
            if label in order:
                return
            if label in path:
                raise SchemaError(f"reference cycle through {label}")
            for prop in self.nodes[label].properties.values():
                if prop.references:
                    visit(prop.references, path + (label,))
            order.append(label)

        for label in self.nodes:
            visit(label, ())
        return order

    def column_relationships(self, label: str) -> list[RelationshipType]:
        return [r for r in self.relationships.values() if r.column and r.source == label]

    @property
    def file_relationships(self) -> list[RelationshipType]:
        return [r for r in self.relationships.values() if r.file]


def when(value) -> str:
    """A stored time as an officer reads it: date, hours and minutes.

    >>> when("2026-12-04T19:10:37+05:00"), when(None)
    ('2026-12-04 19:10', '')
    """
    if value is None or value != value or value == "":
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text[:16].replace("T", " ")


def provenance_text(properties: dict) -> str:
    """Where a node's or relationship's current values came from, in words:
    file, row, and when the load ran.

    >>> provenance_text({"_source_file": "traders.csv", "_source_row": 2, "_loaded_at": "2026-12-04T19:10:37+05:00"})
    'traders.csv, row 2, loaded 2026-12-04 19:10'
    >>> provenance_text({})
    ''
    """
    if not properties.get(SOURCE_FILE):
        return ""
    loaded = when(properties.get(LOADED_AT))
    return f"{properties[SOURCE_FILE]}, row {properties.get(SOURCE_ROW)}" + (f", loaded {loaded}" if loaded else "")


def node_id(label, key):
    """The store-independent id of a node, e.g. ``Trader:1234567-8``. Given a
    pandas Series of string keys (and a label or a Series of labels), the
    Series of their ids, missing keys staying missing.

    >>> node_id("Trader", "1234567-8")
    'Trader:1234567-8'
    """
    if hasattr(key, "to_numpy"):  # a column of keys, as the analytics hold them
        return label + ":" + key
    return f"{label}:{key}"


def split_node_id(nid: str) -> tuple[str, str]:
    label, _, key = nid.partition(":")
    if not key:
        raise ValueError(f"{nid!r} is not a node id of the form Label:key")
    return label, key


def _inherit_reference_formats(nodes: dict[str, NodeType]) -> None:
    # A reference column is spelled like the key it points at, so it is checked
    # and normalised with the key's format unless it declares its own.
    for node in nodes.values():
        for name, prop in list(node.properties.items()):
            if prop.references:
                if prop.references not in nodes:
                    raise SchemaError(f"{node.label}.{name}: unknown label {prop.references!r}")
                target = nodes[prop.references]
                fmt = prop.format or target.properties[target.key].format
                node.properties[name] = replace(prop, format=fmt)


def reference_property(schema: "Schema", column: str, label: str) -> Property:
    """A required column holding keys of ``label`` (relationship files' ends)."""
    node = schema.node(label)
    return Property(column, "str", required=True, format=node.properties[node.key].format,
                    references=label)


def file_properties(schema: "Schema", rel: "RelationshipType") -> list[Property]:
    """The columns of a relationship's own file: its two ends, then its properties."""
    return [reference_property(schema, rel.source_column, rel.source),
            reference_property(schema, rel.target_column, rel.target), *rel.properties.values()]


def _apply_scores(nodes: dict[str, NodeType], scores: dict) -> tuple[str, ...]:
    # A score means the same on every label that carries it (a trader's risk, a
    # declaration's risk), so it is declared once and given to each of them.
    # A score no label carries is left out: a store made with an older schema
    # (before community scores) still opens with it.
    carried = []
    for name, spec in scores.items():
        _check_keys(f"score {name!r}", spec, SCORE_KEYS)
        flag_at = spec.get("flag_at")
        if isinstance(flag_at, bool) or not isinstance(flag_at, (int, float)) or not 0 <= flag_at <= 1:
            raise SchemaError(f"score {name!r}: flag_at must be a number from 0 to 1")
        carriers = [n for n in nodes.values() if name in n.properties]
        carried += [name] if carriers else []
        for node in carriers:
            prop = node.properties[name]
            if prop.type != "float":
                raise SchemaError(f"{node.label}.{name}: a score is a float")
            reasons = spec.get("explained_by")
            if reasons is not None and reasons not in node.properties:
                raise SchemaError(f"{node.label}.{name}: explained by {reasons!r}, which it does not have")
            # the records beside the reasons, on the labels that keep them
            evidence = spec.get("evidenced_by") if spec.get("evidenced_by") in node.properties else None
            node.properties[name] = replace(prop, title=spec.get("title", prop.title), explained_by=reasons,
                                            evidenced_by=evidence, flag_at=float(flag_at))
    return tuple(carried)


def load_schema(path: Path | str = Path(__file__).with_name("schema.yaml")) -> Schema:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    _check_keys("schema", raw, {"nodes", "relationships", "scores"})
    nodes: dict[str, NodeType] = {}
    for label, spec in raw["nodes"].items():
        _check_keys(f"node {label!r}", spec, NODE_KEYS)
        props = {n: _property(n, p) for n, p in spec["properties"].items()}
        for n in props:
            _check_identifier(n)
        if spec["key"] not in props:
            raise SchemaError(f"{label}: key {spec['key']!r} is not a property")
        nodes[_check_identifier(label)] = NodeType(
            label=label, key=spec["key"], properties=props, file=spec.get("file"),
            display=spec.get("display"), colour=spec.get("colour", "#999999"),
            reference=bool(spec.get("reference", False)), title=spec.get("title", words(label)),
        )
    _inherit_reference_formats(nodes)
    scores = _apply_scores(nodes, raw.get("scores") or {})
    rels: dict[str, RelationshipType] = {}
    columns = {p.relationship: (label, p.name) for label, n in nodes.items()
               for p in n.properties.values() if p.relationship}
    for rel_type, spec in raw["relationships"].items():
        _check_keys(f"relationship {rel_type!r}", spec, RELATIONSHIP_KEYS)
        props = {n: _property(n, p) for n, p in spec.get("properties", {}).items()}
        source, target = spec["source"], spec["target"]
        for end in (source, target):
            if end not in nodes:
                raise SchemaError(f"{rel_type}: unknown label {end!r}")
        column = None
        if rel_type in columns:
            owner, column = columns[rel_type]
            ref = nodes[owner].properties[column].references
            if owner != source or ref != target:
                raise SchemaError(f"{rel_type}: column {owner}.{column} does not match its ends")
        elif not spec.get("file"):
            raise SchemaError(f"{rel_type}: needs a file or a reference column")
        rels[_check_identifier(rel_type)] = RelationshipType(
            type=rel_type, source=source, target=target, properties=props,
            key=tuple(spec.get("key", ())), file=spec.get("file"), column=column,
            source_column=spec.get("columns", {}).get("source", "source"),
            target_column=spec.get("columns", {}).get("target", "target"),
            title=spec.get("title", words(rel_type)),
        )
    return Schema(nodes=nodes, relationships=rels, scores=scores)


SCHEMA = load_schema()
