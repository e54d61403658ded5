"""Member roles within communities: hub, broker, peripheral.

- **hub**: the member with the highest weighted degree inside its community
  (ties: smallest key), in communities of at least ``hub_min_size`` members;
  a controller's main front usually shares the most with the others.
- **broker**: a member whose links spread over other communities, by the
  participation coefficient ``P = 1 - Σ_c (k_c / k)²`` (``k_c``: weight of
  its links into community ``c``, ``k``: all its link weight) at least
  ``broker_participation``. It bridges networks, which is what an
  investigator follows next. Exact betweenness is O(V·E) on the projection,
  too slow at national scale; participation is linear and says the same
  thing for a member between two dense groups.
- **peripheral**: every other member.

>>> edges = pd.DataFrame({"a": ["A", "A", "B", "C", "D", "D"], "b": ["B", "C", "C", "D", "E", "F"],
...                       "weight": [3.0, 3.0, 1.0, 2.0, 3.0, 3.0]})
>>> parts = {"A": 0, "B": 0, "C": 0, "D": 1, "E": 1, "F": 1}
>>> member_roles(edges, parts).to_dict()
{'A': 'hub', 'B': 'peripheral', 'C': 'broker', 'D': 'hub', 'E': 'peripheral', 'F': 'peripheral'}
"""
from __future__ import annotations

import pandas as pd

from nigah.graph.schema import SCHEMA

ROLES = SCHEMA.enum_values("Trader", "community_role")


def member_roles(edges: pd.DataFrame, parts: dict[str, int], hub_min_size: int = 3,
                 broker_participation: float = 0.3) -> pd.Series:
    """Role of each trader in ``parts`` (``a``, ``b``, ``weight`` edges), indexed by key."""
    comm = pd.Series(parts, dtype="int64")
    if comm.empty:
        return pd.Series(dtype=object)
    both = pd.concat([edges[["a", "b", "weight"]],
                      edges[["b", "a", "weight"]].set_axis(["a", "b", "weight"], axis=1)], ignore_index=True)
    both = both[both["a"].isin(comm.index) & both["b"].isin(comm.index)]
    both = both.assign(own=both["a"].map(comm), other=both["b"].map(comm))
    into = both.groupby(["a", "other"])["weight"].sum()
    total = into.groupby(level=0).sum()
    participation = 1 - ((into / total.reindex(into.index.get_level_values(0)).to_numpy()) ** 2).groupby(level=0).sum()
    inside = both[both["own"] == both["other"]].groupby("a")["weight"].sum().reindex(comm.index, fill_value=0.0)
    role = pd.Series("peripheral", index=comm.index, dtype=object)
    role[participation.reindex(comm.index, fill_value=0.0) >= broker_participation] = "broker"
    ranked = pd.DataFrame({"community": comm, "inside": inside, "key": comm.index})
    ranked = ranked.sort_values(["community", "inside", "key"], ascending=[True, False, True])
    size = comm.map(comm.value_counts())
    hubs = ranked[size.reindex(ranked.index).to_numpy() >= hub_min_size].groupby("community").head(1).index
    role[hubs] = "hub"
    return role.sort_index()

