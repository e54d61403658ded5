"""The Neo4j server going away in the middle of a load: one line and exit 3,
no traceback; the rerun resumes to what an uninterrupted load gives.

The connection runs through a small TCP relay in this process, cut while
the load is writing: the server itself stays up for the rest of the suite.
"""
from __future__ import annotations

import os
import selectors
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlparse

import pytest


class Relay:
    """Forwards a local port to the Neo4j server until :meth:`cut`."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = [self.server]
        self.open = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.open:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        try:
            while self.open:
                for key, _ in sel.select(timeout=0.2):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return

    def cut(self) -> None:
        self.open = False
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def test_a_lost_server_mid_load_exits_3_and_the_rerun_resumes(empty_neo4j, scenario, tmp_path):
    store = empty_neo4j
    uri = urlparse(os.environ["NEO4J_URI"])
    relay = Relay(uri.hostname, uri.port)
    env = {**os.environ, "NEO4J_URI": f"bolt://127.0.0.1:{relay.port}"}
    home = tmp_path / "home"
    args = [sys.executable, "-m", "nigah", "ingest", str(scenario), "--store", "neo4j", "--home", str(home),
            "--batch-rows", "40"]
    load = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while store.counts()["nodes"]["Declaration"] == 0 and load.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    relay.cut()
    _, err = load.communicate(timeout=120)
    if load.returncode == 0:
        pytest.skip("the load finished before the connection was cut")
    assert load.returncode == 3, err
    assert "lost Neo4j" in err or "cannot reach Neo4j" in err
    assert "Traceback" not in err
    partial = store.counts()["nodes"]["Declaration"]
    rerun = subprocess.run(args, capture_output=True, text=True)   # straight to the server
    assert rerun.returncode == 0, rerun.stderr
    counts = store.counts()
    store.clear()
    whole = subprocess.run(args[:-2], capture_output=True, text=True)   # in one go, default batches
    assert whole.returncode == 0, whole.stderr
    assert partial < counts["nodes"]["Declaration"] and counts == store.counts()
