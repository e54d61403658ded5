"""The ingest journal: which batches of which input are already in the store.

Upserts by key make any rerun safe; the journal makes a rerun after a crash
(or ``kill -9``) resume where it stopped instead of starting over. It is keyed
by a fingerprint of the input (file names, sizes, times, mapping, batch size),
appended and flushed after each committed batch, and removed when the run
completes, so the next ingest of the same files runs in full.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def fingerprint(paths: list[Path], extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for p in sorted(paths):
        st = p.stat()
        h.update(f"{p.name}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:20]


class Journal:
    def __init__(self, directory: Path, key: str, store_name: str):
        self.path = Path(directory) / f"ingest-{store_name}-{key}.jsonl"
        self.done: set[tuple[str, str, int]] = set()
        self.largest: dict[str, int] = {}   # kind -> rows of its largest committed batch
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by the crash
                if not isinstance(entry, dict) or not {"kind", "file", "batch", "rows"} <= set(entry):
                    continue  # not a line this journal wrote: nothing to trust in it
                self.done.add((entry["kind"], entry["file"], entry["batch"]))
                self.largest[entry["kind"]] = max(self.largest.get(entry["kind"], 0), int(entry["rows"]))
        self.resuming = bool(self.done)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("a", encoding="utf-8")

    def matches(self, node_counts: dict[str, int]) -> bool:
        """Whether the store holds what the journal says was committed: a
        batch of n distinct keys leaves at least n nodes of its label (a
        store deleted or replaced since the crash does not)."""
        return all(node_counts.get(kind, 0) >= rows for kind, rows in self.largest.items() if kind in node_counts)

    def forget(self) -> None:
        """Start over: the journal describes another store."""
        self._fh.close()
        self.path.write_text("", encoding="utf-8")
        self.done, self.largest, self.resuming = set(), {}, False
        self._fh = self.path.open("a", encoding="utf-8")

    def is_done(self, kind: str, file: str, batch: int) -> bool:
        return (kind, file, batch) in self.done

    def record(self, kind: str, file: str, batch: int, rows: int) -> None:
        self._fh.write(json.dumps({"kind": kind, "file": file, "batch": batch, "rows": rows}) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def complete(self) -> None:
        self._fh.close()
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()
