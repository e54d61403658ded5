"""Run one benchmark phase in a child process, so that its peak memory is its own."""
from __future__ import annotations

import multiprocessing as mp
import resource


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(target, *args) -> dict:
    """``target(*args, queue)`` in a fresh (spawned) process; returns what it put on the queue."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(*args, q))
    p.start()
    result = q.get()
    p.join()
    return result
