"""The generator's second style: a flat export of inspected import
declarations, as another administration publishes it (``nigah generate
--style flat``; load it with ``ingest/mappings/flat_declarations.yaml``).

It exists to keep the risk engine honest about data we did not shape for
it. Its fraud does not live where our own scenario's does (unit value
against a reference, rings of fronts, transit): it lives in who files and in
combinations of categorical attributes, as in the public customs data sets
the fraud literature uses (DATE, KDD 2020; GraphFC, CIKM 2023):

- every importer, declarant and seller has a latent propensity (heavy-tailed:
  most are clean, a few are not), and new importers keep arriving, so part of
  the test period is cold-start;
- some combinations raise the odds (a payment type with a transport mode, an
  HS chapter from an origin, a use with a tax type), each also common among
  honest GDs: the honest look-alikes;
- the price carries only a weak signal (fraudulent GDs understate a little).

Every GD is inspected (the export publishes a fraud flag for each); ~18 % are
fraudulent. The truth (``truth/declarations.csv``: fraud and its drivers) is
kept apart, never in the export.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> counts = generate_flat(out, FlatConfig(declarations=2000, seed=1))
>>> counts["declarations"], 0.1 < counts["fraudulent"] / 2000 < 0.35
(2000, True)
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

COUNTRIES = ["CN", "US", "JP", "DE", "VN", "TH", "IN", "ID", "MY", "AU", "FR", "IT", "GB", "TW", "HK", "SG",
             "NL", "ES", "CA", "MX", "BR", "TR", "PL", "PH", "AE"]
PROCESS = ["normal", "simplified", "post_clearance", "bonded"]
IMPORT_TYPE = ["general", "express", "postal"]
IMPORT_USE = ["consumption", "processing", "re_export", "personal", "sample"]
PAYMENT = ["cash", "deferred", "bank_guarantee", "exempt"]
TRANSPORT = ["sea", "air", "road", "courier"]
TAX_TYPE = ["standard", "reduced", "exempt"]
ORIGIN_INDICATOR = ["none", "fta", "gsp"]


@dataclass(frozen=True)
class FlatConfig:
    declarations: int = 30_000
    seed: int = 7
    start: str = "2024-01-01"
    days: int = 730
    importers_per_gd: float = 1 / 12      # distinct importers per declaration
    fraud_base_logit: float = -1.8

    def as_dict(self) -> dict:
        return asdict(self)


def _pick(rng, values, n, weights=None):
    p = None if weights is None else np.asarray(weights, float) / np.sum(weights)
    return np.asarray(values, dtype=object)[rng.choice(len(values), n, p=p)]


def generate_flat(out: Path | str, config: FlatConfig = FlatConfig()) -> dict[str, int]:
    """Write ``out/export.csv`` and ``out/truth/``; returns counts."""
    rng = np.random.default_rng(config.seed)
    n = config.declarations
    out = Path(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    importers = max(20, int(n * config.importers_per_gd))
    # Importers arrive over the period (a third are there from the start).
    arrival = np.where(rng.random(importers) < 0.35, 0, rng.integers(0, config.days, importers))
    importer_risk = rng.standard_t(3, importers) * 0.9 - 0.3
    declarants, sellers = max(10, n // 150), max(30, n // 25)
    declarant_risk = rng.normal(0, 0.6, declarants)
    seller_risk = rng.standard_t(4, sellers) * 0.6
    day = np.sort(rng.integers(0, config.days, n))
    # an importer files only after it arrived; busy importers file more
    activity = rng.pareto(1.5, importers) + 0.2
    importer = np.empty(n, np.int64)
    days, starts = np.unique(day, return_index=True)
    for d, lo, hi in zip(days, starts, np.r_[starts[1:], n]):
        present = np.flatnonzero(arrival <= d)
        importer[lo:hi] = rng.choice(present, hi - lo, p=activity[present] / activity[present].sum())
    declarant = (importer * 7 + rng.integers(0, 3, n)) % declarants     # importers keep their declarants
    seller = np.where(rng.random(n) < 0.7, (importer * 13) % sellers, rng.integers(0, sellers, n))
    hs_chapter = rng.choice(np.arange(10, 98), n)
    hs6 = np.char.add(hs_chapter.astype(str), np.char.zfill(rng.integers(0, 9999, n).astype(str), 4))
    origin = _pick(rng, COUNTRIES, n, weights=np.linspace(3, 0.5, len(COUNTRIES)))
    departure = np.where(rng.random(n) < 0.8, origin, _pick(rng, COUNTRIES, n))
    frame = pd.DataFrame({
        "process": _pick(rng, PROCESS, n, [6, 2, 1, 1]), "import_type": _pick(rng, IMPORT_TYPE, n, [6, 3, 1]),
        "use": _pick(rng, IMPORT_USE, n, [6, 2, 1, 1, 1]), "payment": _pick(rng, PAYMENT, n, [4, 3, 2, 1]),
        "transport": _pick(rng, TRANSPORT, n, [4, 3, 2, 1]), "tax_type": _pick(rng, TAX_TYPE, n, [6, 2, 1]),
        "origin_indicator": _pick(rng, ORIGIN_INDICATOR, n, [6, 2, 1])})
    combination = (
        0.9 * ((frame["payment"] == "deferred") & (frame["transport"] == "courier"))
        + 0.8 * ((frame["use"] == "re_export") & (frame["tax_type"] == "exempt"))
        + 0.7 * (pd.Series(hs_chapter % 9 == 0) & pd.Series(np.isin(origin, ["VN", "TH", "HK"])))
        + 0.5 * ((frame["origin_indicator"] == "fta") & (departure != origin))).to_numpy()
    party = importer_risk[importer] + declarant_risk[declarant] + seller_risk[seller]
    logit = config.fraud_base_logit + party + combination + rng.normal(0, 0.5, n)
    fraud = rng.random(n) < 1 / (1 + np.exp(-logit))
    mass = np.round(np.exp(rng.normal(4, 1.5, n)), 1)
    unit_price = np.exp(rng.normal(np.log(20 + hs_chapter), 0.6, n))
    price = np.round(mass * unit_price * np.where(fraud, rng.uniform(0.75, 1.0, n), 1.0), 2)
    dates = pd.Timestamp(config.start) + pd.to_timedelta(day, unit="D")
    export = pd.DataFrame({
        "Declaration ID": [f"{97000000 + i}" for i in range(n)], "Date": dates.strftime("%Y-%m-%d"),
        "Office ID": (10 + importer % 12).astype(str), "Process Type": frame["process"],
        "Import Type": frame["import_type"], "Import Use": frame["use"], "Payment Type": frame["payment"],
        "Mode of Transport": frame["transport"], "Declarant ID": [f"DEC{d:05d}" for d in declarant],
        "Importer ID": [f"IMP{i:06d}" for i in importer], "Seller ID": [f"SEL{s:06d}" for s in seller],
        "Courier ID": np.where(frame["transport"] == "courier",
                               [f"CR{c:02d}" for c in rng.integers(0, 8, n)], ""),
        "HS6 Code": hs6, "Country of Departure": departure, "Country of Origin": origin,
        "Tax Rate": np.round(rng.choice([0, 5, 8, 13], n), 1), "Tax Type": frame["tax_type"],
        "Origin Indicator": frame["origin_indicator"], "Net Mass": mass, "Item Price": price,
        "Fraud": fraud.astype(int).astype(str)})
    export.to_csv(out / "export.csv", index=False)
    pd.DataFrame({"gd_number": export["Declaration ID"], "fraud": fraud, "party_logit": np.round(party, 3),
                  "combination_logit": np.round(combination, 3),
                  "importer_first_day": arrival[importer]}).to_csv(out / "truth" / "declarations.csv", index=False)
    (out / "truth" / "config.json").write_text(json.dumps(config.as_dict() | {"style": "flat"}, indent=2))
    return {"declarations": n, "importers": int(len(np.unique(importer))), "fraudulent": int(fraud.sum())}
