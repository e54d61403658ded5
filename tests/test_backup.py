"""``nigah backup`` / ``nigah restore``: a consistent copy of the embedded
store taken while a reader has it open, restored exactly (checksums), and
never over a store that holds data unless told."""
from __future__ import annotations

import json
import subprocess
import sys

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
