"""Transit movements: vehicles, checkpoint scans along the corridor, planted
diversions (off corridor, overstay, no exit, double booking) and their honest
look-alikes (ordinary delays, movements still under way at the end)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nigah.ingest.scenario.config import ScenarioConfig
from nigah.ingest.scenario.parties import Parties
from nigah.ingest.scenario.reference import HS_CODES, OFF_CORRIDOR, ROUTES, STATIONS

COORDS = {code: (lat, lon) for code, _, _, lat, lon in STATIONS}
DUTY_RATE = {code: rate for code, _, rate, _, _ in HS_CODES}
PATTERNS = ("off_corridor", "overstay", "no_exit", "double_booking")


def km(a: str, b: str) -> float:
    (la1, lo1), (la2, lo2) = (np.radians(COORDS[a]), np.radians(COORDS[b]))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return float(6371 * 2 * np.arcsin(np.sqrt(h)) * 1.25)  # roads wind: 25% over the great circle


def _fleet_plan(start, transporter, transporter_ids, by_transporter, routes) -> np.ndarray:
    """Give each movement the transporter's vehicle that is free soonest, so that
    honest vehicles are never on two transits at once."""
    import heapq

    vehicle = np.empty(len(start), int)
    free: dict[int, list] = {}
    for i in np.argsort(start, kind="stable"):
        heap = free.setdefault(transporter[i], [(np.datetime64(0, "s"), int(v))
                                                 for v in by_transporter[transporter_ids[transporter[i]]]])
        _, v = heapq.heappop(heap)
        vehicle[i] = v
        busy = np.timedelta64(int(ROUTES[routes[i]][1] + 72), "h")  # there and back
        heapq.heappush(heap, (start[i] + busy, v))
    return vehicle


def make_transit(rng: np.random.Generator, cfg: ScenarioConfig, p: Parties, decl: pd.DataFrame,
                 truth: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Assign vehicles and consignees to transit GDs; return scans and movement truth."""
    idx = np.flatnonzero(decl["gd_type"].to_numpy() == "transit")
    m = len(idx)
    ring = truth["ring"].to_numpy()[idx]
    vehicles = p.vehicles
    by_transporter = vehicles.groupby("transporter_id").indices
    transporter_ids = p.transporters["transporter_id"].to_numpy()
    transporter = rng.integers(0, len(transporter_ids), m)
    for r, tr in p.ring_transporter.items():
        transporter[ring == r] = tr
    start = pd.to_datetime(decl["date"].to_numpy()[idx]) + pd.to_timedelta(rng.uniform(6, 20, m), unit="h")
    vehicle = _fleet_plan(start.to_numpy(), transporter, transporter_ids, by_transporter,
                          decl["route_code"].to_numpy()[idx])
    consignee = rng.integers(0, len(p.consignees), m)
    ring_consignee = {r: int(rng.integers(len(p.consignees))) for r in p.ring_transporter}
    for r, c in ring_consignee.items():
        consignee[(ring == r) & (rng.random(m) < 0.7)] = c
    decl.loc[decl.index[idx], "consignee_id"] = p.consignees["consignee_id"].to_numpy()[consignee]

    # Which movements are diverted, and how.
    diverted = np.where(ring >= 0, rng.random(m) < cfg.ring_diversion_share, rng.random(m) < cfg.diversion_share / 4)
    pattern = np.where(diverted, rng.choice(PATTERNS, m), "none")
    delayed = ~diverted & (rng.random(m) < cfg.ordinary_delay_share)

    end = pd.Timestamp(cfg.start) + pd.Timedelta(days=cfg.days)
    # Double booking: the movement runs on the vehicle of another movement that
    # is on the road at the same time (a cloned plate or a faked transit).
    double = np.flatnonzero(pattern == "double_booking")
    others = np.flatnonzero(pattern != "double_booking")
    partner = np.zeros(0, int)
    if len(double) and len(others):
        partner = rng.choice(others, len(double))
        start_values = start.to_numpy().copy()
        start_values[double] = start_values[partner] + rng.uniform(2, 20, len(double)).astype("timedelta64[h]")
        start = pd.DatetimeIndex(start_values)
        vehicle[double] = vehicle[partner]
        decl.loc[decl.index[idx[double]], "date"] = start[double].normalize().date
    decl.loc[decl.index[idx], "vehicle_registration"] = vehicles["registration"].to_numpy()[vehicle]
    routes = decl["route_code"].to_numpy()[idx]
    scans = []
    for route, (_, allowed, stops) in ROUTES.items():
        sel = np.flatnonzero(routes == route)
        if not len(sel):
            continue
        legs = np.array([km(a, b) for a, b in zip(stops, stops[1:])])
        hours = legs / rng.uniform(35, 55, (len(sel), len(legs))) + rng.uniform(1, 6, (len(sel), len(legs)))
        leg = rng.integers(0, len(legs), len(sel))
        rows = np.arange(len(sel))
        slow = delayed[sel]
        hours[rows[slow], leg[slow]] *= rng.uniform(1.2, 1.6, int(slow.sum()))  # ordinary delays
        over = pattern[sel] == "overstay"
        hours[rows[over], leg[over]] *= rng.uniform(4, 7, int(over.sum()))  # goods unloaded on the way
        times = start.to_numpy()[sel][:, None] + np.concatenate(
            [np.zeros((len(sel), 1)), np.cumsum(hours, axis=1)], axis=1).astype("timedelta64[h]") \
            + (rng.uniform(0, 3600, (len(sel), len(stops)))).astype("timedelta64[s]")
        frame = pd.DataFrame({"gd": np.repeat(sel, len(stops)), "station_code": np.tile(stops, len(sel)),
                              "scanned_at": times.ravel(), "seq": np.tile(np.arange(len(stops)), len(sel))})
        no_exit = np.repeat(pattern[sel] == "no_exit", len(stops))
        cut = np.repeat(rng.integers(1, len(stops) - 1, len(sel)), len(stops))
        frame = frame[~(no_exit & (frame["seq"].to_numpy() > cut))]
        off = pattern[sel] == "off_corridor"
        if off.any():
            k = int(off.sum())
            at = rng.integers(1, len(stops) - 1, k)
            t_off = times[rows[off], at] + np.timedelta64(5, "h")
            frame = pd.concat([frame, pd.DataFrame({"gd": sel[off], "station_code": rng.choice(
                [s for s in OFF_CORRIDOR if s not in stops], k), "scanned_at": t_off, "seq": -1})])
        scans.append(frame)
    scans = pd.concat(scans, ignore_index=True)

    scans = scans[scans["scanned_at"] < end.to_datetime64()]  # what the tracker has seen so far
    scans["vehicle_registration"] = vehicles["registration"].to_numpy()[vehicle[scans["gd"].to_numpy()]]
    scans["gd_number"] = decl["gd_number"].to_numpy()[idx][scans["gd"].to_numpy()]
    scans["scanned_at"] = pd.to_datetime(scans["scanned_at"]).dt.floor("s")
    scans = scans.sort_values(["gd", "scanned_at"]).drop_duplicates(
        ["vehicle_registration", "station_code", "scanned_at"])

    # Some diversions are confirmed by a seizure at inspection.
    confirmed = diverted & (rng.random(m) < 0.3)
    gd_idx = decl.index[idx[confirmed]]
    decl.loc[gd_idx, "channel"] = "red"
    decl.loc[gd_idx, "inspection_outcome"] = "seizure"
    # The seized goods owe the import duty they were moving to evade.
    evaded = decl.loc[gd_idx, "declared_value_usd"] * decl.loc[gd_idx, "hs_code"].map(DUTY_RATE).astype(float)
    decl.loc[gd_idx, "recovered_duty_usd"] = evaded.astype(float).round(2)
    allowed_end = start + pd.to_timedelta([ROUTES[r][1] for r in routes], unit="h")
    movements = pd.DataFrame({
        "gd_number": decl["gd_number"].to_numpy()[idx], "pattern": pattern, "diverted": diverted,
        # An honest movement whose truck a double booking used is flagged too:
        # marked here so that evaluation can say so.
        "lookalike": np.select([np.isin(np.arange(m), partner) & ~diverted, delayed, ~diverted & (allowed_end > end)],
                               ["double_booked_partner", "ordinary_delay", "in_progress"], "none"),
        "confirmed": confirmed, "ring": ring,
        "vehicle_registration": vehicles["registration"].to_numpy()[vehicle],
        "transporter_id": transporter_ids[transporter]})
    return scans[["vehicle_registration", "station_code", "scanned_at", "gd_number"]], movements
