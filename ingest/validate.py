"""Row validation driven by the schema: every rule comes from a property's declaration.

>>> import pandas as pd
>>> from nigah.graph.schema import SCHEMA
>>> raw = pd.DataFrame({"ntn": ["1234567-8", "12"], "name": ["Indus Impex", "X"]})
>>> good, bad = validate(raw, SCHEMA.node("Trader").input_properties, "traders.csv")
>>> list(good["ntn"]), [(r.row, r.field) for r in bad]
(['1234567-8'], [(3, 'ntn')])
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from nigah.graph import formats
from nigah.graph.schema import SOURCE_FILE, SOURCE_ROW, Property


class IngestError(ValueError):
    """A whole file cannot be read (missing file-level columns, unreadable file)."""


@dataclass(frozen=True)
class Rejection:
    """One reason a row was quarantined. ``row`` is the line in the file (header = 1)."""

    file: str
    row: int
    field: str
    value: str
    reason: str


def _floats(text: pd.Series, present: pd.Series) -> pd.Series | None:
    """``pd.to_numeric(text.where(present), errors="coerce")`` through Arrow's (much
    faster, equally exact) parser, or None where the two could differ: a value
    Arrow cannot parse, or a column pandas would make whole numbers."""
    try:
        parsed = pc.cast(pa.array(text.where(present), type=pa.string(), from_pandas=True), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    values = pd.Series(parsed.to_numpy(zero_copy_only=False), index=text.index)
    if present.all() and (values % 1 == 0).all():
        return None
    return values


def _row_numbers(index: pd.Index, first_row) -> pd.Series:
    """Each row's line in its file: ``first_row`` plus its position in the file
    (the frame's index, kept through a mapping's distinct rows), or looked up
    in ``first_row`` when that lists every record's line."""
    at = np.asarray(index, dtype=np.int64) if pd.api.types.is_integer_dtype(index) else np.arange(len(index))
    lines = first_row + at if np.isscalar(first_row) else np.asarray(first_row, dtype=np.int64)[at]
    return pd.Series(lines, index=index)


EARLIEST, LATEST = pd.Timestamp("1900-01-01"), pd.Timestamp("2100-12-31")
# Times are kept as local clock time (Pakistan Standard Time, UTC+5, no
# daylight saving): a scan stamped with an offset (2025-03-02T05:15:00Z,
# ...+05:00) is converted to it, one without is taken as local already.
LOCAL_UTC_OFFSET = pd.Timedelta(hours=5)
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"


def _local_times(text: pd.Series) -> pd.Series:
    """ISO date-times as naive local times; mixed offsets and none are fine.

    >>> _local_times(pd.Series(["2025-03-02T10:15:00", "2025-03-02T05:15:00Z", "2025-03-02T10:15:00+05:00"])).tolist()
    [Timestamp('2025-03-02 10:15:00'), Timestamp('2025-03-02 10:15:00'), Timestamp('2025-03-02 10:15:00')]
    """
    stamped = text.str.contains(_OFFSET, regex=True, na=False)
    out = pd.to_datetime(text.where(~stamped), format="ISO8601", errors="coerce")
    if stamped.any():
        utc = pd.to_datetime(text.where(stamped), format="ISO8601", errors="coerce", utc=True)
        out = out.where(~stamped, (utc.dt.tz_localize(None) + LOCAL_UTC_OFFSET))
    return out


def _parse(prop: Property, text: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    """Typed values, a mask of values that failed to parse, and the reason for those
    (``text``: trimmed strings, "" where missing)."""
    present = text != ""
    if prop.type in ("int", "float"):
        values = _floats(text, present) if prop.type == "float" else None
        if values is None:
            values = pd.to_numeric(text.where(present), errors="coerce")
        # inf, nan and 1e400 parse, but no declared quantity is infinite
        bad = present & (values.isna() | ~np.isfinite(values.astype(float)))
        if prop.type == "int":
            bad |= present & values.notna() & (values % 1 != 0)
            values = values.where(~bad).round().astype("Int64")
        values = values.where(~bad)
        return values, bad, f"not {'a whole number' if prop.type == 'int' else 'a finite number'}"
    if prop.type in ("date", "datetime"):
        # prop.format on a date is a mapping's strptime format (Mapping.schema).
        fmt = prop.format or ("%Y-%m-%d" if prop.type == "date" else "ISO8601")
        if prop.type == "datetime" and not prop.format:
            values = _local_times(text.where(present))
        else:
            values = pd.to_datetime(text.where(present), format=fmt, errors="coerce")
        # 0001-01-01 or 9999-12-31 parse, but no GD was filed then: such a
        # date would stretch every time axis to millennia
        plausible = values.isna() | ((values >= EARLIEST) & (values <= LATEST))
        values = values.where(plausible)
        bad = present & values.isna()
        years = " from 1900 to 2100"
        if prop.format:
            return values, bad, f"not a date in the mapping's format {prop.format}{years}"
        return values, bad, ("not a date (YYYY-MM-DD)" if prop.type == "date" else "not an ISO date-time") + years
    if prop.type == "enum":
        values = text.str.lower()
        bad = present & ~values.isin(prop.values)
        return values.where(present, None), bad, f"not one of {', '.join(prop.values)}"
    values = text
    if prop.format:
        values = formats.normalise(prop.format, values)
        bad = present & ~formats.matches(prop.format, values)
        return values.where(present, None), bad, f"not {formats.describe(prop.format)}"
    return values.where(present, None), pd.Series(False, index=text.index), ""


def validate(raw: pd.DataFrame, props: list[Property], file: str,
             first_row=2) -> tuple[pd.DataFrame, list[Rejection]]:
    """Check ``raw`` (all strings) against ``props``; return typed good rows and rejections.

    Good rows keep their provenance in ``_source_file`` and ``_source_row``.
    """
    missing = [p.name for p in props if p.required and p.name not in raw.columns]
    if missing:
        raise IngestError(f"{file}: missing required column(s) {', '.join(missing)}")
    rows = _row_numbers(raw.index, first_row)
    typed = pd.DataFrame(index=raw.index)
    problems: list[tuple[pd.Series, str, str]] = []
    for prop in props:
        text = raw[prop.name].fillna("").astype(str).str.strip() if prop.name in raw.columns \
            else pd.Series("", index=raw.index)
        values, bad, reason = _parse(prop, text)
        problems.append((bad, prop.name, reason))
        if prop.required:
            problems.append((text == "", prop.name, "missing required value"))
        if prop.min is not None:
            problems.append((~bad & (values < prop.min).fillna(False).astype(bool), prop.name,
                             f"below the minimum {prop.min:g}"))
        if prop.max is not None:
            problems.append((~bad & (values > prop.max).fillna(False).astype(bool), prop.name,
                             f"above the maximum {prop.max:g}"))
        typed[prop.name] = values
    rejected = pd.Series(False, index=raw.index)
    rejections = []
    for mask, field, reason in problems:
        mask = mask.astype(bool)
        rejected |= mask
        for idx in mask[mask].index:
            value = raw.at[idx, field] if field in raw.columns else ""
            rejections.append(Rejection(file, int(rows[idx]), field, str(value), reason))
    good = typed[~rejected].copy()
    good[SOURCE_FILE] = file
    good[SOURCE_ROW] = rows[~rejected].astype("int64")
    rejections.sort(key=lambda r: (r.row, r.field))
    return good, rejections
