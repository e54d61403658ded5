"""Backups of the embedded store: a consistent copy taken while the
dashboard reads it, and a restore that proves itself by checksums.

``backup(home, directory)`` copies every table (nodes, relationships,
detail history, cases, extra attributes) from a read-only attachment of the
store file into a new database file, in one read transaction, so the copy
is one moment of the store even while others read it (a running load holds
the write lock: the backup waits for it, up to the store's lock timeout). A
``manifest.json`` beside it keeps the counts and the per-kind checksums
(:meth:`GraphStore.checksums`) of the copy.

``restore(directory, home)`` refuses to overwrite a store that holds data
unless told, puts the copy in place atomically, and compares its checksums
with the manifest's: a backup that does not restore exactly is an error.

The Neo4j store is backed up with Neo4j's own tools (``neo4j-admin database
dump``, README "Stores").
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import duckdb

from nigah.graph.duckdb_store import DuckDBStore, wait_for_lock
from nigah.graph.store import StoreUnavailable

FILE = "nigah.duckdb"
MANIFEST = "manifest.json"


class BackupError(ValueError):
    """A backup cannot be made or restored (the message says why and what to do)."""


def _literal(path: Path) -> str:
    """A path as an SQL string literal (ATTACH takes no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def _summary(path_home: Path) -> dict:
    with DuckDBStore(path_home, snapshot=True) as store:
        counts = store.counts()
        return {"counts": counts, "checksums": store.checksums()}


def backup(home: Path, directory: Path, lock_timeout: float = 60.0) -> dict:
    """Copy the store under ``home`` into ``directory`` (new or empty); the manifest."""
    source = Path(home) / FILE
    if not source.is_file():
        raise BackupError(f"no embedded store in {home}: nothing to back up")
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: back up into a new directory")
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / (FILE + ".partial")
    con = duckdb.connect(":memory:")
    try:
        wait_for_lock(source, lambda: con.execute(f"ATTACH {_literal(source)} AS store (READ_ONLY)"), lock_timeout)
        con.execute(f"ATTACH {_literal(partial)} AS copy")
        con.execute("COPY FROM DATABASE store TO copy")
    except duckdb.Error as exc:
        raise BackupError(f"cannot copy {source}: {exc}") from exc
    finally:
        con.close()
    os.replace(partial, directory / FILE)
    manifest = {"format": 1, "store": "duckdb", "taken_at": dt.datetime.now().isoformat(timespec="seconds"),
                "source": str(source.resolve()), **_summary(directory)}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def restore(directory: Path, home: Path, force: bool = False) -> dict:
    """Put the backup in ``directory`` in place as the store under ``home``."""
    directory, home = Path(directory), Path(home)
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{directory} holds no readable Nigah backup ({MANIFEST}: {exc})") from exc
    if not (directory / FILE).is_file():
        raise BackupError(f"{directory} has a manifest but no {FILE}: the backup is incomplete")
    try:   # the copy proves itself before it replaces anything
        held = _summary(directory)
    except (duckdb.Error, StoreUnavailable) as exc:
        raise BackupError(f"{directory / FILE} is damaged and cannot be restored: {exc}") from exc
    if held["checksums"] != manifest.get("checksums"):
        raise BackupError(f"{directory / FILE} does not match its manifest: the backup was changed or damaged")
    target = home / FILE
    if target.exists() and not force:
        try:
            with DuckDBStore(home, snapshot=True) as store:
                held = sum(store.counts()["nodes"].values())
        except (duckdb.Error, StoreUnavailable):
            held = -1
        if held:
            raise BackupError(f"{home} already holds a store: restore into another --home, or give --force "
                              "to replace it")
    home.mkdir(parents=True, exist_ok=True)
    incoming = home / (FILE + ".restoring")
    shutil.copyfile(directory / FILE, incoming)
    os.replace(incoming, target)
    wal = target.with_name(FILE + ".wal")
    if wal.exists():
        wal.unlink()   # the old store's log must not replay onto the restored one
    restored = _summary(home)
    if restored["checksums"] != manifest["checksums"]:
        differ = sorted(k for k in manifest["checksums"] if restored["checksums"].get(k) != manifest["checksums"][k])
        raise BackupError(f"the restored store differs from the backup in {', '.join(differ)}")
    return {"restored_from": str(directory), "taken_at": manifest.get("taken_at"), **restored}
