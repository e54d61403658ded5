"""The time-window rule, stated once: ``since`` and ``until`` are days, and
the window holds the whole of both.

>>> import datetime as dt
>>> day_window(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
(datetime.datetime(2025, 3, 1, 0, 0), datetime.datetime(2025, 4, 1, 0, 0))
"""
from __future__ import annotations

import datetime as dt


def day_window(since: dt.date | None, until: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The window as half-open instants: from midnight starting ``since`` up to,
    not including, midnight ending ``until`` (None: open on that side)."""
    start = dt.datetime.combine(since, dt.time()) if since else None
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time()) if until else None
    return start, end
