"""Small vectorised helpers: distances, durations and the text of evidence.

>>> round(float(haversine_km(24.84, 66.98, 30.92, 66.45)))  # Karachi Port to Chaman
678
"""
from __future__ import annotations

import numpy as np
import pandas as pd

EARTH_KM = 6371.0088
HOUR = pd.Timedelta(hours=1)


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km; works on scalars, arrays and Series."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(a))


def hours(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier) / HOUR


def num(values: pd.Series, digits: int = 0) -> pd.Series:
    """Numbers as text for evidence: ``61``, ``2.5`` (only ever over flagged rows)."""
    values = pd.Series(values, dtype=float).round(digits)
    return values.map(lambda v: f"{v:.{digits}f}") if digits else values.astype("Int64").astype(str)


def duration(hours: pd.Series) -> pd.Series:
    """Hours as an officer reads them: ``7 h`` up to two days, ``3.5 days`` beyond.

    >>> duration(pd.Series([7.2, 47.0, 84.0])).tolist()
    ['7 h', '47 h', '3.5 days']
    """
    hours = pd.Series(hours, dtype=float)
    days = (hours / 24).round(1).map(lambda v: f"{v:.1f}".removesuffix(".0") + " days")
    return num(hours).add(" h").where(hours.round() < 48, days)


def when(times: pd.Series) -> pd.Series:
    return pd.to_datetime(pd.Series(times)).dt.strftime("%Y-%m-%d %H:%M").fillna("?").astype(str)


def evidence(frame: pd.DataFrame, flag: str, text: pd.Series, at: pd.Series) -> pd.DataFrame:
    """Rows ``gd_number, flag, at, text``: one piece of evidence each (``at`` orders them)."""
    return pd.DataFrame({"gd_number": frame["gd_number"].to_numpy(), "flag": flag,
                         "at": pd.to_datetime(at).to_numpy(), "text": text.astype(str).to_numpy()})


EVIDENCE_COLUMNS = ["gd_number", "flag", "at", "text"]


def lists(values: pd.Series, index: pd.Index) -> pd.Series:
    """``values`` (lists keyed by id) aligned on ``index``, a fresh empty list where missing."""
    out = pd.Series(values.reindex(index).to_numpy(dtype=object), index=index, dtype=object)
    missing = out.isna().to_numpy()
    out[missing] = pd.Series([[] for _ in range(int(missing.sum()))], dtype=object).to_numpy()
    return out


def no_evidence() -> pd.DataFrame:
    """The empty evidence table (detectors return it early: text built over no
    rows would not have string dtype)."""
    return pd.DataFrame({c: pd.Series(dtype="datetime64[us]" if c == "at" else object)
                         for c in EVIDENCE_COLUMNS})
