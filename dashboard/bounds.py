"""What one request may ask of the server, whatever the browser sends: the
page offers sensible values, but a callback is a plain HTTP POST anyone can
write, so the server holds the limits itself.

>>> path_hops("4"), path_hops(10**9), path_hops("abc"), path_hops(None)
(4, 6, None, None)
>>> len(query_text("x" * 5000))
200
"""
from __future__ import annotations

MAX_TEXT = 200      # a name, NTN, phone or GD number is far shorter
MAX_HOPS = 6        # the page offers 2, 4 and 6
MAX_CASE = 5_000    # entities in one case


def path_hops(value) -> int | None:
    """A path length the server will search, or None when ``value`` is no number."""
    try:
        hops = int(value)
    except (TypeError, ValueError):
        return None
    return min(max(hops, 1), MAX_HOPS)


def query_text(text: str) -> str:
    return text.strip()[:MAX_TEXT]
