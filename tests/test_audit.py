"""The audit trail (issue 16, first part): what the command line takes away
or changes is recorded once, by whom; the trail is hash-chained, so a changed
or removed record is found and named; two writers at once never share a number.
Both stores."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import duckdb
import pandas as pd

from nigah.graph import audit


def nigah(*args, operator="ayesha"):
    env = {**os.environ, "NIGAH_OPERATOR": operator}
    return subprocess.run([sys.executable, "-m", "nigah", *map(str, args)], capture_output=True, text=True, env=env)


def test_what_the_command_line_takes_away_is_recorded_once_and_the_chain_names_a_changed_record(
        cli_store, scenario, tmp_path):
    assert nigah("ingest", scenario, "--no-resolve", *cli_store).returncode == 0
    ntn = pd.read_csv(scenario / "traders.csv", dtype=str)["ntn"].iloc[0]
    before = json.loads(nigah("audit", "verify", "--json", *cli_store).stdout)
    first = len(nigah("audit", "list", *cli_store).stdout.splitlines())
    assert nigah("case", "save", "ring 7", "--ids", f"Trader:{ntn}", *cli_store).returncode == 0
    out = nigah("export", "--ids", f"Trader:{ntn}", "--format", "graphml", "--out", tmp_path / "c.graphml",
                *cli_store, operator="bilal")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in nigah("audit", "list", *cli_store).stdout.splitlines()][first:]
    assert [(r["action"], r["user"]) for r in rows] == [("case saved", "ayesha"), ("export", "bilal")]
    assert rows[1]["detail"]["format"] == "graphml" and f"Trader:{ntn}" in rows[1]["detail"]["entities"]
    assert rows[1]["previous"] == rows[0]["hash"]
    bilal = nigah("audit", "list", "--user", "bilal", "--csv", *cli_store).stdout.splitlines()
    assert bilal[0].startswith("seq,at,user") and len(bilal) >= 2 and all("bilal" in r for r in bilal[1:])
    assert before["ok"] and nigah("audit", "verify", *cli_store).returncode == 0

    seq = rows[0]["seq"]
    tamper, untamper = _editors(cli_store)
    tamper(seq, json.dumps({"case": "ring 7", "entities": []}))
    try:
        run = nigah("audit", "verify", *cli_store)
        assert run.returncode == 2 and f"record {seq} (case saved by ayesha" in run.stderr, run.stderr
        assert "Traceback" not in run.stderr
    finally:
        untamper(seq)
    assert nigah("audit", "verify", *cli_store).returncode == 0


def _editors(cli_store):
    """Change one record's detail behind Nigah's back, and put it back."""
    kept = {}
    if "neo4j" in cli_store:
        from nigah.graph.neo4j_store import Neo4jStore

        def run(query, **params):
            with Neo4jStore() as store:
                return store._run(query, **params)

        def tamper(seq, detail):
            kept[seq] = run("MATCH (a:NigahAudit {seq: $seq}) RETURN a.detail AS d", seq=seq)[0]["d"]
            run("MATCH (a:NigahAudit {seq: $seq}) SET a.detail = $d", seq=seq, d=detail)

        def untamper(seq):
            run("MATCH (a:NigahAudit {seq: $seq}) SET a.detail = $d", seq=seq, d=kept[seq])
        return tamper, untamper
    path = os.path.join(cli_store[cli_store.index("--home") + 1], "nigah.duckdb")

    def tamper(seq, detail):
        with duckdb.connect(path) as con:
            kept[seq] = con.execute("SELECT detail FROM _audit WHERE seq = ?", [seq]).fetchone()[0]
            con.execute("UPDATE _audit SET detail = ? WHERE seq = ?", [detail, seq])

    def untamper(seq):
        with duckdb.connect(path) as con:
            con.execute("UPDATE _audit SET detail = ? WHERE seq = ?", [kept[seq], seq])
    return tamper, untamper


def test_a_removed_record_is_named(tmp_path):
    from nigah.graph.duckdb_store import DuckDBStore

    with DuckDBStore(tmp_path / "home") as store:
        for i in range(4):
            audit.record(store, "search", {"text": f"q{i}"}, user="ayesha", client="10.0.0.5")
        assert audit.verify(store)[0]
        store._sql("DELETE FROM _audit WHERE seq = 2")
        ok, said = audit.verify(store)
    assert not ok and "record 2 is missing" in said


def test_two_writers_at_once_never_share_a_number(neo4j_session):
    """The dashboard's threads and a CLI process append at the same moments: each
    record gets its own number and links to the one before it."""
    start = len(audit.records(neo4j_session))

    def write(user):
        for i in range(15):
            audit.record(neo4j_session, "viewed", {"entity": f"Trader:{i}"}, user=user)
    threads = [threading.Thread(target=write, args=(u,)) for u in ("ayesha", "bilal")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = audit.records(neo4j_session)
    assert len(rows) == start + 30 and [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert audit.verify(neo4j_session)[0]
