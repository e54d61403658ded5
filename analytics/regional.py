"""Regional risk for managers: stations and corridors, month by month.

Plain functions over the store's bulk reads (or the same columns read from the
input files): nothing here writes to a store. A declaration contributes to its
station (``station_code``) and to its month (``date``); transit declarations
also to their corridor (``route_code``).

Measures per group (:func:`aggregate`):

- ``declarations``: GDs lodged; ``examined``: of them, GDs with an inspection
  outcome; ``red``: GDs the selectivity rules sent to the red channel;
- ``discrepancies`` and ``seizures``: GDs whose ``inspection_outcome`` is
  ``discrepancy`` or ``seizure``; ``hit_rate``: (discrepancies + seizures) per
  examined GD;
- ``risk_mean`` and ``risk_max``: over the GDs that have a risk value. Which
  value is used is decided once per table by :func:`measures`: the computed
  ``Declaration.risk`` where any GD has one, otherwise a proxy, 1 for a GD in
  the red channel and 0 for green or yellow, so that ``risk_mean`` is the share
  of GDs routed red (the old rules' view of risk) and ``risk_max`` says whether
  any was;
- ``recovered_duty_usd``: the additional duty and taxes recovered after
  examination, as the input's optional ``Declaration.recovered_duty_usd``
  reports it. Where no GD reports it, an estimate stands in: the declared
  ``duty_usd`` of the GDs with a discrepancy or seizure, the duty at stake on
  GDs where an examination found something (not the additional amount);
- ``duty_usd`` and ``declared_value_usd``: sums as declared.

>>> decl = pd.DataFrame({
...     "gd_number": ["A", "B", "C", "D"], "gd_type": ["import", "import", "transit", "export"],
...     "date": pd.to_datetime(["2025-01-03", "2025-01-20", "2025-02-01", "2025-02-11"]),
...     "station_code": ["KPT", "KPT", "KPT", "LHR"], "channel": ["red", "green", "red", "yellow"],
...     "inspection_outcome": ["seizure", None, "no_discrepancy", "discrepancy"],
...     "duty_usd": [100.0, 50.0, 0.0, 10.0], "declared_value_usd": [1000.0, 500.0, 80.0, 90.0],
...     "route_code": [None, None, "APTTA-CMN", None]})
>>> m = measures(decl)
>>> m.risk, m.recovered
('red_channel', 'duty_on_findings')
>>> prepared = prepare(decl, m)
>>> print(station_month(prepared)[["station_code", "month", "declarations", "seizures",
...                                "risk_mean", "recovered_duty_usd"]].to_string(index=False))
station_code      month  declarations  seizures  risk_mean  recovered_duty_usd
         KPT 2025-01-01             2         1        0.5               100.0
         KPT 2025-02-01             1         0        1.0                 0.0
         LHR 2025-02-01             1         0        0.0                10.0
>>> len(filter_declarations(prepared, gd_types=["import"], channels=["red"]))
1
>>> corridor_trend(prepared)[["route_code", "month", "declarations"]].values.tolist()
[['APTTA-CMN', Timestamp('2025-01-01 00:00:00'), 0], ['APTTA-CMN', Timestamp('2025-02-01 00:00:00'), 1]]
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nigah.graph.schema import SCHEMA
from nigah.graph.store import GraphStore

DECLARATION_COLUMNS = ["gd_type", "date", "station_code", "channel", "inspection_outcome", "duty_usd",
                       "declared_value_usd", "recovered_duty_usd", "risk", "route_code"]
GD_TYPES = SCHEMA.enum_values("Declaration", "gd_type")
CHANNELS = SCHEMA.enum_values("Declaration", "channel")
NOT_EXAMINED = "not_examined"  # the outcome filter's name for GDs without an inspection outcome
OUTCOMES = (NOT_EXAMINED, *SCHEMA.enum_values("Declaration", "inspection_outcome"))

# What aggregate() gives per group; which are counts (0 where nothing) and which rates (undefined there).
COUNTS = ["declarations", "examined", "red", "discrepancies", "seizures", "recovered_duty_usd",
          "duty_usd", "declared_value_usd"]
RATES = ["risk_mean", "risk_max", "hit_rate"]
METRICS = COUNTS + RATES


@dataclass(frozen=True)
class RegionalInputs:
    declarations: pd.DataFrame  # gd_number + DECLARATION_COLUMNS
    stations: pd.DataFrame      # code, name, role, lat, lon
    routes: pd.DataFrame        # code, name, allowed_hours
    route_stops: pd.DataFrame   # route_code, station_code, seq
    filed_by: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["source", "target"]))


def read_regional_inputs(store: GraphStore) -> RegionalInputs:
    """Declarations, stations, corridors and their stops, by bulk reads."""
    stops = store.relationship_table("PASSES_THROUGH").rename(
        columns={"source": "route_code", "target": "station_code"})
    return RegionalInputs(
        declarations=store.node_table("Declaration", DECLARATION_COLUMNS),
        stations=store.node_table("Station", ["name", "role", "lat", "lon"]),
        routes=store.node_table("Route", ["name", "allowed_hours"]),
        route_stops=stops[["route_code", "station_code", "seq"]],
        filed_by=store.relationship_table("FILED_BY")[["source", "target"]])


@dataclass(frozen=True)
class Measures:
    """Which risk and which recovered-duty figure a table supports (see the module doc)."""

    risk: str       # "risk" (Declaration.risk) or "red_channel" (proxy)
    recovered: str  # "recovered_duty_usd" (reported) or "duty_on_findings" (estimate)

    @property
    def risk_label(self) -> str:
        return "Risk score" if self.risk == "risk" else "Red-channel share (risk proxy)"

    @property
    def risk_note(self) -> str:
        if self.risk == "risk":
            return "Risk: the computed risk score of each GD (mean over the GDs that have one)."
        return ("Risk: no GD has a computed risk score yet, so the share of GDs the selectivity "
                "rules sent to the red channel stands in for it.")

    @property
    def recovered_label(self) -> str:
        return "Recovered duty (USD)" if self.recovered == "recovered_duty_usd" \
            else "Duty on GDs with findings (USD, estimate)"

    @property
    def recovered_note(self) -> str:
        if self.recovered == "recovered_duty_usd":
            return "Recovered duty: additional duty and taxes recovered after examination, as reported."
        return ("Recovered duty: no GD reports recovered_duty_usd, so the declared duty of GDs with a "
                "discrepancy or seizure is shown as an estimate of the duty at stake, not the amount recovered.")


def _has_values(decl: pd.DataFrame, column: str) -> bool:
    return column in decl.columns and bool(decl[column].notna().any())


def measures(decl: pd.DataFrame) -> Measures:
    """Decide, once for the whole table, which risk and recovered-duty figures to use.

    >>> measures(pd.DataFrame({"risk": [None, 0.4], "recovered_duty_usd": [None, None]}))
    Measures(risk='risk', recovered='duty_on_findings')
    """
    return Measures(risk="risk" if _has_values(decl, "risk") else "red_channel",
                    recovered="recovered_duty_usd" if _has_values(decl, "recovered_duty_usd")
                    else "duty_on_findings")


def _numbers(decl: pd.DataFrame, column: str) -> pd.Series:
    if column not in decl.columns:
        return pd.Series(np.nan, index=decl.index, dtype=float)
    return pd.to_numeric(decl[column], errors="coerce").astype(float)


def _text(decl: pd.DataFrame, column: str) -> pd.Series:
    if column not in decl.columns:
        return pd.Series(None, index=decl.index, dtype=object)
    return decl[column].astype(object).where(decl[column].notna(), None)


def prepare(decl: pd.DataFrame, m: Measures | None = None) -> pd.DataFrame:
    """The declarations with the columns the aggregates need: ``month`` (its
    first day), ``risk_value``, ``recovered_value`` and 0/1 indicators."""
    m = m or measures(decl)
    out = pd.DataFrame({"gd_number": decl["gd_number"].to_numpy() if "gd_number" in decl else np.arange(len(decl))},
                       index=decl.index)
    date = pd.to_datetime(decl["date"]) if len(decl) else pd.Series(pd.NaT, index=decl.index, dtype="datetime64[ns]")
    out["date"] = date.dt.normalize()
    out["month"] = date.dt.to_period("M").dt.to_timestamp()
    for column in ("gd_type", "station_code", "channel", "inspection_outcome", "route_code"):
        out[column] = _text(decl, column)
    outcome, channel = out["inspection_outcome"], out["channel"]
    out["examined"] = outcome.notna().astype(int)
    out["red"] = (channel == "red").astype(int)
    out["discrepancies"] = (outcome == "discrepancy").astype(int)
    out["seizures"] = (outcome == "seizure").astype(int)
    out["duty_usd"] = _numbers(decl, "duty_usd").fillna(0.0)
    out["declared_value_usd"] = _numbers(decl, "declared_value_usd").fillna(0.0)
    if m.risk == "risk":
        out["risk_value"] = _numbers(decl, "risk")
    else:
        out["risk_value"] = out["red"].astype(float).where(channel.notna())
    if m.recovered == "recovered_duty_usd":
        out["recovered_value"] = _numbers(decl, "recovered_duty_usd").fillna(0.0)
    else:
        out["recovered_value"] = out["duty_usd"].where(outcome.isin(SCHEMA.adverse_outcomes), 0.0)
    return out


def filter_declarations(prepared: pd.DataFrame, since: dt.date | str | None = None,
                        until: dt.date | str | None = None, gd_types: Iterable[str] | None = None,
                        channels: Iterable[str] | None = None,
                        outcomes: Iterable[str] | None = None) -> pd.DataFrame:
    """The prepared declarations within the period (both ends included) and of the
    given GD types, channels and outcomes (``None``: any; an empty list: none).
    ``not_examined`` selects GDs without an inspection outcome."""
    keep = pd.Series(True, index=prepared.index)
    if since is not None:
        keep &= prepared["date"] >= pd.Timestamp(since)
    if until is not None:
        keep &= prepared["date"] <= pd.Timestamp(until)
    if gd_types is not None:
        keep &= prepared["gd_type"].isin(list(gd_types))
    if channels is not None:
        keep &= prepared["channel"].isin(list(channels))
    if outcomes is not None:
        outcomes = list(outcomes)
        keep &= prepared["inspection_outcome"].isin(outcomes) | \
            (prepared["inspection_outcome"].isna() & (NOT_EXAMINED in outcomes))
    return prepared[keep]


def aggregate(prepared: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The measures (``METRICS``) per group of ``by``, one row per group that has GDs."""
    out = prepared.groupby(by, sort=True, dropna=True).agg(
        declarations=("gd_number", "size"), examined=("examined", "sum"), red=("red", "sum"),
        discrepancies=("discrepancies", "sum"), seizures=("seizures", "sum"),
        recovered_duty_usd=("recovered_value", "sum"), duty_usd=("duty_usd", "sum"),
        declared_value_usd=("declared_value_usd", "sum"),
        risk_mean=("risk_value", "mean"), risk_max=("risk_value", "max"),
    ).reset_index()
    for c in ("declarations", "examined", "red", "discrepancies", "seizures"):
        out[c] = out[c].astype("int64")
    findings = out["discrepancies"] + out["seizures"]
    out["hit_rate"] = (findings / out["examined"].where(out["examined"] > 0)).astype(float)
    return out[by + METRICS]


def station_month(prepared: pd.DataFrame) -> pd.DataFrame:
    """Measures per station and month (rows where the station had GDs that month)."""
    return aggregate(prepared, ["station_code", "month"])


def monthly_trend(prepared: pd.DataFrame, months: list[pd.Timestamp] | None = None) -> pd.DataFrame:
    """Measures per month over all stations; every month of ``months`` (default:
    the first to the last month with GDs) gets a row, counts 0 where nothing."""
    trend = aggregate(prepared, ["month"])
    months = month_range(prepared) if months is None else months
    return _complete(trend.set_index("month"), pd.Index(months, name="month")).reset_index()


def corridor_trend(prepared: pd.DataFrame, months: list[pd.Timestamp] | None = None) -> pd.DataFrame:
    """Measures per transit corridor (``route_code``) and month, for transit GDs;
    every corridor with GDs gets a row for every month of ``months`` (default:
    its first to last month with GDs overall)."""
    transit = prepared[(prepared["gd_type"] == "transit") & prepared["route_code"].notna()]
    trend = aggregate(transit, ["route_code", "month"])
    months = month_range(prepared) if months is None else months
    if not len(trend):
        return trend
    full = pd.MultiIndex.from_product([sorted(trend["route_code"].unique()), months],
                                      names=["route_code", "month"])
    return _complete(trend.set_index(["route_code", "month"]), full).reset_index()


def _complete(frame: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    out = frame.reindex(index)
    out[COUNTS] = out[COUNTS].fillna(0)
    for c in ("declarations", "examined", "red", "discrepancies", "seizures"):
        out[c] = out[c].astype("int64")
    return out


def month_range(prepared: pd.DataFrame, since: dt.date | str | None = None,
                until: dt.date | str | None = None) -> list[pd.Timestamp]:
    """First days of the months from ``since`` (default: the first GD's) to
    ``until`` (default: the last GD's), both included.

    >>> [m.strftime("%Y-%m") for m in month_range(pd.DataFrame({"month": []}), "2025-11-20", "2026-01-02")]
    ['2025-11', '2025-12', '2026-01']
    """
    months = prepared["month"].dropna() if "month" in prepared else pd.Series([], dtype="datetime64[ns]")
    first = pd.Timestamp(since) if since is not None else (months.min() if len(months) else None)
    last = pd.Timestamp(until) if until is not None else (months.max() if len(months) else None)
    if first is None or last is None or first > last:
        return []
    return list(pd.period_range(first.to_period("M"), last.to_period("M"), freq="M").to_timestamp())


def partial_months(months: list[pd.Timestamp], first, last, share: float = 0.9) -> list[pd.Timestamp]:
    """The months of ``months`` of which the data, from ``first`` to ``last``
    (dates), covers less than ``share`` of the days: their counts are not
    comparable with whole months (typically the latest, still under way).

    >>> partial_months(month_range(pd.DataFrame({"month": []}), "2025-01-01", "2025-04-30"),
    ...                pd.Timestamp("2025-01-03"), pd.Timestamp("2025-04-02"))
    [Timestamp('2025-04-01 00:00:00')]
    """
    if pd.isna(first) or pd.isna(last):
        return []
    first, last = pd.Timestamp(first).normalize(), pd.Timestamp(last).normalize()
    out = []
    for m in months:
        end = m + pd.offsets.MonthEnd(0)
        covered = (min(end, last) - max(m, first)).days + 1
        if covered < share * m.days_in_month:
            out.append(m)
    return out


def station_summary(prepared: pd.DataFrame, stations: pd.DataFrame) -> pd.DataFrame:
    """Every station of ``stations`` (code, name, role, lat, lon) with its measures
    over ``prepared``; stations without GDs have counts 0. Station codes that GDs
    name but ``stations`` lacks are added with no name or place."""
    totals = aggregate(prepared, ["station_code"]).rename(columns={"station_code": "code"})
    out = stations.merge(totals, on="code", how="outer", sort=False)
    out[COUNTS] = out[COUNTS].fillna(0)
    for c in ("declarations", "examined", "red", "discrepancies", "seizures"):
        out[c] = out[c].astype("int64")
    return out.sort_values(["declarations", "code"], ascending=[False, True]).reset_index(drop=True)


def corridor_paths(route_stops: pd.DataFrame, stations: pd.DataFrame) -> pd.DataFrame:
    """Each corridor's stations in ``seq`` order with their lat/lon
    (``route_code, seq, station_code, lat, lon``); stops without a known place are left out."""
    places = stations.rename(columns={"code": "station_code"})[["station_code", "lat", "lon"]]
    out = route_stops.merge(places, on="station_code", how="inner")
    out = out[out["lat"].notna() & out["lon"].notna()]
    return out.sort_values(["route_code", "seq"]).reset_index(drop=True)[
        ["route_code", "seq", "station_code", "lat", "lon"]]


def heatmap_grid(sm: pd.DataFrame, metric: str, months: list[pd.Timestamp],
                 order: list[str] | None = None) -> pd.DataFrame:
    """Station × month matrix of one metric from :func:`station_month`: rows in
    ``order`` (default: most declarations first), a column per month of
    ``months``; counts are 0 where a station had no GDs that month, rates NaN.

    >>> sm = pd.DataFrame({"station_code": ["KPT", "LHR", "LHR"], "declarations": [1, 2, 3],
    ...                    "month": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-03-01"])})
    >>> heatmap_grid(sm, "declarations", month_range(sm)).values.tolist()
    [[2, 0, 3], [1, 0, 0]]
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}: use one of {', '.join(METRICS)}")
    if order is None:
        totals = sm.groupby("station_code")["declarations"].sum()
        order = sorted(totals.index, key=lambda code: (-totals[code], code))
    grid = sm.pivot(index="station_code", columns="month", values=metric).reindex(index=order, columns=months)
    if metric in COUNTS:
        grid = grid.fillna(0)
        if metric in ("declarations", "examined", "red", "discrepancies", "seizures"):
            grid = grid.astype("int64")
    return grid


def totals(prepared: pd.DataFrame) -> pd.Series:
    """The measures over all of ``prepared`` (counts 0 and rates NaN when it is empty)."""
    row = aggregate(prepared.assign(_all=0), ["_all"])
    return _complete(row.set_index("_all"), pd.Index([0], name="_all")).iloc[0][METRICS]


NEW_TRADER_DAYS = 90   # a filer seen in the store for less than this has little history yet


def warming_months(declarations: pd.DataFrame, filed_by: pd.DataFrame) -> list[pd.Timestamp]:
    """The first months of the store, while the histories that risk scores
    learn from are still building up: months in which the share of GDs whose
    filer the store has known for under ``NEW_TRADER_DAYS`` is more than twice
    (and 20 points above) that of the latest six months. A rise of mean risk
    over those months is the history filling in, not more fraud.

    >>> days = pd.date_range("2025-01-01", periods=12, freq="MS")
    >>> decl = pd.DataFrame({"gd_number": [f"g{i}" for i in range(24)], "date": list(days) * 2})
    >>> filed = pd.DataFrame({"source": decl["gd_number"], "target": ["a"] * 12 + ["b"] * 12})
    >>> [m.strftime("%b") for m in warming_months(decl, filed)]
    ['Jan', 'Feb', 'Mar']
    """
    if declarations.empty or filed_by.empty:
        return []
    gds = declarations[["gd_number", "date"]].merge(filed_by.rename(columns={"source": "gd_number",
                                                                           "target": "filer"}), on="gd_number")
    gds = gds.dropna(subset=["date"])
    if gds.empty:
        return []
    gds["date"] = pd.to_datetime(gds["date"])
    known = (gds["date"] - gds.groupby("filer")["date"].transform("min")).dt.days
    share = (known < NEW_TRADER_DAYS).groupby(gds["date"].dt.to_period("M")).mean().sort_index()
    steady = share.iloc[-6:].median()
    out = []
    for month, value in share.items():   # the leading run only: warming up is at the start
        if value <= max(2 * steady, steady + 0.2):
            break
        out.append(month.to_timestamp())
    return out


@dataclass(frozen=True)
class RegionalView:
    """Everything the managers' view shows for one choice of filters."""

    measures: Measures
    months: list[pd.Timestamp]        # the period's months
    selected: int                      # GDs matching the filters
    total: int                         # GDs in the store
    totals: pd.Series                  # the measures over all GDs matching the filters
    partial: list[pd.Timestamp]        # months of the period that the data covers only in part
    station_month: pd.DataFrame
    stations: pd.DataFrame             # station_summary
    monthly: pd.DataFrame              # monthly_trend
    corridors: pd.DataFrame            # corridor_trend, with the corridor's name
    corridor_paths: pd.DataFrame
    routes: pd.DataFrame
    warming: list[pd.Timestamp] = field(default_factory=list)   # history still building up (warming_months)


def regional_view(inputs: RegionalInputs, since: dt.date | str | None = None,
                  until: dt.date | str | None = None, gd_types: Iterable[str] | None = None,
                  channels: Iterable[str] | None = None,
                  outcomes: Iterable[str] | None = None) -> RegionalView:
    """All measures for the filters; the measures (risk, recovered duty) are
    chosen on the whole table, so they do not change meaning with the filters."""
    m = measures(inputs.declarations)
    prepared = prepare(inputs.declarations, m)
    chosen = filter_declarations(prepared, since, until, gd_types, channels, outcomes)
    months = month_range(prepared, since, until)
    corridors = corridor_trend(chosen, months)
    if len(corridors):
        names = inputs.routes.set_index("code")["name"] if len(inputs.routes) else pd.Series(dtype=object)
        corridors.insert(1, "route_name", corridors["route_code"].map(names).fillna(corridors["route_code"]))
    return RegionalView(
        measures=m, months=months, selected=len(chosen), total=len(prepared), totals=totals(chosen),
        partial=partial_months(months, prepared["date"].min(), prepared["date"].max()),
        station_month=station_month(chosen), stations=station_summary(chosen, inputs.stations),
        monthly=monthly_trend(chosen, months), corridors=corridors,
        corridor_paths=corridor_paths(inputs.route_stops, inputs.stations), routes=inputs.routes,
        warming=[m for m in warming_months(inputs.declarations, inputs.filed_by) if m in months])
