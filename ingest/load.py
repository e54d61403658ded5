"""Load a directory of customs CSV files (one per schema kind) into a store.

Files are read in the schema's load order so that every reference (a
declaration's trader, a vehicle's transporter) can be checked against rows
already accepted in this run or already in the store. Bad rows go to the
quarantine report; good rows are upserted by key in batches, so re-running an
ingest changes nothing.
"""
from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from graph.model import UpsertResult
from graph.schema import SCHEMA, Property, RelationshipType, Schema, reference_property
from graph.store import GraphStore
from ingest.validate import IngestError, Rejection, validate

BATCH_ROWS = 50_000
Progress = Callable[[str, int, int], None]  # (kind, rows done, rows total)


@dataclass
class KindSummary:
    read: int = 0
    quarantined: int = 0
    result: UpsertResult = field(default_factory=UpsertResult)

    def as_dict(self) -> dict:
        return {"read": self.read, "inserted": self.result.inserted, "updated": self.result.updated,
                "unchanged": self.result.unchanged, "quarantined": self.quarantined}


@dataclass
class IngestReport:
    kinds: dict[str, KindSummary] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)

    @property
    def quarantined_rows(self) -> int:
        return sum(k.quarantined for k in self.kinds.values())

    def as_dict(self) -> dict:
        return {"kinds": {k: v.as_dict() for k, v in self.kinds.items()},
                "quarantined_rows": self.quarantined_rows, "missing_files": self.missing_files}


def write_quarantine(rejections: list[Rejection], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["file", "row", "field", "value", "reason"])
        for r in rejections:
            out.writerow([r.file, r.row, r.field, r.value, r.reason])


def read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise IngestError(f"{path.name}: cannot be read as UTF-8 CSV: {exc}") from exc


class Loader:
    """One ingest run: remembers the keys accepted so far, for reference checks."""

    def __init__(self, store: GraphStore, schema: Schema = SCHEMA,
                 batch_rows: int = BATCH_ROWS, progress: Progress | None = None):
        self.store, self.schema, self.batch_rows = store, schema, batch_rows
        self.progress = progress or (lambda kind, done, total: None)
        self.accepted: dict[str, set[str]] = {label: set() for label in schema.nodes}
        self.report = IngestReport()

    def run(self, directory: Path) -> IngestReport:
        directory = Path(directory)
        if not directory.is_dir():
            raise IngestError(f"{directory}: not a directory")
        for label in self.schema.load_order:
            node = self.schema.node(label)
            path = directory / f"{node.file}.csv"
            if not path.exists():
                self.report.missing_files.append(path.name)
                continue
            self._load_nodes(label, path)
        for rel in self.schema.file_relationships:
            path = directory / f"{rel.file}.csv"
            if path.exists():
                self._load_relationship_file(rel, path)
            else:
                self.report.missing_files.append(path.name)
        return self.report

    # -- references -------------------------------------------------------
    def _unknown(self, label: str, keys: pd.Series) -> pd.Series:
        """Mask of keys that are neither accepted in this run nor in the store."""
        present = keys.notna()
        candidates = set(keys[present]) - self.accepted[label]
        known = self.store.existing_keys(label, candidates) if candidates else set()
        self.accepted[label] |= known
        return present & ~keys.isin(self.accepted[label])

    def _check_references(self, good: pd.DataFrame, refs: list[tuple[str, str]],
                          file: str, kind: str) -> pd.DataFrame:
        bad = pd.Series(False, index=good.index)
        for column, label in refs:
            unknown = self._unknown(label, good[column])
            for idx in unknown[unknown].index:
                self.report.rejections.append(Rejection(
                    file, int(good.at[idx, "_source_row"]), column, str(good.at[idx, column]),
                    f"refers to an unknown {label}"))
            bad |= unknown
        self.report.kinds[kind].quarantined += int(bad.sum())
        return good[~bad]

    def _drop_duplicates(self, good: pd.DataFrame, keys: list[str], file: str, kind: str) -> pd.DataFrame:
        # A later row with the same key supersedes an earlier one (amended GDs);
        # the earlier row is reported, not silently dropped.
        dup = good.duplicated(subset=keys, keep="last")
        if dup.any():
            last_row = good.groupby(keys, sort=False)["_source_row"].transform("last")
            for idx in dup[dup].index:
                self.report.rejections.append(Rejection(
                    file, int(good.at[idx, "_source_row"]), keys[0], str(good.at[idx, keys[0]]),
                    f"superseded by row {int(last_row[idx])} with the same key"))
            self.report.kinds[kind].quarantined += int(dup.sum())
        return good[~dup]

    # -- loading --------------------------------------------------------
    def _validated(self, kind: str, path: Path, props: list[Property]) -> pd.DataFrame:
        raw = read_csv(path)
        summary = self.report.kinds.setdefault(kind, KindSummary())
        summary.read += len(raw)
        good, rejections = validate(raw, props, path.name)
        self.report.rejections += rejections
        summary.quarantined += len(raw) - len(good)
        return good

    def _upsert(self, kind: str, rows: pd.DataFrame, write) -> None:
        summary = self.report.kinds.setdefault(kind, KindSummary())
        for start in range(0, len(rows), self.batch_rows):
            summary.result += write(rows.iloc[start:start + self.batch_rows])
            self.progress(kind, min(start + self.batch_rows, len(rows)), len(rows))
        if not len(rows):
            self.progress(kind, 0, 0)

    def _load_nodes(self, label: str, path: Path) -> None:
        node = self.schema.node(label)
        good = self._validated(label, path, node.input_properties)
        refs = [(p.name, p.references) for p in node.input_properties if p.references]
        good = self._check_references(good, refs, path.name, label)
        good = self._drop_duplicates(good, [node.key], path.name, label)
        columns = [p.name for p in node.input_properties] + ["_source_file", "_source_row"]
        self._upsert(label, good[columns], lambda b: self.store.upsert_nodes(label, b))
        self.accepted[label] |= set(good[node.key])
        for rel in self.schema.column_relationships(label):
            edges = good.loc[good[rel.column].notna(), [node.key, rel.column, "_source_file", "_source_row"]]
            edges = edges.rename(columns={node.key: "source", rel.column: "target"})
            self.report.kinds.setdefault(rel.type, KindSummary()).read += len(edges)
            self._upsert(rel.type, edges, lambda b, t=rel.type: self.store.upsert_relationships(t, b))

    def _load_relationship_file(self, rel: RelationshipType, path: Path) -> None:
        ends = [reference_property(self.schema, rel.source_column, rel.source),
                reference_property(self.schema, rel.target_column, rel.target)]
        good = self._validated(rel.type, path, ends + list(rel.properties.values()))
        good = self._check_references(good, [(p.name, p.references) for p in ends], path.name, rel.type)
        good = good.rename(columns={rel.source_column: "source", rel.target_column: "target"})
        good = self._drop_duplicates(good, ["source", "target", *rel.key], path.name, rel.type)
        self._upsert(rel.type, good, lambda b: self.store.upsert_relationships(rel.type, b))


def ingest_directory(store: GraphStore, directory: Path, progress: Progress | None = None,
                     batch_rows: int = BATCH_ROWS) -> IngestReport:
    """Validate and load every schema file found in ``directory``.

    Rejected rows are in ``report.rejections``; call :func:`write_quarantine`.
    """
    return Loader(store, progress=progress, batch_rows=batch_rows).run(directory)
