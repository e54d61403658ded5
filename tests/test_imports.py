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


PACKAGES = {"nigah": "nigah", "graph": "nigah.graph", "ingest": "nigah.ingest",
            "analytics": "nigah.analytics", "dashboard": "nigah.dashboard"}


def product_modules(root: Path = ROOT) -> dict[str, Path]:
    """Every product module by its installed name (``graph/store.py`` → ``nigah.graph.store``)."""
    modules = {}
    for folder, package in PACKAGES.items():
        for path in (root / folder).rglob("*.py"):
            parts = path.relative_to(root / folder).with_suffix("").parts
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            modules[".".join((package, *parts))] = path
    return modules


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Which product modules each product module imports, anywhere in the file
    (inside functions too: a lazy import closes a circle just the same). Relative
    imports are resolved, and ``from package import name`` imports the submodule
    ``package.name`` where there is one."""
    modules = product_modules(root)
    graph = {}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                # A submodule named here is what is imported (its package is
                # only the way to it, as for ``import package.module``).
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}
        graph[module] = {m for m in found if m in modules and m != module}
    return graph


def import_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports (first module repeated at the end), or None."""
    state, stack = {}, []

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for other in sorted(graph[module]):
            if state.get(other) == "open":
                return stack[stack.index(other):] + [other]
            if other not in state and (cycle := visit(other)):
                return cycle
        state[module] = "done"
        stack.pop()
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


def test_no_import_circle():
    cycle = import_cycle(import_graph())
    assert cycle is None, "import circle: " + " → ".join(cycle)


def test_the_circle_check_sees_one(tmp_path):
    """A store module importing the interface that imports it back, inside a function."""
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "__init__.py").write_text("")
    (tmp_path / "graph" / "store.py").write_text(
        "def open_store():\n    from .duckdb_store import DuckDBStore\n")
    (tmp_path / "graph" / "duckdb_store.py").write_text("from nigah.graph import store\n")
    for folder in set(PACKAGES) - {"graph"}:
        (tmp_path / folder).mkdir()
    assert import_cycle(import_graph(tmp_path)) == [
        "nigah.graph.duckdb_store", "nigah.graph.store", "nigah.graph.duckdb_store"]
