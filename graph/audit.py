"""The audit trail: who did what, when, from where, and how it ended; kept in
the store (either backend), append-only and hash-chained.

Each record carries the hash of the one before it and a hash of its own
fields with that link, so changing, removing or reordering any record breaks
the chain from there on, and :func:`verify` names the first record that does
not hold. (Removing the *latest* records leaves a shorter chain that still
holds: keep the head hash that :func:`verify` reports somewhere else, a
printout or another system, and compare.)

The store gives three primitives (:meth:`GraphStore._audit_append`, which
numbers the record and links it to the stored tail in one write, so two
writers never share a number; ``_audit_rows``; and nothing that changes or
deletes a record). What a record means is defined here once.

>>> fields = {"seq": 1, "at": "2026-12-04T10:00:00+00:00", "user": "ayesha", "action": "search",
...           "detail": {"text": "Ghani"}, "client": "10.0.0.5", "outcome": "ok"}
>>> record_hash(fields, GENESIS) == record_hash(dict(fields), GENESIS)
True
>>> record_hash({**fields, "user": "bilal"}, GENESIS) == record_hash(fields, GENESIS)
False
"""
from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os

GENESIS = "0" * 64     # what the first record links to
FIELDS = ("seq", "at", "user", "action", "detail", "client", "outcome")


def record_hash(fields: dict, previous: str) -> str:
    """The hash of a record's fields and the hash of the record before it."""
    text = json.dumps({k: fields.get(k) for k in FIELDS} | {"previous": previous},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def operator() -> str:
    """Who the command line acts as: ``NIGAH_OPERATOR``, else the system user."""
    try:
        return os.environ.get("NIGAH_OPERATOR") or getpass.getuser()
    except (KeyError, OSError):   # no name for this uid (a bare container)
        return f"uid-{os.getuid()}"


def record(store, action: str, detail: dict | None = None, user: str | None = None,
           client: str | None = None, outcome: str = "ok") -> dict:
    """Append one record (``detail`` is JSON data: a search's text, an export's
    format and entities); the record as stored, with its number and hash."""
    fields = {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "user": user or operator(), "action": action, "detail": detail or {},
              "client": client or "cli", "outcome": outcome}

    def link(tail: dict | None) -> dict:
        seq = (tail["seq"] + 1) if tail else 1
        previous = tail["hash"] if tail else GENESIS
        full = {**fields, "seq": seq}
        return {**full, "previous": previous, "hash": record_hash(full, previous)}

    return store._audit_append(link)


def records(store, user: str | None = None, action: str | None = None, since: str | None = None) -> list[dict]:
    """The trail, oldest first, optionally for one user, one action, from a date or time (ISO)."""
    out = []
    for r in store._audit_rows():
        r = {**r, "detail": json.loads(r["detail"]) if isinstance(r["detail"], str) else r["detail"]}
        if (user is None or r["user"] == user) and (action is None or r["action"] == action) \
                and (since is None or r["at"] >= since):
            out.append(r)
    return out


def verify(store) -> tuple[bool, str]:
    """Whether the whole trail holds, and in words: how many records and the
    head hash, or the first record that was changed, removed or reordered."""
    previous, expected = GENESIS, 1
    rows = records(store)
    for r in rows:
        if r["seq"] != expected:
            return False, (f"record {expected} is missing (the trail jumps from {expected - 1} to {r['seq']}): "
                           "records were removed")
        if r["previous"] != previous or r["hash"] != record_hash(r, previous):
            return False, f"record {r['seq']} ({r['action']} by {r['user']} at {r['at']}) was changed"
        previous, expected = r["hash"], expected + 1
    return True, f"{len(rows):,} records, all linked; head {previous}"
