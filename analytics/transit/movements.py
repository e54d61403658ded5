"""Movements: each transit declaration with its declared route and its scans.

``prepare`` reduces the raw tables to the two frames every detector reads:

- ``scans``: the checkpoint scans that carry a transit GD number, up to
  ``as_of``, in time order per movement, with ``seq`` (the station's place on
  the declared route; missing when the station is off the route);
- ``moves``: one row per movement with ``start`` (first scan, or the
  declaration date when nothing was scanned), ``last_scan`` (and their stations), the route's
  ``exit_station`` and ``allowed_hours``, and ``exit_time`` (first scan there).

>>> stops = pd.DataFrame({"route_code": "R", "station_code": ["A", "B"], "seq": [0, 1]})
>>> m = pd.DataFrame({"gd_number": ["G1"], "vehicle_registration": "V", "route_code": "R",
...                   "date": pd.Timestamp("2025-01-01")})
>>> s = pd.DataFrame({"vehicle_registration": "V", "station_code": ["A", "X", "B"],
...                   "scanned_at": pd.to_datetime(["2025-01-01 08:00", "2025-01-01 09:00",
...                                                 "2025-01-01 12:00"]), "gd_number": "G1"})
>>> p = prepare(m, s, stops, pd.DataFrame({"code": ["R"], "allowed_hours": [24.0]}),
...             pd.Timestamp("2025-01-02"))
>>> p.scans["seq"].tolist(), p.moves.loc[0, ["exit_station", "exit_time"]].tolist()
([0.0, nan, 1.0], ['B', Timestamp('2025-01-01 12:00:00')])
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

MOVE_COLUMNS = ["gd_number", "vehicle_registration", "route_code", "date"]


@dataclass(frozen=True)
class Prepared:
    moves: pd.DataFrame
    scans: pd.DataFrame       # transit scans, one movement each, ordered by (gd_number, scanned_at)
    all_scans: pd.DataFrame   # every scan up to as_of (with or without a GD), for vehicle-level checks


def _clean_scans(scans: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    s = scans[["vehicle_registration", "station_code", "scanned_at", "gd_number"]].copy()
    s["scanned_at"] = pd.to_datetime(s["scanned_at"])
    # Scoring "as of" a time sees only what was known then.
    s = s.dropna(subset=["vehicle_registration", "station_code", "scanned_at"])
    return s[s["scanned_at"] <= as_of]


def prepare(movements: pd.DataFrame, scans: pd.DataFrame, route_stops: pd.DataFrame,
            routes: pd.DataFrame, as_of: pd.Timestamp) -> Prepared:
    """The movement and scan frames the detectors share (see the module docstring)."""
    moves = movements[MOVE_COLUMNS].drop_duplicates("gd_number").reset_index(drop=True)
    moves["date"] = pd.to_datetime(moves["date"])
    all_scans = _clean_scans(scans, as_of)

    stops = (route_stops[["route_code", "station_code", "seq"]]
             .sort_values("seq").drop_duplicates(["route_code", "station_code"]))
    tagged = all_scans.drop(columns="vehicle_registration").merge(
        moves[["gd_number", "route_code"]], on="gd_number")
    tagged = tagged.merge(stops, on=["route_code", "station_code"], how="left")
    tagged = tagged.sort_values(["gd_number", "scanned_at", "seq"], kind="stable").reset_index(drop=True)

    exits = stops.sort_values("seq").drop_duplicates("route_code", keep="last")
    exits = exits.rename(columns={"station_code": "exit_station"})[["route_code", "exit_station"]]
    allowed = routes.rename(columns={"code": "route_code"})[["route_code", "allowed_hours"]]
    moves = moves.merge(exits, on="route_code", how="left").merge(allowed, on="route_code", how="left")

    by_gd = tagged.groupby("gd_number")["scanned_at"]
    span = pd.DataFrame({"first_scan": by_gd.min(), "last_scan": by_gd.max(), "n_scans": by_gd.size()})
    span["first_station"] = tagged.groupby("gd_number")["station_code"].first()
    span["last_station"] = tagged.groupby("gd_number")["station_code"].last()
    at_exit = tagged.merge(exits, on="route_code")
    at_exit = at_exit[at_exit["station_code"] == at_exit["exit_station"]]
    span["exit_time"] = at_exit.groupby("gd_number")["scanned_at"].min()
    moves = moves.merge(span, left_on="gd_number", right_index=True, how="left")
    moves["n_scans"] = moves["n_scans"].fillna(0).astype(int)
    # Without any scan the clock starts at the declaration date.
    moves["start"] = moves["first_scan"].fillna(moves["date"])
    moves["known_route"] = moves["exit_station"].notna()
    return Prepared(moves, tagged, all_scans)
