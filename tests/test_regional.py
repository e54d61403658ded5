"""Regional risk: the analytics against figures computed independently from the
scenario's CSV with pandas, the measures' fallbacks, and the managers' figures."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nigah.analytics.regional import (COUNTS, RATES, filter_declarations, heatmap_grid, measures, month_range,
                                prepare, read_regional_inputs, regional_view, station_month)
from nigah.graph.duckdb_store import DuckDBStore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def csv(scenario) -> pd.DataFrame:
    """The declarations file as written, read plainly."""
    df = pd.read_csv(scenario / "declarations.csv", dtype={"gd_number": str, "station_code": str})
    df["ym"] = df["date"].str[:7]
    return df


@pytest.fixture(scope="module")
def inputs(loaded_duckdb):
    return read_regional_inputs(loaded_duckdb)


def expected_station_month(df: pd.DataFrame) -> pd.DataFrame:
    """Station × month measures straight from the CSV (no code shared with analytics.regional)."""
    rows = []
    for (station, ym), g in df.groupby(["station_code", "ym"]):
        outcome = g["inspection_outcome"]
        with_channel = g["channel"].notna().sum()
        rows.append({
            "station_code": station, "ym": ym, "declarations": len(g), "examined": int(outcome.notna().sum()),
            "seizures": int((outcome == "seizure").sum()), "discrepancies": int((outcome == "discrepancy").sum()),
            "red": int((g["channel"] == "red").sum()),
            "recovered_duty_usd": float(g["recovered_duty_usd"].fillna(0).sum()),
            "risk_mean": (g["channel"] == "red").sum() / with_channel if with_channel else math.nan,
        })
    return pd.DataFrame(rows)


def test_the_store_holds_every_declaration_of_the_csv(inputs, csv):
    assert len(inputs.declarations) == len(csv)


def test_station_month_matches_the_csv(inputs, csv):
    m = measures(inputs.declarations)
    assert (m.risk, m.recovered) == ("red_channel", "recovered_duty_usd")  # no risk scores yet
    got = station_month(prepare(inputs.declarations, m)).assign(ym=lambda f: f["month"].dt.strftime("%Y-%m"))
    want = expected_station_month(csv)
    merged = want.merge(got, on=["station_code", "ym"], how="outer", suffixes=("_want", "_got"), indicator=True)
    assert (merged["_merge"] == "both").all()
    for c in ("declarations", "examined", "seizures", "discrepancies", "red"):
        assert (merged[f"{c}_want"] == merged[f"{c}_got"]).all(), c
    assert np.allclose(merged["recovered_duty_usd_want"], merged["recovered_duty_usd_got"], atol=0.005)
    assert np.allclose(merged["risk_mean_want"], merged["risk_mean_got"], equal_nan=True)
    # Totals, as a person would check them.
    assert got["seizures"].sum() == (csv["inspection_outcome"] == "seizure").sum() > 0
    assert got["discrepancies"].sum() == (csv["inspection_outcome"] == "discrepancy").sum() > 0
    assert round(got["recovered_duty_usd"].sum(), 2) == round(csv["recovered_duty_usd"].sum(), 2) > 0


def test_filters_period_type_channel_and_outcome(inputs, csv):
    view = regional_view(inputs, since="2025-03-01", until="2025-08-31", gd_types=["import", "transit"],
                         channels=["red", "yellow"], outcomes=["seizure", "discrepancy"])
    want = csv[(csv["date"] >= "2025-03-01") & (csv["date"] <= "2025-08-31")
               & csv["gd_type"].isin(["import", "transit"]) & csv["channel"].isin(["red", "yellow"])
               & csv["inspection_outcome"].isin(["seizure", "discrepancy"])]
    assert view.selected == len(want) > 0
    assert [m.strftime("%Y-%m") for m in view.months] == ["2025-03", "2025-04", "2025-05", "2025-06",
                                                           "2025-07", "2025-08"]
    assert int(view.totals["seizures"]) == (want["inspection_outcome"] == "seizure").sum()
    period = ["2025-03", "2025-04", "2025-05", "2025-06", "2025-07", "2025-08"]
    assert view.monthly["declarations"].tolist() == [int((want["ym"] == m).sum()) for m in period]
    by_station = want.groupby("station_code").size()
    got = view.stations.set_index("code")["declarations"]
    assert got[got > 0].sort_index().to_dict() == by_station.sort_index().to_dict()
    # Not examined: GDs without an outcome.
    unexamined = regional_view(inputs, outcomes=["not_examined"])
    assert unexamined.selected == csv["inspection_outcome"].isna().sum()
    # Nothing ticked: nothing selected, and the measures still have their shape.
    none = regional_view(inputs, gd_types=[])
    assert none.selected == 0 and len(none.station_month) == 0
    assert none.monthly["declarations"].sum() == 0 and none.monthly["risk_mean"].isna().all()


def test_corridor_trends_are_transit_gds_by_route(inputs, csv, scenario):
    view = regional_view(inputs)
    transit = csv[(csv["gd_type"] == "transit") & csv["route_code"].notna()]
    want = transit.groupby(["route_code", "ym"]).size()
    got = view.corridors.assign(ym=view.corridors["month"].dt.strftime("%Y-%m")).set_index(["route_code", "ym"])
    assert got["declarations"][got["declarations"] > 0].sort_index().to_dict() == want.sort_index().to_dict()
    assert set(got.index.get_level_values(0)) == set(transit["route_code"])
    # Every corridor has a row for every month (0 where none), so its line has no holes.
    assert len(view.corridors) == transit["route_code"].nunique() * len(view.months)
    assert (view.corridors["route_name"].str.contains("corridor")).all()
    seized = transit[transit["inspection_outcome"] == "seizure"].groupby("route_code").size()
    assert view.corridors.groupby("route_code")["seizures"].sum()[seized.index].tolist() == seized.tolist()
    # The corridors' paths follow PASSES_THROUGH order, as the route_stops file gives it.
    stops = pd.read_csv(scenario / "route_stops.csv", dtype={"seq": int}).sort_values(["route_code", "seq"])
    paths = view.corridor_paths
    for code, want_stops in stops.groupby("route_code"):
        assert paths[paths["route_code"] == code]["station_code"].tolist() == want_stops["station_code"].tolist()


def test_monthly_trend_matches_the_csv(inputs, csv):
    view = regional_view(inputs)
    want = csv.groupby("ym").agg(n=("gd_number", "size"),
                                 seizures=("inspection_outcome", lambda s: int((s == "seizure").sum())))
    got = view.monthly.assign(ym=view.monthly["month"].dt.strftime("%Y-%m")).set_index("ym")
    assert got["declarations"].to_dict() == want["n"].to_dict()
    assert got["seizures"].to_dict() == want["seizures"].to_dict()
    # The latest month is under way (the scenario stops on its first day or so): flagged partial.
    last = pd.Timestamp(csv["date"].max())
    assert view.partial == [m for m in view.months if m == last.to_period("M").to_timestamp()
                            and last.day < 27]


def test_heatmap_grid_orders_stations_and_fills_months(inputs, csv):
    view = regional_view(inputs)
    grid = heatmap_grid(view.station_month, "seizures", view.months)
    busiest = csv["station_code"].value_counts()
    assert list(grid.index) == sorted(busiest.index, key=lambda c: (-busiest[c], c))
    assert list(grid.columns) == view.months
    assert int(grid.to_numpy().sum()) == (csv["inspection_outcome"] == "seizure").sum()
    risk = heatmap_grid(view.station_month, "risk_mean", view.months)
    assert risk.isna().sum().sum() == (grid.shape[0] * grid.shape[1]) - len(view.station_month)
    with pytest.raises(ValueError, match="unknown metric"):
        heatmap_grid(view.station_month, "nonsense", view.months)
    assert set(COUNTS + RATES) <= set(view.station_month.columns)


def test_risk_scores_are_used_where_they_exist(csv):
    decl = csv.drop(columns="ym").copy()
    decl["risk"] = np.nan
    scored = decl["station_code"] == "KPT"
    decl.loc[scored, "risk"] = np.linspace(0, 1, int(scored.sum()))
    m = measures(decl)
    assert m.risk == "risk" and "score" in m.risk_label.lower()
    sm = station_month(prepare(decl, m))
    kpt = sm[sm["station_code"] == "KPT"]
    want = decl[scored].assign(ym=decl["date"].str[:7]).groupby("ym")["risk"].agg(["mean", "max"])
    assert np.allclose(kpt["risk_mean"], want["mean"]) and np.allclose(kpt["risk_max"], want["max"])
    # Stations without a score have no risk (not 0, and not the proxy).
    assert sm[sm["station_code"] != "KPT"]["risk_mean"].isna().all()


def test_recovered_duty_falls_back_to_an_estimate(csv):
    decl = csv.drop(columns=["ym", "recovered_duty_usd"])
    m = measures(decl)
    assert m.recovered == "duty_on_findings" and "estimate" in m.recovered_label
    got = station_month(prepare(decl, m))["recovered_duty_usd"].sum()
    findings = csv["inspection_outcome"].isin(["discrepancy", "seizure"])
    assert round(got, 2) == round(csv.loc[findings, "duty_usd"].fillna(0).sum(), 2)


def test_empty_store_gives_empty_measures(tmp_path):
    with DuckDBStore(tmp_path / "home") as store:
        view = regional_view(read_regional_inputs(store))
    assert view.months == [] and view.selected == view.total == 0
    assert len(view.station_month) == 0 and len(view.monthly) == 0 and len(view.corridors) == 0
    assert int(view.totals["declarations"]) == 0


def test_a_store_made_before_recovered_duty_gains_the_column(tmp_path):
    with DuckDBStore(tmp_path / "home") as store:
        store.con.execute('ALTER TABLE "Declaration" DROP COLUMN recovered_duty_usd')
    with DuckDBStore(tmp_path / "home") as store:
        assert "recovered_duty_usd" in store.node_table("Declaration").columns
    snapshot = DuckDBStore(tmp_path / "home", snapshot=True)
    assert "recovered_duty_usd" in read_regional_inputs(snapshot).declarations.columns
    snapshot.close()


def test_month_range_and_filters_on_dates():
    decl = pd.DataFrame({"gd_number": ["A", "B"], "date": ["2025-12-31", "2026-01-01"], "gd_type": "import",
                         "station_code": "KPT", "channel": None, "inspection_outcome": None})
    p = prepare(decl)
    assert [m.strftime("%Y-%m") for m in month_range(p)] == ["2025-12", "2026-01"]
    assert filter_declarations(p, until="2025-12-31")["gd_number"].tolist() == ["A"]
    assert filter_declarations(p, since="2026-01-01")["gd_number"].tolist() == ["B"]
    # No channel at all: the risk proxy has nothing to say.
    assert station_month(p)["risk_mean"].isna().all()


# ---- the managers' figures (no browser) ------------------------------------------
HOSTILE = "<b>Evil</b> Port <a href='javascript:alert(1)'>x</a>"


def test_map_draws_every_station_and_corridor_without_tiles(inputs, monkeypatch):
    from nigah.dashboard import maps

    monkeypatch.delenv("NIGAH_TILE_URL", raising=False)
    stations = inputs.stations.copy()
    stations.loc[stations["code"] == "KPT", "name"] = HOSTILE
    view = regional_view(type(inputs)(inputs.declarations, stations, inputs.routes, inputs.route_stops))
    fig = maps.map_figure(view, maps.tile_url())
    assert {t.type for t in fig.data} == {"scatter"}  # plain axes: no geo, no map tiles, nothing fetched
    markers = [t for t in fig.data if t.mode == "markers"]
    assert sum(len(t.x) for t in markers) == len(stations)
    corridors = [t for t in fig.data if t.mode == "lines" and t.showlegend is False and t.line.width == 3.5]
    assert len(corridors) == inputs.route_stops["route_code"].nunique()
    # Names are escaped for Plotly, which would otherwise read their HTML.
    texts = [a.text for a in fig.layout.annotations] + [h for t in markers for h in t.hovertext]
    assert any("&lt;b&gt;Evil&lt;/b&gt;" in t for t in texts)
    assert not any("<b>Evil" in t or "<a href" in t for t in texts)
    assert fig.layout.yaxis.scaleanchor == "x"


def test_tile_server_switches_to_a_tiled_map(inputs, monkeypatch):
    from nigah.dashboard import maps

    monkeypatch.setenv("NIGAH_TILE_URL", "http://tiles.internal/{z}/{x}/{y}.png")
    fig = maps.map_figure(regional_view(inputs), maps.tile_url())
    assert {t.type for t in fig.data} == {"scattermap"}
    assert fig.layout.map.style["sources"]["tiles"]["tiles"] == ["http://tiles.internal/{z}/{x}/{y}.png"]


def test_heatmap_and_trends_figures(inputs):
    from nigah.dashboard import regional as ui

    view = regional_view(inputs)
    for metric in ui.metric_names(view.measures):
        fig = ui.heatmap_figure(view, metric)
        assert fig.data[0].type == "heatmap" and len(fig.data[0].y) == (view.stations["declarations"] > 0).sum()
        assert len(fig.data[0].x) == len(view.months)
        assert ui.trend_figure(view, metric).data[0].type == "scatter"
        assert len(ui.corridor_figure(view, metric).data) == inputs.route_stops["route_code"].nunique()


def test_geometry_is_small_public_domain_and_holds_the_stations(inputs):
    from nigah.dashboard import maps

    geo = json.loads(maps.GEOMETRY.read_text(encoding="utf-8"))
    names = {f["properties"]["name"] for f in geo["features"]}
    assert "Pakistan" in names and {"Afghanistan", "Iran", "India", "China"} <= names
    pakistan = next(f for f in geo["features"] if f["properties"]["name"] == "Pakistan")
    points = sum(len(r) for poly in pakistan["geometry"]["coordinates"] for r in poly)
    assert 150 <= points <= 600
    assert maps.GEOMETRY.stat().st_size < 50_000
    readme = (maps.GEOMETRY.parent / "README.md").read_text(encoding="utf-8")
    assert "Natural Earth" in readme and "public domain" in readme
    st = inputs.stations
    assert st["lon"].between(*maps.VIEW_LON).all() and st["lat"].between(*maps.VIEW_LAT).all()
    (x0, x1), (y0, y1) = maps.VIEW_LON, maps.VIEW_LAT
    ring = np.array(pakistan["geometry"]["coordinates"][0][0])
    assert x0 < ring[:, 0].min() and ring[:, 0].max() < x1 and y0 < ring[:, 1].min() and ring[:, 1].max() < y1


def test_labels_of_close_stations_do_not_overlap(inputs):
    from nigah.dashboard import maps

    view = regional_view(inputs)
    st = view.stations
    radius = maps.marker_sizes(st["declarations"]) / 2
    texts = [maps.short_name(n) for n in st["name"]]
    offsets = maps.place_labels(st["lon"], st["lat"], radius, texts)
    boxes = []
    for (ax, ay), text, lon, lat in zip(offsets, texts, st["lon"], st["lat"]):
        cx = (lon - maps.VIEW_LON[0]) * maps.PX_PER_DEGREE + ax
        cy = (lat - maps.VIEW_LAT[0]) * maps.PX_PER_DEGREE * maps.ASPECT - ay
        hw = maps.CHAR_PX * len(text) / 2
        boxes.append((cx - hw, cy - maps.LINE_PX / 2, cx + hw, cy + maps.LINE_PX / 2))
    clashes = [(texts[i], texts[j]) for i in range(len(boxes)) for j in range(i) if maps._overlap(boxes[i], boxes[j])]
    assert not clashes


def test_regional_tab_is_in_the_layout():
    from nigah.dashboard.layout import layout

    text = str(layout())
    assert "Regional risk" in text and "regional-heatmap" in text and "search" in text


def test_a_rate_from_a_handful_of_declarations_is_not_drawn_as_a_signal(inputs):
    """Finding 10: a station-month of a few GDs shows "few", greyed, not its rate."""
    from nigah.dashboard import regional as ui

    view = regional_view(inputs)
    fig = ui.heatmap_figure(view, "risk_mean")
    counts = [[c[0] for c in row] for row in fig.data[0].customdata]
    cells = [(n, z, t) for crow, zrow, trow in zip(counts, fig.data[0].z, fig.data[0].text)
             for n, z, t in zip(crow, zrow, trow)]
    thin = [(z, t) for n, z, t in cells if 0 < n < ui.THIN_CELL]
    assert thin, "the scenario has thin station-months"
    assert all(z is None and t == "few" for z, t in thin)
    assert all(z is not None for n, z, _ in cells if n >= ui.THIN_CELL)
    counted = ui.heatmap_figure(view, "declarations")   # a count is shown whatever its size
    assert all(t != "few" for row in counted.data[0].text for t in row)


def test_the_months_while_histories_build_up_are_marked_on_the_risk_trend(inputs):
    """Finding 10: the store's first months, while traders' histories (what risk
    scores learn from) are still building up, are marked on the mean-risk trend
    as not comparable; the rest of the year is not."""
    from nigah.dashboard import regional as ui

    view = regional_view(inputs)
    assert view.warming, "the scenario's store starts with its first GDs: its first months warm up"
    assert view.warming[0] == view.months[0] and len(view.warming) < len(view.months) / 2
    shaded = ui.trend_figure(view, "risk_mean").layout.shapes
    assert len(shaded) == 1 and pd.Timestamp(shaded[0].x1) < view.months[len(view.warming)] + pd.Timedelta(days=20)
    assert not ui.trend_figure(view, "hit_rate").layout.shapes   # a hit rate does not lean on the model
