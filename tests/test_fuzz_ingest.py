"""The ingest fuzzer (benchmarks/fuzz_ingest.py), bounded for the suite:
damaged files, hostile values, odd options and mappings never end in a
traceback, an undocumented exit code, a row neither loaded nor quarantined,
or a refusal that leaves part of the load behind. The 1,000-case run is the
benchmark's."""
from __future__ import annotations

from benchmarks.fuzz_ingest import MUTATIONS, fuzz


def test_no_mutated_input_breaks_the_rules():
    results = fuzz(cases=200, seed=3, declarations=300, seconds=45)
    failed = [r for r in results if r["failures"]]
    assert len(results) >= 30 and not failed, failed[:5]
    exits = {r["exit"] for r in results}
    assert {1, 2} <= exits   # the cases reach both quarantines and refusals
    tried = {m.split(" ")[0] for r in results for m in r["mutations"]}
    assert len(tried) >= len({m.__name__ for m in MUTATIONS}) - 3
