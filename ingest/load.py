"""Load customs files (one table per schema kind) into a store.

Kinds are read in the schema's load order so that every reference (a
declaration's trader, a vehicle's transporter) can be checked against rows
accepted in this run or already in the store. Bad rows go to the quarantine
report; good rows are upserted by key in journalled batches, so re-running an
ingest changes nothing and a killed one resumes.
"""
from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from nigah.graph.model import UpsertResult
from nigah.graph.schema import LOADED_AT, PROVENANCE, SCHEMA, SOURCE_ROW, Property, Schema, file_properties
from nigah.graph.store import GraphStore
from nigah.ingest.journal import Journal, fingerprint
from nigah.ingest.mapping import Mapping, Source, sources
from nigah.ingest.validate import IngestError, Rejection, validate

BATCH_ROWS = 200_000
Progress = Callable[[str, int, int], None]  # (kind, rows done, rows total)


@dataclass
class KindSummary:
    read: int = 0
    quarantined: int = 0
    resumed: int = 0  # rows of batches a previous, interrupted run had loaded
    result: UpsertResult = field(default_factory=UpsertResult)

    def as_dict(self) -> dict:
        return {"read": self.read, "inserted": self.result.inserted, "updated": self.result.updated,
                "unchanged": self.result.unchanged, "quarantined": self.quarantined, "resumed": self.resumed}


@dataclass
class IngestReport:
    kinds: dict[str, KindSummary] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    resumed: bool = False

    @property
    def quarantined_rows(self) -> int:
        return sum(k.quarantined for k in self.kinds.values())

    def as_dict(self) -> dict:
        return {"kinds": {k: v.as_dict() for k, v in self.kinds.items()},
                "quarantined_rows": self.quarantined_rows, "resumed": self.resumed}


def write_quarantine(rejections: list[Rejection], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["file", "row", "field", "value", "reason"])
        for r in rejections:
            out.writerow([r.file, r.row, r.field, r.value, r.reason])


def journal_key(found: list[Source], mapping: Mapping | None, batch_rows: int, empty_clears: bool) -> str:
    """What a resumable run is: its files and every option that changes what it writes."""
    return fingerprint([s.path for s in found], f"{mapping.name if mapping else ''}|{batch_rows}|{empty_clears}")


class Loader:
    """One ingest run: remembers the keys accepted so far, for reference checks."""

    def __init__(self, store: GraphStore, schema: Schema = SCHEMA, batch_rows: int = BATCH_ROWS,
                 progress: Progress | None = None, journal_dir: Path | None = None,
                 empty_clears: bool = False):
        self.store, self.schema, self.batch_rows = store, schema, batch_rows
        # An empty cell says "not known here" unless the operator says it means
        # "no longer true": only then does it clear a stored value or link.
        self.empty_clears = empty_clears
        self.progress = progress or (lambda kind, done, total: None)
        self.journal_dir = journal_dir
        self.accepted: dict[str, set[str]] = {label: set() for label in schema.nodes}
        self.report = IngestReport()
        self.journal: Journal | None = None
        # Which load set a value: its start, with the UTC offset (provenance).
        self.loaded_at = dt.datetime.now().astimezone().isoformat(timespec="seconds")

    def run(self, directory: Path, mapping: Mapping | None = None) -> IngestReport:
        directory = Path(directory)
        if not directory.is_dir():
            raise IngestError(f"{directory}: not a directory")
        if mapping is not None:
            self.schema = mapping.schema(self.schema)
            self.empty_clears = self.empty_clears or mapping.empty_clears
        found = sources(directory, mapping, self.schema)
        if mapping is not None:
            for label, attributes in mapping.attributes.items():
                self.store.add_attributes(label, attributes)   # kept from now on, for every later read
        if not found:
            raise IngestError(f"{directory}: no input files (see docs/input-format.md)")
        self._check_required_columns(found)
        if self.journal_dir is not None:
            key = journal_key(found, mapping, self.batch_rows, self.empty_clears)
            self.journal = Journal(self.journal_dir, key, self.store.name)
            if self.journal.resuming and not self.journal.matches(self.store.counts()["nodes"]):
                self.journal.forget()   # a stale journal: loading in full is safe, resuming would lose rows
            self.report.resumed = self.journal.resuming
        try:
            for source in found:
                if source.kind in self.schema.nodes:
                    self._load_nodes(source)
                else:
                    self._load_relationship_file(source)
        finally:
            if self.journal:
                self.journal.close()
        if self.journal:
            self.journal.complete()
        return self.report

    # -- references -------------------------------------------------------
    def _referenced(self) -> set[str]:
        """Labels that some column or relationship file refers to."""
        return ({p.references for n in self.schema.nodes.values() for p in n.properties.values() if p.references}
                | {end for r in self.schema.file_relationships for end in (r.source, r.target)})

    def _unknown(self, label: str, keys: pd.Series) -> pd.Series:
        """Mask of keys that are neither accepted in this run nor in the store."""
        present = keys.notna()
        unique = pd.Index(keys[present].unique().astype(object))
        candidates = unique[~unique.isin(list(self.accepted[label]))] if self.accepted[label] else unique
        if len(candidates):
            self.accepted[label] |= self.store.existing_keys(label, candidates.tolist())
        return present & ~keys.isin(list(self.accepted[label]))

    def _check_references(self, good: pd.DataFrame, refs: list[tuple[str, str]],
                          file: str, kind: str) -> pd.DataFrame:
        bad = pd.Series(False, index=good.index)
        for column, label in refs:
            unknown = self._unknown(label, good[column])
            for idx in unknown[unknown].index:
                self.report.rejections.append(Rejection(
                    file, int(good.at[idx, SOURCE_ROW]), column, str(good.at[idx, column]),
                    f"refers to an unknown {label}"))
            bad |= unknown
        self.report.kinds[kind].quarantined += int(bad.sum())
        return good[~bad]

    def _drop_duplicates(self, good: pd.DataFrame, keys: list[str], file: str, kind: str) -> pd.DataFrame:
        # A later row with the same key supersedes an earlier one (amended GDs);
        # the earlier row is reported, not silently dropped.
        dup = good.duplicated(subset=keys, keep="last")
        if dup.any():
            last_row = good.groupby(keys, sort=False)[SOURCE_ROW].transform("last")
            for idx in dup[dup].index:
                self.report.rejections.append(Rejection(
                    file, int(good.at[idx, SOURCE_ROW]), keys[0], str(good.at[idx, keys[0]]),
                    f"superseded by row {int(last_row[idx])} with the same key"))
            self.report.kinds[kind].quarantined += int(dup.sum())
        return good[~dup]

    # -- loading --------------------------------------------------------
    def _validated(self, source: Source, props: list[Property]) -> pd.DataFrame:
        summary = self.report.kinds.setdefault(source.kind, KindSummary())
        summary.read += len(source.frame)
        good, rejections = validate(source.frame, props, source.path.name, source.first_row)
        good[LOADED_AT] = self.loaded_at
        self.report.rejections += rejections
        summary.quarantined += len(source.frame) - len(good)
        return good

    def _upsert(self, kind: str, file: str, rows: pd.DataFrame, write) -> None:
        summary = self.report.kinds.setdefault(kind, KindSummary())
        for number, start in enumerate(range(0, len(rows), self.batch_rows)):
            batch = rows.iloc[start:start + self.batch_rows]
            if self.journal and self.journal.is_done(kind, file, number):
                summary.resumed += len(batch)
            else:
                summary.result += write(batch)
                if self.journal:
                    self.journal.record(kind, file, number, len(batch))
            self.progress(kind, min(start + self.batch_rows, len(rows)), len(rows))
        if not len(rows):
            self.progress(kind, 0, 0)

    def _properties(self, source: Source) -> list[Property]:
        """The schema properties a source's rows are validated against."""
        if source.kind in self.schema.nodes:
            return self.schema.node(source.kind).input_properties
        return file_properties(self.schema, self.schema.relationship(source.kind))

    def _check_required_columns(self, found: list[Source]) -> None:
        """Every file's required columns, before anything is written: a file
        refused half-way through a load would leave the earlier kinds loaded."""
        for source in found:
            missing = [p.name for p in self._properties(source) if p.required and p.name not in source.frame.columns]
            if missing:
                raise IngestError(f"{source.path.name}: missing required column(s) {', '.join(missing)}")

    def _load_nodes(self, source: Source) -> None:
        label, file = source.kind, source.path.name
        node = self.schema.node(label)
        good = self._validated(source, node.input_properties)
        refs = [(p.name, p.references) for p in node.input_properties if p.references]
        good = self._check_references(good, refs, file, label)
        good = self._drop_duplicates(good, [node.key], file, label)
        # A later load changes only what it brings: a property whose column the
        # file lacks is left as stored, not set to null (a traders.csv of
        # ntn,name,phone updates phones and keeps addresses and bank accounts).
        brought = set(source.frame.columns) | {node.key}
        columns = [p.name for p in node.input_properties if p.name in brought] + list(PROVENANCE)
        before = UpsertResult(**vars(self.report.kinds.setdefault(label, KindSummary()).result))
        resumed_before = self.report.kinds[label].resumed
        self._upsert(label, file, good[columns], lambda b: self.store.upsert_nodes(label, self._keep_stored(label, b)))
        if label in self._referenced():  # only references need the keys
            self.accepted[label] |= set(good[node.key].tolist())
        after = self.report.kinds[label].result
        # Nodes that all came new can have no relationship to replace. A batch
        # skipped on resuming says nothing of what it found, so then the old
        # links are replaced as for an update (a killed update load otherwise
        # left GDs filed by two traders).
        resumed = self.report.kinds[label].resumed > resumed_before
        all_new = not resumed and after.updated == before.updated and after.unchanged == before.unchanged
        for rel in self.schema.column_relationships(label):
            if rel.column not in brought:
                continue   # the file says nothing about this link: keep what is stored
            # Rows without a target are kept: they remove a relationship the GD no longer has.
            edges = good[[node.key, rel.column, *PROVENANCE]]
            if not self.empty_clears:
                edges = edges[edges[rel.column].notna()]   # an empty reference keeps the stored link
            edges = edges.rename(columns={node.key: "source", rel.column: "target"})
            self.report.kinds.setdefault(rel.type, KindSummary()).read += int(edges["target"].notna().sum())
            self._upsert(rel.type, file, edges,
                         lambda b, t=rel.type: self.store.upsert_relationships(t, b, replace=not all_new))

    def _keep_stored(self, label: str, rows: pd.DataFrame) -> pd.DataFrame:
        """``rows`` with each empty cell of an already stored node filled with its
        stored value, so that the upsert leaves it as it is (unless empty clears)."""
        key = self.schema.node(label).key
        columns = [c for c in rows.columns if c != key and c not in PROVENANCE and rows[c].isna().any()]
        if self.empty_clears or not columns:
            return rows
        gaps = rows[rows[columns].isna().any(axis=1)]
        stored = self.store._stored_values(label, gaps[key].tolist(), columns)
        if not len(stored):
            return rows   # all new: nothing to keep
        stored = stored.drop_duplicates(key).set_index(key)
        rows = rows.copy()
        at = rows[key].isin(stored.index)
        for c in columns:
            empty = rows[c].isna() & at
            if empty.any():
                kept = rows.loc[empty, key].map(stored[c])
                rows[c] = rows[c].astype(object)
                rows.loc[empty, c] = kept
        return rows

    def _load_relationship_file(self, source: Source) -> None:
        rel, file = self.schema.relationship(source.kind), source.path.name
        props = self._properties(source)
        ends = props[:2]
        good = self._validated(source, props)
        good = self._check_references(good, [(p.name, p.references) for p in ends], file, rel.type)
        good = good.rename(columns={rel.source_column: "source", rel.target_column: "target"})
        good = self._drop_duplicates(good, ["source", "target", *rel.key], file, rel.type)
        self._upsert(rel.type, file, good, lambda b: self.store.upsert_relationships(rel.type, b))


def ingest_directory(store: GraphStore, directory: Path, progress: Progress | None = None,
                     batch_rows: int = BATCH_ROWS, mapping: Mapping | None = None,
                     journal_dir: Path | None = None, empty_clears: bool = False) -> IngestReport:
    """Validate and load every input table found in ``directory`` (through ``mapping``
    if given). Rejected rows are in ``report.rejections``; see :func:`write_quarantine`.
    With ``journal_dir``, committed batches are journalled so a killed run resumes.
    An empty cell leaves a stored value (or link) as it is, unless ``empty_clears``.
    """
    return Loader(store, progress=progress, batch_rows=batch_rows, journal_dir=journal_dir,
                  empty_clears=empty_clears).run(directory, mapping)
