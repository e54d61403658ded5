"""Data objects that the stores return: nodes, edges, subgraphs, load results.

They are plain values, independent of the store that produced them, so that
both stores can be compared answer for answer.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from nigah.graph.schema import split_node_id


def clean_value(value: object) -> object:
    """A property value in plain, comparable form: ISO strings for dates, no NaN."""
    if value is None:
        return None
    if hasattr(value, "to_native"):  # neo4j.time types
        value = value.to_native()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def clean_properties(props: dict) -> dict:
    out = {}
    for k, v in props.items():
        if k.startswith("_") or k == "nid":
            continue
        v = clean_value(v)
        if v is not None:
            out[k] = v
    return out


@dataclass(frozen=True)
class Node:
    id: str
    properties: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def label(self) -> str:
        return split_node_id(self.id)[0]

    @property
    def key(self) -> str:
        return split_node_id(self.id)[1]


@dataclass(frozen=True)
class Edge:
    type: str
    source: str
    target: str
    properties: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def id(self) -> str:
        suffix = "|".join(str(v) for v in self.properties.values())
        return f"{self.source}-{self.type}-{self.target}" + (f"|{suffix}" if suffix else "")


@dataclass
class Subgraph:
    """Nodes and the edges among them, with a flag for caps that cut it short."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    truncated: bool = False
    # How many neighbours the cap left out, per node that was expanded.
    hidden: dict[str, int] = field(default_factory=dict)

    @property
    def node_ids(self) -> list[str]:
        return [n.id for n in self.nodes]


@dataclass
class UpsertResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: "UpsertResult") -> "UpsertResult":
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self
