"""Per movement: run the detectors, combine their flags into a diversion score.

The score is a noisy-OR of per-flag weights (``TransitConfig.weights``):
``diversion_score = 1 - prod(1 - w_f)`` over the flags f that fired. Each flag
is read as an independent chance that the movement was diverted, so a second
flag raises the score without ever passing 1, and no flag gives 0. With the
default weights a missing exit alone gives 0.8, an overstay alone 0.5, an
overstay with a detour 1 - 0.5·0.4 = 0.8.

>>> noisy_or(pd.DataFrame({"a": [True, True, False], "b": [True, False, False]}), {"a": 0.5, "b": 0.5})
[0.75, 0.5, 0.0]
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from nigah.analytics.transit.config import FLAGS, TransitConfig
from nigah.analytics.transit.movements import prepare
from nigah.analytics.transit.route_flags import exit_flags, leg_overstay, off_corridor
from nigah.analytics.transit.util import EVIDENCE_COLUMNS, lists
from nigah.analytics.transit.vehicle_flags import double_booking, fast_empty_return, impossible_speed


def noisy_or(flags: pd.DataFrame, weights: dict[str, float]) -> list[float]:
    keep = 1.0 - np.column_stack([flags[f].to_numpy(bool) * weights.get(f, 0.0) for f in flags.columns])
    return np.round(1.0 - keep.prod(axis=1), 6).tolist()


def evidence_table(movements: pd.DataFrame, scans: pd.DataFrame, route_stops: pd.DataFrame,
                   routes: pd.DataFrame, stations: pd.DataFrame, as_of: pd.Timestamp,
                   config: TransitConfig = TransitConfig()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The prepared movements and every piece of evidence (``gd_number, flag, at, text``)."""
    as_of = pd.Timestamp(as_of)
    p = prepare(movements, scans, route_stops, routes, as_of)
    names = stations.set_index("code")["name"] if "name" in stations else pd.Series(dtype=str)
    parts = [off_corridor(p, names), leg_overstay(p, names, config),
             exit_flags(p, names, as_of, config), double_booking(p, config),
             impossible_speed(p, stations, names, config),
             fast_empty_return(p, stations, names, config)]
    ev = pd.concat([e for e in parts if len(e)] or [pd.DataFrame(columns=EVIDENCE_COLUMNS)],
                   ignore_index=True)
    return p.moves, ev


def score_movements(movements: pd.DataFrame, scans: pd.DataFrame, route_stops: pd.DataFrame,
                    routes: pd.DataFrame, stations: pd.DataFrame, as_of: pd.Timestamp,
                    config: TransitConfig = TransitConfig()) -> pd.DataFrame:
    """One row per transit movement: ``gd_number, vehicle_registration,
    route_code``, the scan span (``first_scan, last_scan, exit_time, n_scans``),
    one bool column per flag (``FLAGS``), ``diversion_score`` in [0, 1] and
    ``reasons`` (evidence texts, strongest flag first, then in time order);
    highest score first.

    Inputs have the columns of the input files (docs/input-format.md):
    ``movements``: gd_number, vehicle_registration, route_code, date (transit
    declarations only); ``scans``: vehicle_registration, station_code,
    scanned_at, gd_number; ``route_stops``: route_code, station_code, seq;
    ``routes``: code, allowed_hours; ``stations``: code, name, lat, lon.
    Only scans up to ``as_of`` are seen.
    """
    moves, ev = evidence_table(movements, scans, route_stops, routes, stations, as_of, config)
    out = moves[["gd_number", "vehicle_registration", "route_code", "first_scan", "last_scan",
                 "exit_time", "n_scans"]].copy()
    fired = ev.groupby(["gd_number", "flag"]).size().unstack(fill_value=0).reindex(columns=list(FLAGS))
    for f in FLAGS:
        out[f] = out["gd_number"].map(fired[f]).fillna(0).gt(0).astype(bool)
    out["diversion_score"] = noisy_or(out[list(FLAGS)], config.weights)
    rank = {f: i for i, f in enumerate(FLAGS)}
    ev = ev.assign(rank=ev["flag"].map(rank)).sort_values(["gd_number", "rank", "at"], kind="stable")
    reasons = ev.groupby("gd_number")["text"].agg(list)
    out["reasons"] = lists(reasons, pd.Index(out["gd_number"])).to_numpy()
    return out.sort_values(["diversion_score", "gd_number"], ascending=[False, True]).reset_index(drop=True)
