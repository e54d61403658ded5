"""What every command shares: the ``--store`` and ``--home`` options, opening
the store, the data directory passed on explicitly, and one way to fail.

Exit codes, the same for every command (the README lists them): 0 done,
1 done but rows were quarantined, 2 bad input or usage (a file, an option, a
mapping, nothing to work on), 3 the store could not be opened or was lost,
4 an internal error (a fault in Nigah: one line, the details in a crash file).
Every message goes through :func:`nigah.graph.secrets.redact`.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

BAD_INPUT = 2
STORE_UNAVAILABLE = 3
INTERNAL_ERROR = 4

console = Console(stderr=True)

StoreOpt = Annotated[Optional[str], typer.Option(
    "--store", help="Graph store: 'duckdb' (embedded, default) or 'neo4j' "
                    "(NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD). Also $NIGAH_STORE.")]
HomeOpt = Annotated[Optional[Path], typer.Option(
    "--home", help="Data directory: the embedded store, saved models, journal, quarantine and "
                   "review files (default $NIGAH_HOME or ./.nigah).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def fail(message: str, code: int = BAD_INPUT) -> NoReturn:
    """Print one plain error line (no traceback, no secret) and exit with ``code``."""
    from nigah.graph.secrets import redact

    console.print(f"[red]error:[/red] {escape(redact(message))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def refusals(*kinds: type[BaseException], code: int = BAD_INPUT):
    """Turn the library's refusals (``ValueError`` unless told) into :func:`fail`."""
    try:
        yield
    except kinds or (ValueError,) as exc:
        fail(str(exc), code)


def home_dir(home: Path | None) -> Path:
    """The data directory a command works in: ``--home``, else the default."""
    from nigah.graph.home import default_home

    return Path(home) if home else default_home()


def open_db(store: str | None, home: Path, **options):
    """Open the store, or exit 3 with the reason it is unavailable (2 when the
    store's name or the data directory is wrong)."""
    from nigah.graph.open import open_store
    from nigah.graph.store import StoreUnavailable

    try:
        return open_store(store, home=home, **options)
    except StoreUnavailable as exc:
        fail(str(exc), STORE_UNAVAILABLE)
    except ValueError as exc:  # an unknown store name
        fail(str(exc))
    except OSError as exc:  # --home is a file, or may not be written
        why = "it is not a directory" if home.exists() and not home.is_dir() else exc.strerror or str(exc)
        fail(f"cannot keep data in {home}: {why}")


def progress() -> Progress:
    """A progress display on a terminal; silent when output is piped."""
    return Progress(TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), console=console,
                    disable=not console.is_terminal)

LeafTreesOpt = Annotated[int, typer.Option(
    help="Feed the GNN each GD's leaves in the booster's first N trees (GraphFC); 0: off, "
         "as measured best (docs/risk.md).", min=0)]
