"""The dashboard's handle on the store: opened lazily, refreshed, serialised.

The embedded store is opened as an in-memory snapshot so that a CLI ingest
can write the file while the dashboard runs. When the file changes (checked
every ``refresh_seconds``), a new snapshot is built in a background thread
and swapped in whole: requests go on reading the old one meanwhile, never
waiting for the copy, and a snapshot never changes under a request.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from nigah.graph.store import GraphStore, StoreUnavailable


class StoreHolder:
    errors = (StoreUnavailable, OSError)

    def __init__(self, factory: Callable[[], GraphStore], refresh_seconds: float = 2.0):
        self.factory = factory
        self.refresh_seconds = refresh_seconds
        self._store: GraphStore | None = None
        self._lock = threading.Lock()
        self.error: str | None = None

    def _get(self) -> GraphStore:
        if self._store is None:
            self._store = self.factory()
            getattr(self._store, "warm", lambda: None)()   # indexes now, not in a later request
            if hasattr(self._store, "stale"):
                threading.Thread(target=self._refresher, daemon=True, name="nigah-snapshot").start()
        return self._store

    def _refresher(self) -> None:
        """Swap in a new snapshot whenever the store file has changed."""
        while True:
            time.sleep(self.refresh_seconds)
            current = self._store
            try:
                if current is None or not current.stale():
                    continue
                fresh = self.factory()   # the copy, outside the lock: requests keep reading `current`
                fresh.warm()             # and its indexes, so the first request after the swap waits for none
            except Exception:   # a writer holds the file right now: the next tick tries again
                continue
            with self._lock:
                self._store = fresh
            current.close()

    def open_now(self) -> None:
        """Open (and warm) the store before the first officer asks: at start-up."""
        try:
            self.call(lambda store: None)
        except self.errors:
            pass   # the page will say the store is unreachable

    def call(self, fn):
        """Run ``fn(store)`` with the store, one caller at a time."""
        with self._lock:
            try:
                result = fn(self._get())
                self.error = None
                return result
            except StoreUnavailable as exc:
                self.error = str(exc)
                raise

    def describe(self) -> str:
        try:
            counts = self.call(lambda s: (s.name, s.counts()))
        except self.errors as exc:
            return f"store unreachable: {exc}"
        name, c = counts
        total = sum(c["nodes"].values())
        if not total:
            return f"{name} store · no data yet: run `nigah ingest DIR`"
        return f"{name} store · {c['nodes'].get('Declaration', 0):,} declarations · " \
               f"{c['nodes'].get('Trader', 0):,} traders"
