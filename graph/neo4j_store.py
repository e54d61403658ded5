"""The Neo4j 5 store, over Bolt with the official driver.

Every node carries its schema label plus ``Entity`` and a ``nid`` property
(``Label:key``), unique across the graph, so that nodes of any label can be
addressed with one index. Labels, types and property names come from the
schema (checked identifiers); every value travels as a query parameter.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable

import neo4j
import numpy as np
import pandas as pd

from nigah.graph.model import Edge, Node, UpsertResult, clean_properties
from nigah.graph.names import NameIndex
from nigah.graph.schema import PROVENANCE, SCHEMA, Schema, node_id, split_node_id
from nigah.graph.secrets import redact
from nigah.graph.shared import IDENTIFIERS
from nigah.graph.store import HISTORY_COLUMNS, GraphStore, StoreUnavailable
from nigah.graph.window import day_window

BATCH = 20_000  # rows per transaction: fewer commits and round trips (10k: 9.9k rows/s, see notes)


def _native(value):
    """A pandas/numpy value as something the driver sends with the right type."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


# The driver packs a date-time in ~90 µs (a date in ~20), its text in ~1; so
# columns of naive dates and date-times travel as ISO text, which the query
# turns back into values (see _with_temporals).
_FROM_TEXT = {"date": "date", "datetime": "localdatetime"}


def _column(column: pd.Series, kind: str | None) -> tuple[list, bool]:
    """A column's values for the driver, None for null, and whether they went
    to text (a naive date or date-time column with ``kind`` 'date'/'datetime')."""
    null = column.isna().to_numpy()
    as_text = kind in _FROM_TEXT and pd.api.types.is_datetime64_dtype(column.dtype)
    if as_text:
        values = np.datetime_as_string(column.to_numpy(), unit="D" if kind == "date" else "us").tolist()
    elif column.dtype.kind in "iufb":  # numpy numbers: tolist gives Python ones
        values = column.tolist()
    else:
        values = [_native(v) for v in column.tolist()]
        if kind == "date":
            values = [v.date() if isinstance(v, dt.datetime) else v for v in values]
    return [None if n else v for v, n in zip(values, null)], as_text


def records(rows: pd.DataFrame, temporal: dict[str, str] | None = None) -> tuple[list[dict], dict[str, str]]:
    """DataFrame rows as parameter dicts, and the columns sent as text (name: kind).
    ``temporal`` gives the 'date'/'datetime' columns' kinds."""
    temporal = temporal or {}
    columns, texts = {}, {}
    for name in rows.columns:
        columns[name], as_text = _column(rows[name], temporal.get(name))
        if as_text:
            texts[name] = temporal[name]
    return [dict(zip(columns, values)) for values in zip(*columns.values())], texts


def _with_temporals(var: str, texts: dict[str, str]) -> str:
    """Cypher for the map ``var`` with the columns in ``texts`` turned from text
    back into dates and date-times (their names are schema property names)."""
    if not texts:
        return var
    return var + " {.*, " + ", ".join(f"{c}: {_FROM_TEXT[k]}({var}.{c})" for c, k in texts.items()) + "}"


class Neo4jStore(GraphStore):
    name = "neo4j"

    def __init__(self, uri: str | None = None, user: str | None = None,
                 password: str | None = None, database: str | None = None,
                 schema: Schema = SCHEMA):
        super().__init__(schema)
        self.uri = uri or os.environ.get("NEO4J_URI", "bolt://localhost:7687")
        user = user or os.environ.get("NEO4J_USER", "neo4j")
        password = password if password is not None else os.environ.get("NEO4J_PASSWORD")
        self.database = database or os.environ.get("NEO4J_DATABASE", "neo4j")
        auth = (user, password) if password else None
        # The server's notifications (e.g. "property key does not exist" before any
        # trader has a phone) are for people writing queries by hand, not for ours.
        try:
            self.driver = neo4j.GraphDatabase.driver(self.uri, auth=auth, notifications_min_severity="OFF")
        except (neo4j.exceptions.ConfigurationError, ValueError) as exc:   # a malformed NEO4J_URI: usage
            raise ValueError(redact(f"NEO4J_URI {self.uri} cannot be used: {exc} (give the user and "
                                    f"password in NEO4J_USER and NEO4J_PASSWORD, not in the address)")) from None
        try:
            self.driver.verify_connectivity()
        except Exception as exc:  # the driver raises several kinds here
            self.driver.close()
            raise StoreUnavailable(f"cannot reach Neo4j at {self.uri}: {exc}") from exc
        self.create_schema()

    def close(self) -> None:
        self.driver.close()

    def _run(self, query: str, **params) -> list[neo4j.Record]:
        try:
            records_, _, _ = self.driver.execute_query(query, params, database_=self.database)
        except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired) as exc:
            # the server went away mid-run: what was committed stays, a rerun resumes (journal)
            raise StoreUnavailable(f"lost Neo4j at {self.uri}: {exc}") from exc
        return records_

    @staticmethod
    def _temporal(props) -> dict[str, str]:
        return {p.name: p.type for p in props if p.type in _FROM_TEXT}

    # ---- schema --------------------------------------------------------
    def _keep_attributes(self, label: str, attributes: dict[str, str]) -> None:
        self._run("UNWIND $rows AS row MERGE (a:NigahAttribute {label: row.label, name: row.name}) "
                  "SET a.type = row.type", rows=[{"label": label, "name": n, "type": t} for n, t in attributes.items()])

    def _kept_attributes(self) -> dict[str, dict[str, str]]:
        kept: dict[str, dict[str, str]] = {}
        for r in self._run("MATCH (a:NigahAttribute) RETURN a.label AS label, a.name AS name, a.type AS type "
                           "ORDER BY label, name"):
            if r["label"] in self.schema.nodes:
                kept.setdefault(r["label"], {})[r["name"]] = r["type"]
        return kept

    def create_schema(self) -> None:
        self._extend_schema()
        self._run("CREATE CONSTRAINT entity_nid IF NOT EXISTS FOR (n:Entity) REQUIRE n.nid IS UNIQUE")
        self._run("CREATE INDEX detail_change_nid IF NOT EXISTS FOR (h:DetailChange) ON (h.nid)")
        self._run("CREATE CONSTRAINT nigah_case_name IF NOT EXISTS FOR (c:NigahCase) REQUIRE c.name IS UNIQUE")
        self._run("CREATE CONSTRAINT nigah_audit_seq IF NOT EXISTS FOR (a:NigahAudit) REQUIRE a.seq IS UNIQUE")
        for label, node in self.schema.nodes.items():
            self._run(f"CREATE CONSTRAINT {label.lower()}_key IF NOT EXISTS "
                      f"FOR (n:{label}) REQUIRE n.{node.key} IS UNIQUE")
            if node.time_property:
                self._run(f"CREATE INDEX {label.lower()}_time IF NOT EXISTS "
                          f"FOR (n:{label}) ON (n.{node.time_property})")
        for label, node in self.schema.nodes.items():   # search: CONTAINS through text indexes
            for p in node.search_properties:
                self._run(f"CREATE TEXT INDEX {label.lower()}_{p}_search IF NOT EXISTS "
                          f"FOR (n:{label}) ON (n.{_lower(p)})")
        self._backfill_search_copies()
        for holders in IDENTIFIERS.values():   # graph.shared looks entities up by a phone, an account…
            for label, prop in holders:
                self._run(f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})")

    # ---- writes --------------------------------------------------------
    def _batched(self, query: str, rows: list[dict], **params) -> UpsertResult:
        result = UpsertResult()
        for i in range(0, len(rows), BATCH):
            chunk = rows[i:i + BATCH]
            out = {r["outcome"]: r["n"] for r in self._run(query, rows=chunk, **params)}
            if sum(out.values()) != len(chunk):
                raise ValueError(f"{len(chunk) - sum(out.values())} rows refer to missing nodes")
            result += UpsertResult(out.get("inserted", 0), out.get("updated", 0), out.get("unchanged", 0))
        return result

    @staticmethod
    def _outcome(new: str) -> str:
        """Cypher: the outcome of writing map ``new`` over ``old`` (compared on ``$props``)."""
        return ("CASE WHEN old IS NULL THEN 'inserted' "
                f"WHEN any(p IN $props WHERE NOT coalesce(old[p] = {new}[p], old[p] IS NULL AND {new}[p] IS NULL)) "
                "THEN 'updated' ELSE 'unchanged' END AS outcome")

    def _upsert_nodes(self, label: str, rows: pd.DataFrame) -> UpsertResult:
        node = self.schema.node(label)
        data, texts = records(rows, self._temporal(node.input_properties))
        searched = [p for p in node.search_properties if p in rows.columns]
        for r in data:
            r["nid"] = node_id(label, r[node.key])
            for p in searched:   # the lower-case copies search reads through its text indexes
                r[_lower(p)] = None if r[p] is None else str(r[p]).lower()
        # Provenance says where the current values came from: the same values
        # from another file or row are no change.
        props = [c for c in rows.columns if c != node.key and c not in PROVENANCE]
        query = (f"UNWIND $rows AS r WITH {_with_temporals('r', texts)} AS row "
                 f"OPTIONAL MATCH (old:{label} {{{node.key}: row.{node.key}}}) "
                 f"WITH row, old, {self._outcome('row')} "
                 f"MERGE (n:{label}:Entity {{{node.key}: row.{node.key}}}) "
                 f"FOREACH (_ IN CASE WHEN outcome = 'unchanged' THEN [] ELSE [1] END | SET n += row) "
                 f"RETURN outcome, count(*) AS n")
        return self._batched(query, data, props=props)

    def _upsert_relationships(self, rel_type: str, rows: pd.DataFrame) -> UpsertResult:
        rel = self.schema.relationship(rel_type)
        src, dst = self.schema.node(rel.source), self.schema.node(rel.target)
        props = [c for c in rows.columns if c not in ("source", "target")]
        for c in props:  # they go into the query text
            if c not in rel.properties and c not in PROVENANCE:
                raise KeyError(f"{rel_type} has no property {c!r} in the schema")
        data, texts = records(rows, self._temporal(rel.properties.values()))
        key = ", ".join(f"{k}: row.{k}" for k in rel.key)
        query = (f"UNWIND $rows AS r WITH {_with_temporals('r', texts)} AS row "
                 f"MATCH (a:{rel.source} {{{src.key}: row.source}}) "
                 f"MATCH (b:{rel.target} {{{dst.key}: row.target}}) "
                 f"OPTIONAL MATCH (a)-[old:{rel_type} {{{key}}}]->(b) "
                 f"WITH a, b, row {{{', '.join('.' + c for c in props)}}} AS props, old "
                 f"WITH a, b, props, old, {self._outcome('props')} "
                 f"MERGE (a)-[e:{rel_type} {{{', '.join(f'{k}: props.{k}' for k in rel.key)}}}]->(b) "
                 f"FOREACH (_ IN CASE WHEN outcome = 'unchanged' THEN [] ELSE [1] END | SET e += props) "
                 f"RETURN outcome, count(*) AS n")
        return self._batched(query, data, props=[c for c in props if c not in PROVENANCE])

    def _remove_other_targets(self, rel_type: str, rows: pd.DataFrame) -> int:
        rel = self.schema.relationship(rel_type)
        src, dst = self.schema.node(rel.source).key, self.schema.node(rel.target).key
        data, _ = records(rows[["source", "target"]])
        n = 0
        for i in range(0, len(data), BATCH):
            n += self._run(f"UNWIND $rows AS row MATCH (a:{rel.source} {{{src}: row.source}})-[old:{rel_type}]->"
                           f"(b:{rel.target}) WHERE row.target IS NULL OR b.{dst} <> row.target "
                           f"DELETE old RETURN count(*) AS n", rows=data[i:i + BATCH])[0]["n"]
        return n

    def _stored_values(self, label: str, keys: list[str], columns: list[str]) -> pd.DataFrame:
        key = self.schema.node(label).key
        cols = [key, *columns]
        rows = self._run(f"UNWIND $keys AS k MATCH (n:{label} {{{key}: k}}) "
                         f"RETURN {', '.join(f'n.{c} AS {c}' for c in cols)}", keys=list(map(str, keys)))
        return self._frame(rows, cols)

    def _keys_with_values(self, label: str, prop: str, values: list[str]) -> pd.DataFrame:
        key = self.schema.node(label).key
        rows = self._run(f"MATCH (n:{label}) WHERE n.{prop} IN $values RETURN n.{key} AS {key}, n.{prop} AS {prop}",
                         values=values)
        return self._frame(rows, [key, prop])

    def _record_history(self, changes: pd.DataFrame) -> None:
        # A change is identified by all it says, so recording it again (a rerun
        # after a crash) finds the same node instead of adding one.
        if "changed_at" not in changes:
            changes = changes.assign(changed_at=None)
        for i in range(0, len(changes), BATCH):
            self._run("UNWIND $rows AS row MATCH (n:Entity {nid: row.label + ':' + row.key}) "
                      "MERGE (h:DetailChange {nid: n.nid, property: row.property, old_value: row.old_value, "
                      "new_value: row.new_value, source_file: row.source_file, source_row: row.source_row}) "
                      "ON CREATE SET h.changed_at = CASE WHEN row.changed_at IS NULL THEN localdatetime() "
                      "ELSE localdatetime(row.changed_at) END MERGE (n)-[:HAD_DETAIL]->(h)",
                      rows=records(changes.iloc[i:i + BATCH])[0])

    def _earlier_values(self, q: str, limit: int) -> list[tuple[str, str]]:
        rows = self._run("MATCH (h:DetailChange) WHERE toLower(h.old_value) CONTAINS $q "
                         "RETURN h.nid AS nid, h.property AS property, toLower(h.old_value) <> $q AS inexact "
                         "ORDER BY inexact, nid LIMIT $limit", q=q, limit=limit)
        return [(r["nid"], r["property"]) for r in rows]

    def _history_rows(self) -> pd.DataFrame:
        rows = self._run("MATCH (h:DetailChange) RETURN h.nid AS nid, h.property AS property, "
                         "h.old_value AS old_value, h.new_value AS new_value, h.source_file AS source_file, "
                         "h.source_row AS source_row, h.changed_at AS changed_at")
        out = [{**dict(zip(("label", "key"), split_node_id(r["nid"]))), **{k: r[k] for k in r.keys() if k != "nid"}}
               for r in rows]
        for r in out:   # the driver's LocalDateTime, as Python's
            if hasattr(r["changed_at"], "to_native"):
                r["changed_at"] = r["changed_at"].to_native()
        return pd.DataFrame(out, columns=HISTORY_COLUMNS)

    def history(self, node: str) -> list[dict]:
        rows = self._run("MATCH (h:DetailChange {nid: $nid}) RETURN h.property AS property, "
                         "h.old_value AS old_value, h.new_value AS new_value, h.source_file AS source_file, "
                         "h.source_row AS source_row, h.changed_at AS changed_at "
                         "ORDER BY changed_at, source_row", nid=node)
        return [clean_properties(dict(r)) for r in rows]

    def warm(self) -> None:
        """Build the spelling-tolerant name index before the first search asks
        for it (the dashboard warms its store at start-up): at 1M GDs reading
        every name made one search in forty slow."""
        if self._name_index is None:
            self._name_index = NameIndex.read(self)

    SEARCH_COPIES = "search-copies-1"   # a store whose nodes all have their lower-case copies

    def _backfill_search_copies(self) -> None:
        """Give nodes stored before the lower-case copies existed theirs, once."""
        if self._run("MATCH (m:NigahMeta {name: $n}) RETURN m", n=self.SEARCH_COPIES):
            return
        with self.driver.session(database=self.database) as session:
            for label, node in self.schema.nodes.items():
                for p in node.search_properties:
                    session.run(f"MATCH (n:{label}) WHERE n.{p} IS NOT NULL AND n.{_lower(p)} IS NULL "
                                f"CALL (n) {{ SET n.{_lower(p)} = toLower(toString(n.{p})) }} "
                                "IN TRANSACTIONS OF 10000 ROWS").consume()
        self._run("MERGE (m:NigahMeta {name: $n})", n=self.SEARCH_COPIES)

    def _audit_append(self, link) -> dict:
        from neo4j.exceptions import ConstraintError

        for _ in range(20):   # another writer took the number: link to the new tail and try again
            tail = self._run("MATCH (a:NigahAudit) RETURN a.seq AS seq, a.hash AS hash ORDER BY a.seq DESC LIMIT 1")
            rec = link(dict(tail[0]) if tail else None)
            try:
                self._run("CREATE (a:NigahAudit $rec)",
                          rec={**rec, "detail": json.dumps(rec["detail"], ensure_ascii=False, sort_keys=True)})
                return rec
            except ConstraintError:
                continue
        raise StoreUnavailable("the audit trail is being written by too many at once: try again")

    def _audit_rows(self) -> list[dict]:
        rows = self._run("MATCH (a:NigahAudit) RETURN a ORDER BY a.seq")
        return [dict(r["a"]) for r in rows]

    def _put_case(self, name: str, payload: str) -> None:
        self._run("MERGE (c:NigahCase {name: $name}) SET c.payload = $payload, c.updated_at = localdatetime()",
                  name=name, payload=payload)

    def _case_payload(self, name: str) -> str | None:
        rows = self._run("MATCH (c:NigahCase {name: $name}) RETURN c.payload AS payload", name=name)
        return rows[0]["payload"] if rows else None

    def _case_names(self) -> list[str]:
        return [r["name"] for r in self._run("MATCH (c:NigahCase) RETURN c.name AS name")]

    def _drop_case(self, name: str) -> None:
        self._run("MATCH (c:NigahCase {name: $name}) DELETE c", name=name)

    def _write_properties(self, label: str, values: pd.DataFrame) -> int:
        node = self.schema.node(label)
        props = [c for c in values.columns if c != node.key]
        data = [{"key": str(r[node.key]), "props": {c: r[c] for c in props}} for r in records(values)[0]]
        n = 0
        for i in range(0, len(data), BATCH):
            n += self._run(f"UNWIND $rows AS row MATCH (n:{label} {{{node.key}: row.key}}) "
                           f"SET n += row.props RETURN count(n) AS n", rows=data[i:i + BATCH])[0]["n"]
        return n

    def clear(self) -> None:
        # Batched, in auto-commit transactions: one transaction deleting a
        # large graph would exceed the transaction memory limit.
        with self.driver.session(database=self.database) as session:
            # Relationships first: a station with 100k relationships is too big to detach at once.
            session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS").consume()
            # everything but the audit trail, which nothing deletes
            session.run("MATCH (n) WHERE NOT n:NigahAudit CALL (n) { DETACH DELETE n } "
                        "IN TRANSACTIONS OF 10000 ROWS").consume()
        self.schema = self._declared   # the extra attributes went with the data
        self._run("MERGE (m:NigahMeta {name: $n})", n=self.SEARCH_COPIES)   # empty: nothing to backfill

    # ---- bulk reads ------------------------------------------------------
    def existing_keys(self, label: str, keys: Iterable[str]) -> set[str]:
        key = self.schema.node(label).key
        rows = self._run(f"UNWIND $keys AS k MATCH (n:{label} {{{key}: k}}) RETURN n.{key} AS k",
                         keys=list(keys))
        return {r["k"] for r in rows}

    def _frame(self, rows: list[neo4j.Record], columns: list[str]) -> pd.DataFrame:
        df = pd.DataFrame([[_plain(r[c]) for c in columns] for r in rows], columns=columns)
        return df

    def _node_rows(self, label: str, columns: list[str]) -> pd.DataFrame:
        key = self.schema.node(label).key
        rows = self._run(f"MATCH (n:{label}) RETURN {', '.join(f'n.{c} AS {c}' for c in columns)} "
                         f"ORDER BY n.{key}")
        return self._frame(rows, columns)

    def _relationship_rows(self, rel_type: str, properties: list[str], order: list[str]) -> pd.DataFrame:
        rel = self.schema.relationship(rel_type)
        src, dst = self.schema.node(rel.source).key, self.schema.node(rel.target).key
        ret = ", ".join([f"a.{src} AS source", f"b.{dst} AS target"] + [f"r.{p} AS {p}" for p in properties])
        rows = self._run(f"MATCH (a:{rel.source})-[r:{rel_type}]->(b:{rel.target}) RETURN {ret} "
                         f"ORDER BY {', '.join(order)}")
        return self._frame(rows, ["source", "target", *properties])

    def _count(self, label: str | None = None, rel_type: str | None = None) -> int:
        pattern = f"(x:{label})" if label else f"()-[x:{rel_type}]->()"
        return self._run(f"MATCH {pattern} RETURN count(x) AS n")[0]["n"]

    def get_nodes(self, ids: list[str]) -> list[Node]:
        rows = self._run("MATCH (n:Entity) WHERE n.nid IN $ids RETURN n.nid AS nid, properties(n) AS p",
                         ids=list(ids))
        found = {}
        for r in rows:
            found[r["nid"]] = self._node(r["nid"], dict(r["p"]))
        return [found[i] for i in ids if i in found]

    # ---- traversal --------------------------------------------------------
    def _time_filters(self, since, until) -> tuple[str, str, dict]:
        """WHERE fragments for relationship ``r`` and neighbour ``m``, from the schema."""
        start, end = day_window(since, until)
        # Dates compare with dates: the window's first day and the day after its last.
        params = {"since_d": start and start.date(), "until_d": end and end.date(),
                  "since_t": start, "until_t": end}
        rel_parts = [f"(type(r) <> '{rel.type}' OR {_window('r', rel.properties[rel.time_property])})"
                     for rel in self.schema.relationships.values() if rel.time_property]
        node_parts = [f"(NOT m:{label} OR {_window('m', node.properties[node.time_property])})"
                      for label, node in self.schema.nodes.items() if node.time_property]
        return " AND ".join(rel_parts) or "true", " AND ".join(node_parts) or "true", params

    def expand(self, ids, rel_types, since, until) -> pd.DataFrame:
        rel_where, node_where, params = self._time_filters(since, until)
        rows = self._run(f"UNWIND $ids AS id MATCH (n:Entity {{nid: id}})-[r]-(m:Entity) "
                         f"WHERE type(r) IN $types AND {rel_where} AND {node_where} "
                         f"RETURN DISTINCT id, m.nid AS other", ids=list(ids), types=list(rel_types), **params)
        return pd.DataFrame([(r["id"], r["other"]) for r in rows], columns=["id", "other"])

    def edges_among(self, ids, rel_types, since, until) -> list[Edge]:
        rel_where, _, params = self._time_filters(since, until)
        rows = self._run(f"MATCH (a:Entity)-[r]->(m:Entity) WHERE a.nid IN $ids AND m.nid IN $ids "
                         f"AND type(r) IN $types AND {rel_where} "
                         f"RETURN type(r) AS t, a.nid AS s, m.nid AS d, properties(r) AS p",
                         ids=list(ids), types=list(rel_types), **params)
        return [Edge(r["t"], r["s"], r["d"], clean_properties(dict(r["p"]))) for r in rows]

    def shortest_paths(self, source: str, target: str, max_hops: int = 4,
                       limit: int = 10, rel_types=None) -> list[list[str]]:
        # Between two entities that are not reference nodes, "never through a
        # reference node" is "never along a link that touches one", so the
        # server's own breadth-first allShortestPaths answers with no filter to
        # check along the way (a filter on the nodes made it search exhaustively).
        # Otherwise, the interface's two-ball search. The same answers either
        # way (contract tests).
        reference = {label for label, node in self.schema.nodes.items() if node.reference}
        if {split_node_id(source)[0], split_node_id(target)[0]} & reference or source == target:
            return super().shortest_paths(source, target, max_hops, limit, rel_types)
        if len(self.get_nodes(list({source, target}))) < 2:
            return []
        types = [t for t in self._rel_types(rel_types)
                 if not {self.schema.relationship(t).source, self.schema.relationship(t).target} & reference]
        if not types:
            return []
        rows = self._run(
            f"MATCH (a:Entity {{nid: $s}}), (b:Entity {{nid: $t}}) "
            f"MATCH p = allShortestPaths((a)-[:{'|'.join(types)}*..{max(1, int(max_hops))}]-(b)) "
            f"RETURN [m IN nodes(p) | m.nid] AS ids", s=source, t=target)
        paths = sorted({tuple(r["ids"]) for r in rows})
        return [list(p) for p in paths[:limit]]

    def _search_text(self, q: str, limit: int) -> list[Node]:
        # One seek of a text index per searchable property (the lower-case
        # copies), in one round trip: a scan of 1M GDs' values took seconds.
        branches = [f"MATCH (n:{label}) WHERE n.{_lower(p)} CONTAINS $q RETURN n.nid AS nid, n.{_lower(p)} AS v"
                    for label, node in self.schema.nodes.items() for p in node.search_properties]
        if not branches:
            return []
        hits: dict[str, int] = {}
        for r in self._run("CALL () { " + " UNION ALL ".join(branches) + " } RETURN nid, v", q=q):
            rank = 0 if r["v"] == q else 1 if r["v"].startswith(q) else 2
            hits[r["nid"]] = min(hits.get(r["nid"], 9), rank)
        best = sorted(hits, key=lambda nid: (hits[nid], nid))[:limit]
        return self.get_nodes(best)


def _lower(prop: str) -> str:
    """The name of a searchable property's lower-case copy (hidden: it starts with "_")."""
    return f"_lc_{prop}"


def _window(var: str, prop) -> str:
    """Cypher condition: ``var.prop`` is missing or inside the window parameters."""
    s, u = ("since_d", "until_d") if prop.type == "date" else ("since_t", "until_t")
    p = f"{var}.{prop.name}"
    return f"({p} IS NULL OR ((${s} IS NULL OR {p} >= ${s}) AND (${u} IS NULL OR {p} < ${u})))"


def _plain(value):
    return value.to_native() if hasattr(value, "to_native") else value

