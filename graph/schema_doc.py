"""Render the input format (one CSV per kind) from the schema, as Markdown.

``docs/input-format.md`` embeds this output; a test keeps the two in step.
"""
from __future__ import annotations

from nigah.graph import formats
from nigah.graph.schema import SCHEMA, Property, Schema, file_properties


def _rule(p: Property) -> str:
    parts = []
    if p.type == "enum":
        parts.append("one of " + ", ".join(f"`{v}`" for v in p.values))
    if p.adverse:
        parts.append("adverse findings: " + ", ".join(f"`{v}`" for v in p.adverse))
    if p.format:
        parts.append(formats.describe(p.format))
    if p.min is not None:
        parts.append(f"≥ {p.min:g}")
    if p.max is not None:
        parts.append(f"≤ {p.max:g}")
    if p.references:
        parts.append(f"key of a {p.references} (gives `{p.relationship}`)")
    if p.personal:
        parts.append("**personal data**")
    return "; ".join(parts)


def _table(props: list[Property]) -> list[str]:
    lines = ["| column | title | type | required | rule |", "|---|---|---|---|---|"]
    type_names = {"date": "date `YYYY-MM-DD`", "datetime": "date-time `YYYY-MM-DDTHH:MM:SS`"}
    for p in props:
        lines.append(f"| `{p.name}` | {p.title} | {type_names.get(p.type, p.type)} | {'yes' if p.required else ''} "
                     f"| {_rule(p)} |")
    return lines


def input_format_markdown(schema: Schema = SCHEMA) -> str:
    out = []
    for label in schema.load_order:
        node = schema.node(label)
        out += ["", f"### `{node.file}.csv` — {label} (key `{node.key}`)", ""]
        if node.title != label:
            out += [f"Shown as: {node.title}.", ""]
        out += _table(node.input_properties)
    for rel in schema.file_relationships:
        out += ["", f"### `{rel.file}.csv` — {rel.type} ({rel.source} → {rel.target})", ""]
        out += _table(file_properties(schema, rel))
    return "\n".join(out).strip() + "\n"


def update_doc(path) -> None:
    """Rewrite the generated section of a Markdown file (between the markers)."""
    from pathlib import Path

    doc = Path(path).read_text(encoding="utf-8")
    head, rest = doc.split("<!-- BEGIN GENERATED -->\n")
    tail = rest.split("<!-- END GENERATED -->")[1]
    Path(path).write_text(f"{head}<!-- BEGIN GENERATED -->\n{input_format_markdown()}<!-- END GENERATED -->{tail}",
                          encoding="utf-8")


if __name__ == "__main__":  # python -m nigah.graph.schema_doc docs/input-format.md
    import sys

    update_doc(sys.argv[1])
