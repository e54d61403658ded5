"""A mutation fuzzer for ``nigah ingest``: damaged files, odd values, odd
options and mappings, each case on a fresh embedded store.

    python benchmarks/fuzz_ingest.py --cases 1000 [--seed 1] [--declarations 300]

Every case starts from one small generated scenario, applies one to three
mutations drawn from :data:`MUTATIONS` (to files, the mapping or the
options) and runs the command line in-process (Typer's runner, so a case
costs milliseconds of start-up, not seconds). What must hold, every case:

- **no traceback**: the command ends with one of the documented exit codes
  (0 loaded, 1 rows quarantined, 2 refused), never with an exception;
- **no silent drop**: for every kind, each record of its file is inserted,
  updated, unchanged or quarantined (``read`` counts the file's records,
  parsed independently here with the csv module);
- **no partial load on refusal**: an exit 2 leaves the store empty.

It prints one row per mutation (cases, exit codes, failures) and the
failures' details; ``tests/test_fuzz_ingest.py`` runs a bounded number of
cases in the suite.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import random
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HOSTILE = ["", " ", "NULL", "nan", "inf", "-1e400", "1e400", "0", "-5", "９９", "٣٤٥", "2025-13-45", "0001-01-01",
           "9999-12-31", "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "'; DROP TABLE Trader; --",
           "a\"b", "line\nbreak", "\t", "Ω≈ç√", "😀", "x" * 5000, "\x00", "1,5", "1.2.3", "TRUE", "-2025-01-01"]


@dataclass
class Case:
    directory: Path
    args: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)


def _files(case: Case) -> list[Path]:
    return sorted(p for p in case.directory.iterdir() if p.is_file() and p.suffix == ".csv")


def _rows(path: Path) -> list[list[str]]:
    # an earlier mutation may have re-encoded or damaged it: read what can be read
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        return list(csv.reader(fh)) or [[""]]


def _write(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def cell(case: Case, rng: random.Random) -> str:
    path = rng.choice(_files(case))
    rows = _rows(path)
    if len(rows) < 2:
        return "cell: empty file"
    r, c = rng.randrange(1, len(rows)), rng.randrange(len(rows[0]))
    if c < len(rows[r]):
        rows[r][c] = rng.choice(HOSTILE)
    _write(path, rows)
    return f"cell {path.name}:{rows[0][c]}"


def drop_column(case: Case, rng: random.Random) -> str:
    path = rng.choice(_files(case))
    rows = _rows(path)
    c = rng.randrange(len(rows[0]))
    name = rows[0][c]
    _write(path, [r[:c] + r[c + 1:] for r in rows])
    return f"drop column {path.name}:{name}"


def repeat_column(case: Case, rng: random.Random) -> str:
    path = rng.choice(_files(case))
    rows = _rows(path)
    c = rng.randrange(len(rows[0]))
    _write(path, [r + [r[c] if c < len(r) else ""] for r in rows])
    return f"repeat column {path.name}"


def rename_column(case: Case, rng: random.Random) -> str:
    path = rng.choice(_files(case))
    rows = _rows(path)
    c = rng.randrange(len(rows[0]))
    rows[0][c] = rng.choice(["phone_no", "NTN", rows[0][c] + " ", "", "x" * 300])
    _write(path, rows)
    return f"rename column {path.name}"


def short_row(case: Case, rng: random.Random) -> str:
    path = rng.choice(_files(case))
    rows = _rows(path)
    if len(rows) > 1:
        r = rng.randrange(1, len(rows))
        rows[r] = rows[r][: rng.randrange(len(rows[r]) + 1)] or [""]
    _write(path, rows)
    return f"short row {path.name}"


def long_row(case: Case, rng: random.Random) -> str:
    path = rng.choice(_files(case))
    rows = _rows(path)
    if len(rows) > 1:
        rows[rng.randrange(1, len(rows))] += ["extra", "cells"]
    _write(path, rows)
    return f"long row {path.name}"


def duplicate_rows(case: Case, rng: random.Random) -> str:
    path = rng.choice(_files(case))
    rows = _rows(path)
    _write(path, rows + rows[1:rng.randrange(1, len(rows) + 1)])
    return f"duplicate rows {path.name}"


def truncate(case: Case, rng: random.Random) -> str:
    path = rng.choice(_files(case))
    data = path.read_bytes()
    path.write_bytes(data[: rng.randrange(len(data) + 1)])
    return f"truncate {path.name}"


def empty(case: Case, rng: random.Random) -> str:
    path = rng.choice(_files(case))
    path.write_bytes(rng.choice([b"", _rows(path)[0] and (",".join(_rows(path)[0]) + "\n").encode()]))
    return f"empty {path.name}"


def binary(case: Case, rng: random.Random) -> str:
    path = rng.choice(_files(case))
    data = bytearray(path.read_bytes())
    for _ in range(rng.randrange(1, 20)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    path.write_bytes(bytes(data))
    return f"bytes {path.name}"


def encoding(case: Case, rng: random.Random) -> str:
    path = rng.choice(_files(case))
    text = path.read_text(encoding="utf-8", errors="replace")
    codec = rng.choice(["utf-8-sig", "utf-16", "cp1252", "cp1256", "latin-1"])
    path.write_bytes(text.encode(codec, errors="replace"))
    return f"encoding {path.name}:{codec}"


def delimiter(case: Case, rng: random.Random) -> str:
    path = rng.choice(_files(case))
    rows = _rows(path)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=rng.choice([";", "\t", "|"])).writerows(rows)
    return f"delimiter {path.name}"


def gzipped(case: Case, rng: random.Random) -> str:
    path = rng.choice(_files(case))
    data = gzip.compress(path.read_bytes())
    if rng.random() < 0.5:
        data = data[: len(data) // 2]
    path.with_name(path.name + ".gz").write_bytes(data)
    path.unlink()
    return f"gzip {path.name}"


def remove_file(case: Case, rng: random.Random) -> str:
    path = rng.choice(_files(case))
    path.unlink()
    return f"remove {path.name}"


def blank_lines(case: Case, rng: random.Random) -> str:
    path = rng.choice(_files(case))
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    for _ in range(rng.randrange(1, 5)):
        lines.insert(rng.randrange(1, len(lines) + 1), "\n")
    path.write_text("".join(lines), encoding="utf-8")
    return f"blank lines {path.name}"


def option(case: Case, rng: random.Random) -> str:
    choice = rng.choice([["--batch-rows", str(rng.choice([1, 7, 50, 0, -1]))], ["--no-resolve"],
                         ["--mapping", str(case.directory / "missing.yaml")], ["--store", "sqlite"],
                         ["--batch-rows", "many"]])
    case.args += choice
    return "option " + " ".join(choice[:1])


def mapping(case: Case, rng: random.Random) -> str:
    bad = rng.choice(["[]", "kinds: 3", "kinds: {Trader: {columns: {}}}", "kinds: {Nope: {file: x}}",
                      "csv: {encoding: klingon}", ":\n  - [", "exchange_rates: {KRW: -1}",
                      "kinds: {Trader: {file: traders.csv, columns: {ntn: {codes: 3}}}}"])
    path = case.directory / "mapping.yaml"
    path.write_text(bad, encoding="utf-8")
    case.args += ["--mapping", str(path)]
    return "mapping"


MUTATIONS = [cell, cell, cell, drop_column, repeat_column, rename_column, short_row, long_row, duplicate_rows,
             truncate, empty, binary, encoding, delimiter, gzipped, remove_file, blank_lines, option, mapping]


def records(path: Path) -> int | None:
    """The data records of a CSV as pandas would count them (blank lines skipped), or None if unreadable."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
        from nigah.ingest.readers import detect_delimiter, detect_encoding
        text = raw.decode(detect_encoding(raw[:1 << 16]))
        rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text[:1 << 16])) if r]
        return max(len(rows) - 1, 0)
    except Exception:   # the command is the judge of what it can read; this is only the count
        return None


def run_case(base: Path, work: Path, seed: int) -> dict:
    from typer.testing import CliRunner

    from nigah.cli import app
    from nigah.graph.duckdb_store import DuckDBStore

    rng = random.Random(seed)
    case = Case(work / "in")
    shutil.copytree(base, case.directory, ignore=shutil.ignore_patterns("truth"))
    for _ in range(rng.randrange(1, 4)):
        case.applied.append(MUTATIONS[rng.randrange(len(MUTATIONS))](case, rng))
    home = work / "home"
    args = ["ingest", str(case.directory), "--home", str(home), "--json", "--quarantine", str(work / "q.csv"),
            *case.args]
    result = CliRunner().invoke(app, args)
    failures = []
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        failures.append(f"traceback: {type(result.exception).__name__}: {result.exception}")
    if result.exit_code not in (0, 1, 2):
        failures.append(f"exit {result.exit_code}")
    if result.exit_code in (0, 1) and not failures:
        summary = json.loads(result.stdout[result.stdout.index("{"):result.stdout.rindex("}") + 1])
        for kind, k in summary["kinds"].items():
            accounted = k["inserted"] + k["updated"] + k["unchanged"] + k["quarantined"]
            if accounted != k["read"]:
                failures.append(f"silent drop: {kind} read {k['read']}, accounted {accounted}")
        from nigah.graph.schema import SCHEMA
        stems = {n.file: label for label, n in SCHEMA.nodes.items()} | \
            {r.file: t for t, r in SCHEMA.relationships.items() if r.file}
        for path in case.directory.iterdir():
            n = records(path) if ".csv" in path.name else None
            kind = stems.get(path.name.split(".")[0])
            kind = kind if kind in summary["kinds"] else None
            if n is not None and kind is not None and summary["kinds"][kind]["read"] != n:
                failures.append(f"silent drop: {path.name} has {n} records, read {summary['kinds'][kind]['read']}")
    if result.exit_code == 2 and home.joinpath("nigah.duckdb").exists():
        with DuckDBStore(home) as store:
            loaded = sum(store.counts()["nodes"].values())
        if loaded:
            failures.append(f"partial load on refusal: {loaded} nodes")
    return {"seed": seed, "mutations": case.applied, "exit": result.exit_code, "failures": failures,
            "output": (result.stdout + (result.stderr if result.stderr_bytes is not None else ""))[-400:]}


def fuzz(cases: int, seed: int = 1, declarations: int = 300, seconds: float | None = None) -> list[dict]:
    from nigah.ingest.scenario import generate
    from nigah.ingest.scenario.config import ScenarioConfig

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        generate(base, ScenarioConfig(declarations=declarations, seed=seed))
        start = time.monotonic()
        for i in range(cases):
            if seconds is not None and time.monotonic() - start > seconds:
                break
            work = Path(tmp) / f"case{i}"
            work.mkdir()
            results.append(run_case(base, work, seed * 100_003 + i))
            shutil.rmtree(work, ignore_errors=True)
    return results


def table(results: list[dict]) -> str:
    by = defaultdict(Counter)
    for r in results:
        for m in {m.split(" ")[0] for m in r["mutations"]}:
            by[m]["cases"] += 1
            by[m][f"exit {r['exit']}"] += 1
            by[m]["failures"] += bool(r["failures"])
    exits = sorted({k for c in by.values() for k in c if k.startswith("exit")})
    lines = ["| mutation | cases | " + " | ".join(exits) + " | failures |", "|---" * (len(exits) + 3) + "|"]
    for m, c in sorted(by.items()):
        lines.append(f"| {m} | {c['cases']} | " + " | ".join(str(c[e]) for e in exits) + f" | {c['failures']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--declarations", type=int, default=300)
    a = parser.parse_args()
    t0 = time.perf_counter()
    results = fuzz(a.cases, a.seed, a.declarations)
    failed = [r for r in results if r["failures"]]
    print(table(results))
    print(f"\n{len(results)} cases in {time.perf_counter() - t0:.0f} s: {len(failed)} failed "
          f"({sum('traceback' in f for r in failed for f in r['failures'])} tracebacks, "
          f"{sum('silent drop' in f for r in failed for f in r['failures'])} silent drops, "
          f"{sum('partial load' in f for r in failed for f in r['failures'])} partial loads)")
    for r in failed[:30]:
        print(json.dumps({k: r[k] for k in ("seed", "mutations", "exit", "failures")}))


if __name__ == "__main__":
    main()
