"""How well detected communities recover planted rings (scenario truth).

Only for measuring the detector on generated scenarios: nothing that scores
or detects reads truth files.

- ``ring_f1``: for each planted ring, the best F1 over detected communities
  (``2|R∩C| / (|R| + |C|)``), averaged over rings. A ring member outside the
  projection belongs to no community and so counts as missed.
- ``ari``: adjusted Rand index over the traders in the projection together
  with every ring member. Truth labels: ring members by ring, every other
  trader its own singleton (honest traders are not in a network together, so
  grouping them is an error); predicted labels: the community, a trader
  outside the projection its own singleton. ``ari_ring_members`` is the same
  index over ring members only.
- ``top20_ring_recall``: the share of rings *found* among the ``top`` highest
  scored communities, a ring being found when one of those communities matches
  it with F1 ≥ ``found_f1`` (0.5: most of the community is the ring, or most
  of the ring is in the community).

>>> parts = {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1, "x": 2, "y": 2}
>>> rings = {"R1": {"a", "b", "c"}, "R2": {"d", "e", "f"}}
>>> scores = pd.DataFrame({"community": [2, 0, 1], "score": [0.9, 0.8, 0.1]})
>>> m = evaluate_partition(parts, scores, rings, top=2)
>>> round(m["ring_f1"], 3), m["top2_ring_recall"], m["rings_found"]
(0.9, 0.5, 1)
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def read_rings(truth_dir: Path | str) -> dict[str, set[str]]:
    """Planted rings from ``truth/rings.csv`` (a scenario directory or its truth/)."""
    path = Path(truth_dir)
    path = path / "rings.csv" if (path / "rings.csv").exists() else path / "truth" / "rings.csv"
    truth = pd.read_csv(path, dtype=str)
    return {r: set(m) for r, m in truth.groupby("ring_id")["ntn"]}


def _members(parts: dict[str, int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for node, c in parts.items():
        out.setdefault(c, set()).add(node)
    return out


def best_f1(ring: set[str], communities: dict[int, set[str]]) -> tuple[float, int | None]:
    """The best F1 of ``ring`` against any community, and that community.

    >>> best_f1({"a", "b"}, {0: {"a", "b", "c"}, 1: {"d"}})
    (0.8, 0)
    """
    best, which = 0.0, None
    for c, members in communities.items():
        hit = len(ring & members)
        if hit:
            f1 = 2 * hit / (len(ring) + len(members))
            if f1 > best:
                best, which = f1, c
    return best, which


def adjusted_rand(truth: list, predicted: list) -> float:
    """Adjusted Rand index of two labellings (Hubert and Arabie), from the
    contingency table.

    >>> adjusted_rand([0, 0, 1, 1], [5, 5, 7, 7]), round(adjusted_rand([0, 0, 1, 1], [0, 1, 0, 1]), 6)
    (1.0, -0.5)
    """
    t = pd.factorize(pd.Series(truth, dtype=object))[0]
    p = pd.factorize(pd.Series(predicted, dtype=object))[0]
    n = len(t)
    if n < 2:
        return 1.0
    pairs = lambda x: (x * (x - 1) / 2).sum()  # noqa: E731 - pairs within each cell
    cells = pd.Series(t.astype(np.int64) * (p.max() + 1) + p).value_counts().to_numpy(float)
    index = pairs(cells)
    a, b = pairs(np.bincount(t).astype(float)), pairs(np.bincount(p).astype(float))
    expected = a * b / (n * (n - 1) / 2)
    maximum = (a + b) / 2
    return 1.0 if maximum == expected else float((index - expected) / (maximum - expected))


def evaluate_partition(parts: dict[str, int], scores: pd.DataFrame, rings: dict[str, set[str]],
                       top: int = 20, found_f1: float = 0.5) -> dict:
    """The metrics of the module doc for a partition, its community scores and the rings."""
    communities = _members(parts)
    f1 = {r: best_f1(m, communities)[0] for r, m in rings.items()}
    ranked = scores.sort_values(["score", "community"], ascending=[False, True])["community"].head(top)
    top_communities = {c: communities[c] for c in ranked if c in communities}
    found = sum(best_f1(m, top_communities)[0] >= found_f1 for m in rings.values())
    ring_of = {t: r for r, m in rings.items() for t in m}
    universe = sorted(set(parts) | set(ring_of))
    truth = [ring_of.get(t, "single:" + t) for t in universe]
    predicted = [parts.get(t, "single:" + t) for t in universe]
    ringed = sorted(ring_of)
    return {
        "ring_f1": float(np.mean(list(f1.values()))) if f1 else 0.0,
        "ari": adjusted_rand(truth, predicted),
        "ari_ring_members": adjusted_rand([ring_of[t] for t in ringed],
                                          [parts.get(t, "single:" + t) for t in ringed]),
        f"top{top}_ring_recall": found / len(rings) if rings else 0.0,
        "rings": len(rings), "rings_found": int(found),
        "communities": len(communities), "traders_in_communities": len(parts),
        "ring_f1_by_ring": {r: round(v, 3) for r, v in sorted(f1.items())},
    }


def evaluate_communities(parts: dict[str, int], scores: pd.DataFrame, truth_dir: Path | str,
                         top: int = 20) -> dict:
    """:func:`evaluate_partition` against a scenario's ``truth/rings.csv``."""
    return evaluate_partition(parts, scores, read_rings(truth_dir), top=top)


def stored_partition(store) -> tuple[dict[str, int], pd.DataFrame]:
    """The communities and scores written back by ``analyze`` (Trader
    ``community`` and ``community_score``), to evaluate a store as it is."""
    t = store.node_table("Trader", ["community", "community_score"]).dropna(subset=["community"])
    parts = dict(zip(t["ntn"], t["community"].astype(int)))
    scores = (t.groupby("community")["community_score"].first().rename("score").reset_index()
              .astype({"community": int}))
    return parts, scores

