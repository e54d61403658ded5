"""The dashboard's handle on the store: opened once, refreshed in the background,
read by many requests at once.

The embedded store is opened as an in-memory snapshot so that a CLI ingest
can write the file while the dashboard runs. When the file changes (checked
every ``refresh_seconds``), a new snapshot is built in a background thread
and swapped in whole: requests go on reading the old one meanwhile, never
waiting for the copy, and a snapshot never changes under a request. The old
one is closed when the last request reading it has finished.

Requests do not queue behind one another: the only lock is held for the
moment it takes to pick up the current snapshot. A request that runs past
``request_seconds`` has its query stopped and gets :class:`RequestTooLong`.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from nigah.graph.store import GraphStore, StoreUnavailable

REQUEST_SECONDS = 20.0   # the longest a forged or unlucky request may hold a worker


class RequestTooLong(StoreUnavailable):
    """A request stopped at the server's time bound."""


class StoreHolder:
    errors = (StoreUnavailable, OSError)

    def __init__(self, factory: Callable[[], GraphStore], refresh_seconds: float = 2.0,
                 request_seconds: float = REQUEST_SECONDS):
        self.factory = factory
        self.refresh_seconds = refresh_seconds
        self.request_seconds = request_seconds
        self._store: GraphStore | None = None
        self._readers: dict[int, int] = {}       # id(store) -> requests reading it now
        self._retired: dict[int, GraphStore] = {}  # swapped out, closed when its last reader ends
        self._lock = threading.Lock()             # guards the three fields above, briefly
        self._opening = threading.Lock()          # one first open, however many requests ask
        self.error: str | None = None

    # ---- which snapshot a request reads ---------------------------------------
    def _open(self) -> GraphStore:
        with self._opening:
            if self._store is None:
                store = self.factory()
                getattr(store, "warm", lambda: None)()   # indexes now, not in a later request
                self._store = store
                if hasattr(store, "stale"):
                    threading.Thread(target=self._refresher, daemon=True, name="nigah-snapshot").start()
        return self._store

    def _acquire(self) -> GraphStore:
        store = self._store or self._open()
        with self._lock:
            store = self._store   # the newest, should a swap have happened meanwhile
            self._readers[id(store)] = self._readers.get(id(store), 0) + 1
        return store

    def _release(self, store: GraphStore) -> None:
        with self._lock:
            left = self._readers[id(store)] = self._readers[id(store)] - 1
            done = left == 0 and self._retired.pop(id(store), None)
            if left == 0:
                del self._readers[id(store)]
        if done:
            done.close()

    def _refresher(self) -> None:
        """Swap in a new snapshot whenever the store file has changed."""
        while True:
            time.sleep(self.refresh_seconds)
            current = self._store
            try:
                if current is None or not current.stale():
                    continue
                fresh = self.factory()   # the copy, with no lock held: requests keep reading `current`
                fresh.warm()             # and its indexes, so the first request after the swap waits for none
            except Exception:   # a writer holds the file right now: the next tick tries again
                continue
            with self._lock:
                self._store = fresh
                idle = id(current) not in self._readers
                if not idle:
                    self._retired[id(current)] = current
            if idle:
                current.close()

    def open_now(self) -> None:
        """Open (and warm) the store before the first officer asks: at start-up."""
        try:
            self.call(lambda store: None)
        except self.errors:
            pass   # the page will say the store is unreachable

    # ---- running a request ------------------------------------------------------
    def call(self, fn):
        """Run ``fn(store)`` on the current snapshot, alongside any other requests."""
        try:
            store = self._acquire()
        except StoreUnavailable as exc:
            self.error = str(exc)
            raise
        me, stopped = threading.get_ident(), threading.Event()

        def stop():
            stopped.set()
            getattr(store, "interrupt", lambda _t: None)(me)

        timer = threading.Timer(self.request_seconds, stop)
        timer.daemon = True
        timer.start()
        try:
            result = fn(store)
            self.error = None
            return result
        except StoreUnavailable as exc:
            self.error = str(exc)
            raise
        except Exception as exc:
            if stopped.is_set():
                raise RequestTooLong(f"the request took longer than {self.request_seconds:.0f} s and was "
                                     f"stopped: ask for fewer hops or a smaller case") from exc
            raise
        finally:
            timer.cancel()
            self._release(store)

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
