"""Detectors that follow one vehicle across its movements and scans.

- ``double_booking``: the vehicle is on two transits at once;
- ``impossible_speed``: two consecutive scans of the vehicle too far apart for
  the time between them (cloned plates, or a scan faked at the wrong place);
- ``fast_empty_return``: the vehicle starts its next transit sooner after an
  exit scan than the way back allows, so the exit (and the trip into
  Afghanistan) is doubtful: the earlier movement is flagged.

Each returns evidence rows ``gd_number, flag, at, text``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from nigah.analytics.transit.config import TransitConfig
from nigah.analytics.transit.movements import Prepared
from nigah.analytics.transit.util import evidence, haversine_km, hours, no_evidence, num, when


def intervals(p: Prepared) -> pd.DataFrame:
    """When each scanned movement holds its vehicle: from the first scan to the
    last scan once it has exited, else to the later of the last scan and the
    end of its allowed time (an open transit still holds the truck)."""
    m = p.moves[(p.moves["n_scans"] > 0) & p.moves["vehicle_registration"].notna()].copy()
    expected = m["start"] + pd.to_timedelta(m["allowed_hours"], unit="h")
    open_end = expected.where(expected > m["last_scan"], m["last_scan"])
    m["end"] = m["last_scan"].where(m["exit_time"].notna(), open_end)
    return m.sort_values(["vehicle_registration", "start", "gd_number"]).reset_index(drop=True)


def _span(rows: pd.DataFrame) -> pd.Series:
    still_open = np.where(rows["exit_time"].isna(), " (not exited; end of its allowed time)", "")
    return when(rows["start"]) + " to " + when(rows["end"]) + still_open


def double_booking(p: Prepared, config: TransitConfig) -> pd.DataFrame:
    """Movements of one vehicle whose intervals overlap.

    Sorted by start per vehicle, a movement overlaps an earlier one exactly
    when it starts before the latest end so far; the movement holding that
    latest end is named as the other party. Only the later one is flagged:
    it was declared for a truck already on the road under another bond,
    while the earlier one was sound when it set off (its evidence is kept
    with the later one's).
    """
    m = intervals(p)
    g = m.groupby("vehicle_registration")
    running_end = g["end"].cummax()
    holder = m["gd_number"].where(m["end"] == running_end).groupby(m["vehicle_registration"]).ffill()
    m["other"] = holder.groupby(m["vehicle_registration"]).shift()
    m["other_end"] = running_end.groupby(m["vehicle_registration"]).shift()
    tol = pd.Timedelta(hours=config.overlap_tolerance_hours)
    hit = m[m["other_end"] - tol > m["start"]]
    if hit.empty:
        return no_evidence()
    other = m.set_index("gd_number").loc[hit["other"], ["start", "end", "exit_time"]].reset_index()
    pairs = pd.DataFrame({"a": hit["gd_number"].to_numpy(), "b": hit["other"].to_numpy(),
                          "vehicle": hit["vehicle_registration"].to_numpy(),
                          "a_span": _span(hit).to_numpy(), "b_span": _span(other).to_numpy(),
                          "at": hit["start"].to_numpy()})
    text = ("vehicle " + pairs["vehicle"] + " was already on transit " + pairs["b"] + " ("
            + pairs["b_span"] + ") when this one set off (" + pairs["a_span"] + ")")
    return evidence(pairs.rename(columns={"a": "gd_number"}), "double_booking", text, pairs["at"]) \
        .drop_duplicates(["gd_number", "text"])


def _with_coords(frame: pd.DataFrame, station_col: str, stations: pd.DataFrame, suffix: str):
    coords = stations.set_index("code")[["lat", "lon"]].add_suffix(suffix)
    return frame.join(coords, on=station_col)


def impossible_speed(p: Prepared, stations: pd.DataFrame, names: pd.Series,
                     config: TransitConfig) -> pd.DataFrame:
    """Consecutive scans of a vehicle (with or without a GD) faster than
    ``max_kmh`` in a straight line; every movement either scan belongs to is flagged."""
    s = p.all_scans.sort_values(["vehicle_registration", "scanned_at"], kind="stable")
    g = s.groupby("vehicle_registration")
    s = s.assign(prev_station=g["station_code"].shift(), prev_at=g["scanned_at"].shift(),
                 prev_gd=g["gd_number"].shift())
    s = _with_coords(_with_coords(s[s["prev_station"].notna()], "station_code", stations, ""),
                     "prev_station", stations, "_prev")
    km = pd.Series(haversine_km(s["lat_prev"], s["lon_prev"], s["lat"], s["lon"]), index=s.index)
    h = hours(s["scanned_at"], s["prev_at"])
    kmh = km / h.where(h > 0)
    fast = (km >= config.min_jump_km) & ((h <= 0) | (kmh > config.max_kmh))
    s, km, h, kmh = s[fast], km[fast], h[fast], kmh[fast]
    if s.empty:
        return no_evidence()
    text = ("vehicle " + s["vehicle_registration"] + " scanned at "
            + s["prev_station"].map(names).fillna(s["prev_station"]) + " on " + when(s["prev_at"])
            + " and at " + s["station_code"].map(names).fillna(s["station_code"]) + " on "
            + when(s["scanned_at"]) + ": " + num(km) + " km in " + num(h, 1) + " h ("
            + num(kmh).where(kmh.notna(), "no time") + " km/h straight-line, limit "
            + num(pd.Series(config.max_kmh, index=s.index)) + "); cloned plates?")
    moves = set(p.moves["gd_number"])
    parts = [evidence(s.assign(gd_number=s[col]), "impossible_speed", text, s["scanned_at"])
             for col in ("gd_number", "prev_gd")]
    out = pd.concat(parts, ignore_index=True)
    return out[out["gd_number"].isin(moves)].drop_duplicates(["gd_number", "text"])


def fast_empty_return(p: Prepared, stations: pd.DataFrame, names: pd.Series,
                      config: TransitConfig) -> pd.DataFrame:
    """An exited movement whose vehicle starts its next transit sooner than
    ``distance / return_kmh + turnaround_hours`` after the exit scan."""
    m = intervals(p)
    g = m.groupby("vehicle_registration")
    m = m.assign(next_gd=g["gd_number"].shift(-1), next_start=g["start"].shift(-1),
                 next_station=g["first_station"].shift(-1))
    m = m[m["exit_time"].notna() & m["next_gd"].notna()]
    m = _with_coords(_with_coords(m, "exit_station", stations, ""), "next_station", stations, "_next")
    km = pd.Series(haversine_km(m["lat"], m["lon"], m["lat_next"], m["lon_next"]), index=m.index)
    gap = hours(m["next_start"], m["exit_time"])
    needed = km / config.return_kmh + config.turnaround_hours
    # A next start before the exit is an overlap: double_booking's case.
    hit = (gap >= 0) & (gap < needed)
    m, km, gap, needed = m[hit], km[hit], gap[hit], needed[hit]
    if m.empty:
        return no_evidence()
    text = ("vehicle " + m["vehicle_registration"] + " exited at "
            + m["exit_station"].map(names).fillna(m["exit_station"]) + " on " + when(m["exit_time"])
            + " and started transit " + m["next_gd"] + " at "
            + m["next_station"].map(names).fillna(m["next_station"]) + " " + num(gap, 1)
            + " h later; the " + num(km) + " km back need at least " + num(needed, 1)
            + " h: was the exit real?")
    return evidence(m, "fast_empty_return", text, m["exit_time"])
