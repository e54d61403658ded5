"""Build the transit scoring inputs from a store's bulk reads.

The frames get the column names of the input files (docs/input-format.md),
so the same functions also score CSV files read directly.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from nigah.graph.store import GraphStore

DECLARATION_COLUMNS = ["gd_type", "date", "route_code", "vehicle_registration", "consignee_id",
                       "agent_licence", "trader_ntn", "inspection_outcome"]


@dataclass(frozen=True)
class TransitInputs:
    movements: pd.DataFrame    # transit declarations: gd_number, route_code, vehicle_registration, ...
    scans: pd.DataFrame        # vehicle_registration, station_code, scanned_at, gd_number
    route_stops: pd.DataFrame  # route_code, station_code, seq
    routes: pd.DataFrame       # code, name, allowed_hours
    stations: pd.DataFrame     # code, name, role, lat, lon
    vehicles: pd.DataFrame     # vehicle_registration, transporter_id (OPERATED_BY)


def read_transit_inputs(store: GraphStore) -> TransitInputs:
    """Transit declarations, checkpoint scans, corridors, stations and operators."""
    decl = store.node_table("Declaration", DECLARATION_COLUMNS)
    movements = decl[decl["gd_type"] == "transit"].drop(columns="gd_type").reset_index(drop=True)
    scans = store.relationship_table("SCANNED_AT").rename(
        columns={"source": "vehicle_registration", "target": "station_code"})
    stops = store.relationship_table("PASSES_THROUGH").rename(
        columns={"source": "route_code", "target": "station_code"})
    vehicles = store.relationship_table("OPERATED_BY").rename(
        columns={"source": "vehicle_registration", "target": "transporter_id"})
    return TransitInputs(
        movements=movements,
        scans=scans[["vehicle_registration", "station_code", "scanned_at", "gd_number"]],
        route_stops=stops[["route_code", "station_code", "seq"]],
        routes=store.node_table("Route"), stations=store.node_table("Station"),
        vehicles=vehicles[["vehicle_registration", "transporter_id"]])


def confirmed_diversions(movements: pd.DataFrame, outcomes: tuple[str, ...] = ("seizure",)) -> set[str]:
    """GD numbers of movements whose inspection ended in one of ``outcomes``."""
    if "inspection_outcome" not in movements:
        return set()
    return set(movements.loc[movements["inspection_outcome"].isin(outcomes), "gd_number"])
