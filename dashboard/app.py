"""The Dash application factory."""
from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from pathlib import Path

import dash_cytoscape as cyto
from dash import Dash, set_props

from nigah.dashboard import canvas, cases, communities, investigation, regional
from nigah.dashboard.hardening import LOCAL, harden
from nigah.dashboard.layout import layout
from nigah.dashboard.state import StoreHolder
from nigah.graph.secrets import redact
from nigah.graph.store import GraphStore, StoreUnavailable, damage

log = logging.getLogger("nigah.dashboard")


def create_app(store_factory: Callable[[], GraphStore], allowed_hosts: tuple[str, ...] = LOCAL) -> Dash:
    """A dashboard over the store that ``store_factory`` opens (lazily, on first use),
    answering to ``allowed_hosts`` only (:mod:`dashboard.hardening`).

    Every script and stylesheet is served from this package (Dash's own bundles
    and ``assets/``): nothing comes from a CDN, so it works air-gapped.
    """
    # The bundle with cytoscape's extensions: SVG images of the canvas and the
    # fcose, dagre and klay layouts (served from the package, like the rest).
    cyto.load_extra_layouts()
    app = Dash(__name__, title="Nigah", serve_locally=True, on_error=show_problem,
               assets_folder=str(Path(__file__).with_name("assets")), update_title=None)
    app.layout = layout()
    app.holder = StoreHolder(store_factory)
    investigation.register(app, app.holder)
    communities.register(app, app.holder)
    cases.register(app, app.holder)
    canvas.register(app)
    regional.register(app, app.holder)
    harden(app, allowed_hosts)
    return app


def show_problem(exc: Exception) -> None:
    """Any callback that fails: its outputs stay as they were, and the page says
    in words what happened (a store gone, a request over its time, a fault),
    instead of an HTTP 500 and a silent screen. The details go to the log."""
    exc = damage(exc) or exc
    if isinstance(exc, StoreUnavailable):
        message = f"The store cannot answer: {exc}. Nothing was changed; try again in a moment."
    else:
        log.error("callback failed: %s", redact("".join(traceback.format_exception(exc))))
        message = (f"The server could not do that ({type(exc).__name__}); nothing was changed. "
                   f"The details are in the server's log.")
    set_props("problem", {"children": message, "is_open": True})
