"""Thresholds and weights of transit diversion scoring, in one place."""
from __future__ import annotations

from dataclasses import dataclass, field

from nigah.graph.schema import SCHEMA

# Evidence order in ``reasons`` and the flag columns of the output, strongest first.
FLAGS = ("no_exit", "off_corridor", "double_booking", "leg_overstay", "impossible_speed",
         "fast_empty_return", "late_exit")


@dataclass(frozen=True)
class TransitConfig:
    # leg_overstay: a leg is flagged above median + max(mad_k · MAD, min_slack_hours),
    # MAD scaled to a standard deviation (×1.4826). The norm is the leg's in its
    # season bucket when that bucket holds min_bucket_legs legs, else the leg's
    # norm over all seasons when it holds min_leg_legs, else the leg is not judged.
    season: str | None = "quarter"          # "quarter", "month" or None
    min_bucket_legs: int = 20
    min_leg_legs: int = 8
    mad_k: float = 4.0
    min_slack_hours: float = 12.0
    # no_exit / late_exit: allowed time is Route.allowed_hours plus this grace.
    exit_grace_hours: float = 0.0
    # impossible_speed: straight-line km/h between consecutive scans of a vehicle.
    # Roads are longer than the straight line, so this is a lower bound on the
    # real speed; jumps shorter than min_jump_km are ignored (clock skew, nearby gates).
    max_kmh: float = 90.0
    min_jump_km: float = 25.0
    # fast_empty_return: the trip back from the exit needs at least
    # distance / return_kmh + turnaround_hours (unloading, border formalities).
    return_kmh: float = 60.0
    turnaround_hours: float = 6.0
    # double_booking: intervals must overlap by more than this to count.
    overlap_tolerance_hours: float = 0.0
    # diversion_score = 1 - prod(1 - weight) over the flags that fired (noisy-OR).
    weights: dict[str, float] = field(default_factory=lambda: {
        "no_exit": 0.8, "off_corridor": 0.6, "double_booking": 0.6, "leg_overstay": 0.5,
        "impossible_speed": 0.5, "fast_empty_return": 0.5, "late_exit": 0.25})
    # Entities: a movement counts as flagged at this score (or when confirmed);
    # shares are shrunk toward the global rate with prior_strength pseudo-movements.
    flagged_score: float = SCHEMA.score("diversion_score").flag_at
    prior_strength: float = 5.0
    damping: float = 0.85
    proximity_weight: float = 0.5
