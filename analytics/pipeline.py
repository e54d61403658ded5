"""The analysis run: one order of stages, each table read once, frames passed on.

``nigah analyze``, the tests, the benchmarks and any service that scores the
store call :func:`run`. The stages, in the order they depend on each other:

1. ``transit``: diversion scores of transit movements and the entities behind
   them (``analytics.transit``); their scores feed 2 and 4.
2. ``communities``: the trader projection, communities, their scores (with
   the diversion scores of 1) and roles (``analytics.communities``); the
   projection feeds 4.
3. ``unit_values``: under-invoicing and misdeclaration flags
   (``analytics.unit_value_flags``).
4. ``risk``: declaration and trader risk with the saved model, trained first
   when there is none (``analytics.risk``).

Every stage reads through one :class:`~nigah.analytics.tables.Tables`, so the
Declaration table is read once for all four, and a score written by one
stage is seen by the next from memory. The writes reach the store at the end,
one per label and set of rows (with ``write=False`` nothing is written: the
results come back for a caller that only wants to look).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from nigah.analytics.communities.projection import DETAILS, ON_DECLARATIONS, ProjectionConfig
from nigah.analytics.communities.run import CommunityResult, analyze_communities
from nigah.analytics.communities.scoring import DECLARATION_COLUMNS as SCORING_COLUMNS, IDENTIFIERS
from nigah.analytics.risk.features import declaration_columns
from nigah.analytics.tables import Tables
from nigah.analytics.transit.inputs import DECLARATION_COLUMNS as TRANSIT_COLUMNS
from nigah.analytics.unit_value_flags import COLUMNS as UNIT_VALUE_COLUMNS
from nigah.graph.store import GraphStore

STAGES = ("transit", "communities", "unit_values", "risk")


def needs(store: GraphStore) -> dict[str, list[str]]:
    """The columns the stages read, per label, so each label is read in one go."""
    wanted = {
        "Declaration": TRANSIT_COLUMNS + ["date", "trader_ntn", *ON_DECLARATIONS.values()]
        + SCORING_COLUMNS + ["diversion_score"] + UNIT_VALUE_COLUMNS + declaration_columns(store.schema),
        "Trader": ["registered_on", *DETAILS.values(), *IDENTIFIERS],
    }
    return {label: [c for c in dict.fromkeys(cols) if c in store.schema.node(label).properties]
            for label, cols in wanted.items()}


@dataclass
class Analysis:
    """What a run found: the summary ``nigah analyze`` prints, and the frames."""
    summary: dict = field(default_factory=dict)
    movements: pd.DataFrame | None = None       # scored transit movements
    entities: pd.DataFrame | None = None        # scored transit entities
    communities: CommunityResult | None = None
    unit_value_flags: pd.DataFrame | None = None


def run(store: GraphStore, home: Path | None = None, as_of: pd.Timestamp | None = None,
        stages: tuple[str, ...] = STAGES, method: str = "leiden", resolution: float = 1.0,
        write: bool = True, log=lambda message: None) -> Analysis:
    """Run ``stages`` (in the order of :data:`STAGES`) over ``store`` and write
    their scores back. ``home``: where the risk model is kept (needed for the
    risk stage); ``as_of``: judge transit exits as of this time (default: the
    latest checkpoint scan). Raises ValueError for input the stages refuse; the
    stages finished before it are still written."""
    unknown = set(stages) - set(STAGES)
    if unknown:
        raise ValueError(f"unknown stage(s) {', '.join(sorted(unknown))}: use {', '.join(STAGES)}")
    if "risk" in stages and home is None:
        raise ValueError("the risk stage needs the home directory of the saved model")
    tables, out, t0 = Tables(store, needs(store)), Analysis(), time.perf_counter()
    try:
        _stages(tables, out, home, as_of, stages, method, resolution, log)
    finally:
        if write:
            tables.flush()
    out.summary["seconds"] = round(time.perf_counter() - t0, 2)
    return out


def _stages(tables: Tables, out: Analysis, home, as_of, stages, method, resolution, log) -> None:
    from nigah.analytics.transit.run import run_transit
    from nigah.graph.schema import SCHEMA

    diversion = None
    if "transit" in stages:
        t0 = time.perf_counter()
        out.movements, out.entities = run_transit(tables, as_of=as_of)
        scored = out.movements
        flag_at = SCHEMA.score("diversion_score").flag_at
        out.summary["transit"] = {
            "movements": int(len(scored)),
            "flagged": int((scored["diversion_score"] >= flag_at).sum()) if len(scored) else 0,
            "seconds": round(time.perf_counter() - t0, 2)}
        if len(scored):
            diversion = scored.set_index("gd_number")["diversion_score"]
    if "communities" in stages:
        out.communities, summary = analyze_communities(tables, method=method, resolution=resolution,
                                                       diversion=diversion)
        out.summary = summary | out.summary
    if "unit_values" in stages:
        from nigah.analytics.unit_value_flags import write_unit_value_flags

        out.summary["unit_value_flags"] = write_unit_value_flags(tables)
    if "risk" in stages:
        # The projection the communities were found on is the risk graph's trader links.
        links = out.communities.edges if out.communities is not None else None
        out.summary["risk"] = _risk(tables, Path(home), links, log)


def _risk(tables: Tables, home: Path, links: pd.DataFrame | None, log) -> dict:
    """Score with the saved risk model; train one first if there is none."""
    from nigah.analytics.risk import score_risk, train_risk
    from nigah.analytics.risk.persist import model_dir
    from nigah.graph.schema import SCHEMA

    if not (model_dir(home) / "model.json").exists():
        log(f"no saved risk model in {model_dir(home)}: training one (`nigah train` retrains)")
        try:
            train_risk(tables, home, log=log, links=links)
        except ValueError as exc:
            log(f"risk not scored: {exc}")
            channels = {c: 0 for c in reversed(SCHEMA.enum_values("Declaration", "risk_channel"))}
            return {"declarations": 0, "channels": channels, "skipped": str(exc)}
    return score_risk(tables, home, links=links)
