"""Reading input files (CSV, Parquet, JSON Lines) as tables of strings.

Everything is read as text so that validation, not the reader, decides what a
value means; typed Parquet values are turned into their canonical text.
"""
from __future__ import annotations

import csv
import io
import gzip
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from charset_normalizer import from_bytes

from nigah.ingest.validate import IngestError

SUFFIXES = (".csv", ".parquet", ".jsonl", ".csv.gz")
DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class CsvOptions:
    delimiter: str | None = None  # None: detect
    encoding: str | None = None   # None: detect


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        best = from_bytes(sample).best()
        return best.encoding if best else "cp1252"


def detect_delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp | dt.datetime):
        ts = pd.Timestamp(value)
        return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).apply(lambda col: col.map(_text)).astype(str) if len(frame) else frame.astype(str)


def _open(path: Path):
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def _sniff(path: Path, options: CsvOptions) -> tuple[str, str]:
    """A CSV file's encoding and delimiter: the options', else detected from its head."""
    with _open(path) as fh:
        head = fh.read(1 << 16)
    encoding = options.encoding or detect_encoding(head)
    return encoding, options.delimiter or detect_delimiter(head.decode(encoding, errors="replace"))


def read_table(path: Path, options: CsvOptions = CsvOptions()) -> pd.DataFrame:
    """All columns as strings, missing values as empty strings."""
    name = path.name
    try:
        if name.endswith(".parquet"):
            return _as_text(pd.read_parquet(path))
        if name.endswith(".jsonl"):
            return _as_text(pd.read_json(path, lines=True, dtype=False))
        compression = "gzip" if name.endswith(".gz") else None
        encoding, delimiter = _sniff(path, options)
        args = dict(dtype=str, keep_default_na=False, encoding=encoding, sep=delimiter,
                    compression=compression)
        if encoding in ("utf-8", "utf-8-sig"):
            try:  # Arrow's parser is several times faster and reads the same text
                return pd.read_csv(path, engine="pyarrow", **args)
            except (ValueError, ImportError):
                pass  # e.g. a short row, which pandas' own parser pads and Arrow refuses
        return pd.read_csv(path, **args)
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError, OSError) as exc:
        raise IngestError(f"{name}: cannot be read: {exc}") from exc


def find_file(directory: Path, stem: str) -> Path | None:
    """The input file for ``stem`` in any supported format. Two files for one
    kind (``traders.csv`` and ``traders.parquet``), a link to nothing or
    something that is not a regular file (a pipe would block the load) are
    refused, naming them: loading one and ignoring the other would lose data."""
    found = [p for p in (directory / f"{stem}{suffix}" for suffix in SUFFIXES) if p.exists() or p.is_symlink()]
    if len(found) > 1:
        raise IngestError(f"{directory}: {' and '.join(p.name for p in found)} are both {stem}: keep one")
    for path in found:
        if not path.exists():
            raise IngestError(f"{path}: a link to a file that does not exist")
        if not path.is_file():
            raise IngestError(f"{path}: not a regular file")
        return path
    return None


def record_rows(path: Path, frame_rows: int, options: CsvOptions = CsvOptions()):
    """Each record's line in the file, where blank lines or quoted values that
    span lines make it differ from "header + position" (else None): so the
    quarantine report and provenance name the line an officer opens."""
    if ".csv" not in path.name:
        return None
    lines, last = 0, b""
    with _open(path) as fh:   # counted in chunks: the file is not held in memory
        while chunk := fh.read(1 << 24):
            lines, last = lines + chunk.count(b"\n"), chunk[-1:]
    if lines + (last != b"\n") == frame_rows + 1:
        return None   # one line per record: positions are lines
    encoding, delimiter = _sniff(path, options)
    with _open(path) as fh:
        text = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")
        starts = _record_starts(csv.reader(text, delimiter=delimiter))
    return np.array(starts, dtype=np.int64) if len(starts) == frame_rows else None


def _record_starts(reader) -> list[int]:
    """The line each data record of a CSV reader starts on (after the header;
    blank lines skipped, as pandas skips them)."""
    starts, header = [], False
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return starts
        if not record:
            continue   # a blank line: pandas skips it too
        if header:
            starts.append(start)
        header = True


def first_row(path: Path) -> int:
    """The row number of the first record: CSV lines count the header as row 1."""
    return 2 if ".csv" in path.name else 1
