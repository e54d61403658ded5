"""The spelling-tolerant name index behind search: names written differently
but alike (transliterations, typos, legal suffixes) still find the entity.

Two ways a name is alike. The whole text against whole names (rapidfuzz's
WRatio), for names written out in full with a word off. And word by word,
for a short search with a typo in every word ("Kohinor Goldn" for Kohinoor
Golden Traders), which the whole-text score puts below its cutoff: each
word searched is matched to the nearest words of the names' vocabulary, and
a name is alike when every word searched has a near word in it. The
vocabulary and its word → names lists are built on first use.
"""
from __future__ import annotations

from collections import defaultdict

import pandas as pd

CUTOFF = 86        # the least score (of 100) that counts as alike
WORD_CUTOFF = 80   # the least score for one word to stand for another
SHORTEST_WORD = 3  # shorter words ("&", "of") are not matched on their own


class NameIndex:
    """Node ids and names of every non-reference label that has a ``name``."""

    def __init__(self, ids: list[str], names: list[str]):
        self.ids, self.names = ids, names
        self._words: list[str] | None = None
        self._holders: dict[str, list[int]] = {}

    @classmethod
    def read(cls, store) -> "NameIndex":
        """Build it from a store's bulk reads (any ``GraphStore``)."""
        parts = [store.node_table(label, ["name"]).assign(label=label).rename(
            columns={spec.key: "key"})[["label", "key", "name"]]
            for label, spec in store.schema.nodes.items() if "name" in spec.properties and not spec.reference]
        names = pd.concat(parts, ignore_index=True).dropna()
        return cls((names["label"] + ":" + names["key"].astype(str)).tolist(), names["name"].tolist())

    def _vocabulary(self) -> list[str]:
        if self._words is None:
            from rapidfuzz import utils

            holders = defaultdict(list)
            for i, name in enumerate(self.names):
                for word in set(utils.default_process(str(name)).split()):
                    if len(word) >= SHORTEST_WORD:
                        holders[word].append(i)
            self._holders, self._words = dict(holders), list(holders)
        return self._words

    def _word_by_word(self, text: str) -> dict[int, float]:
        """Names in which every word of ``text`` has a near word: position → mean score."""
        from rapidfuzz import fuzz, process, utils

        words = [w for w in utils.default_process(text).split() if len(w) >= SHORTEST_WORD]
        if len(words) < 2:   # one word: the whole-text score is that word's score
            return {}
        vocabulary = self._vocabulary()
        scores: dict[int, float] | None = None
        for word in words:
            best: dict[int, float] = {}
            for near, score, _ in process.extract(word, vocabulary, scorer=fuzz.ratio, limit=50,
                                                  score_cutoff=WORD_CUTOFF):
                for i in self._holders[near]:
                    best[i] = max(best.get(i, 0.0), score)
            scores = best if scores is None else {i: s + best[i] for i, s in scores.items() if i in best}
            if not scores:
                return {}
        return {i: s / len(words) for i, s in scores.items() if s / len(words) >= CUTOFF}

    def alike(self, text: str, limit: int) -> list[str]:
        """Ids of up to ``limit`` names alike ``text``, best first, then by id.

        >>> index = NameIndex(["Trader:1", "Trader:2", "Trader:3"],
        ...                   ["Khan Traders", "Zaman Sons", "Kohinoor Golden Traders"])
        >>> index.alike("Khaan Traders", 5), index.alike("Kohinor Goldn", 5)
        (['Trader:1'], ['Trader:3'])
        """
        from rapidfuzz import fuzz, process, utils

        found = {i: score for _, score, i in process.extract(
            text, self.names, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit,
            score_cutoff=CUTOFF)}
        for i, score in self._word_by_word(text).items():
            found[i] = max(found.get(i, 0.0), score)
        ranked = sorted(found.items(), key=lambda m: (-m[1], self.ids[m[0]]))
        return [self.ids[i] for i, _ in ranked[:limit]]
