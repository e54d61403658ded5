"""Detail history: which identifying details (address, phone…) a load changes,
so the store keeps the old value instead of losing it."""
from __future__ import annotations

import pandas as pd

from nigah.graph.schema import SOURCE_FILE, SOURCE_ROW


def detail_changes(label: str, key: str, before: pd.DataFrame, rows: pd.DataFrame,
                   tracked: list[str]) -> pd.DataFrame:
    """Rows describing each tracked property whose stored value differs from the new one."""
    merged = before.merge(rows[[key, *tracked, SOURCE_FILE, SOURCE_ROW]], on=key, suffixes=("_old", ""))
    parts = []
    for prop in tracked:
        old, new = merged[f"{prop}_old"], merged[prop]
        differs = old.notna() & (old.astype(str) != new.astype(str).where(new.notna(), ""))
        if differs.any():
            m = merged[differs]
            parts.append(pd.DataFrame({
                "label": label, "key": m[key].astype(str), "property": prop,
                "old_value": m[f"{prop}_old"].astype(str), "new_value": m[prop].astype(str).where(m[prop].notna(), ""),
                "source_file": m[SOURCE_FILE].astype(str), "source_row": m[SOURCE_ROW].astype("int64")}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
