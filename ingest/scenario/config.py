"""What a scenario contains: sizes and the share of each planted typology."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ScenarioConfig:
    declarations: int = 30_000
    seed: int = 7
    start: dt.date = dt.date(2025, 1, 1)
    days: int = 456  # fifteen months: a year of history plus the latest quarter
    # Typologies (shares).
    ring_trader_share: float = 0.06       # traders who are fronts of a collusive ring
    ring_size: tuple[int, int] = (3, 8)   # front companies per ring
    reregistered_share: float = 0.3       # rings whose caught front re-registers under a variant name
    under_invoicing_share: float = 0.03   # of all declarations, honest traders' opportunistic fraud
    ring_fraud_share: float = 0.45        # of a ring's declarations
    misdeclaration_share: float = 0.4     # of fraudulent declarations: HS swap or understated weight
    diversion_share: float = 0.04         # of transit movements (ring movements are most of them)
    ring_diversion_share: float = 0.5     # of ring transit movements
    # Honest look-alikes.
    busy_agent_share: float = 0.25        # of traders served by one of a few very busy agents
    shared_building_share: float = 0.08   # of traders in a commercial plaza with shared address
    ordinary_delay_share: float = 0.08    # of honest movements with one long-but-normal leg
    consignor_variant_share: float = 0.05  # foreign suppliers written under two ids
    transit_share: float = 0.15
    export_share: float = 0.15

    def as_dict(self) -> dict:
        d = asdict(self)
        d["start"] = self.start.isoformat()
        return d
