"""Transit diversion detection: per movement flags with evidence, a diversion
score, and entity rankings.

A *movement* is one transit declaration: its declared route (ordered
stations), its vehicle and its checkpoint scans (SCANNED_AT rows carrying its
GD number). ``score_movements`` flags, with evidence an officer can read:

- ``no_exit``: no exit scan, allowed time spent (as of a given time);
- ``off_corridor``: a scan at a station off the declared route;
- ``double_booking``: the vehicle on two transits at once;
- ``leg_overstay``: a leg far slower than its robust norm (per leg and season);
- ``impossible_speed``: consecutive scans of a vehicle too far apart for the time;
- ``fast_empty_return``: the next transit starts too soon after the exit scan;
- ``late_exit``: exit scanned, but after the allowed time (a weaker sign).

``score_entities`` ranks vehicles, transporters, agents and consignees.
``read_transit_inputs`` builds the inputs from a store. Nothing here writes.
"""
from nigah.analytics.transit.config import FLAGS, TransitConfig
from nigah.analytics.transit.entities import score_entities
from nigah.analytics.transit.inputs import TransitInputs, confirmed_diversions, read_transit_inputs
from nigah.analytics.transit.score import evidence_table, score_movements

__all__ = ["FLAGS", "TransitConfig", "TransitInputs", "confirmed_diversions", "evidence_table",
           "read_transit_inputs", "score_entities", "score_movements"]
