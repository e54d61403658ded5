"""A system of record: a later load changes only what it brings."""
from __future__ import annotations

import time

import pandas as pd

from nigah.ingest.load import ingest_directory


def test_a_partial_traders_file_updates_only_its_columns(empty_store, scenario, tmp_path):
    store = empty_store
    ingest_directory(store, scenario)
    keep = ["address", "bank_account", "director_cnic", "registered_on", "director_name"]
    before = store.node_table("Trader", ["name", "phone", *keep]).set_index("ntn")
    traders = pd.read_csv(scenario / "traders.csv", dtype=str).head(3)
    later = tmp_path / "later"
    later.mkdir()
    traders.assign(phone=["03001234567", "03007654321", "03111111111"])[["ntn", "name", "phone"]].to_csv(
        later / "traders.csv", index=False)
    report = ingest_directory(store, later)
    assert report.kinds["Trader"].result.updated == 3 and not report.rejections
    after = store.node_table("Trader", ["name", "phone", *keep]).set_index("ntn")
    changed = traders["ntn"].tolist()
    assert after.loc[changed, "phone"].tolist() == ["03001234567", "03007654321", "03111111111"]
    pd.testing.assert_frame_equal(after.loc[changed, keep], before.loc[changed, keep])   # nothing erased
    pd.testing.assert_frame_equal(after.drop(index=changed), before.drop(index=changed))


def test_a_declarations_file_without_a_link_column_keeps_the_links(empty_store, scenario, tmp_path):
    store = empty_store
    ingest_directory(store, scenario)
    carried = store.relationship_table("CARRIED_BY").sort_values(["source", "target"]).reset_index(drop=True)
    decl = pd.read_csv(scenario / "declarations.csv", dtype=str, keep_default_na=False)
    later = tmp_path / "later"
    later.mkdir()
    # a later file of the same GDs with corrected values, but no vehicle column
    decl.drop(columns=["vehicle_registration"]).assign(duty_usd="1.0").to_csv(later / "declarations.csv",
                                                                            index=False)
    report = ingest_directory(store, later)
    assert report.kinds["Declaration"].result.updated == len(decl)
    again = store.relationship_table("CARRIED_BY").sort_values(["source", "target"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(again[["source", "target"]], carried[["source", "target"]])
    stored = store.node_table("Declaration", ["duty_usd", "vehicle_registration"])
    assert (stored["duty_usd"] == 1.0).all()
    assert stored["vehicle_registration"].notna().sum() == (decl["vehicle_registration"] != "").sum()


def test_an_empty_cell_keeps_the_stored_value_unless_the_operator_says_it_clears(empty_store, scenario, tmp_path):
    """A blank in a later export is "not known here": it erases nothing, neither a
    trader's address nor a GD's vehicle. Only ``empty_clears`` (``--empty-clears``,
    or ``empty: clear`` in a mapping) makes a blank mean "none now"."""
    store = empty_store
    ingest_directory(store, scenario)
    traders = pd.read_csv(scenario / "traders.csv", dtype=str, keep_default_na=False).head(2)
    decl = pd.read_csv(scenario / "declarations.csv", dtype=str, keep_default_na=False)
    decl = decl[decl["vehicle_registration"] != ""].head(2)
    gds, ntns = decl["gd_number"].tolist(), traders["ntn"].tolist()
    before = store.node_table("Trader", ["address", "phone"]).set_index("ntn").loc[ntns]
    vehicles = store.relationship_table("CARRIED_BY").set_index("source").loc[gds, "target"].tolist()
    later = tmp_path / "later"
    later.mkdir()
    traders.assign(address="", phone="03001234567").to_csv(later / "traders.csv", index=False)
    decl.assign(vehicle_registration="").to_csv(later / "declarations.csv", index=False)

    report = ingest_directory(store, later)
    assert not report.rejections
    after = store.node_table("Trader", ["address", "phone"]).set_index("ntn").loc[ntns]
    assert after["address"].tolist() == before["address"].tolist()      # kept
    assert after["phone"].tolist() == ["03001234567"] * 2               # what it brought is set
    handled = store.relationship_table("CARRIED_BY").set_index("source")
    assert handled.loc[gds, "target"].tolist() == vehicles               # the links are kept

    ingest_directory(store, later, empty_clears=True)
    cleared = store.node_table("Trader", ["address"]).set_index("ntn").loc[ntns]
    assert cleared["address"].isna().all()
    assert not set(gds) & set(store.relationship_table("CARRIED_BY")["source"])
    changes = [c for c in store.history(f"Trader:{ntns[0]}") if c["property"] == "address"]
    assert changes and changes[-1]["old_value"] == before["address"].iloc[0]   # and the old address is kept


def test_poison_values_are_quarantined_not_loaded():
    from nigah.graph.schema import SCHEMA
    from nigah.ingest.validate import validate

    raw = pd.DataFrame({"declared_value_usd": ["inf", "1e400", "-inf", "nan", "12"],
                        "date": ["0001-01-01", "9999-12-31", "-2025-01-01", "2025-02-30", "2025-01-01"]})
    props = [SCHEMA.node("Declaration").properties[c] for c in raw.columns]
    good, rejected = validate(raw, props, "declarations.csv")
    assert good["_source_row"].tolist() == [6]
    reasons = {(r.row, r.field): r.reason for r in rejected}
    assert all(reasons[(row, "declared_value_usd")] == "not a finite number" for row in (2, 3, 4, 5))
    assert all(reasons[(row, "date")].endswith("from 1900 to 2100") for row in (2, 3, 4, 5))


def test_digits_written_in_urdu_or_full_width_are_the_same_key():
    from nigah.graph.schema import SCHEMA
    from nigah.ingest.validate import validate

    raw = pd.DataFrame({"ntn": ["۱۲۳۴۵۶۷-۸", "１２３４５６７-８", "١٢٣٤٥٦٧٨"], "name": ["a", "b", "c"]})
    good, rejected = validate(raw, [SCHEMA.node("Trader").properties[c] for c in raw.columns], "traders.csv")
    assert not rejected and good["ntn"].tolist() == ["1234567-8"] * 3


def test_scan_times_with_and_without_offsets_load_as_local_time(empty_store, scenario, tmp_path):
    data = tmp_path / "in"
    import shutil

    shutil.copytree(scenario, data, ignore=shutil.ignore_patterns("truth"))
    scans = pd.read_csv(data / "checkpoint_scans.csv", dtype=str)
    local = pd.to_datetime(scans["scanned_at"])
    utc = (local - pd.Timedelta(hours=5)).dt.strftime("%Y-%m-%dT%H:%M:%S")
    scans["scanned_at"] = scans["scanned_at"].where(scans.index % 3 == 0,
                                                    (utc + "Z").where(scans.index % 3 == 1,
                                                                      scans["scanned_at"] + "+05:00"))
    scans.to_csv(data / "checkpoint_scans.csv", index=False)
    report = ingest_directory(empty_store, data)
    assert not report.rejections
    stored = empty_store.relationship_table("SCANNED_AT")
    assert sorted(pd.to_datetime(stored["scanned_at"])) == sorted(local)


def _journal_of_a_crashed_run(scenario, journal_dir, lines):
    from nigah.ingest.journal import Journal
    from nigah.ingest.load import BATCH_ROWS, journal_key
    from nigah.ingest.mapping import sources

    key = journal_key(sources(scenario, None), None, BATCH_ROWS, empty_clears=False)
    path = Journal(journal_dir, key, "duckdb").path
    path.write_text("".join(lines), encoding="utf-8")
    return Journal(journal_dir, key, "duckdb")


def test_a_journal_that_does_not_match_the_store_is_not_resumed(scenario, tmp_path):
    import json

    from nigah.graph.duckdb_store import DuckDBStore

    # a crash journalled every batch of declarations, then the store was deleted
    lines = [json.dumps({"kind": kind, "file": f"{stem}.csv", "batch": 0, "rows": n}) + "\n"
             for kind, stem, n in (("Declaration", "declarations", 1500), ("Trader", "traders", 200))]
    journal = _journal_of_a_crashed_run(scenario, tmp_path / "journal", lines)
    journal.close()
    assert journal.resuming   # the ingest below finds this journal for its input (the test is not vacuous)
    with DuckDBStore(tmp_path / "fresh") as store:
        report = ingest_directory(store, scenario, journal_dir=tmp_path / "journal")
        counts = store.counts()["nodes"]
    assert not report.resumed
    assert counts["Declaration"] == len(pd.read_csv(scenario / "declarations.csv"))
    assert counts["Trader"] == len(pd.read_csv(scenario / "traders.csv"))


def test_a_garbled_journal_is_not_a_traceback(scenario, tmp_path):
    from nigah.graph.duckdb_store import DuckDBStore

    _journal_of_a_crashed_run(scenario, tmp_path / "journal", ["[1, 2]\n", "\x00\xff garbage\n", '{"kind": 3}\n'])
    with DuckDBStore(tmp_path / "fresh") as store:
        report = ingest_directory(store, scenario, journal_dir=tmp_path / "journal")
        assert store.counts()["nodes"]["Declaration"] == len(pd.read_csv(scenario / "declarations.csv"))
    assert not report.resumed


def test_an_update_killed_after_its_nodes_resumes_to_the_uninterrupted_links(scenario, tmp_path):
    import json

    from nigah.graph.duckdb_store import DuckDBStore
    from nigah.ingest.journal import Journal
    from nigah.ingest.load import BATCH_ROWS, journal_key
    from nigah.ingest.mapping import sources
    from nigah.ingest.validate import validate

    update = tmp_path / "update"
    update.mkdir()
    decl = pd.read_csv(scenario / "declarations.csv", dtype=str, keep_default_na=False)
    traders = decl["trader_ntn"].unique()
    moved = decl.assign(trader_ntn=[traders[(list(traders).index(t) + 1) % len(traders)]
                                    for t in decl["trader_ntn"]])
    moved.to_csv(update / "declarations.csv", index=False)
    with DuckDBStore(tmp_path / "home") as store:
        ingest_directory(store, scenario)
        # the killed run: its Declaration batch was committed and journalled, then kill -9
        node = store.schema.node("Declaration")
        good, _ = validate(moved, node.input_properties, "declarations.csv")
        store.upsert_nodes("Declaration", good[[p.name for p in node.input_properties] + ["_source_file",
                                                                                         "_source_row"]])
        key = journal_key(sources(update, None), None, BATCH_ROWS, empty_clears=False)
        journal = Journal(tmp_path / "journal", key, "duckdb")
        journal.record("Declaration", "declarations.csv", 0, len(moved))
        journal.close()
        report = ingest_directory(store, update, journal_dir=tmp_path / "journal")
        filed = store.relationship_table("FILED_BY")
    assert report.resumed
    assert len(filed) == len(decl) and filed["source"].is_unique          # no GD filed by two traders
    assert dict(zip(filed["source"], filed["target"])) == dict(zip(moved["gd_number"], moved["trader_ntn"]))


def test_quarantine_rows_are_the_lines_an_officer_opens(tmp_path):
    from nigah.graph.duckdb_store import DuckDBStore

    data = tmp_path / "in"
    data.mkdir()
    (data / "traders.csv").write_text(
        'ntn,name,address\n'
        '1234567-8,Ghani Star,"Plot 4,\nSITE Area"\n'      # lines 2-3: an address over two lines
        '\n'                                                 # line 4: blank
        'bad-ntn,Nawaz Commercial,Karachi\n'                # line 5
        '2345678-9,,Lahore\n')                               # line 6: no name
    with DuckDBStore(tmp_path / "home") as store:
        report = ingest_directory(store, data)
        rows = store.node_table("Trader", ["address", "_source_row"])
    assert sorted((r.row, r.field) for r in report.rejections) == [(5, "ntn"), (6, "name")]
    assert rows["_source_row"].tolist() == [2] and rows["address"].tolist() == ["Plot 4,\nSITE Area"]


def test_legacy_code_pages_read_as_written(tmp_path, scenario):
    """A traders file saved by an old Windows system: Western names in cp1252
    keep their Ñ (not cp1250's Ń), Urdu names in cp1256 stay Urdu."""
    from nigah.graph.duckdb_store import DuckDBStore

    traders = pd.read_csv(scenario / "traders.csv", dtype=str, keep_default_na=False).head(40)
    names = {"cp1252": ["Compañía Ñandú Traders", "Café Müller & Söhne"],
             "cp1256": ["کراچي ٹريڈرز", "لاہور امپيکس"]}
    for encoding, wanted in names.items():
        later = tmp_path / encoding
        later.mkdir()
        rows = traders.assign(name=[wanted[i % 2] + f" {i}" for i in range(len(traders))])[["ntn", "name"]]
        (later / "traders.csv").write_bytes(rows.to_csv(index=False).encode(encoding))
        with DuckDBStore(tmp_path / f"home-{encoding}") as store:
            ingest_directory(store, later)
            stored = store.node_table("Trader", ["name"]).set_index("ntn")["name"]
        assert stored.loc[rows["ntn"]].tolist() == rows["name"].tolist(), encoding


def test_a_cut_short_gzip_is_refused_naming_it(tmp_path, scenario):
    import gzip
    import shutil
    import subprocess
    import sys

    data = tmp_path / "in"
    shutil.copytree(scenario, data, ignore=shutil.ignore_patterns("truth"))
    whole = gzip.compress((data / "declarations.csv").read_bytes())
    (data / "declarations.csv").unlink()
    (data / "declarations.csv.gz").write_bytes(whole[: len(whole) // 2])   # a transfer cut half-way
    run = subprocess.run([sys.executable, "-m", "nigah", "ingest", data, "--home", tmp_path / "home"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "declarations.csv.gz: cannot be read" in run.stderr
    assert "cut short" in run.stderr and "Aborted" not in run.stderr and "Traceback" not in run.stderr


def test_provenance_says_which_load_set_the_values(empty_store, scenario, tmp_path):
    """A node's provenance is the file, row and load time of the load that last
    changed it: a later load that changes one trader moves that trader's, and
    leaves the others' where their values came from."""
    from nigah.graph.schema import LOADED_AT, provenance_text

    store = empty_store
    ingest_directory(store, scenario)
    traders = pd.read_csv(scenario / "traders.csv", dtype=str, keep_default_na=False).head(2)
    first = store.node_table("Trader", provenance=True).set_index("ntn")
    assert first[LOADED_AT].notna().all()
    later = tmp_path / "later"
    later.mkdir()
    traders[["ntn", "name"]].assign(phone=["03001234567", traders["phone"][1]]).to_csv(
        later / "traders.csv", index=False)
    time.sleep(1.1)   # loads a second apart have different times
    ingest_directory(store, later)
    after = store.node_table("Trader", provenance=True).set_index("ntn")
    changed, same = traders["ntn"]
    assert after.loc[changed, LOADED_AT] > first.loc[changed, LOADED_AT]
    assert after.loc[same, LOADED_AT] == first.loc[same, LOADED_AT]
    node = store.get_nodes([f"Trader:{changed}"])[0]
    assert provenance_text(node.properties).startswith("traders.csv, row 2, loaded 20")
