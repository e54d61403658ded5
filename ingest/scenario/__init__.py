"""A seeded customs scenario simulator with planted typologies and ground truth.

It writes the documented input format (one file per kind, CSV or Parquet) and
the ground truth under ``truth/`` only, never in the files that get ingested.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> counts = generate(out, ScenarioConfig(declarations=2000, seed=1))
>>> counts["declarations"], sorted(p.name for p in (out / "truth").iterdir())[:2]
(2000, ['config.json', 'declarations.csv'])
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from nigah.graph.schema import SCHEMA
from nigah.ingest.scenario.config import ScenarioConfig
from nigah.ingest.scenario.declarations import HS, make_declarations
from nigah.ingest.scenario.parties import make_parties
from nigah.ingest.scenario.reference import ROUTES, STATIONS
from nigah.ingest.scenario.transit import make_transit

FORMATS = ("csv", "parquet")


def _write(frame: pd.DataFrame, out: Path, stem: str, columns: list[str], fmt: str) -> None:
    frame = frame[[c for c in columns if c in frame.columns]]
    if fmt == "parquet":
        frame.to_parquet(out / f"{stem}.parquet", index=False)
    else:
        frame.to_csv(out / f"{stem}.csv", index=False, date_format="%Y-%m-%d")


def _node(frame: pd.DataFrame, out: Path, label: str, fmt: str) -> None:
    node = SCHEMA.node(label)
    _write(frame, out, node.file, [p.name for p in node.input_properties], fmt)


def _entities_truth(parties) -> pd.DataFrame:
    """Which records are one real party (for entity resolution)."""
    t = parties.traders
    c = parties.consignors
    return pd.concat([
        pd.DataFrame({"label": "Trader", "key": t["ntn"], "party": t["party"]}),
        pd.DataFrame({"label": "Consignor", "key": c["consignor_id"], "party": c["party"]}),
    ], ignore_index=True)


def generate(out: Path | str, config: ScenarioConfig = ScenarioConfig(), fmt: str = "csv") -> dict[str, int]:
    """Write a scenario to ``out``; returns counts of what was written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    rng = np.random.default_rng(config.seed)
    out = Path(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    parties = make_parties(rng, config)
    decl, decl_truth = make_declarations(rng, config, parties)
    scans, movements = make_transit(rng, config, parties, decl, decl_truth)

    _node(pd.DataFrame(STATIONS, columns=["code", "name", "role", "lat", "lon"]), out, "Station", fmt)
    _node(pd.DataFrame([(c, n, h) for c, (n, h, _) in ROUTES.items()], columns=["code", "name", "allowed_hours"]),
          out, "Route", fmt)
    _node(HS, out, "HSCode", fmt)
    for frame, label in [(parties.traders, "Trader"), (parties.agents, "ClearingAgent"),
                         (parties.consignors, "Consignor"), (parties.consignees, "Consignee"),
                         (parties.transporters, "Transporter"), (parties.vehicles, "Vehicle"),
                         (decl, "Declaration")]:
        _node(frame, out, label, fmt)
    stops = pd.DataFrame([(c, s, i) for c, (_, _, seq) in ROUTES.items() for i, s in enumerate(seq)],
                         columns=["route_code", "station_code", "seq"])
    passes, scanned = SCHEMA.relationship("PASSES_THROUGH"), SCHEMA.relationship("SCANNED_AT")
    _write(stops, out, passes.file, list(stops.columns), fmt)
    if fmt == "csv":
        scans = scans.assign(scanned_at=scans["scanned_at"].dt.strftime("%Y-%m-%dT%H:%M:%S"))
    _write(scans, out, scanned.file, list(scans.columns), fmt)

    truth = out / "truth"
    rings = parties.traders[parties.traders["ring"] >= 0]
    pd.DataFrame({"ring_id": "RING-" + rings["ring"].astype(str).str.zfill(3), "ntn": rings["ntn"],
                  "party": rings["party"]}).to_csv(truth / "rings.csv", index=False)
    decl_truth.to_csv(truth / "declarations.csv", index=False)
    movements.to_csv(truth / "movements.csv", index=False)
    _entities_truth(parties).to_csv(truth / "entities.csv", index=False)
    (truth / "config.json").write_text(json.dumps(config.as_dict() | {"format": fmt}, indent=2))
    return {"declarations": len(decl), "traders": len(parties.traders), "rings": int(rings["ring"].nunique()),
            "checkpoint_scans": len(scans), "fraudulent": int(decl_truth["fraud"].sum()),
            "diverted": int(movements["diverted"].sum())}
