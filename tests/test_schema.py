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


def test_every_label_type_and_property_has_a_title():
    # Declared or in words from the name: never empty, never the raw identifier with underscores.
    assert SCHEMA.node("ClearingAgent").title == "Clearing agent" and SCHEMA.node("HSCode").title == "HS code"
    assert SCHEMA.relationship("FILED_BY").title == "Filed by"
    assert SCHEMA.prop("Trader", "registered_on").title == "Registered on"
    assert SCHEMA.prop("Trader", "ntn").title == "NTN"
    for node in SCHEMA.nodes.values():
        assert node.title and "_" not in node.title
        for prop in node.properties.values():
            assert prop.title and "_" not in prop.title, (node.label, prop.name)
    for rel in SCHEMA.relationships.values():
        assert rel.title and "_" not in rel.title
        assert all(p.title and "_" not in p.title for p in rel.properties.values())


def test_enum_titles_cover_exactly_the_enum_values():
    enums = [p for n in SCHEMA.nodes.values() for p in n.properties.values() if p.type == "enum"]
    assert enums
    for prop in enums:
        assert tuple(prop.value_titles) == prop.values, prop.name
        assert all(prop.value_titles.values())
    assert SCHEMA.prop("Declaration", "inspection_outcome").value_titles["no_discrepancy"] == "no discrepancy"
    assert all(not p.value_titles for n in SCHEMA.nodes.values() for p in n.properties.values() if p.type != "enum")


def test_adverse_outcomes_are_values_of_the_outcome():
    outcome = SCHEMA.prop("Declaration", "inspection_outcome")
    assert SCHEMA.adverse_outcomes == ("discrepancy", "seizure")
    assert set(SCHEMA.adverse_outcomes) < set(outcome.values)
    assert all(set(p.adverse) <= set(p.values) for n in SCHEMA.nodes.values() for p in n.properties.values())


def test_scores_are_explained_by_properties_the_label_has():
    assert SCHEMA.scores == ("risk", "diversion_score", "community_score")
    for name in SCHEMA.scores:
        carriers = [n for n in SCHEMA.nodes.values() if name in n.properties]
        assert carriers
        for node in carriers:
            score = node.properties[name]
            assert score.type == "float" and score.computed and 0 < score.flag_at < 1
            assert score.explained_by is None or score.explained_by in node.properties
    assert SCHEMA.prop("Vehicle", "diversion_score").explained_by == "diversion_reasons"
    assert SCHEMA.score("community_score").title == "Community risk"
    with pytest.raises(KeyError):
        SCHEMA.score("name")


def test_hidden_and_personal():
    trader = SCHEMA.node("Trader").properties
    # Computed properties are shown as scores and reasons, not in the attribute table.
    assert trader["risk_reasons"].hidden and trader["party_reasons"].hidden and not trader["name"].hidden
    personal = {p.name for p in trader.values() if p.personal}
    assert personal == {"address", "phone", "bank_account", "director_cnic", "director_name"}
    assert not any(p.personal for p in SCHEMA.node("Declaration").properties.values())


@pytest.mark.parametrize("where, text, message", [
    ("property", "      id: {type: str, lable: Id}\n", "unknown attribute.*lable"),
    ("node", "    colour_: red\n", "unknown attribute.*colour_"),
    ("top", "edges: {}\n", "unknown attribute.*edges"),
    ("score", "scores:\n  id: {title: x, flagat: 0.5}\n", "unknown attribute.*flagat"),
    ("score", "scores:\n  id: {title: x, flag_at: 0.5}\n", "a score is a float"),
    ("score", "scores:\n  id: {title: x}\n", "flag_at must be a number"),
    ("adverse", "      kind: {type: enum, values: [a, b], adverse: [c]}\n", "adverse values"),
])
def test_unknown_or_inconsistent_meaning_is_refused(tmp_path, where, text, message):
    node = "nodes:\n  A:\n    key: id\n    properties:\n      id: {type: str}\n"
    if where in ("property", "adverse"):
        node = "nodes:\n  A:\n    key: id\n    properties:\n      id: {type: str}\n" + text.replace(
            "      id: {type: str, lable: Id}\n", "      other: {type: str, lable: Id}\n")
    elif where == "node":
        node = node.replace("    key: id\n", "    key: id\n" + text)
    bad = tmp_path / "schema.yaml"
    bad.write_text(node + "relationships: {}\n" + (text if where in ("top", "score") else ""))
    with pytest.raises(SchemaError, match=message):
        load_schema(bad)


def test_explained_by_must_name_a_property_of_each_carrier(tmp_path):
    bad = tmp_path / "schema.yaml"
    bad.write_text("nodes:\n  A:\n    key: id\n    properties:\n      id: {type: str}\n      s: {type: float}\n"
                   "relationships: {}\nscores:\n  s: {explained_by: why, flag_at: 0.5}\n")
    with pytest.raises(SchemaError, match="explained by 'why'"):
        load_schema(bad)
