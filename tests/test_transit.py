"""Transit diversion detection: each planted pattern is flagged, its legitimate
look-alike next to it is not; entity ranking; end to end on a real store.

The hand-built world is the Karachi → Chaman corridor (KPT → HYD → SKZ → QTA →
CMN, 96 h allowed) with 40 ordinary movements that teach the leg norms.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nigah.analytics.transit import (FLAGS, TransitConfig, confirmed_diversions, read_transit_inputs,
                               score_entities, score_movements)
from nigah.analytics.transit.route_flags import leg_norms
from nigah.analytics.transit.util import haversine_km

STATIONS = pd.DataFrame([
    ("KPT", "Karachi Port", "sea_port", 24.84, 66.98),
    ("HYD", "Hyderabad", "checkpoint", 25.39, 68.37),
    ("SKZ", "Sukkur", "checkpoint", 27.71, 68.85),
    ("QTA", "Quetta", "inland", 30.18, 66.99),
    ("CMN", "Chaman", "border_exit", 30.92, 66.45),
    ("LRK", "Larkana", "checkpoint", 27.56, 68.21),   # off the corridor, an hour from Sukkur
    ("PSW", "Peshawar Dry Port", "dry_port", 34.01, 71.58),
], columns=["code", "name", "role", "lat", "lon"])
ROUTE = ["KPT", "HYD", "SKZ", "QTA", "CMN"]
ROUTES = pd.DataFrame({"code": ["APTTA-CMN"], "name": ["Karachi - Chaman"], "allowed_hours": [96.0]})
STOPS = pd.DataFrame({"route_code": "APTTA-CMN", "station_code": ROUTE, "seq": range(len(ROUTE))})
NORM_LEGS = [6.0, 10.0, 18.0, 6.0]  # hours KPT→HYD, HYD→SKZ, SKZ→QTA, QTA→CMN
BASE = pd.Timestamp("2025-01-06 08:00")
AS_OF = pd.Timestamp("2025-03-31 00:00")
H = pd.Timedelta(hours=1)


class World:
    """Movements and scans built by hand: ``trip`` scans a vehicle along stations."""

    def __init__(self):
        self.movements, self.scans = [], []

    def trip(self, gd, vehicle, start, legs=NORM_LEGS, stations=ROUTE):
        self.movements.append({"gd_number": gd, "vehicle_registration": vehicle,
                               "route_code": "APTTA-CMN", "date": start.normalize()})
        t = start
        for i, station in enumerate(stations):
            self.scans.append((vehicle, station, t, gd))
            t = t + legs[i] * H if i < len(legs) else t

    def scan(self, vehicle, station, at, gd=None):
        self.scans.append((vehicle, station, at, gd))

    def score(self, as_of=AS_OF, config=TransitConfig()) -> pd.DataFrame:
        scans = pd.DataFrame(self.scans, columns=["vehicle_registration", "station_code",
                                                  "scanned_at", "gd_number"])
        return score_movements(pd.DataFrame(self.movements), scans, STOPS, ROUTES, STATIONS,
                               as_of, config).set_index("gd_number")


def normal_world() -> World:
    """40 ordinary movements: ten trucks, a trip every ten days, legs ±12 %."""
    w, rng = World(), np.random.default_rng(3)
    for k in range(40):
        legs = list(np.array(NORM_LEGS) * rng.lognormal(0, 0.12, 4))
        start = BASE + pd.Timedelta(days=10 * (k // 10), hours=5 * (k % 10))
        w.trip(f"N{k:02d}", f"TLH-10{k % 10:02d}", start, legs)
    return w


def fired(scored: pd.DataFrame, gd: str) -> set[str]:
    return {f for f in FLAGS if scored.at[gd, f]}


@pytest.fixture(scope="module")
def scored():
    w = normal_world()
    day = lambda d, h=8: pd.Timestamp("2025-02-01") + pd.Timedelta(days=d, hours=h)  # noqa: E731
    # off_corridor: a stop at Larkana between Hyderabad and Sukkur, | twice scanned at Sukkur.
    w.trip("OFF", "KP-2001", day(1), [6, 8, 3, 18, 6], ["KPT", "HYD", "LRK", "SKZ", "QTA", "CMN"])
    w.trip("OFF-LIKE", "KP-2002", day(1), [6, 10, 1, 17, 6], ["KPT", "HYD", "SKZ", "SKZ", "QTA", "CMN"])
    # leg_overstay: Sukkur → Quetta in 61 h | an ordinary delay of 30 %.
    w.trip("STAY", "KP-2003", day(2), [6, 10, 61, 6])
    w.trip("STAY-LIKE", "KP-2004", day(2), [6, 10, 18 * 1.3, 6])
    # no_exit: last seen at Sukkur 200 h ago | seen there 30 h ago, still within 96 h.
    w.trip("NOEXIT", "KP-2005", AS_OF - 200 * H, [6, 10], ROUTE[:3])
    w.trip("NOEXIT-LIKE", "KP-2006", AS_OF - 30 * H, [6, 10], ROUTE[:3])
    # double_booking: one truck starts a second transit while its first is open |
    # a truck doing two back-to-back transits (32 h to drive back empty).
    w.trip("DB-A", "KP-2007", AS_OF - 90 * H, [6, 10], ROUTE[:3])
    w.trip("DB-B", "KP-2007", AS_OF - 50 * H)
    w.trip("DB-LIKE-1", "KP-2008", day(5))
    w.trip("DB-LIKE-2", "KP-2008", day(5) + 72 * H)
    # impossible_speed: a scan of the same plate at Peshawar 2 h after Hyderabad |
    # a fast but possible first leg (about 150 km in 2 h).
    w.trip("CLONE", "KP-2009", day(8))
    w.scan("KP-2009", "PSW", day(8) + 8 * H)
    w.trip("CLONE-LIKE", "KP-2010", day(8), [2, 10, 18, 6])
    # fast_empty_return: next transit from Karachi 14 h after the exit at Chaman
    # (about 680 km) | the back-to-back pair above, 32 h apart.
    w.trip("FAST", "KP-2011", day(12))
    w.trip("FAST-NEXT", "KP-2011", day(12) + 54 * H)
    return w.score()


def test_normal_movements_are_not_flagged(scored):
    normal = scored.loc[scored.index.str.fullmatch(r"N\d+")]
    assert len(normal) == 40
    assert not normal[list(FLAGS)].any(axis=None)
    assert (normal["diversion_score"] == 0).all() and normal["reasons"].map(len).eq(0).all()


@pytest.mark.parametrize("planted, flag", [
    ("OFF", "off_corridor"), ("STAY", "leg_overstay"), ("NOEXIT", "no_exit"),
    ("DB-B", "double_booking"), ("CLONE", "impossible_speed"),
    ("FAST", "fast_empty_return")])
def test_planted_pattern_is_flagged(scored, planted, flag):
    assert fired(scored, planted) == {flag}
    assert scored.at[planted, "diversion_score"] == pytest.approx(TransitConfig().weights[flag])
    assert len(scored.at[planted, "reasons"]) >= 1


def test_double_booking_flags_the_movement_declared_for_a_busy_truck(scored):
    # DB-A set off first with the truck; DB-B was declared while DB-A was under way.
    assert fired(scored, "DB-A") == set()
    assert any("DB-A" in r for r in scored.at["DB-B", "reasons"])


@pytest.mark.parametrize("look_alike", ["OFF-LIKE", "STAY-LIKE", "NOEXIT-LIKE", "DB-LIKE-1",
                                        "DB-LIKE-2", "CLONE-LIKE", "FAST-NEXT"])
def test_look_alike_is_not_flagged(scored, look_alike):
    assert fired(scored, look_alike) == set()
    assert scored.at[look_alike, "diversion_score"] == 0


def test_evidence_reads_like_an_officer_would_write_it(scored):
    assert scored.at["OFF", "reasons"] == [
        "scanned at Larkana (LRK) on 2025-02-02 22:00, not on the declared route APTTA-CMN"]
    (stay,) = scored.at["STAY", "reasons"]
    assert stay.startswith("leg Sukkur→Quetta took 2.5 days against a norm of 18 h (p95 ")
    (no_exit,) = scored.at["NOEXIT", "reasons"]
    assert no_exit.startswith("no exit scan at Chaman 8.3 days after the first scan at Karachi Port on "
                               "2025-03-22 16:00 (allowed 4 days); last seen at Sukkur")
    assert "already on transit DB-A" in scored.at["DB-B", "reasons"][0]
    assert any("Peshawar" in r and "cloned plates" in r for r in scored.at["CLONE", "reasons"])
    assert "FAST-NEXT" in scored.at["FAST", "reasons"][0]


def test_premises_of_the_planted_cases():
    km = STATIONS.set_index("code")[["lat", "lon"]]
    dist = lambda a, b: float(haversine_km(*km.loc[a], *km.loc[b]))  # noqa: E731
    assert dist("HYD", "PSW") > 800                     # the cloned plate: > 800 km in 2 h
    assert dist("KPT", "HYD") / 2 < TransitConfig().max_kmh      # the fast leg is possible
    assert 14 < dist("CMN", "KPT") / TransitConfig().return_kmh + 6 < 32


def test_scans_after_as_of_are_not_seen():
    w = normal_world()
    start = pd.Timestamp("2025-03-01 08:00")
    w.trip("LATE-SCAN", "KP-3001", start, [6, 10, 18, 70])     # exit scanned at 104 h
    mid = w.score(as_of=start + 60 * H)      # under way: not judged yet
    assert fired(mid, "LATE-SCAN") == set() and mid.at["LATE-SCAN", "n_scans"] == 4
    gone = w.score(as_of=start + 100 * H)    # time spent, exit not yet seen
    assert "no_exit" in fired(gone, "LATE-SCAN")
    after = w.score(as_of=start + 200 * H)   # exit seen, but late and after a long last leg
    assert fired(after, "LATE-SCAN") == {"late_exit", "leg_overstay"}


def test_movement_never_scanned_counts_from_its_declaration_date():
    w = normal_world()
    w.movements.append({"gd_number": "GHOST", "vehicle_registration": "KP-3002",
                        "route_code": "APTTA-CMN", "date": pd.Timestamp("2025-03-01")})
    scored = w.score()
    assert fired(scored, "GHOST") == {"no_exit"}
    assert "never scanned" in scored.at["GHOST", "reasons"][0]
    assert fired(w.score(as_of=pd.Timestamp("2025-03-02")), "GHOST") == set()


def test_no_scans_at_all_scores_without_error():
    w = World()
    w.movements.append({"gd_number": "G1", "vehicle_registration": "V", "route_code": "APTTA-CMN",
                        "date": pd.Timestamp("2025-01-01")})
    assert fired(w.score(), "G1") == {"no_exit"}


def test_leg_norms_follow_the_season_and_fall_back_when_thin():
    rng = np.random.default_rng(5)
    winter = pd.Timestamp("2025-01-10") + pd.to_timedelta(rng.integers(0, 60, 30), unit="D")
    summer = pd.Timestamp("2025-07-10") + pd.to_timedelta(rng.integers(0, 60, 30), unit="D")
    legs = pd.DataFrame({"route_code": "APTTA-CMN", "from_station": "QTA", "to_station": "CMN",
                         "start": list(winter) + list(summer) + [pd.Timestamp("2025-04-10")] * 3,
                         "hours": list(28 * rng.lognormal(0, .08, 30)) + list(18 * rng.lognormal(0, .08, 30))
                         + [20.0, 21.0, 22.0]})
    norms = leg_norms(legs, TransitConfig(season="quarter"))
    assert set(norms["source"]) == {"Q1", "Q3", "all seasons"}
    assert (norms["source"].iloc[60:] == "all seasons").all()          # Q2 holds only three legs
    q1, q3 = norms.iloc[0], norms.iloc[30]
    assert q1["threshold"] > 34 > q3["threshold"]                      # 34 h: winter yes, summer no


# ---- entities ---------------------------------------------------------------------------

def entity_inputs(rows):
    """rows: (gd, vehicle, agent, consignee, diversion_score)."""
    movements = pd.DataFrame(rows, columns=["gd_number", "vehicle_registration", "agent_licence",
                                            "consignee_id", "diversion_score"])
    scored = movements[["gd_number", "diversion_score"]].assign(**{f: False for f in FLAGS})
    scored["no_exit"] = scored["diversion_score"] > 0
    return scored, movements.drop(columns="diversion_score")


def by_node(entities: pd.DataFrame) -> pd.DataFrame:
    return entities.set_index("node_id")


def test_transporter_on_confirmed_diversions_ranks_above_a_clean_one():
    rows = [("C1", "V1", "AG-BUSY", "AFG-1", 0.8), ("C2", "V2", "AG-BUSY", "AFG-2", 0.8)]
    rows += [(f"B{i}", f"V{1 + i % 2}", "AG-NEAR", "AFG-3", 0.0) for i in range(6)]
    rows += [(f"K{i}", f"V{3 + i % 2}", "AG-FAR", "AFG-4", 0.0) for i in range(8)]
    scored, movements = entity_inputs(rows)
    vehicles = pd.DataFrame({"vehicle_registration": ["V1", "V2", "V3", "V4"],
                             "transporter_id": ["TRN-BAD", "TRN-BAD", "TRN-CLEAN", "TRN-CLEAN"]})
    e = by_node(score_entities(scored, movements, vehicles, confirmed={"C1", "C2"}))
    bad, clean = e.loc["Transporter:TRN-BAD"], e.loc["Transporter:TRN-CLEAN"]
    assert bad["rank"] == 1 and clean["rank"] == 2
    assert bad["diversion_score"] > clean["diversion_score"]
    assert bad["confirmed"] == 2 and bad["proximity"] == 1.0 and clean["proximity"] == 0.0
    assert any(r.startswith("on 2 confirmed diversion(s): C1, C2") for r in bad["reasons"])
    # An agent who never handled a confirmed case but works the same trucks is
    # closer in the graph than one who shares nothing with them.
    assert e.at["ClearingAgent:AG-NEAR", "proximity"] > e.at["ClearingAgent:AG-FAR", "proximity"] == 0
    # Proximity is per degree: the consignee of a confirmed case is closer than a
    # busier consignee whose clean movements only share the trucks.
    assert e.at["Consignee:AFG-1", "proximity"] > e.at["Consignee:AFG-3", "proximity"] > 0


def test_shrinkage_one_of_one_ranks_below_eight_of_ten():
    rows = [("S1", "VA", "AG-ONE", "AFG-1", 0.8)]
    rows += [(f"E{i}", f"VB{i}", "AG-TEN", "AFG-2", 0.8 if i < 8 else 0.0) for i in range(10)]
    rows += [(f"Q{i}", f"VC{i % 5}", f"AG-Q{i % 4}", "AFG-3", 0.0) for i in range(40)]
    scored, movements = entity_inputs(rows)
    e = by_node(score_entities(scored, movements, pd.DataFrame(columns=["vehicle_registration",
                                                                        "transporter_id"])))
    one, ten = e.loc["ClearingAgent:AG-ONE"], e.loc["ClearingAgent:AG-TEN"]
    assert one["flag_share"] == 1.0 > ten["flag_share"] == 0.8
    assert ten["shrunk_share"] > one["shrunk_share"] and ten["rank"] < one["rank"]
    assert (e.loc[e["label"] == "ClearingAgent", "proximity"] == 0).all()


# ---- end to end on a real store -------------------------------------------------------

def test_generated_diversions_are_found_and_look_alikes_spared(loaded_duckdb, scenario):
    """On the generator's scenario (diversions planted next to ordinary delays and
    movements still under way), flags follow the ground truth."""
    from nigah.analytics.transit.evaluate import evaluate_diversion

    inputs = read_transit_inputs(loaded_duckdb)
    decl = loaded_duckdb.node_table("Declaration", ["gd_type"])
    scored = score_movements(inputs.movements, inputs.scans, inputs.route_stops, inputs.routes,
                             inputs.stations, inputs.scans["scanned_at"].max(), TransitConfig())
    assert sorted(scored["gd_number"]) == sorted(decl.loc[decl["gd_type"] == "transit", "gd_number"])
    assert scored["diversion_score"].between(0, 1).all()
    result = evaluate_diversion(scored, pd.read_csv(scenario / "truth" / "movements.csv"))
    assert result["diverted"] >= 10
    assert result["recall"] >= 0.9 and result["precision"] >= 0.7, result
    # Honest movements whose truck a double booking borrowed are flagged too.
    assert result["lookalikes"]["double_booked_partner"]["false_positive_rate"] > 0.5
    assert result["false_positive_rate"] < 0.1
    entities = score_entities(scored, inputs.movements, inputs.vehicles,
                              confirmed_diversions(inputs.movements))
    assert set(entities["label"]) == {"Vehicle", "Transporter", "ClearingAgent", "Consignee"}
    assert entities["diversion_score"].between(0, 1).all()


def test_scores_and_reasons_are_written_back(empty_store, scenario):
    from nigah.analytics.transit.run import run_transit
    from nigah.ingest.load import ingest_directory

    ingest_directory(empty_store, scenario)
    scored, entities = run_transit(empty_store)
    worst = scored.sort_values("diversion_score").iloc[-1]
    node = empty_store.get_nodes([f"Declaration:{worst['gd_number']}"])[0]
    assert node.properties["diversion_score"] == pytest.approx(worst["diversion_score"])
    assert node.properties["diversion_reasons"].startswith(worst["reasons"][0])
    top = entities[entities["label"] == "Transporter"].iloc[0]
    node = empty_store.get_nodes([top["node_id"]])[0]
    assert node.properties["diversion_score"] == pytest.approx(top["diversion_score"])


def test_proximity_gives_the_same_bits_every_time():
    """Personalised PageRank summed in OpenMP threads moved the last bits of
    diversion scores between two runs of the same analysis."""
    from nigah.analytics.transit.entities import proximity

    rng = np.random.default_rng(3)
    n = 60_000
    links = pd.DataFrame({"gd_number": rng.integers(0, 20_000, n).astype(str),
                          "label": rng.choice(["Vehicle", "ClearingAgent", "Consignee"], n),
                          "key": rng.integers(0, 8_000, n).astype(str)})
    confirmed = set(rng.choice(links["gd_number"].unique(), 300, replace=False))
    first = proximity(links, confirmed, 0.85)
    for _ in range(3):
        again = proximity(links, set(sorted(confirmed, reverse=True)), 0.85)
        assert (again.to_numpy() == first.to_numpy()).all()
