"""The command line as a user meets it: the data directory is the one given,
and every refusal is one plain line with the documented exit code."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

NIGAH = [sys.executable, "-m", "nigah"]


def nigah(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*NIGAH, *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def test_home_is_the_one_given_not_the_environment(scenario, tmp_path):
    given, elsewhere = tmp_path / "given", tmp_path / "elsewhere"
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "traders.csv").write_text((scenario / "traders.csv").read_text() + "not-an-ntn,Someone\n")
    run = nigah("ingest", str(bad), "--home", str(given), "--json", env={"NIGAH_HOME": str(elsewhere)})
    assert run.returncode == 1, run.stderr  # the bad row is quarantined
    assert (given / "nigah.duckdb").exists()
    assert list((given / "quarantine").glob("ingest-*.csv"))
    assert not elsewhere.exists()
    stats = nigah("stats", "--json", "--home", str(given), env={"NIGAH_HOME": str(elsewhere)})
    assert '"Trader"' in stats.stdout and not elsewhere.exists()


@pytest.mark.parametrize("args, code, says", [
    (("stats", "--store", "sqlite"), 2, "unknown store 'sqlite'"),
    (("export", "--out", "x.json"), 2, "give --ids or --case"),
    (("case", "show", "No such case"), 2, "no case named 'No such case'"),
    (("analyze", "--as-of", "not a time"), 2, "error:"),
    (("evaluate", "communities", "--truth", "."), 2, "--truth must be a directory written by"),
])
def test_refusals_are_one_line_with_the_documented_code(tmp_path, args, code, says):
    run = nigah(*args, "--home", str(tmp_path / "home"))
    assert run.returncode == code, run.stderr
    assert says in run.stderr
    assert "Traceback" not in run.stderr


def test_a_home_that_is_a_file_is_refused_plainly(tmp_path):
    home = tmp_path / "home"
    home.write_text("not a directory")
    run = nigah("stats", "--home", str(home))
    assert run.returncode == 2 and f"cannot keep data in {home}" in run.stderr
    assert "Traceback" not in run.stderr


def test_neo4j_unreachable_exits_3(tmp_path):
    run = nigah("stats", "--store", "neo4j", env={"NEO4J_URI": "bolt://127.0.0.1:9"})
    assert run.returncode == 3, run.stderr
    assert "Traceback" not in run.stderr


def test_no_command_module_sets_the_environment():
    # The home is passed explicitly; a command that set $NIGAH_HOME would leak it
    # into every later call in the same process (the dashboard, tests).
    cli = Path(__file__).parents[1] / "nigah" / "cli"
    for module in cli.glob("*.py"):
        assert "os.environ[" not in module.read_text(), module


@pytest.mark.parametrize("rows", ["0", "-1"])
def test_a_batch_size_below_one_is_refused_before_anything_loads(scenario, tmp_path, rows):
    run = nigah("ingest", str(scenario), "--batch-rows", rows, "--home", str(tmp_path / "home"))
    assert run.returncode == 2 and "--batch-rows" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "home" / "nigah.duckdb").exists()


def test_an_unwritable_quarantine_is_one_plain_line(scenario, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "traders.csv").write_text((scenario / "traders.csv").read_text() + "not-an-ntn,Someone\n")
    blocker = tmp_path / "file"
    blocker.write_text("")
    run = nigah("ingest", str(bad), "--home", str(tmp_path / "home"), "--quarantine", str(blocker / "q.csv"))
    assert run.returncode == 2 and "cannot write the quarantine report" in run.stderr
    assert "Traceback" not in run.stderr


def _traders_only(scenario, tmp_path):
    data = tmp_path / "in"
    data.mkdir()
    (data / "traders.csv").write_text((scenario / "traders.csv").read_text())
    return data


def test_two_files_for_one_kind_are_refused(scenario, tmp_path):
    import pandas as pd

    data = _traders_only(scenario, tmp_path)
    pd.read_csv(data / "traders.csv", dtype=str).to_parquet(data / "traders.parquet")
    run = nigah("ingest", str(data), "--home", str(tmp_path / "home"))
    assert run.returncode == 2 and "traders.csv and traders.parquet are both traders" in run.stderr


def test_a_dangling_link_or_a_pipe_is_refused_not_skipped_or_waited_on(scenario, tmp_path):
    data = _traders_only(scenario, tmp_path)
    (data / "consignees.csv").symlink_to(tmp_path / "gone.csv")
    run = nigah("ingest", str(data), "--home", str(tmp_path / "home"))
    assert run.returncode == 2 and "a link to a file that does not exist" in run.stderr
    (data / "consignees.csv").unlink()
    os.mkfifo(data / "routes.csv")
    run = nigah("ingest", str(data), "--home", str(tmp_path / "home"))
    assert run.returncode == 2 and "not a regular file" in run.stderr


@pytest.mark.parametrize("header, says", [
    ("ntn,name,phone_no", "unknown column(s) phone_no"),
    ("ntn,name,phone,phone", "column(s) phone appear more than once"),
])
def test_a_column_that_would_be_dropped_refuses_the_file(tmp_path, header, says):
    data = tmp_path / "in"
    data.mkdir()
    values = ",".join(["1234567-8", "Ghani Star"] + ["03001234567"] * (len(header.split(",")) - 2))
    (data / "traders.csv").write_text(f"{header}\n{values}\n")
    run = nigah("ingest", str(data), "--home", str(tmp_path / "home"))
    assert run.returncode == 2 and says in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_what_a_command_writes_is_private_to_its_owner(scenario, tmp_path):
    import stat

    home = tmp_path / "home"
    run = subprocess.run([sys.executable, "-m", "nigah", "ingest", str(scenario), "--home", str(home)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "nigah.duckdb").stat().st_mode) == 0o600


def test_export_takes_a_name_for_an_id(scenario, tmp_path):
    """`nigah export --ids "Some Trading Co"`: the one entity of that name, or
    a plain refusal listing the candidates; never a traceback."""
    import pandas as pd

    traders = pd.read_csv(scenario / "traders.csv", dtype=str)
    unique = traders.drop_duplicates("name", keep=False).iloc[0]
    home = tmp_path / "home"
    load = subprocess.run([sys.executable, "-m", "nigah", "ingest", str(scenario), "--home", str(home),
                           "--no-resolve"], capture_output=True, text=True)
    assert load.returncode == 0, load.stderr
    base = [sys.executable, "-m", "nigah", "export", "--home", str(home), "--format", "json"]
    run = subprocess.run(base + ["--ids", unique["name"], "--out", str(tmp_path / "x.json")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert f"Trader:{unique['ntn']}" in (tmp_path / "x.json").read_text()
    none = subprocess.run(base + ["--ids", "Zzqqxx Nothing", "--out", str(tmp_path / "y.json")],
                          capture_output=True, text=True)
    assert none.returncode == 2 and "nothing is named" in none.stderr and "Traceback" not in none.stderr
