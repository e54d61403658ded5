"""``nigah evaluate reasons``: whether the reasons an officer reads say what
raised the risk (WTO TFA Art. 7.4: a risk decision must be explainable).

Among the top ``percent`` % of GDs by risk it measures: for the frauds caught
there, the share whose *first* reason names their kind of fraud (against a
scenario's truth); the share of those GDs carrying a non-reason (a fact
without a direction: "no adverse finding", "import declaration", the
consignment's size); and over every reason line in the store (risk and
diversion), the share carrying jargon (statistics' words, raw flag codes,
hours where days read better). Lines are read as the officer reads them, as
text; the patterns below say what counts.

>>> first_kind(pd.Series(["unit value 2.5× the HS 85171300 reference for CN: dearer goods under a cheaper code?",
...                      "weight per unit 40% below the usual for HS 8517: weight understated?"]))
[{'misdeclaration_hs'}, {'misdeclaration_weight'}]
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from nigah.analytics.risk.metrics import top
from nigah.graph.schema import REASON_SEPARATOR, SCHEMA
from nigah.graph.store import GraphStore

# What a first line must say to name each planted kind of fraud.
KINDS = {
    "under_invoicing": r"^unit value \d+% below",
    # a unit value below the reference may be under-invoicing or goods of
    # another code: the line that says so names both
    "misdeclaration_hs": r"^unit value ([\d.]+× .*cheaper code|\d+% below .*higher-duty code)",
    "misdeclaration_weight": r"^weight per unit",
    "diversion": r"^transit movement flagged",
}
NON_REASONS = [r"no adverse finding", r"^\w+ declaration$", r"size of the consignment", r"nothing stands out",
               r"^no \w+ on record$", r"no usable unit value"]
# Statistics' words, raw flag codes, and hours past two days (days read better).
JARGON = [r"robust z", r"shrinkage", r"proximity", r"\(1 = ", r"\b[a-z]+_[a-z_]+ ×\d",
          r"\b(?:4[89]|[5-9]\d|\d{3,})(?:\.\d+)? ?h\b", r"\blogit\b", r"\bz-?score\b"]


def first_kind(reasons: pd.Series) -> list[set[str]]:
    """The kinds of fraud each GD's first reason line names."""
    return [{k for k, pattern in KINDS.items() if re.search(pattern, text.split(REASON_SEPARATOR, 1)[0])}
            for text in reasons.fillna("")]


def _lines(reasons: pd.Series) -> pd.Series:
    return reasons.dropna().str.split(REASON_SEPARATOR).explode()


def _any(lines: pd.Series, patterns: list[str]) -> pd.Series:
    return lines.str.contains("|".join(f"(?:{p})" for p in patterns), regex=True)


def reason_quality(store: GraphStore, kinds: pd.Series | None = None, fraud: pd.Series | None = None,
                   percent: float = 5) -> dict:
    """``kinds``: each GD's planted kind (``none`` for honest), by GD number, or
    None; ``fraud``: whether each GD was fraudulent (or found adverse)."""
    d = store.node_table("Declaration", ["risk", "risk_reasons", "diversion_reasons", "inspection_outcome"])
    if d["risk"].isna().all():
        raise ValueError("no risk scores in the store: run `nigah analyze` first")
    d = d.dropna(subset=["risk"]).reset_index(drop=True)
    chosen = d.iloc[top(d["risk"].to_numpy(float), percent)]
    if fraud is None:
        fraud = d.set_index("gd_number")["inspection_outcome"].isin(SCHEMA.adverse_outcomes)
    caught = chosen[chosen["gd_number"].map(fraud).fillna(False).astype(bool).to_numpy()]
    lines = _lines(chosen["risk_reasons"])
    nonsense = _any(lines, NON_REASONS).groupby(level=0).any()
    every = pd.concat([_lines(d["risk_reasons"]), _lines(d["diversion_reasons"])], ignore_index=True)
    jargon = _any(every, JARGON)
    out = {"percent": percent, "top_declarations": int(len(chosen)), "caught_frauds": int(len(caught)),
           "with_a_non_reason": round(float(nonsense.mean()) if len(nonsense) else 0.0, 4),
           "reason_lines": int(len(every)), "lines_with_jargon": round(float(jargon.mean()) if len(every) else 0.0, 4),
           "jargon_examples": every[jargon].drop_duplicates().head(5).tolist(),
           "non_reason_examples": lines[_any(lines, NON_REASONS)].drop_duplicates().head(5).tolist(),
           "reasons_per_declaration": round(float(lines.groupby(level=0).size().mean()) if len(lines) else 0.0, 2)}
    if kinds is not None and len(caught):
        truth = caught["gd_number"].map(kinds).to_numpy()
        named = np.array([k in said for k, said in zip(truth, first_kind(caught["risk_reasons"]))])
        out["first_reason_names_the_kind"] = round(float(named.mean()), 4)
        out["by_kind"] = {k: {"caught": int((truth == k).sum()), "named": round(float(named[truth == k].mean()), 4)}
                          for k in sorted(set(truth)) if k != "none"}
    return out
