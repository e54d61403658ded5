"""Score every transit movement and the entities behind them, and write the
scores and reasons back to the store."""
from __future__ import annotations

import pandas as pd

from nigah.analytics.transit.config import TransitConfig
from nigah.analytics.transit.entities import ENTITIES, score_entities
from nigah.analytics.transit.inputs import confirmed_diversions, read_transit_inputs
from nigah.analytics.transit.score import score_movements
from nigah.graph.schema import REASON_SEPARATOR
from nigah.graph.store import GraphStore


def default_as_of(scans: pd.DataFrame) -> pd.Timestamp | None:
    """The data's own "now": the latest checkpoint scan (an export is a snapshot)."""
    return scans["scanned_at"].max() if len(scans) else None


def run_transit(store: GraphStore, as_of: pd.Timestamp | None = None,
                config: TransitConfig = TransitConfig()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scored movements and entities, after writing ``diversion_score`` and
    ``diversion_reasons`` on transit declarations and on the ranked entities."""
    inputs = read_transit_inputs(store)
    as_of = as_of if as_of is not None else default_as_of(inputs.scans)
    if as_of is None or inputs.movements.empty:
        return pd.DataFrame(), pd.DataFrame()
    scored = score_movements(inputs.movements, inputs.scans, inputs.route_stops, inputs.routes,
                             inputs.stations, as_of, config)
    entities = score_entities(scored, inputs.movements, inputs.vehicles, confirmed_diversions(inputs.movements),
                              config)
    store.write_properties("Declaration", pd.DataFrame({
        "gd_number": scored["gd_number"], "diversion_score": scored["diversion_score"].astype(float),
        "diversion_reasons": scored["reasons"].map(REASON_SEPARATOR.join)}))
    for label, _ in ENTITIES:
        part = entities[entities["label"] == label]
        key = store.schema.node(label).key
        store.write_properties(label, pd.DataFrame({
            key: part["key"].astype(str), "diversion_score": part["diversion_score"].astype(float),
            "diversion_reasons": part["reasons"].map(REASON_SEPARATOR.join)}))
    return scored, entities
