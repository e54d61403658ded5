"""``nigah audit list|verify``: the audit trail kept in the store (``graph/audit.py``)."""
from __future__ import annotations

import csv
import json
import sys
from typing import Annotated, Optional

import typer

from nigah.cli.common import BAD_INPUT, HomeOpt, JsonOpt, StoreOpt, console, fail, home_dir, open_db

audit_app = typer.Typer(help="The audit trail: who did what and when, append-only and hash-chained.",
                        no_args_is_help=True)


@audit_app.command("list")
def audit_list(user: Annotated[Optional[str], typer.Option(help="Only this user's records.")] = None,
               action: Annotated[Optional[str], typer.Option(help="Only this action (search, export…).")] = None,
               since: Annotated[Optional[str], typer.Option(help="From this date or time (ISO, UTC).")] = None,
               as_csv: Annotated[bool, typer.Option("--csv", help="CSV instead of JSON lines.")] = False,
               store: StoreOpt = None, home: HomeOpt = None):
    """The records, oldest first, as JSON lines (or CSV), for a spreadsheet or another system."""
    from nigah.graph import audit

    with open_db(store, home_dir(home)) as db:
        rows = audit.records(db, user=user, action=action, since=since)
    if as_csv:
        out = csv.DictWriter(sys.stdout, fieldnames=["seq", "at", "user", "action", "detail", "client",
                                                     "outcome", "previous", "hash"])
        out.writeheader()
        for r in rows:
            out.writerow({**r, "detail": json.dumps(r["detail"], ensure_ascii=False, sort_keys=True)})
        return
    for r in rows:
        print(json.dumps(r, ensure_ascii=False, sort_keys=True))


@audit_app.command("verify")
def audit_verify(store: StoreOpt = None, home: HomeOpt = None, as_json: JsonOpt = False):
    """Check that no record was changed, removed or reordered (exit 2 naming the first that was)."""
    from nigah.graph import audit

    with open_db(store, home_dir(home)) as db:
        ok, said = audit.verify(db)
    if as_json:
        print(json.dumps({"ok": ok, "message": said}))
    if not ok:
        fail(f"the audit trail does not hold: {said}", BAD_INPUT)
    if not as_json:
        console.print(f"the audit trail holds: {said}")
