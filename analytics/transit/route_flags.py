"""Detectors that compare a movement with its declared route.

- ``off_corridor``: a scan at a station that is not on the declared route;
- ``leg_overstay``: a leg (consecutive scanned stations of the route) that took
  far longer than the norm of that leg in that season;
- ``exit_flags``: ``no_exit`` (no scan at the exit station, allowed time spent,
  as of now) and ``late_exit`` (exit scanned, but after the allowed time).

Each returns evidence rows ``gd_number, flag, at, text``. A leg norm: the
threshold is the median plus the 12 h minimum slack here, as the MAD is 0.

>>> legs = pd.DataFrame({"route_code": "R", "from_station": "A", "to_station": "B",
...                      "start": pd.Timestamp("2025-02-01"), "hours": [10.0] * 9 + [11.0, 40.0]})
>>> norms = leg_norms(legs, TransitConfig(season=None))
>>> float(norms.loc[0, "median"]), float(norms.loc[0, "threshold"]), norms.loc[0, "source"]
(10.0, 22.0, 'all seasons')
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from nigah.analytics.transit.config import TransitConfig
from nigah.analytics.transit.movements import Prepared
from nigah.analytics.transit.util import duration, evidence, hours, no_evidence, num, when

MAD_TO_SD = 1.4826  # MAD of a normal distribution times this is its standard deviation


def off_corridor(p: Prepared, names: pd.Series) -> pd.DataFrame:
    """A scan at a station that is not on the movement's declared route."""
    known = p.moves.loc[p.moves["known_route"], "gd_number"]
    off = p.scans[p.scans["seq"].isna() & p.scans["gd_number"].isin(known)]
    if off.empty:
        return no_evidence()
    text = ("scanned at " + off["station_code"].map(names).fillna(off["station_code"])
            + " (" + off["station_code"] + ") on " + when(off["scanned_at"])
            + ", not on the declared route " + off["route_code"])
    return evidence(off, "off_corridor", text, off["scanned_at"])


def legs(p: Prepared) -> pd.DataFrame:
    """Legs between consecutive on-route stations of each movement.

    A stay of several scans at one station counts from the first of them, so
    the leg time (arrival to arrival) includes the dwell at the from-station.
    Off-route scans are left out here: a detour shows as a long leg.
    """
    on = p.scans[p.scans["seq"].notna()]
    g = on.groupby("gd_number")
    visits = on[on["station_code"] != g["station_code"].shift()]
    g = visits.groupby("gd_number")
    out = visits.assign(from_station=g["station_code"].shift(), start=g["scanned_at"].shift())
    out = out[out["from_station"].notna()]
    return pd.DataFrame({"gd_number": out["gd_number"], "route_code": out["route_code"],
                         "from_station": out["from_station"], "to_station": out["station_code"],
                         "start": out["start"], "end": out["scanned_at"],
                         "hours": hours(out["scanned_at"], out["start"])}).reset_index(drop=True)


def _season(start: pd.Series, season: str | None) -> pd.Series:
    if season is None:
        return pd.Series(0, index=start.index)
    if season in ("quarter", "month"):
        return getattr(start.dt, season)
    raise ValueError(f"unknown season {season!r}: use 'quarter', 'month' or None")


def _stats(legs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    g = legs.groupby(keys)["hours"]
    stats = pd.DataFrame({"median": g.median(), "p95": g.quantile(0.95), "count": g.size()})
    dev = (legs["hours"] - legs.join(stats["median"], on=keys)["median"]).abs()
    stats["mad"] = dev.groupby([legs[k] for k in keys]).median() * MAD_TO_SD
    return stats


def leg_norms(legs: pd.DataFrame, config: TransitConfig) -> pd.DataFrame:
    """Per leg row, the norm it is judged against: ``median``, ``p95``, ``mad``,
    ``count``, ``threshold`` and ``source`` (which bucket), aligned with ``legs``.
    Legs whose norm rests on too few observations get a missing threshold."""
    leg = ["route_code", "from_station", "to_station"]
    legs = legs.assign(season=_season(legs["start"], config.season))
    bucket = legs.join(_stats(legs, leg + ["season"]), on=leg + ["season"])
    overall = legs.join(_stats(legs, leg), on=leg)
    use_bucket = (bucket["count"] >= config.min_bucket_legs) & (config.season is not None)
    norm = bucket.where(use_bucket, overall)[["median", "p95", "mad", "count"]]
    label = ("Q" if config.season == "quarter" else "month ") + legs["season"].astype(str)
    norm["source"] = label.where(use_bucket, "all seasons")
    slack = np.maximum(config.mad_k * norm["mad"], config.min_slack_hours)
    norm["threshold"] = (norm["median"] + slack).where(norm["count"] >= config.min_leg_legs)
    return norm


def leg_overstay(p: Prepared, names: pd.Series, config: TransitConfig) -> pd.DataFrame:
    """Legs that took longer than their norm's threshold."""
    all_legs = legs(p)
    norms = leg_norms(all_legs, config)
    hit = all_legs[all_legs["hours"] > norms["threshold"]]
    if hit.empty:
        return no_evidence()
    n = norms.loc[hit.index]
    text = ("leg " + hit["from_station"].map(names).fillna(hit["from_station"]) + "→"
            + hit["to_station"].map(names).fillna(hit["to_station"]) + " took "
            + duration(hit["hours"]) + " against a norm of " + duration(n["median"]) + " (p95 "
            + duration(n["p95"]) + ", " + n["source"] + ", " + n["count"].astype(int).astype(str)
            + " legs), leaving " + when(hit["start"]))
    return evidence(hit, "leg_overstay", text, hit["start"])


def exit_flags(p: Prepared, names: pd.Series, as_of: pd.Timestamp,
               config: TransitConfig) -> pd.DataFrame:
    """``no_exit``: the allowed time since the first scan has run out (as of
    ``as_of``) with no scan at the exit station; ``late_exit``: the exit scan
    came after the allowed time. Movements still within their time are not judged."""
    m = p.moves[p.moves["allowed_hours"].notna() & p.moves["known_route"]]
    if m.empty:
        return no_evidence()
    deadline = m["start"] + pd.to_timedelta(m["allowed_hours"] + config.exit_grace_hours, unit="h")
    exit_name = m["exit_station"].map(names).fillna(m["exit_station"])
    allowed = " (allowed " + duration(m["allowed_hours"]) + ")"

    missing = m["exit_time"].isna() & (as_of > deadline)
    name = lambda col: m[col].map(names).fillna(m[col])  # noqa: E731
    seen = np.where(m["n_scans"] > 0,
                    " after the first scan at " + name("first_station") + " on " + when(m["first_scan"])
                    + allowed + "; last seen at " + name("last_station") + " on " + when(m["last_scan"]),
                    " after the declaration on " + m["date"].dt.strftime("%Y-%m-%d") + allowed
                    + "; never scanned")
    text = ("no exit scan at " + exit_name + " " + duration(hours(as_of, m["start"]))
            + pd.Series(seen, index=m.index))
    no_exit = evidence(m[missing], "no_exit", text[missing], deadline[missing])

    late = m["exit_time"] > deadline
    text = ("exit scan at " + exit_name + " came " + duration(hours(m["exit_time"], m["start"]))
            + " after the first scan" + allowed + ", on " + when(m["exit_time"]))
    late_exit = evidence(m[late], "late_exit", text[late], m.loc[late, "exit_time"])
    return pd.concat([no_exit, late_exit], ignore_index=True)
