"""Links no file states: two entities that share an identifying detail (a
phone, a bank account, an address, a director's CNIC). One phone on four
traders under two names is a ring's signature; drawn as a link, it shows at
one expansion instead of waiting for someone to search the number.

Which details count comes from the schema: every ``history`` property (the
identifying details a trader may change), matched across labels by its
format (a trader's phone against an agent's or a transporter's phone), and
by the property itself where it has no format (addresses). Values are
compared as stored (ingest has normalised them). The links are derived at
read time, on either store, and carry only the kind of detail shared, never
its value.

>>> sorted(IDENTIFIERS)
['address', 'bank_account', 'cnic', 'phone']
>>> [(label, prop) for label, prop in IDENTIFIERS["phone"]]
[('Trader', 'phone'), ('ClearingAgent', 'phone'), ('Transporter', 'phone')]
"""
from __future__ import annotations

from nigah.graph.model import Edge, Node
from nigah.graph.schema import SCHEMA, Schema, node_id


def identifiers(schema: Schema = SCHEMA) -> dict[str, list[tuple[str, str]]]:
    """Each kind of identifying detail (a format, or a property without one) and
    the (label, property) pairs that hold it."""
    kinds = {p.format or p.name for n in schema.nodes.values() for p in n.properties.values() if p.history}
    return {kind: [(label, p.name) for label, n in schema.nodes.items() for p in n.properties.values()
                   if (p.format or p.name) == kind and (p.history or p.format)]
            for kind in sorted(kinds)}


IDENTIFIERS = identifiers()
BUSY = 25   # a detail shared by more entities than this is a switchboard or a placeholder, not a ring's tie


PREFIX = "SAME_"


def shared_type(kind: str) -> str:
    """The link type drawn for a shared detail, e.g. ``SAME_PHONE``."""
    return f"{PREFIX}{kind.upper()}"


def shared_title(rel_type: str) -> str | None:
    """What a shared-detail link says on the canvas; None for a stored relationship.

    >>> shared_title("SAME_BANK_ACCOUNT"), shared_title("SAME_CNIC"), shared_title("FILED_BY")
    ('same bank account', 'same CNIC', None)
    """
    if not rel_type.startswith(PREFIX):
        return None
    return "same " + rel_type[len(PREFIX):].lower().replace("_", " ").replace("cnic", "CNIC")


def shared_details(store, nodes: list[Node]) -> tuple[list[Node], list[Edge]]:
    """The entities sharing an identifying detail with ``nodes``, and a link
    (``SAME_PHONE``…) from each of ``nodes`` to each of them."""
    # (kind, label, prop) -> value -> ids of ``nodes`` holding it
    wanted: dict[tuple[str, str, str], dict[str, set[str]]] = {}
    for node in nodes:
        for kind, holders in IDENTIFIERS.items():
            for label, prop in holders:
                value = node.properties.get(prop) if label == node.label else None
                if value not in (None, ""):
                    for other_label, other_prop in holders:
                        wanted.setdefault((kind, other_label, other_prop), {}).setdefault(
                            str(value), set()).add(node.id)
    edges, others = [], set()
    for (kind, label, prop), by_value in wanted.items():
        found = store._keys_with_values(label, prop, list(by_value))
        if not len(found):
            continue
        crowded = found.groupby(prop)[prop].transform("size") > BUSY
        for key, value in found.loc[~crowded, [found.columns[0], prop]].itertuples(index=False):
            other = node_id(label, key)
            for source in sorted(by_value.get(str(value), ())):
                if source != other:
                    edges.append(Edge(shared_type(kind), source, other))
                    others.add(other)
    unique = {(e.source, e.target, e.type): e for e in edges}
    return store.get_nodes(sorted(others)), sorted(unique.values(), key=lambda e: e.id)
