"""Reading input files (CSV, Parquet, JSON Lines) as tables of strings.

Everything is read as text so that validation, not the reader, decides what a
value means; typed Parquet values are turned into their canonical text.
"""
from __future__ import annotations

import csv
import io
import gzip
import zlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from charset_normalizer import from_bytes

from nigah.ingest.validate import IngestError

SUFFIXES = (".csv", ".parquet", ".jsonl", ".csv.gz")
# What a damaged, truncated or mis-encoded file raises while being read.
UNREADABLE = (UnicodeDecodeError, pd.errors.ParserError, ValueError, OSError, EOFError, zlib.error)
DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class CsvOptions:
    delimiter: str | None = None  # None: detect
    encoding: str | None = None   # None: detect


# The single-byte code pages a customs export that is not UTF-8 is likely in,
# most likely first: Western (English, French, Spanish...), then Arabic script
# (Urdu, Persian, Arabic), then the other Windows pages. Bytes often decode
# equally well in several (an Ñ is a valid byte in cp1250 too): a tie goes to
# the earlier one; a file in a later page of such a tie needs its encoding given
# (a mapping's csv.encoding).
CODE_PAGES = ["cp1252", "cp1256", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1257"]


def detect_encoding(sample: bytes) -> str:
    r"""The encoding of a file's first bytes.

    >>> detect_encoding("ntn,name\n1,PEÑA Ltd\n".encode("cp1252")), detect_encoding("x,کراچي\n".encode("cp1256"))
    ('cp1252', 'cp1256')
    """
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:   # a character cut by the end of the sample
            try:
                sample[:exc.start].decode("utf-8")
                return "utf-8"
            except UnicodeDecodeError:
                pass
    found = list(from_bytes(sample, cp_isolation=CODE_PAGES))
    if not found:
        return "cp1252"
    least = min(m.chaos for m in found)
    return min((m for m in found if m.chaos <= least + 0.01), key=lambda m: CODE_PAGES.index(m.encoding)).encoding


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
        try:
            head = fh.read(1 << 16)
        except EOFError:   # a compressed file shorter than the head: the read that follows names it
            head = b""
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
    except UNREADABLE as exc:
        raise IngestError(f"{name}: cannot be read: {_why(exc)}") from exc


def _why(exc: Exception) -> str:
    if isinstance(exc, (EOFError, zlib.error)):   # click would print a bare "Aborted." for an EOFError
        return f"the compressed file is cut short or damaged ({exc})"
    return str(exc)


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
    try:
        return _record_rows(path, frame_rows, options)
    except UNREADABLE as exc:
        raise IngestError(f"{path.name}: cannot be read: {_why(exc)}") from exc


def _record_rows(path: Path, frame_rows: int, options: CsvOptions):
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
