"""A logical backup: every table read through the store interface into
Parquet files, and restored through the upsert path into any store.

It is how a Neo4j server is backed up while it serves (Community's
``neo4j-admin database dump`` needs the database stopped), and since both
stores read and write the same frames it also moves data between them: a
logical backup of the embedded store restores into Neo4j, and back.

A server has no snapshot to read from, so the copy proves itself instead:
the digests of what was written must equal the store's own checksums read
after it. If a load changed the store in between, the copy is taken again,
and refused after ``attempts`` tries ("a load is running").

Layout of the directory: ``nodes/<Label>.parquet`` and
``relationships/<TYPE>.parquet`` (with provenance), ``history.parquet``
(every detail change, with its time), ``cases.json`` (each case's stored
text, versions included), ``attributes.json`` (a mapping's extra columns)
and ``manifest.json`` (counts and digests of all of it).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pandas as pd

from nigah.graph.digest import frame_digest
from nigah.graph.schema import PROVENANCE
from nigah.graph.store import GraphStore

MANIFEST = "manifest.json"
FORMAT = "logical-1"
CHUNK = 100_000   # rows per upsert on restore: bounds the memory of one write


class LogicalBackupError(ValueError):
    """A logical backup cannot be taken or restored (the message says why)."""


def is_logical(directory: Path) -> bool:
    """Whether ``directory`` holds a logical backup (rather than a file copy)."""
    try:
        return json.loads((Path(directory) / MANIFEST).read_text()).get("format") == FORMAT
    except (OSError, ValueError):
        return False


def _cases(store: GraphStore) -> dict[str, str]:
    return {name: store._case_payload(name) for name in sorted(store._case_names())}


def _cases_digest(cases: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(cases, sort_keys=True).encode()).hexdigest()


def _digests(store: GraphStore) -> dict:
    """What a restore must reproduce: per-kind checksums, the history's and the cases'."""
    return {"checksums": store.checksums(), "history": frame_digest(store.history_table()),
            "cases": _cases_digest(_cases(store))}


def _write_once(store: GraphStore, directory: Path) -> dict:
    (directory / "nodes").mkdir(parents=True, exist_ok=True)
    (directory / "relationships").mkdir(exist_ok=True)
    checksums = {}
    for label in store.schema.nodes:
        frame = store.node_table(label, provenance=True)
        frame.to_parquet(directory / "nodes" / f"{label}.parquet", index=False)
        checksums[label] = frame_digest(frame.drop(columns=list(PROVENANCE)))
    for rel in store.schema.relationships:
        frame = store.relationship_table(rel, provenance=True)
        frame.to_parquet(directory / "relationships" / f"{rel}.parquet", index=False)
        checksums[rel] = frame_digest(frame.drop(columns=list(PROVENANCE)))
    history = store.history_table()
    history.to_parquet(directory / "history.parquet", index=False)
    cases = _cases(store)
    (directory / "cases.json").write_text(json.dumps(cases, sort_keys=True))
    (directory / "attributes.json").write_text(json.dumps(store._kept_attributes(), sort_keys=True))
    return {"checksums": checksums, "history": frame_digest(history), "cases": _cases_digest(cases)}


def dump(store: GraphStore, directory: Path, attempts: int = 3) -> dict:
    """Write every table of ``store`` into ``directory`` (new or empty); the manifest."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise LogicalBackupError(f"{directory} is not empty: back up into a new directory")
    directory.mkdir(parents=True, exist_ok=True)
    for _ in range(attempts):
        written = _write_once(store, directory)
        if written == _digests(store):   # nothing changed while it was read
            break
    else:
        raise LogicalBackupError(f"the store changed while it was copied, {attempts} times (a load is running?): "
                                 "back up when it has finished")
    manifest = {"format": FORMAT, "store": store.name, "taken_at": dt.datetime.now().isoformat(timespec="seconds"),
                "counts": store.counts(), **written}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def _chunks(frame: pd.DataFrame):
    for start in range(0, len(frame), CHUNK):
        yield frame.iloc[start:start + CHUNK]


def load(directory: Path, store: GraphStore, force: bool = False) -> dict:
    """Restore the logical backup in ``directory`` into ``store`` and prove it by its digests."""
    directory = Path(directory)
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
        attributes = json.loads((directory / "attributes.json").read_text())
        cases = json.loads((directory / "cases.json").read_text())
    except (OSError, ValueError) as exc:
        raise LogicalBackupError(f"{directory} holds no readable Nigah backup: {exc}") from exc
    if sum(store.counts()["nodes"].values()) or store._case_names():
        if not force:
            raise LogicalBackupError("the store already holds data: restore into an empty one, or give --force "
                                     "to replace it")
        store.clear()
    for label, kept in attributes.items():
        store.add_attributes(label, kept)
    frames = {}
    try:
        for label, node in store.schema.nodes.items():
            frames[label] = pd.read_parquet(directory / "nodes" / f"{label}.parquet")
        rels = {rel: pd.read_parquet(directory / "relationships" / f"{rel}.parquet")
                for rel in store.schema.relationships}
        history = pd.read_parquet(directory / "history.parquet")
    except (OSError, ValueError) as exc:   # pyarrow's errors are both
        raise LogicalBackupError(f"{directory} is incomplete or damaged: {exc}") from exc
    for label, frame in frames.items():
        node = store.schema.node(label)
        inputs = [node.key, *(p.name for p in node.input_properties if p.name != node.key),
                  *(c for c in PROVENANCE if c in frame.columns)]   # a backup may predate a provenance column
        computed = [p.name for p in node.properties.values() if p.computed and frame[p.name].notna().any()]
        for part in _chunks(frame):
            store.upsert_nodes(label, part[inputs])
            if computed:
                store.write_properties(label, part[[node.key, *computed]])
    for rel, frame in rels.items():
        for part in _chunks(frame):
            store.upsert_relationships(rel, part, replace=False)
    if len(history):
        changed = history["changed_at"].map(lambda t: None if pd.isna(t) else t.isoformat())
        store._record_history(history.assign(changed_at=changed))
    for name, payload in cases.items():
        store._put_case(name, payload)
    restored = _digests(store)
    expected = {k: manifest.get(k) for k in ("checksums", "history", "cases")}
    if restored != expected:
        differ = sorted(k for k in expected["checksums"] or {} if restored["checksums"].get(k) != expected["checksums"][k])
        differ += [k for k in ("history", "cases") if restored[k] != expected[k]]
        raise LogicalBackupError(f"the restored store differs from the backup in {', '.join(differ) or 'its manifest'}")
    return {"restored_from": str(directory), "taken_at": manifest.get("taken_at"), "counts": store.counts(), **restored}
