"""Commands that put Nigah in front of people: serve and demo."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from nigah.cli.common import HomeOpt, StoreOpt, console, home_dir
from nigah.cli.analysis import analyze
from nigah.cli.loading import generate, ingest

HostOpt = Annotated[str, typer.Option(help="Interface to listen on.")]
PortOpt = Annotated[int, typer.Option(help="Port to listen on.")]


AllowHostOpt = Annotated[Optional[list[str]], typer.Option(
    "--allow-host", help="A further host name the dashboard answers to (the name officers type); repeatable.")]


def serve(store: StoreOpt = None, home: HomeOpt = None, host: HostOpt = "127.0.0.1", port: PortOpt = 8050,
          allow_host: AllowHostOpt = None):
    """Serve the investigation dashboard (to the interface's name, localhost and --allow-host names only)."""
    from waitress import serve as wsgi_serve

    from nigah.dashboard.app import create_app
    from nigah.graph.open import open_store, store_name

    home = home_dir(home)
    # Each request reads the embedded store from a snapshot, so a running load
    # never blocks the dashboard; a Neo4j server serves concurrent readers itself.
    options = {"snapshot": True} if store_name(store) == "duckdb" else {}
    from nigah.dashboard.hardening import LOCAL

    hosts = (*LOCAL, host, *(allow_host or ()))
    dash_app = create_app(lambda: open_store(store, home=home, **options), allowed_hosts=hosts)
    dash_app.holder.open_now()
    console.print(f"Nigah dashboard: http://{host}:{port}/  (Ctrl-C to stop)")
    wsgi_serve(dash_app.server, host=host, port=port, threads=8, _quiet=True)


def demo(store: StoreOpt = None, home: HomeOpt = None,
         declarations: Annotated[int, typer.Option(help="Size of the generated scenario.")] = 20_000,
         seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
         no_serve: Annotated[bool, typer.Option("--no-serve", help="Stop after the analysis.")] = False,
         host: HostOpt = "127.0.0.1", port: PortOpt = 8050):
    """Generate a scenario, ingest it, analyse it and serve the dashboard."""
    home = home_dir(home)
    data = home / "scenario"
    generate(out=data, declarations=declarations, seed=seed, fmt="csv")
    ingest(directory=data, store=store, home=home, mapping=None, quarantine=None, batch_rows=200_000,
           resolve=True, as_json=False)
    analyze(store=store, home=home, method="leiden", resolution=1.0, as_of=None, risk=True, as_json=False)
    if not no_serve:
        serve(store=store, home=home, host=host, port=port, allow_host=None)


COMMANDS = (serve, demo)
