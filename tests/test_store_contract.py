"""One contract, run unchanged against both stores (embedded DuckDB and a real Neo4j)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from nigah.graph.schema import LOADED_AT, SCHEMA
from nigah.ingest.load import ingest_directory


def csv(scenario, name):
    return pd.read_csv(scenario / f"{name}.csv", dtype=str, keep_default_na=False)


def ring(scenario, n=0):
    truth = pd.read_csv(scenario / "truth" / "rings.csv", dtype=str)
    first = truth["ring_id"].unique()[n]
    return [f"Trader:{k}" for k in truth.loc[truth["ring_id"] == first, "ntn"]]


def test_counts_match_the_files(loaded_store, scenario):
    counts = loaded_store.counts()
    assert counts["nodes"]["Declaration"] == len(csv(scenario, "declarations"))
    assert counts["nodes"]["Trader"] == len(csv(scenario, "traders"))
    decl = csv(scenario, "declarations")
    assert counts["relationships"]["FILED_BY"] == len(decl)
    assert counts["relationships"]["CARRIED_BY"] == int((decl["vehicle_registration"] != "").sum())
    assert counts["relationships"]["SCANNED_AT"] == len(csv(scenario, "checkpoint_scans"))
    assert set(counts["nodes"]) == set(SCHEMA.nodes)


def test_reingest_changes_nothing(empty_store, scenario):
    first = ingest_directory(empty_store, scenario)
    before = empty_store.counts()
    second = ingest_directory(empty_store, scenario)
    assert empty_store.counts() == before
    for kind, summary in second.kinds.items():
        assert summary.result.inserted == 0 and summary.result.updated == 0, kind
        assert summary.result.unchanged == first.kinds[kind].result.inserted, kind


def test_changed_rows_update_in_place(empty_store, scenario, tmp_path):
    ingest_directory(empty_store, scenario)
    traders = csv(scenario, "traders")
    ntn = traders.at[0, "ntn"]
    traders.at[0, "phone"] = "+923000000001"
    (tmp_path / "in").mkdir()
    traders.to_csv(tmp_path / "in" / "traders.csv", index=False)
    report = ingest_directory(empty_store, tmp_path / "in")
    assert report.kinds["Trader"].result.updated == 1
    assert report.kinds["Trader"].result.unchanged == len(traders) - 1
    node = empty_store.get_nodes([f"Trader:{ntn}"])[0]
    assert node.properties["phone"] == "+923000000001"
    assert empty_store.counts()["nodes"]["Trader"] == len(traders)


def test_nodes_keep_typed_properties_and_provenance(loaded_store, scenario):
    decl = csv(scenario, "declarations").iloc[5]
    node = loaded_store.get_nodes([f"Declaration:{decl['gd_number']}"])[0]
    assert node.properties["date"] == decl["date"]
    assert node.properties["declared_value_usd"] == pytest.approx(float(decl["declared_value_usd"]))
    assert node.properties["_source_file"] == "declarations.csv"
    assert node.properties["_source_row"] == 7  # header is row 1


def test_neighbourhood_of_a_trader(loaded_store, scenario):
    decl = csv(scenario, "declarations")
    ntn = decl["trader_ntn"].value_counts().index[-1]
    graph = loaded_store.neighbourhood([f"Trader:{ntn}"], hops=1)
    expected = {f"Declaration:{g}" for g in decl.loc[decl["trader_ntn"] == ntn, "gd_number"]}
    assert set(graph.node_ids) == expected | {f"Trader:{ntn}"}
    assert {(e.type, e.target) for e in graph.edges} == {("FILED_BY", f"Trader:{ntn}")}
    assert not graph.truncated


def test_neighbourhood_cap_and_filters(loaded_store, scenario):
    busy = csv(scenario, "declarations")["agent_licence"].value_counts().index[0]
    start = f"ClearingAgent:{busy}"
    capped = loaded_store.neighbourhood([start], hops=2, limit=25)
    assert len(capped.nodes) == 25 and capped.truncated and capped.node_ids[0] == start
    only_traders = loaded_store.neighbourhood([start], hops=2, limit=10_000,
                                              labels=["Declaration", "Trader"], rel_types=["CLEARED_BY", "FILED_BY"])
    assert {n.label for n in only_traders.nodes} == {"ClearingAgent", "Declaration", "Trader"}
    assert {e.type for e in only_traders.edges} <= {"CLEARED_BY", "FILED_BY"}


def test_reference_nodes_are_not_expanded_through(loaded_store, scenario):
    decl = csv(scenario, "declarations").iloc[0]
    graph = loaded_store.neighbourhood([f"Declaration:{decl['gd_number']}"], hops=2)
    # The station is reached, but not the thousands of other GDs lodged there:
    # every other GD drawn is linked to something that is not reference data.
    assert f"Station:{decl['station_code']}" in graph.node_ids
    reference = {"Station", "HSCode", "Route"}
    linked = {e.source for e in graph.edges if e.target.split(":")[0] not in reference}
    others = {n.id for n in graph.nodes if n.label == "Declaration"} - {f"Declaration:{decl['gd_number']}"}
    assert others and others <= linked
    lodged_at_station = csv(scenario, "declarations")["station_code"].eq(decl["station_code"]).sum()
    assert len(others) < lodged_at_station


def test_time_window(loaded_store, scenario):
    scans = csv(scenario, "checkpoint_scans")
    vehicle = scans["vehicle_registration"].value_counts().index[0]
    march = loaded_store.neighbourhood([f"Vehicle:{vehicle}"], hops=1,
                                       since=dt.date(2025, 3, 1), until=dt.date(2025, 3, 31))
    for node in march.nodes:
        if node.label == "Declaration":
            assert "2025-03-01" <= node.properties["date"] <= "2025-03-31"
    for edge in march.edges:
        if edge.type == "SCANNED_AT":
            assert "2025-03-01" <= edge.properties["scanned_at"] < "2025-04-01"
    whole = loaded_store.neighbourhood([f"Vehicle:{vehicle}"], hops=1)
    assert len(march.nodes) < len(whole.nodes)


def test_shortest_paths_within_a_ring(loaded_store, scenario):
    a, b = ring(scenario)[:2]
    paths = loaded_store.shortest_paths(a, b, max_hops=4)
    assert paths and all(p[0] == a and p[-1] == b for p in paths)
    assert len({len(p) for p in paths}) == 1 and len(paths[0]) - 1 <= 4
    for p in paths:  # stations, HS codes and routes link everything; never through them
        assert not any(n.split(":")[0] in ("Station", "HSCode", "Route") for n in p[1:-1])
    assert loaded_store.shortest_paths(a, b, max_hops=1) == []
    assert loaded_store.shortest_paths(a, "Trader:0000000-0") == []


def test_search(loaded_store, scenario):
    trader = csv(scenario, "traders").iloc[3]
    hits = loaded_store.search(trader["ntn"])
    assert hits[0].id == f"Trader:{trader['ntn']}"
    word = trader["name"].split()[0].lower()
    by_name = loaded_store.search(word, limit=200)
    assert f"Trader:{trader['ntn']}" in [n.id for n in by_name]
    assert all(any(word in str(v).lower() for v in n.properties.values()) for n in by_name)
    assert loaded_store.search("   ") == []


def test_bulk_reads(loaded_store, scenario):
    traders = loaded_store.node_table("Trader", ["name", "phone"])
    assert list(traders.columns) == ["ntn", "name", "phone"]
    assert len(traders) == len(csv(scenario, "traders"))
    stops = loaded_store.relationship_table("PASSES_THROUGH")
    assert list(stops.columns) == ["source", "target", "seq"]
    assert len(stops) == len(csv(scenario, "route_stops"))


def test_write_back(empty_store, scenario):
    ingest_directory(empty_store, scenario)
    traders = empty_store.node_table("Trader", [])
    values = pd.DataFrame({"ntn": traders["ntn"], "community": range(len(traders)),
                           "risk": [0.5] * len(traders)})
    assert empty_store.write_properties("Trader", values) == len(traders)
    back = empty_store.node_table("Trader", ["community", "risk"])
    assert back["community"].tolist() == list(range(len(traders)))
    # rows in any order, with text, and a key the store does not hold
    shuffled = pd.DataFrame({"ntn": list(traders["ntn"].iloc[::-1]) + ["0000000-0"],
                             "risk_reasons": [f"reason {k}" for k in traders["ntn"].iloc[::-1]] + ["none"]})
    assert empty_store.write_properties("Trader", shuffled) == len(traders)
    back = empty_store.node_table("Trader", ["risk_reasons", "community"])
    assert (back["risk_reasons"] == "reason " + back["ntn"]).all()
    assert back["community"].tolist() == list(range(len(traders)))
    node = empty_store.get_nodes([f"Trader:{traders['ntn'].iloc[2]}"])[0]
    assert node.properties["community"] == 2 and node.properties["risk"] == 0.5
    with pytest.raises(KeyError):
        empty_store.write_properties("Trader", pd.DataFrame({"ntn": ["x"], "undeclared": [1]}))


def _not_when(properties: dict) -> dict:
    return {k: v for k, v in properties.items() if k != LOADED_AT}


def test_both_stores_give_the_same_answers(both_stores, scenario):
    duck, neo = both_stores
    assert duck.counts() == neo.counts()
    a, b = ring(scenario, 1)[:2]
    assert duck.shortest_paths(a, b, 4) == neo.shortest_paths(a, b, 4)
    for kwargs in ({"hops": 2, "limit": 60}, {"hops": 1, "since": dt.date(2025, 6, 1)}):
        g1, g2 = duck.neighbourhood([a], **kwargs), neo.neighbourhood([a], **kwargs)
        assert g1.node_ids == g2.node_ids
        # the same but for when each store's load ran, which each records
        assert [_not_when(n.properties) for n in g1.nodes] == [_not_when(n.properties) for n in g2.nodes]
        assert [(e.id, _not_when(e.properties)) for e in g1.edges] == [(e.id, _not_when(e.properties)) for e in g2.edges]
        assert all(n.properties.get(LOADED_AT) for g in (g1, g2) for n in g.nodes if n.properties.get("_source_file"))
        assert (g1.truncated, g1.hidden) == (g2.truncated, g2.hidden)
    assert [n.id for n in duck.search("impex", 50)] == [n.id for n in neo.search("impex", 50)]
    # what a busy entity says it has, per kind: the same on both, and as the files say
    agent = duck.relationship_table("CLEARED_BY")["target"].value_counts().index[0]
    types = sorted(SCHEMA.relationships)
    for since in (None, dt.date(2025, 6, 1)):
        counts = duck.neighbour_counts([f"ClearingAgent:{agent}"], types, since)
        assert counts == neo.neighbour_counts([f"ClearingAgent:{agent}"], types, since)
    gds = duck.relationship_table("CLEARED_BY").query("target == @agent")["source"]
    assert duck.neighbour_counts([f"ClearingAgent:{agent}"], types) == {"CLEARED_BY": gds.nunique()}
    pd.testing.assert_frame_equal(duck.node_table("Declaration"), neo.node_table("Declaration"),
                                  check_dtype=False)
    pd.testing.assert_frame_equal(duck.relationship_table("SCANNED_AT"), neo.relationship_table("SCANNED_AT"),
                                  check_dtype=False)


def test_search_tolerates_spelling_variants(loaded_store, scenario):
    trader = csv(scenario, "traders").iloc[7]
    words = trader["name"].split()
    typo = " ".join([words[0][:-1] + words[0][-1] * 2] + words[1:])  # "Indus" -> "Induss"
    assert typo.lower() not in trader["name"].lower()
    assert f"Trader:{trader['ntn']}" in [n.id for n in loaded_store.search(typo, limit=20)]



def test_repeated_relationship_keys_are_refused(tmp_path):
    # The embedded store's relationship tables keep keys unique without a primary key.
    from nigah.graph.duckdb_store import DuckDBStore

    store = DuckDBStore(tmp_path / "home")
    rows = pd.DataFrame({"source": ["G-1", "G-1"], "target": ["1234567-8", "1234567-8"],
                         "_source_file": "declarations.csv", "_source_row": [2, 3]})
    with pytest.raises(ValueError, match="repeated"):
        store.upsert_relationships("FILED_BY", rows, replace=False)
    assert store.upsert_relationships("FILED_BY", rows[:1]).inserted == 1
    assert store.upsert_relationships("FILED_BY", rows[1:]).unchanged == 1
    assert store.counts()["relationships"]["FILED_BY"] == 1
    store.close()


def test_a_capped_expansion_draws_the_riskiest_then_the_latest(empty_store, scenario):
    """At a busy agent, the 30 GDs drawn of hundreds are the riskiest (then the
    most recent), not the lowest GD numbers."""
    ingest_directory(empty_store, scenario)
    decl = csv(scenario, "declarations")
    busy = decl["agent_licence"].value_counts().index[0]
    theirs = decl[decl["agent_licence"] == busy].sort_values("gd_number")
    risky = theirs["gd_number"].tolist()[-10:]          # the highest numbers: last in id order
    empty_store.write_properties("Declaration", pd.DataFrame({"gd_number": risky, "risk": 0.9}))
    rest = theirs[~theirs["gd_number"].isin(risky)].set_index("gd_number")["date"]
    drawn = empty_store.neighbourhood([f"ClearingAgent:{busy}"], hops=1, limit=16, labels=["Declaration"])
    gds = [n.key for n in drawn.nodes if n.label == "Declaration"]
    assert drawn.truncated and len(gds) == 15
    assert set(risky) <= set(gds)                        # all ten risky GDs, though last by number
    others = [g for g in gds if g not in risky]
    assert rest[others].min() >= rest.drop(others).max()   # then the most recent of the rest


def test_search_finds_identifiers_as_officers_type_them_and_earlier_values(empty_store, scenario, tmp_path):
    """Finding 5: a registration with a space or no dash, an NTN without its
    hyphen, a phone in local format, a CNIC without dashes, a short name with a
    typo in each word, and a phone the trader had before the last update all
    find the entity, and the result says which field matched."""
    from nigah.graph.store import matched_field

    ingest_directory(empty_store, scenario)
    vehicle = csv(scenario, "vehicles")["registration"].iloc[0]
    trader = csv(scenario, "traders").iloc[0]
    letters, digits = vehicle.split("-")
    for typed in (f"{letters} {digits}", f"{letters}{digits}".lower()):
        assert f"Vehicle:{vehicle}" in [n.id for n in empty_store.search(typed, limit=5)], typed
    assert empty_store.search(trader["ntn"].replace("-", ""), limit=5)[0].id == f"Trader:{trader['ntn']}"
    phone = empty_store.node_table("Trader", ["phone"]).set_index("ntn").loc[trader["ntn"], "phone"]
    assert phone.startswith("+92")
    local = "0" + phone[3:6] + "-" + phone[6:]
    hit = [n for n in empty_store.search(local, limit=5) if n.id == f"Trader:{trader['ntn']}"]
    assert hit and matched_field(hit[0], local) == "Phone"
    later = tmp_path / "later"
    later.mkdir()
    pd.DataFrame({"ntn": [trader["ntn"]], "name": [trader["name"]], "phone": ["+923330000001"]}).to_csv(
        later / "traders.csv", index=False)
    ingest_directory(empty_store, later)
    found = [n for n in empty_store.search(phone, limit=5) if n.id == f"Trader:{trader['ntn']}"]
    assert found, "the old phone no longer finds the trader"
    assert matched_field(found[0], phone, empty_store) == "earlier phone"
    # a CNIC typed without its dashes; a short name misspelt in every word
    cnic = trader["director_cnic"]
    assert f"Trader:{trader['ntn']}" in [n.id for n in empty_store.search(cnic.replace("-", ""), limit=5)]
    named = csv(scenario, "traders")
    named = named[named["name"].str.split().map(lambda w: len(w) >= 2 and min(map(len, w[:2])) >= 5)].iloc[0]
    typo = " ".join(w[:2] + w[3:] for w in named["name"].split()[:2])   # "Kohinoor Golden" -> "Kohnoor Goden"
    assert f"Trader:{named['ntn']}" in [n.id for n in empty_store.search(typo, limit=10)], typo


def test_a_shared_phone_or_account_is_a_link(empty_store, scenario, tmp_path):
    """Finding 6: traders that share a phone (with each other or with an agent)
    or a bank account are linked, on either store, without the value on the link."""
    from nigah.graph.shared import shared_details

    ingest_directory(empty_store, scenario)
    traders = csv(scenario, "traders").head(4)
    agent = csv(scenario, "clearing_agents").iloc[0]
    later = tmp_path / "later"
    later.mkdir()
    traders.assign(phone=["+923001112223"] * 3 + [agent["phone"]],
                   bank_account=[traders["bank_account"].iloc[0]] * 2 + list(traders["bank_account"].iloc[2:])
                   ).to_csv(later / "traders.csv", index=False)
    ingest_directory(empty_store, later)
    first = empty_store.get_nodes([f"Trader:{traders['ntn'].iloc[0]}"])
    others, links = shared_details(empty_store, first)
    by = {(e.type, e.target) for e in links}
    ntns = traders["ntn"].tolist()
    assert {("SAME_PHONE", f"Trader:{ntns[1]}"), ("SAME_PHONE", f"Trader:{ntns[2]}"),
            ("SAME_BANK_ACCOUNT", f"Trader:{ntns[1]}")} <= by
    assert ("SAME_PHONE", f"Trader:{ntns[3]}") not in by and all(e.source == first[0].id for e in links)
    assert all(not e.properties for e in links)   # the shared value is not carried on the link
    fourth = empty_store.get_nodes([f"Trader:{ntns[3]}"])
    _, to_agent = shared_details(empty_store, fourth)
    assert ("SAME_PHONE", f"ClearingAgent:{agent['licence_no']}") in {(e.type, e.target) for e in to_agent}
