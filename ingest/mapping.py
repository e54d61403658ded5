"""Column mappings: how another system's export maps onto the schema.

A mapping (YAML) names, for each schema kind, the source file and where each
schema column comes from, so a foreign dump loads without being edited:

.. code-block:: yaml

    kinds:
      Declaration:
        file: export.csv                 # a file name or glob in the input directory
        columns:
          gd_number: Declaration ID      # a source column
          gd_type: {value: import}       # a constant
          date: {column: Date, date_format: "%d/%m/%Y"}   # parsed (and checked) by this format
          payment_type: {column: Payment Type, optional: true}   # blank where the export lacks it
          inspection_outcome: {column: Fraud, codes: {"0": no_discrepancy, "1": discrepancy}}
          warehouse_code: {column: Warehouse, type: str}   # not in the schema: kept as an extra attribute
      Trader:
        file: export.csv
        distinct: true                   # one row per distinct key
        columns:
          ntn: Importer ID
          name: {template: "Importer {Importer ID}"}
    formats:
      Trader.ntn: code                   # their ids are not Pakistani NTNs
    exchange_rates: {KRW: 0.00072}       # USD per unit: declared_value_usd from declared_amount

Without a mapping, files are found by the schema's file names (``nigah.yaml``,
generated from the schema, says so explicitly).
"""
from __future__ import annotations

import codecs
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import yaml

from nigah.graph.formats import PATTERNS
from nigah.graph.schema import ATTRIBUTE_TYPES, IDENTIFIER, SCHEMA, Schema, file_properties, with_attributes
from nigah.ingest.mapping_schema import problem
from nigah.ingest.readers import CsvOptions, find_file, first_row, read_table, record_rows
from nigah.ingest.validate import IngestError


@dataclass(frozen=True)
class Source:
    """One kind's rows from one file, as schema columns of text."""

    kind: str
    path: Path
    frame: pd.DataFrame
    first_row: object   # the first record's line, or every record's line (readers.record_rows)


@dataclass
class Mapping:
    kinds: dict[str, dict] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    csv: CsvOptions = CsvOptions()
    name: str = "custom"
    # USD per unit of each currency (the customs rate for the period): where a
    # Declaration maps declared_amount and currency but not declared_value_usd,
    # the USD value is the amount at this rate.
    exchange_rates: dict[str, float] = field(default_factory=dict)
    # `empty: clear` in the mapping: an empty cell clears the stored value
    # (the export always carries every field, so a blank means "none now").
    empty_clears: bool = False

    @property
    def attributes(self) -> dict[str, dict[str, str]]:
        """The columns mapped onto a kind that the schema does not declare, with
        their ``type``: extra attributes the store keeps (``GraphStore.add_attributes``)."""
        out: dict[str, dict[str, str]] = {}
        for kind, spec in self.kinds.items():
            for target, col in (spec.get("columns") or {}).items():
                if isinstance(col, dict) and "type" in col and target not in SCHEMA.node(kind).properties:
                    out.setdefault(kind, {})[target] = str(col["type"])
        return out

    @classmethod
    def load(cls, path: Path) -> "Mapping":
        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise IngestError(f"{path}: cannot read the mapping: {exc}") from exc
        _check_shape(path, raw)
        known = set(SCHEMA.nodes) | set(SCHEMA.relationships)
        for kind in raw.get("kinds", {}):
            if kind not in known:
                raise IngestError(f"{path}: unknown kind {kind!r} (use a schema label or relationship type)")
            _check_targets(path, kind, raw["kinds"][kind].get("columns") or {})
        for target, fmt in raw.get("formats", {}).items():
            if fmt not in PATTERNS:
                raise IngestError(f"{path}: unknown format {fmt!r} for {target}")
        rates = raw.get("exchange_rates") or {}
        csv_opts = raw.get("csv", {})
        return cls(kinds=raw.get("kinds", {}), formats=raw.get("formats", {}),
                   csv=CsvOptions(csv_opts.get("delimiter"), csv_opts.get("encoding")),
                   name=raw.get("name", Path(path).stem),
                   exchange_rates={str(k).upper(): float(v) for k, v in rates.items()},
                   empty_clears=raw.get("empty", "keep") == "clear")

    def schema(self, base: Schema = SCHEMA) -> Schema:
        """The schema with this mapping's format overrides (references to an
        overridden key follow it) and its columns' date formats, which
        validation then parses by, so a date in another shape is refused."""
        base = self._with_date_formats(with_attributes(base, self.attributes))
        nodes = dict(base.nodes)
        for target, fmt in self.formats.items():
            label, _, prop = target.partition(".")
            node = nodes[label]
            old = node.properties[prop].format
            props = dict(node.properties)
            props[prop] = replace(props[prop], format=fmt)
            nodes[label] = replace(node, properties=props)
            if prop == node.key:
                for other_label, other in list(nodes.items()):
                    refs = {n: replace(p, format=fmt) for n, p in other.properties.items()
                            if p.references == label and p.format == old}
                    if refs:
                        nodes[other_label] = replace(other, properties={**other.properties, **refs})
        return replace(base, nodes=nodes)

    def _with_date_formats(self, base: Schema) -> Schema:
        nodes, rels = dict(base.nodes), dict(base.relationships)
        for kind, spec in self.kinds.items():
            owner = nodes.get(kind) or rels[kind]
            dated = {target: replace(owner.properties[target], format=s["date_format"])
                     for target, s in (spec.get("columns") or {}).items()
                     if isinstance(s, dict) and "date_format" in s and target in owner.properties
                     and owner.properties[target].type in ("date", "datetime")}
            if dated:
                (nodes if kind in nodes else rels)[kind] = replace(
                    owner, properties={**owner.properties, **dated})
        return replace(base, nodes=nodes, relationships=rels)


def _check_targets(path: Path, kind: str, columns: dict) -> None:
    """Each mapped column lands somewhere: a property the schema declares for
    the kind, or, given a ``type``, an extra attribute of a node kind. Any
    other target would be dropped at load without a word."""
    if kind in SCHEMA.nodes:
        declared = SCHEMA.node(kind).properties
    else:
        declared = {p.name: p for p in file_properties(SCHEMA, SCHEMA.relationship(kind))}
    for target, col in columns.items():
        typed = isinstance(col, dict) and "type" in col
        if target in declared:
            if typed and col["type"] != declared[target].type:
                raise IngestError(f"{path}: kinds.{kind}.columns.{target} is a {declared[target].type} in the "
                                  f"schema, not a {col['type']}")
            continue
        if kind not in SCHEMA.nodes:
            raise IngestError(f"{path}: kinds.{kind}.columns.{target}: {kind} has no such property "
                              f"(extra attributes go on node kinds)")
        if not typed:
            raise IngestError(f"{path}: kinds.{kind}.columns.{target}: {kind} has no such property; give it a "
                              f"type ({', '.join(ATTRIBUTE_TYPES)}) to keep it as an extra attribute")
        if col["type"] not in ATTRIBUTE_TYPES or not IDENTIFIER.match(str(target)):
            raise IngestError(f"{path}: kinds.{kind}.columns.{target}: an extra attribute needs a plain "
                              f"name (letters, digits, _) and a type among {', '.join(ATTRIBUTE_TYPES)}")


def _check_shape(path: Path, raw) -> None:
    """A mapping file's structure, checked against its JSON Schema before it is
    used: each mistake is named with where it is, never met later as a traceback."""
    wrong = problem(raw)
    if wrong:
        raise IngestError(f"{path}: {wrong}")
    rates = raw.get("exchange_rates") or {}
    if not all(math.isfinite(v) for v in rates.values()):
        raise IngestError(f"{path}: exchange_rates: a rate must be a finite number of USD per unit")
    encoding = (raw.get("csv") or {}).get("encoding")
    if encoding is not None:
        try:
            codecs.lookup(str(encoding))
        except LookupError:
            raise IngestError(f"{path}: csv.encoding: unknown encoding {encoding!r}") from None


def _column(spec, raw: pd.DataFrame, target: str, file: str) -> pd.Series | None:
    if isinstance(spec, str):
        spec = {"column": spec}
    if "value" in spec:
        out = pd.Series(str(spec["value"]), index=raw.index)
    elif "template" in spec:
        names = re.findall(r"{([^}]+)}", spec["template"])
        missing = [n for n in names if n not in raw.columns]
        if missing and spec.get("optional"):
            return None   # the file does not bring this column
        if missing:
            raise IngestError(f"{file}: mapping for {target} uses missing column(s) {', '.join(missing)}")
        out = pd.Series("", index=raw.index)
        for part in re.split(r"({[^}]+})", spec["template"]):
            out = out + (raw[part[1:-1]].astype(str) if part.startswith("{") else part)
    else:
        col = spec.get("column")
        if col not in raw.columns and spec.get("optional"):
            return None   # an export that lacks this column: it brings nothing for it
        if col not in raw.columns:
            raise IngestError(f"{file}: mapping for {target} names missing column {col!r}")
        out = raw[col].astype(str)
    if "codes" in spec:
        codes = {str(k): str(v) for k, v in spec["codes"].items()}
        out = out.map(lambda v: codes.get(v.strip(), v))
    # A column's date_format is not applied here: Mapping.schema() hands it to
    # validation, which parses by it and quarantines a value in another shape.
    return out.fillna("")


def in_usd(amount: pd.Series, currency: pd.Series, rates: dict[str, float]) -> pd.Series:
    """Declared amounts as USD text at ``rates``; a currency without a rate
    gives a value validation refuses, naming the currency, so the row is
    quarantined with its file, row and field rather than loaded without a value.

    >>> in_usd(pd.Series(["1000", "50", "7"]), pd.Series(["KRW", "usd", "XYZ"]), {"KRW": 0.0005, "USD": 1}).tolist()
    ['0.5', '50.0', 'no exchange rate for XYZ']
    """
    code = currency.str.strip().str.upper()
    rate = code.map(rates)
    value = pd.to_numeric(amount.str.strip(), errors="coerce") * rate
    text = value.map(lambda v: repr(float(v)) if pd.notna(v) else "")
    text = text.where(rate.notna(), "no exchange rate for " + code)
    return text.where(amount.str.strip() != "", "")


def _map(raw: pd.DataFrame, spec: dict, kind: str, file: str, schema: Schema,
         rates: dict[str, float] | None = None) -> pd.DataFrame:
    columns = {target: _column(s, raw, f"{kind}.{target}", file) for target, s in spec.get("columns", {}).items()}
    frame = pd.DataFrame({t: c for t, c in columns.items() if c is not None}, index=raw.index)
    if kind == "Declaration" and "declared_value_usd" not in frame and {"declared_amount", "currency"} <= set(frame):
        frame["declared_value_usd"] = in_usd(frame["declared_amount"], frame["currency"], rates or {"USD": 1.0})
    if spec.get("distinct"):
        key = schema.node(kind).key if kind in schema.nodes else None
        if key in frame.columns:
            # A kind drawn from another kind's rows (the seller of each GD): a
            # blank key there is a GD without that party, not a party without a
            # key, so it yields no row; the GD loads without the link.
            frame = frame[frame[key].str.strip() != ""]
        frame = frame.drop_duplicates(subset=[key] if key else None, keep="first")
    return frame


def sources(directory: Path, mapping: Mapping | None, schema: Schema = SCHEMA) -> list[Source]:
    """Every kind's source table found in ``directory``, in load order."""
    directory = Path(directory)
    order = schema.load_order + [r.type for r in schema.file_relationships]
    found: list[Source] = []
    for kind in order:
        if mapping is None:
            stem = schema.node(kind).file if kind in schema.nodes else schema.relationship(kind).file
            path = find_file(directory, stem)
            if path:
                frame = read_table(path)
                _check_header(path, frame, set(identity_mapping(schema)["kinds"][kind]["columns"]))
                rows = record_rows(path, len(frame))
                found.append(Source(kind, path, frame, first_row(path) if rows is None else rows))
            continue
        spec = mapping.kinds.get(kind)
        if spec is None:
            continue
        paths = sorted(directory.glob(spec["file"]))
        if not paths:
            raise IngestError(f"{directory}: no file matches {spec['file']!r} (mapping for {kind})")
        for path in paths:
            raw = read_table(path, mapping.csv)
            frame = _map(raw, spec, kind, path.name, schema, mapping.exchange_rates)
            if kind in schema.nodes and schema.node(kind).key not in frame and spec.get("distinct"):
                continue   # its key column is optional and absent: the file brings none of this kind
            rows = record_rows(path, len(raw), mapping.csv)
            found.append(Source(kind, path, frame, first_row(path) if rows is None else rows))
    return found


def _check_header(path: Path, frame: pd.DataFrame, known: set[str]) -> None:
    """A Nigah-format file's columns are the schema's: a repeated or unknown
    column would be silently dropped (a misspelt ``phone_no`` loses every
    phone), so the file is refused, naming them."""
    repeated = sorted({m.group(1) for c in frame.columns if (m := re.match(r"^(.+)\.\d+$", str(c)))
                       and m.group(1) in frame.columns})
    if repeated:
        raise IngestError(f"{path.name}: column(s) {', '.join(repeated)} appear more than once")
    unknown = [str(c) for c in frame.columns if c not in known]
    if unknown:
        raise IngestError(f"{path.name}: unknown column(s) {', '.join(unknown)}: the file's columns must be the "
                          f"schema's ({', '.join(sorted(known))}); rename them, or load with a --mapping")


def identity_mapping(schema: Schema = SCHEMA) -> dict:
    """The mapping of Nigah's own input format (what ``nigah generate`` writes)."""
    kinds = {}
    for label in schema.load_order:
        node = schema.node(label)
        kinds[label] = {"file": f"{node.file}.*", "columns": {p.name: p.name for p in node.input_properties}}
    for rel in schema.file_relationships:
        kinds[rel.type] = {"file": f"{rel.file}.*", "columns": {p.name: p.name for p in file_properties(schema, rel)}}
    return {"name": "nigah", "kinds": kinds}


if __name__ == "__main__":  # python -m nigah.ingest.mapping > ingest/mappings/nigah.yaml
    print("# Nigah's own input format, generated from graph/schema.yaml by `python -m nigah.ingest.mapping`.")
    print(yaml.safe_dump(identity_mapping(), sort_keys=False), end="")
