"""Digests of bulk reads, to compare two loads (or two stores) exactly.

>>> import pandas as pd
>>> a = pd.DataFrame({"ntn": ["1", "2"], "name": ["Ali", None]})
>>> frame_digest(a) == frame_digest(a.iloc[::-1])
True
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd


def _canonical(column: pd.Series) -> pd.Series:
    """Values as text that both stores render identically."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("")
    if pd.api.types.is_float_dtype(column):
        return column.map(lambda v: "" if pd.isna(v) else repr(float(v)))
    return column.astype(object).map(lambda v: "" if v is None or v is pd.NA or v != v else str(v))


def frame_digest(frame: pd.DataFrame) -> str:
    """An order-independent SHA-256 over the canonical text of every row."""
    if frame.empty:
        return hashlib.sha256(b"").hexdigest()
    text = pd.DataFrame({c: _canonical(frame[c]) for c in frame.columns})
    rows = pd.util.hash_pandas_object(text, index=False).to_numpy()
    h = hashlib.sha256("|".join(frame.columns).encode())
    h.update(np.sort(rows).tobytes())
    return h.hexdigest()
