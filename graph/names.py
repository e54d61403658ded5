"""The spelling-tolerant name index behind search: names written differently
but alike (transliterations, typos, legal suffixes) still find the entity."""
from __future__ import annotations

import pandas as pd


class NameIndex:
    """Node ids and names of every non-reference label that has a ``name``."""

    def __init__(self, ids: list[str], names: list[str]):
        self.ids, self.names = ids, names

    @classmethod
    def read(cls, store) -> "NameIndex":
        """Build it from a store's bulk reads (any ``GraphStore``)."""
        parts = [store.node_table(label, ["name"]).assign(label=label).rename(
            columns={spec.key: "key"})[["label", "key", "name"]]
            for label, spec in store.schema.nodes.items() if "name" in spec.properties and not spec.reference]
        names = pd.concat(parts, ignore_index=True).dropna()
        return cls((names["label"] + ":" + names["key"].astype(str)).tolist(), names["name"].tolist())

    def alike(self, text: str, limit: int) -> list[str]:
        """Ids of up to ``limit`` names alike ``text``, best first, then by id.

        >>> NameIndex(["Trader:1", "Trader:2"], ["Khan Traders", "Zaman Sons"]).alike("Khaan Traders", 5)
        ['Trader:1']
        """
        from rapidfuzz import fuzz, process, utils

        found = process.extract(text, self.names, scorer=fuzz.WRatio, processor=utils.default_process,
                                limit=limit, score_cutoff=86)
        return [self.ids[i] for _, _, i in sorted(found, key=lambda m: (-m[1], self.ids[m[2]]))]
