"""A seeded synthetic customs scenario with planted collusive rings.

It writes one CSV per schema kind in the documented input format, and the
ground truth (which traders form rings) under ``truth/`` only, never in the
files that get ingested.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> counts = generate(out, declarations=500, seed=1)
>>> counts["declarations"], (out / "truth" / "rings.csv").exists()
(500, True)
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from graph.schema import SCHEMA

# (code, name, role, lat, lon), after ../shared/domain.md
STATIONS = [
    ("KPT", "Karachi Port (West Wharf)", "sea_port", 24.84, 66.98),
    ("PQA", "Port Qasim", "sea_port", 24.77, 67.33),
    ("GWD", "Gwadar", "sea_port", 25.12, 62.33),
    ("TKM", "Torkham", "border_exit", 34.13, 71.09),
    ("CMN", "Chaman", "border_exit", 30.92, 66.45),
    ("GKN", "Ghulam Khan", "border_exit", 33.24, 70.07),
    ("AAD", "Angoor Adda", "border_exit", 32.33, 69.35),
    ("TFN", "Taftan", "border", 28.96, 61.59),
    ("WGH", "Wagah", "border", 31.60, 74.57),
    ("SST", "Sost", "border", 36.69, 74.82),
    ("PSW", "Peshawar Dry Port", "dry_port", 34.01, 71.58),
    ("QTA", "Quetta", "inland", 30.18, 66.99),
    ("LHR", "Lahore Dry Port", "dry_port", 31.52, 74.36),
    ("ISB", "Islamabad", "inland", 33.68, 73.05),
    ("FSD", "Faisalabad", "inland", 31.42, 73.08),
    ("SKT", "Sialkot", "inland", 32.49, 74.53),
    ("MUX", "Multan", "inland", 30.20, 71.47),
    ("HYD", "Hyderabad", "checkpoint", 25.39, 68.37),
    ("SKZ", "Sukkur", "checkpoint", 27.71, 68.85),
    ("DIK", "Dera Ismail Khan", "checkpoint", 31.83, 70.90),
]
ROUTES = {
    "APTTA-CMN": ("Karachi - Chaman transit corridor", 96, ["KPT", "HYD", "SKZ", "QTA", "CMN"]),
    "APTTA-TKM": ("Karachi - Torkham transit corridor", 144, ["KPT", "SKZ", "MUX", "DIK", "PSW", "TKM"]),
}
# (PCT code, description, duty rate, typical USD per kg)
HS_CODES = [
    ("85171300", "Smartphones", 0.10, 180.0), ("85287200", "Television receivers", 0.20, 25.0),
    ("84713010", "Laptops", 0.05, 90.0), ("39269099", "Other articles of plastics", 0.20, 4.0),
    ("87089900", "Motor vehicle parts", 0.35, 8.0), ("52081100", "Cotton fabric", 0.20, 5.0),
    ("10063090", "Rice, semi-milled", 0.00, 0.6), ("15119000", "Palm oil", 0.10, 1.0),
    ("27101990", "Lubricating oils", 0.11, 2.0), ("30049099", "Medicaments", 0.11, 40.0),
    ("72085100", "Flat-rolled iron", 0.11, 0.7), ("85044090", "Static converters", 0.20, 15.0),
    ("64039900", "Footwear", 0.35, 12.0), ("24022000", "Cigarettes", 0.65, 30.0),
    ("61091000", "Cotton T-shirts", 0.35, 10.0), ("84151010", "Air conditioners", 0.20, 9.0),
]
WORDS = ["Indus", "Crescent", "Al-Noor", "Mehran", "Karakoram", "Sapphire", "Zarai", "Faisal",
         "Habib", "Shaheen", "Ravi", "Chenab", "Bolan", "Khyber", "Margalla", "Gulf", "Orient",
         "Pak-Gulf", "Silk Route", "Madina", "Hilal", "Tariq", "Kohinoor", "Sitara"]
SUFFIXES = ["Traders", "Enterprises", "Impex", "Corporation", "International", "Trading Co."]
LEGAL = ["(Pvt) Ltd", "Pvt. Limited", "", "& Sons"]
AREAS = ["SITE Area", "Korangi", "Saddar", "Clifton", "Gulberg", "Blue Area", "Hayatabad",
         "Satellite Town", "Model Town", "Shah Faisal Colony"]
CITIES = ["Karachi", "Lahore", "Peshawar", "Quetta", "Islamabad", "Faisalabad", "Sialkot", "Multan"]
COUNTRIES = ["CN", "AE", "JP", "DE", "TH", "MY", "ID", "US", "GB", "TR", "KR", "IN"]


def ntn(numbers: np.ndarray) -> list[str]:
    """NTNs ``1234567-8`` whose check digit is the weighted digit sum mod 10 (illustrative)."""
    out = []
    for n in numbers:
        digits = f"{int(n):07d}"
        check = sum((i + 2) * int(d) for i, d in enumerate(digits)) % 10
        out.append(f"{digits}-{check}")
    return out


def _names(rng: np.random.Generator, n: int, suffixes=SUFFIXES) -> list[str]:
    a = rng.choice(WORDS, n)
    b = rng.choice(suffixes, n)
    c = rng.choice(LEGAL, n)
    return [f"{x} {y} {z}".strip() for x, y, z in zip(a, b, c)]


def _phones(rng: np.random.Generator, n: int) -> list[str]:
    return [f"+923{p:09d}" for p in rng.integers(0, 10**9, n)]


def _unique_ints(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    return rng.choice(np.arange(low, high), size=n, replace=False) if high - low < 5 * n \
        else np.unique(rng.integers(low, high, 2 * n + 10))[:n]


def _write(frame: pd.DataFrame, out: Path, label: str) -> None:
    node = SCHEMA.node(label)
    cols = [p.name for p in node.input_properties if p.name in frame.columns]
    frame[cols].to_csv(out / f"{node.file}.csv", index=False, date_format="%Y-%m-%d")


def generate(out: Path, declarations: int = 10_000, seed: int = 7, rings: int | None = None,
             start: dt.date = dt.date(2025, 1, 1), days: int = 365) -> dict[str, int]:
    """Write a scenario of ``declarations`` GDs to ``out``; returns row counts per file."""
    rng = np.random.default_rng(seed)
    out = Path(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    n_traders = max(40, declarations // 25)
    n_agents = max(8, declarations // 400)
    n_consignors = max(20, declarations // 60)
    n_consignees = max(10, declarations // 300)
    n_transporters = max(5, declarations // 1500)
    n_rings = rings if rings is not None else max(2, n_traders // 60)

    stations = pd.DataFrame(STATIONS, columns=["code", "name", "role", "lat", "lon"])
    routes = pd.DataFrame([(c, n, h) for c, (n, h, _) in ROUTES.items()],
                          columns=["code", "name", "allowed_hours"])
    stops = pd.DataFrame([(c, s, i) for c, (_, _, seq) in ROUTES.items() for i, s in enumerate(seq)],
                         columns=["route_code", "station_code", "seq"])
    hs = pd.DataFrame(HS_CODES, columns=["code", "description", "duty_rate", "usd_per_kg"])

    traders = pd.DataFrame({
        "ntn": ntn(_unique_ints(rng, n_traders, 1_000_000, 9_999_999)),
        "name": _names(rng, n_traders),
        "address": [f"{rng.integers(1, 400)} {rng.choice(AREAS)}, {rng.choice(CITIES)}"
                    for _ in range(n_traders)],
        "phone": _phones(rng, n_traders),
        "registered_on": [start - dt.timedelta(days=int(d)) for d in rng.integers(30, 5000, n_traders)],
    })
    agents = pd.DataFrame({
        "licence_no": [f"CHAL-{i:04d}" for i in _unique_ints(rng, n_agents, 1, 9999)],
        "name": _names(rng, n_agents, ["Clearing Agency", "Customs Brokers", "Logistics"]),
        "phone": _phones(rng, n_agents),
    })
    consignors = pd.DataFrame({
        "consignor_id": [f"SUP-{i:05d}" for i in range(n_consignors)],
        "name": _names(rng, n_consignors, ["Export Co.", "Manufacturing", "Trading LLC", "Industries"]),
        "country": rng.choice(COUNTRIES, n_consignors),
    })
    consignees = pd.DataFrame({
        "consignee_id": [f"AFG-{i:04d}" for i in range(n_consignees)],
        "name": _names(rng, n_consignees, ["Trading Company", "Brothers", "Import Group"]),
        "country": "AF",
        "address": rng.choice(["Kabul", "Jalalabad", "Kandahar", "Herat", "Mazar-i-Sharif"], n_consignees),
    })
    transporters = pd.DataFrame({
        "transporter_id": [f"TRN-{i:03d}" for i in range(n_transporters)],
        "name": _names(rng, n_transporters, ["Goods Transport", "Logistics", "Carriers"]),
        "phone": _phones(rng, n_transporters),
    })
    n_vehicles = n_transporters * 8
    plates = _unique_ints(rng, n_vehicles, 1000, 99999)
    vehicles = pd.DataFrame({
        "registration": [f"{p}-{n}" for p, n in zip(rng.choice(["TLH", "TKN", "TLR", "JU", "KP"], n_vehicles), plates)],
        "transporter_id": np.repeat(transporters["transporter_id"].to_numpy(), 8),
    })

    # Each trader works with one or two agents; agent popularity is skewed, so a
    # few busy agents serve many honest traders (a look-alike of a ring's hub).
    agent_weight = rng.pareto(1.2, n_agents) + 1
    agent_weight /= agent_weight.sum()
    trader_agent = rng.choice(n_agents, n_traders, p=agent_weight)

    # Plant collusive rings: front companies sharing a phone, an address, a
    # little-used agent and the controller's vehicles.
    ring_rows = []
    ring_vehicles: dict[int, np.ndarray] = {}
    members = rng.choice(n_traders, size=min(n_traders, n_rings * 5), replace=False)
    for r in range(n_rings):
        group = members[r * 5: r * 5 + int(rng.integers(3, 6))]
        if len(group) < 2:
            break
        phone, address = traders.at[group[0], "phone"], traders.at[group[0], "address"]
        traders.loc[group, "phone"] = phone
        traders.loc[group, "address"] = address
        trader_agent[group] = int(np.argmin(agent_weight))
        ring_vehicles[r] = rng.choice(n_vehicles, 2, replace=False)
        for g in group:
            ring_rows.append((f"RING-{r:03d}", traders.at[g, "ntn"], int(g)))
    ring_of = {g: int(rid[5:]) for rid, _, g in ring_rows}

    # Declarations: skewed trader activity, dates over the period.
    activity = rng.pareto(1.5, n_traders) + 1
    t_idx = rng.choice(n_traders, declarations, p=activity / activity.sum())
    gd_type = rng.choice(["import", "export", "transit"], declarations, p=[0.7, 0.15, 0.15])
    dates = pd.to_datetime(start) + pd.to_timedelta(np.sort(rng.integers(0, days, declarations)), unit="D")
    h_idx = rng.integers(0, len(hs), declarations)
    weight = np.round(rng.lognormal(7.5, 1.0, declarations), 1)
    value = np.round(weight * hs["usd_per_kg"].to_numpy()[h_idx] * rng.lognormal(0, 0.25, declarations), 2)
    is_transit = gd_type == "transit"
    station = np.where(gd_type == "export", rng.choice(["KPT", "PQA", "LHR", "SKT", "FSD"], declarations),
                       np.where(is_transit, "KPT", rng.choice(["KPT", "PQA", "LHR", "PSW", "ISB", "QTA"],
                                                               declarations, p=[.4, .25, .12, .08, .08, .07])))
    route = np.where(is_transit, rng.choice(list(ROUTES), declarations), None)
    uses_vehicle = is_transit | (rng.random(declarations) < 0.3)
    vehicle_idx = rng.integers(0, n_vehicles, declarations)
    for i in np.flatnonzero(np.isin(t_idx, list(ring_of))):
        if uses_vehicle[i] or rng.random() < 0.5:
            uses_vehicle[i] = True
            vehicle_idx[i] = rng.choice(ring_vehicles[ring_of[int(t_idx[i])]])
    channel = rng.choice(["green", "yellow", "red"], declarations, p=[0.8, 0.12, 0.08])
    inspected = channel != "green"
    outcome = np.where(inspected, rng.choice(["no_discrepancy", "discrepancy", "seizure"], declarations,
                                             p=[0.8, 0.15, 0.05]), None)
    year = dates.year.astype(str)
    decl = pd.DataFrame({
        "gd_number": [f"{s}-{'TR' if t == 'transit' else 'HC' if t == 'import' else 'EX'}-{i:07d}-{y}"
                      for i, (s, t, y) in enumerate(zip(station, gd_type, year))],
        "gd_type": gd_type, "date": dates.date, "station_code": station,
        "hs_code": hs["code"].to_numpy()[h_idx], "description": hs["description"].to_numpy()[h_idx],
        "quantity": np.maximum(1, np.round(weight / rng.uniform(0.5, 20, declarations))),
        "unit": "PCS", "weight_kg": weight, "declared_value_usd": value,
        "duty_usd": np.round(value * hs["duty_rate"].to_numpy()[h_idx], 2),
        "channel": channel, "inspection_outcome": outcome,
        "trader_ntn": traders["ntn"].to_numpy()[t_idx],
        "consignee_id": np.where(is_transit, consignees["consignee_id"].to_numpy()[
            rng.integers(0, n_consignees, declarations)], None),
        "consignor_id": np.where(gd_type != "export", consignors["consignor_id"].to_numpy()[
            rng.integers(0, n_consignors, declarations)], None),
        "agent_licence": agents["licence_no"].to_numpy()[trader_agent[t_idx]],
        "vehicle_registration": np.where(uses_vehicle, vehicles["registration"].to_numpy()[vehicle_idx], None),
        "route_code": route,
    })

    # Checkpoint scans along the declared corridor for each transit movement.
    scans = []
    for i in np.flatnonzero(is_transit):
        t = pd.Timestamp(dates[i]) + pd.Timedelta(hours=float(rng.uniform(6, 20)))
        for stop in ROUTES[route[i]][2]:
            scans.append((decl.at[i, "vehicle_registration"], stop, t, decl.at[i, "gd_number"]))
            t += pd.Timedelta(hours=float(rng.uniform(8, 30)))
    scans = pd.DataFrame(scans, columns=["vehicle_registration", "station_code", "scanned_at", "gd_number"])
    scans = scans.drop_duplicates(["vehicle_registration", "station_code", "scanned_at"])

    _write(stations, out, "Station")
    _write(routes, out, "Route")
    _write(hs.rename(columns={}), out, "HSCode")
    for frame, label in [(traders, "Trader"), (agents, "ClearingAgent"), (consignors, "Consignor"),
                         (consignees, "Consignee"), (transporters, "Transporter"),
                         (vehicles, "Vehicle"), (decl, "Declaration")]:
        _write(frame, out, label)
    stops.to_csv(out / f"{SCHEMA.relationship('PASSES_THROUGH').file}.csv", index=False)
    scans.to_csv(out / f"{SCHEMA.relationship('SCANNED_AT').file}.csv", index=False,
                 date_format="%Y-%m-%dT%H:%M:%S")
    pd.DataFrame([(r, n) for r, n, _ in ring_rows], columns=["ring_id", "ntn"]).to_csv(
        out / "truth" / "rings.csv", index=False)
    return {"declarations": len(decl), "traders": len(traders), "rings": n_rings,
            "checkpoint_scans": len(scans)}
