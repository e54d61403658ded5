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
PACKAGES = set(ALLOWED) | {"nigah"}


def imported_packages(package: str) -> set[str]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            found |= {n.split(".")[0] for n in names} & PACKAGES
    return found - {package}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_run_one_way(package):
    assert imported_packages(package) <= ALLOWED[package]
