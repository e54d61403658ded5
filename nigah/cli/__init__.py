"""The ``nigah`` command line: a thin layer that wires ingest, graph, analytics
and the dashboard together, one module per group of commands
(:mod:`~nigah.cli.loading`, :mod:`~nigah.cli.analysis`, :mod:`~nigah.cli.cases`,
:mod:`~nigah.cli.evaluation`, :mod:`~nigah.cli.serving`); what they share
(options, opening the store, exit codes, failing) is in :mod:`~nigah.cli.common`."""
from __future__ import annotations

import os
import traceback
from pathlib import Path

import typer
from rich.markup import escape

from nigah.cli import analysis, auditing, cases, evaluation, loading, serving

app = typer.Typer(help="Nigah: smuggling-network graph analytics for customs. Exit codes: 0 done, "
                       "1 rows quarantined, 2 bad input or usage, 3 store unavailable, 4 internal error.",
                  no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)   # main() below says what went wrong, in one line
for group in (loading, analysis, cases, serving):
    for command in group.COMMANDS:
        app.command()(command)
app.add_typer(evaluation.evaluate_app, name="evaluate")
app.add_typer(cases.case_app, name="case")
app.add_typer(auditing.audit_app, name="audit")


def main() -> None:
    """The console script: files private to their owner, the commands, and the store going away in the
    middle of one (a Neo4j server stopped during a load) as exit 3 with one
    line, not a traceback; a rerun resumes."""
    from nigah.cli.common import INTERNAL_ERROR, STORE_UNAVAILABLE, console
    from nigah.graph.secrets import redact
    from nigah.graph.store import StoreUnavailable

    # Taxpayer data: everything a command writes (the store, models, journal,
    # quarantine, exports) is readable by its owner only.
    os.umask(0o077)
    try:
        app()
    except StoreUnavailable as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise SystemExit(STORE_UNAVAILABLE) from None
    except Exception as exc:   # a fault in Nigah: one line for the officer, the details for its maintainers
        from nigah.graph.store import damage

        if (damaged := damage(exc)) is not None:   # not a fault but a damaged file: exit 3 with what to do
            console.print(f"[red]error:[/red] {escape(str(damaged))}", highlight=False, soft_wrap=True)
            raise SystemExit(STORE_UNAVAILABLE) from None
        where = _crash_file(redact(traceback.format_exc()))
        console.print(f"[red]error:[/red] internal error ({escape(redact(f'{type(exc).__name__}: {exc}'))[:300]}): "
                      f"a fault in Nigah, not in your data; the details are in {where}",
                      highlight=False, soft_wrap=True)
        raise SystemExit(INTERNAL_ERROR) from None


def _crash_file(details: str) -> str:
    """Write ``details`` where the operator can send them on: the data directory, else the temp folder."""
    import tempfile
    import time

    from nigah.graph.home import default_home

    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
    for folder in (default_home() / "crash", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(details, encoding="utf-8")
            return str(folder / name)
        except OSError:
            continue
    return "nowhere (no folder could be written)"
