"""Where Nigah keeps its data on this machine."""
from __future__ import annotations

import os
from pathlib import Path


def default_home() -> Path:
    """Nigah's data directory: ``$NIGAH_HOME``, else ``./.nigah`` (the embedded
    store, saved models, quarantine files and the ingest journal live there)."""
    return Path(os.environ.get("NIGAH_HOME", ".nigah"))
