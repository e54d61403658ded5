"""Imports run one way: ingest and analytics use graph; dashboard uses graph and
analytics; graph uses none of them; nothing imports dashboard."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {
    "graph": set(),
    "ingest": {"graph"},
    "analytics": {"graph"},
    "dashboard": {"graph", "analytics"},
}


def layer(module: str) -> str | None:
    """The product folder a module name belongs to (``nigah.graph.store`` → ``graph``);
    the command line (``nigah.cli``) is ``nigah``; anything else is outside."""
    parts = module.split(".")
    if parts[0] != "nigah":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else "nigah"


def imported_layers(package: str) -> set[str]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            found |= {layer(n) for n in names} - {None}
    return found - {package}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_run_one_way(package):
    assert imported_layers(package) <= ALLOWED[package]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_no_top_level_names_of_our_own(package):
    """Every import of the product's own code goes through the ``nigah`` namespace."""
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            assert not {n.split(".")[0] for n in names} & set(ALLOWED), path
