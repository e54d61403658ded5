"""The Dash application factory."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dash import Dash

from nigah.dashboard import callbacks, cases, regional
from nigah.dashboard.hardening import LOCAL, harden
from nigah.dashboard.layout import layout
from nigah.dashboard.state import StoreHolder
from nigah.graph.store import GraphStore


def create_app(store_factory: Callable[[], GraphStore], allowed_hosts: tuple[str, ...] = LOCAL) -> Dash:
    """A dashboard over the store that ``store_factory`` opens (lazily, on first use),
    answering to ``allowed_hosts`` only (:mod:`dashboard.hardening`).

    Every script and stylesheet is served from this package (Dash's own bundles
    and ``assets/``): nothing comes from a CDN, so it works air-gapped.
    """
    app = Dash(__name__, title="Nigah", serve_locally=True,
               assets_folder=str(Path(__file__).with_name("assets")), update_title=None)
    app.layout = layout()
    app.holder = StoreHolder(store_factory)
    callbacks.register(app, app.holder)
    cases.register(app, app.holder)
    regional.register(app, app.holder)
    harden(app, allowed_hosts)
    return app
