"""The analysis pipeline: one stage order, each table read once, frames passed
on, writes sent at the end; the same on both stores."""
from __future__ import annotations

from collections import Counter

import pytest

from nigah.analytics.pipeline import STAGES, run
from nigah.analytics.risk import RiskConfig, train_risk
from nigah.graph.duckdb_store import DuckDBStore
from nigah.ingest.load import ingest_directory


class CountingStore(DuckDBStore):
    """A real embedded store that counts its bulk reads and writes."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.reads, self.writes = Counter(), Counter()

    def node_table(self, label, columns=None):
        self.reads[label] += 1
        return super().node_table(label, columns)

    def relationship_table(self, rel_type):
        self.reads[rel_type] += 1
        return super().relationship_table(rel_type)

    def write_properties(self, label, values):
        self.writes[label] += 1
        return super().write_properties(label, values)


@pytest.fixture(scope="module")
def analysed(scenario, tmp_path_factory):
    home = tmp_path_factory.mktemp("pipeline")
    with CountingStore(home) as store:
        ingest_directory(store, scenario)
        run(store, home, stages=("transit",))
        train_risk(store, home, RiskConfig(epochs=3, hidden=16, batch_size=64))
        before = store.checksums()
        store.reads.clear()
        looked = run(store, home, write=False)
        after_look = store.checksums()
        store.reads.clear()
        store.writes.clear()
        analysis = run(store, home)
        yield store, home, analysis, looked, before, after_look


def test_every_table_is_read_once(analysed):
    store, *_ = analysed
    assert store.reads and max(store.reads.values()) == 1, store.reads
    assert store.reads["Declaration"] == 1


def test_writes_go_once_per_label_and_row_set(analysed):
    store, *_ = analysed
    # Declarations: the transit GDs' diversion scores, then one write of every
    # GD's unit-value flags and risk side by side.
    assert store.writes["Declaration"] == 2, store.writes
    # Traders: every trader's community, and the risk of the traders that
    # filed GDs: one write where those are all the traders, else two.
    assert 1 <= store.writes["Trader"] <= 2, store.writes
    assert all(n == 1 for label, n in store.writes.items() if label not in ("Declaration", "Trader"))


def test_looking_writes_nothing_and_finds_what_a_run_writes(analysed):
    store, home, analysis, looked, before, after_look = analysed
    assert after_look == before
    assert looked.communities.parts == analysis.communities.parts
    stored = store.node_table("Declaration", ["diversion_score", "unit_value_flag", "risk"]).set_index("gd_number")
    moved = analysis.movements.set_index("gd_number")["diversion_score"]
    assert (stored.loc[moved.index, "diversion_score"] == moved).all()
    assert stored["risk"].notna().all()
    assert set(analysis.summary) >= {"communities", "transit", "unit_value_flags", "risk", "seconds"}


def test_the_community_scores_see_this_runs_diversion_scores(analysed):
    """Diversion scores reach the community scores as a frame, not through the
    store: a run over a store whose diversion scores were wiped finds the same."""
    store, home, analysis, *_ = analysed
    store.write_properties("Declaration", store.node_table("Declaration", []).assign(diversion_score=None))
    again = run(store, home, stages=("transit", "communities"), write=False)
    assert again.communities.scores.equals(analysis.communities.scores)


def test_unknown_stage_and_missing_home_are_refused(loaded_duckdb):
    with pytest.raises(ValueError, match="unknown stage"):
        run(loaded_duckdb, stages=("transit", "gnn"))
    with pytest.raises(ValueError, match="home"):
        run(loaded_duckdb, stages=STAGES)
