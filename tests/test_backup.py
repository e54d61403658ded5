"""``nigah backup`` / ``nigah restore``: a consistent copy of the embedded
store taken while a reader has it open, restored exactly (checksums), and
never over a store that holds data unless told."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

from nigah.graph.duckdb_store import DuckDBStore
from nigah.ingest.load import ingest_directory


def nigah(*args):
    return subprocess.run([sys.executable, "-m", "nigah", *map(str, args)], capture_output=True, text=True)


def test_backup_while_read_then_restore_gives_the_same_store(scenario, tmp_path):
    home = tmp_path / "home"
    with DuckDBStore(home) as store:
        ingest_directory(store, scenario)
        store.save_case("ring 1", {"entities": ["Trader:1234567-8"], "notes": {"Trader:1234567-8": "front"}})
    expected = json.loads(nigah("stats", "--checksum", "--json", "--home", home).stdout)
    reader = DuckDBStore(home, snapshot=True)   # the dashboard's way of reading
    try:
        run = nigah("backup", tmp_path / "bk", "--home", home, "--json")
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["checksums"] == expected["checksums"]
        assert reader.counts() == {k: expected[k] for k in ("nodes", "relationships")}
    finally:
        reader.close()
    again = nigah("backup", tmp_path / "bk", "--home", home)
    assert again.returncode == 2 and "not empty" in again.stderr
    # over a store that holds data: refused unless --force
    refused = nigah("restore", tmp_path / "bk", "--home", home)
    assert refused.returncode == 2 and "--force" in refused.stderr
    restored = nigah("restore", tmp_path / "bk", "--home", tmp_path / "elsewhere")
    assert restored.returncode == 0, restored.stderr
    after = json.loads(nigah("stats", "--checksum", "--json", "--home", tmp_path / "elsewhere").stdout)
    assert after == expected
    with DuckDBStore(tmp_path / "elsewhere", snapshot=True) as copy:   # cases travel too
        assert copy.load_case("ring 1")["notes"] == {"Trader:1234567-8": "front"}
    forced = nigah("restore", tmp_path / "bk", "--home", home, "--force")
    assert forced.returncode == 0, forced.stderr


def test_a_damaged_backup_is_refused(scenario, tmp_path):
    home = tmp_path / "home"
    with DuckDBStore(home) as store:
        ingest_directory(store, scenario)
    assert nigah("backup", tmp_path / "bk", "--home", home).returncode == 0
    (tmp_path / "bk" / "nigah.duckdb").write_bytes(b"not a database")
    run = nigah("restore", tmp_path / "bk", "--home", tmp_path / "new")
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    missing = nigah("restore", tmp_path / "nothing", "--home", tmp_path / "new2")
    assert missing.returncode == 2 and "no readable Nigah backup" in missing.stderr


def test_a_logical_backup_moves_a_store_between_backends_exactly(scenario, tmp_path, empty_neo4j):
    """`nigah backup --logical` reads every table through the store interface;
    it restores into Neo4j and, backed up from there while it serves, back into
    a new embedded store: nodes, links, provenance, computed scores, detail
    history (with its times) and case versions all come back the same."""
    home = tmp_path / "home"
    with DuckDBStore(home) as store:
        ingest_directory(store, scenario)
        later = tmp_path / "later"
        later.mkdir()
        traders = pd.read_csv(scenario / "traders.csv", dtype=str, keep_default_na=False).head(3)
        traders[["ntn", "name"]].assign(phone="03001234567").to_csv(later / "traders.csv", index=False)
        ingest_directory(store, later)                      # changes recorded in the history
        scores = store.node_table("Trader", ["name"]).head(5)[["ntn"]].assign(risk=[0.1, 0.2, 0.3, 0.4, 0.5])
        store.write_properties("Trader", scores)            # a computed property
        store.save_case("ring 1", {"entities": ["Trader:" + traders["ntn"][0]], "notes": {}})
        store.save_case("ring 1", {"entities": ["Trader:" + n for n in traders["ntn"]], "notes": {}})
        ntn = traders["ntn"][0]
        history = store.history(f"Trader:{ntn}")
        provenance = store.node_table("Trader", provenance=True).set_index("ntn").loc[ntn, "_source_file"]
    assert history and provenance == "traders.csv"
    expected = json.loads(nigah("stats", "--checksum", "--json", "--home", home).stdout)

    out = nigah("backup", tmp_path / "bk", "--logical", "--home", home, "--json")
    assert out.returncode == 0, out.stderr
    into_neo4j = nigah("restore", tmp_path / "bk", "--store", "neo4j")
    assert into_neo4j.returncode == 0, into_neo4j.stderr
    again = nigah("restore", tmp_path / "bk", "--store", "neo4j")
    assert again.returncode == 2 and "--force" in again.stderr       # it holds data now
    assert json.loads(nigah("stats", "--checksum", "--json", "--store", "neo4j").stdout)["checksums"] \
        == expected["checksums"]
    assert [c["old_value"] for c in empty_neo4j.history(f"Trader:{ntn}")] == [c["old_value"] for c in history]
    assert len(empty_neo4j.case_versions("ring 1")) == 2

    # from the server, while it serves, back into a new embedded store
    out = nigah("backup", tmp_path / "bk2", "--store", "neo4j")
    assert out.returncode == 0, out.stderr
    back = nigah("restore", tmp_path / "bk2", "--home", tmp_path / "again")
    assert back.returncode == 0, back.stderr
    assert json.loads(nigah("stats", "--checksum", "--json", "--home", tmp_path / "again").stdout) == expected
    with DuckDBStore(tmp_path / "again", snapshot=True) as copy:
        assert copy.history(f"Trader:{ntn}") == history      # the change times too
        assert copy.load_case("ring 1", version=1)["entities"] == ["Trader:" + ntn]
        assert copy.node_table("Trader", provenance=True).set_index("ntn").loc[ntn, "_source_file"] == provenance

    (tmp_path / "bk2" / "relationships" / "FILED_BY.parquet").write_bytes(b"PAR1 cut")
    damaged = nigah("restore", tmp_path / "bk2", "--home", tmp_path / "third")
    assert damaged.returncode == 2 and "Traceback" not in damaged.stderr and "damaged" in damaged.stderr


def test_a_store_file_damaged_after_it_opens_says_so_and_a_restore_mends_it(scenario, tmp_path):
    """A store file cut short or with blocks overwritten may still open and fail
    on the first read: `stats` and `ingest` then exit 3 saying the file is
    damaged and what to do, not "internal error" with a crash file; the backup
    taken before puts it right."""
    import shutil

    home = tmp_path / "home"
    with DuckDBStore(home) as store:
        ingest_directory(store, scenario)
    expected = json.loads(nigah("stats", "--checksum", "--json", "--home", home).stdout)
    assert nigah("backup", tmp_path / "bk", "--home", home).returncode == 0
    size = (home / "nigah.duckdb").stat().st_size
    for where, cut in ((0.3, False), (0.7, False), (0.5, True)):
        shutil.rmtree(tmp_path / "damaged", ignore_errors=True)
        shutil.copytree(home, tmp_path / "damaged")
        with open(tmp_path / "damaged" / "nigah.duckdb", "r+b") as f:
            if cut:
                f.truncate(int(size * where))
            else:
                f.seek(int(size * where))
                f.write(b"\xff" * 262144)
        for args in (("stats", "--checksum"), ("ingest", scenario, "--no-resolve")):
            run = nigah(*args, "--home", tmp_path / "damaged")
            assert run.returncode == 3, (where, args, run.stderr)
            assert "damaged" in run.stderr and "nigah restore" in run.stderr and "Traceback" not in run.stderr
            assert "internal error" not in run.stderr
        mended = nigah("restore", tmp_path / "bk", "--home", tmp_path / "damaged", "--force")
        assert mended.returncode == 0, mended.stderr
        assert not (tmp_path / "damaged" / "journal").exists()   # the failed load's journal went with its store
        assert json.loads(nigah("stats", "--checksum", "--json", "--home", tmp_path / "damaged").stdout) == expected
