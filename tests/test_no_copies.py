"""What the schema says is said once: no product module keeps its own copy.

The search reads the product's source as Python syntax (so docstrings and
comments that name a column are fine) and looks for what issue 12 found
copied by hand: provenance column names, node ids built from a label, lists
of an enum's values, the reason separator and the score threshold.
"""
import ast
import re
from pathlib import Path

import pytest

from nigah.graph.export import FORMATS
from nigah.graph.schema import PROVENANCE, SCHEMA

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ["graph", "ingest", "analytics", "dashboard", "nigah"]
# The schema is the one home of these names.
HOME = {"graph/schema.py"}


def _modules():
    for top in PRODUCT:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel not in HOME:
                yield rel, ast.parse(path.read_text(encoding="utf-8"), rel)


def _strings(node) -> list[str] | None:
    """The strings of a literal list, tuple or set of string constants, else None."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)) and node.elts and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
        return [e.value for e in node.elts]
    return None


ENUMS = {(label, p.name): set(p.values) for label, n in SCHEMA.nodes.items()
         for p in n.properties.values() if p.type == "enum"}


def find_copies(rel: str, tree: ast.AST) -> list[str]:
    found = []
    labels = {f"{label}:" for label in SCHEMA.nodes}
    for node in ast.walk(tree):
        where = f"{rel}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant) and node.value in PROVENANCE:
            found.append(f"{where}: provenance column {node.value!r} (use graph.schema.PROVENANCE)")
        if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant) \
                and node.values[0].value in labels:
            found.append(f"{where}: node id built by hand (use graph.schema.node_id)")
        if isinstance(node, ast.BinOp) and isinstance(node.left, ast.Constant) and node.left.value in labels:
            found.append(f"{where}: node id built by hand (use graph.schema.node_id)")
        values = _strings(node)
        if isinstance(node, ast.Dict) and len(node.keys) >= 2 and all(
                isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
            values = [k.value for k in node.keys]  # a mapping keyed by scores, formats or enum values
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts and all(
                isinstance(e, ast.Tuple) and e.elts and isinstance(e.elts[0], ast.Constant) for e in node.elts):
            values = [e.elts[0].value for e in node.elts]  # pairs such as (format, its title)
        if values and len(values) >= 2 and set(values) <= set(SCHEMA.scores):
            found.append(f"{where}: scores listed by hand {values} (use SCHEMA.scores)")
        if values and len(values) >= 3 and set(values) <= set(FORMATS) and not rel.startswith("graph/export/"):
            found.append(f"{where}: export formats listed by hand (use graph.export.FORMATS)")
        if values and len(values) >= 2 and not isinstance(node, ast.Dict):
            for (label, name), declared in ENUMS.items():
                if set(values) <= declared:
                    found.append(f"{where}: values of {label}.{name} listed by hand {values} (ask the schema)")
                    break
        # A score reaching the flag threshold (a coin toss, ``rng.random() < 0.5``, is not one),
        # in Python or in a stylesheet selector.
        if isinstance(node, ast.Compare) and any(isinstance(op, (ast.GtE, ast.Gt)) for op in node.ops) \
                and any(isinstance(c, ast.Constant) and c.value == 0.5 for c in node.comparators):
            found.append(f"{where}: a score compared with 0.5 by hand (use the score's flag_at)")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(r">=?\s*0\.5\b", node.value):
            found.append(f"{where}: a score compared with 0.5 by hand (use the score's flag_at)")
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and "SEPARATOR" in t.id
                                                for t in node.targets):
            found.append(f"{where}: a reason separator of its own (use graph.schema.REASON_SEPARATOR)")
    return found


def test_no_hand_kept_copies_of_the_schema():
    found = [hit for rel, tree in _modules() for hit in find_copies(rel, tree)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("source, what", [
    ('good["_source_file"] = file', "provenance"),
    ('members = [f"Trader:{k}" for k in keys]', "node id"),
    ('ADVERSE = ("discrepancy", "seizure")', "inspection_outcome"),
    ('CHANNELS = ("green", "yellow", "red")', "channel"),
    ('flagged = score >= 0.5', "0.5"),
    ('style = {"selector": "node[score >= 0.5]"}', "0.5"),
    ('REASON_SEPARATOR = "\\n"', "separator"),
    ('SCORES = ("risk", "diversion_score", "community_score")', "scores"),
    ('REASONS = {"risk": "risk_reasons", "diversion_score": "diversion_reasons"}', "scores"),
    ('options = [(v, n) for v, n in (("graphml", "GraphML"), ("gexf", "GEXF"), ("csv", "CSV"))]', "export formats"),
])
def test_the_search_finds_each_kind_of_copy(source, what):
    # The copies the old code held, one of each kind: the search must see them.
    hits = find_copies("dashboard/example.py", ast.parse(source))
    assert hits and what in hits[0]


def test_the_search_leaves_docstrings_and_single_values_alone():
    source = ('"""Provenance lives in ``_source_file``."""\nconfirmed = ("seizure",)\nx = "Trader"\n'
              'coin = rng.random() < 0.5\n')
    assert find_copies("dashboard/example.py", ast.parse(source)) == []


def test_one_caption():
    # How a node is captioned is said once (graph/export/common.py), for the exports and the dashboard.
    defined = [rel for rel, tree in _modules() for node in ast.walk(tree)
               if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") == "caption"]
    assert defined == ["graph/export/common.py"], defined


def test_every_export_format_has_a_title():
    # The dashboard's format list is FORMATS with these titles: a new writer needs one.
    from nigah.graph.export import TITLES

    assert set(TITLES) == set(FORMATS)
