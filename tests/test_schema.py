"""The schema is data, and it drives the stores, validation and display."""
import pytest

from nigah.graph.schema import SCHEMA, SchemaError, load_schema, node_id, split_node_id


def test_declared_labels_and_relationships():
    assert {"Declaration", "Trader", "Consignee", "Consignor", "ClearingAgent", "Transporter",
            "Vehicle", "Route", "Station", "HSCode"} <= set(SCHEMA.nodes)
    assert {"FILED_BY", "CONSIGNED_TO", "SHIPPED_BY", "CLEARED_BY", "CARRIED_BY", "OPERATED_BY",
            "ON_ROUTE", "LODGED_AT", "CLASSIFIED_AS", "PASSES_THROUGH", "SCANNED_AT"} <= set(SCHEMA.relationships)


def test_load_order_puts_references_first():
    order = SCHEMA.load_order
    for label, node in SCHEMA.nodes.items():
        for prop in node.properties.values():
            if prop.references:
                assert order.index(prop.references) < order.index(label)


def test_reference_columns_inherit_the_key_format():
    assert SCHEMA.node("Declaration").properties["trader_ntn"].format == "ntn"
    assert SCHEMA.node("Declaration").properties["vehicle_registration"].format == "vehicle_registration"


def test_node_ids_round_trip():
    assert split_node_id(node_id("Trader", "1234567-8")) == ("Trader", "1234567-8")
    with pytest.raises(ValueError):
        split_node_id("no-label")


def test_inconsistent_schema_is_refused(tmp_path):
    bad = tmp_path / "schema.yaml"
    bad.write_text("nodes:\n  A:\n    key: id\n    properties:\n      id: {type: str}\n"
                   "relationships:\n  R: {source: A, target: B, file: r}\n")
    with pytest.raises(SchemaError, match="unknown label 'B'"):
        load_schema(bad)
    bad.write_text("nodes:\n  'A; DROP':\n    key: id\n    properties:\n      id: {type: str}\n"
                   "relationships: {}\n")
    with pytest.raises(SchemaError, match="plain identifier"):
        load_schema(bad)


def test_input_format_doc_is_generated_from_the_schema():
    from pathlib import Path

    from nigah.graph.schema_doc import input_format_markdown

    doc = (Path(__file__).resolve().parents[1] / "docs" / "input-format.md").read_text(encoding="utf-8")
    section = doc.split("<!-- BEGIN GENERATED -->\n")[1].split("<!-- END GENERATED -->")[0]
    assert section == input_format_markdown(), "run: python -m nigah.graph.schema_doc docs/input-format.md"
