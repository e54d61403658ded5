"""i2 Analyst's Notebook exchange (ANX) charts.

The structure follows the Analyst's Notebook 7 chart schema, as generated into
pcbje/pyanx (``anx.py``) and used by Lumify's Analyst's Notebook export. With
``IdReferenceLinking="false"`` items refer to each other by name::

    <Chart IdReferenceLinking="false">
      <AttributeClassCollection>
        <AttributeClass Name="name" Type="AttText" .../>      AttText, AttNumber, AttFlag, AttTime
      </AttributeClassCollection>
      <EntityTypeCollection>
        <EntityType Name="Trader" IconFile="Organisation"/>   one per schema label
      </EntityTypeCollection>
      <LinkTypeCollection><LinkType Name="Link"/></LinkTypeCollection>
      <ChartItemCollection>
        <ChartItem Label="caption" [DateTime=... DateSet TimeSet]>
          <End X=.. Y=..><Entity EntityId="Trader:1234567-8" Identity="Trader:1234567-8">
            <Icon><IconStyle Type="Trader" IconShadingColour=../></Icon></Entity></End>
          <AttributeCollection><Attribute AttributeClass="name" Value=".."/></AttributeCollection>
        </ChartItem>
        <ChartItem Label="FILED_BY">
          <Link End1Id="Declaration:..." End2Id="Trader:...">
            <LinkStyle ArrowStyle="ArrowOnHead" Type="Link"/></Link>
          <AttributeCollection>...</AttributeCollection>
        </ChartItem>
      </ChartItemCollection>
    </Chart>

Entity types are the schema labels, drawn with the i2 icons of ``I2_ICONS``
and shaded with the schema colour; an item's schema time goes into its
``DateTime``. Entities are laid out on a grid; Analyst's Notebook can re-lay
them out.
"""
from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element, ElementTree, SubElement, indent

from nigah.graph.export.common import (Column, as_datetime, caption, columns, combined_kind, properties,
                                 time_value, typed_text, xml_text)
from nigah.graph.model import Subgraph
from nigah.graph.schema import SCHEMA

# The i2 standard icon for each schema label; labels not listed get the default icon.
I2_ICONS = {
    "Declaration": "Document",
    "Trader": "Organisation",
    "Consignee": "Organisation",
    "Consignor": "Organisation",
    "ClearingAgent": "Person",
    "Transporter": "Organisation",
    "Courier": "Organisation",
    "Vehicle": "Lorry",
    "Station": "Place",
    "Route": "Road",
    "HSCode": "Document",
}
DEFAULT_ICON = "Anon"
ATTRIBUTE_TYPES = {"text": "AttText", "int": "AttNumber", "float": "AttNumber", "bool": "AttFlag",
                   "date": "AttTime", "datetime": "AttTime", "json": "AttText"}
GRID = 150  # chart units between entities


def colorref(colour: str) -> int:
    """``#rrggbb`` as a Windows COLORREF (0x00bbggrr), the colour type of ANX.

    >>> colorref("#ff0000"), colorref("#0000ff")
    (255, 16711680)
    """
    h = colour.lstrip("#")
    return int(h[0:2], 16) | int(h[2:4], 16) << 8 | int(h[4:6], 16) << 16


def attribute_classes(subgraph: Subgraph) -> list[Column]:
    """One attribute class per property name, over nodes and edges together."""
    kinds: dict[str, set[str]] = {}
    for col in columns(subgraph.nodes) + columns(subgraph.edges):
        kinds.setdefault(col.name, set()).add(col.kind)
    return [Column(name, combined_kind(k)) for name, k in kinds.items()]


def _value(kind: str, value: object) -> str:
    if kind in ("date", "datetime"):
        return as_datetime(value)
    return xml_text(typed_text(kind, value))


def _item(collection: Element, label: str, item) -> Element:
    element = SubElement(collection, "ChartItem", Label=xml_text(label))
    when = time_value(item)
    if when:
        element.set("DateTime", as_datetime(when[1]))
        element.set("DateSet", "true")
        element.set("TimeSet", "true" if when[0] == "datetime" else "false")
    return element


def _attributes(element: Element, item, kinds: dict[str, str]) -> None:
    values = properties(item)
    if values:
        holder = SubElement(element, "AttributeCollection")
        for name, value in values.items():
            SubElement(holder, "Attribute", AttributeClass=name, Value=_value(kinds[name], value))


def write_anx(subgraph: Subgraph, path: Path | str) -> list[Path]:
    """Write ``subgraph`` as an i2 ANX chart to ``path``; returns the files written."""
    path = Path(path)
    classes = attribute_classes(subgraph)
    kinds = {c.name: c.kind for c in classes}
    root = Element("Chart", IdReferenceLinking="false")
    collection = SubElement(root, "AttributeClassCollection")
    for c in classes:
        SubElement(collection, "AttributeClass", Name=c.name, Type=ATTRIBUTE_TYPES[c.kind],
                   ShowValue="true", Visible="false")
    collection = SubElement(root, "EntityTypeCollection")
    for label in dict.fromkeys(n.label for n in subgraph.nodes):
        SubElement(collection, "EntityType", Name=label, IconFile=I2_ICONS.get(label, DEFAULT_ICON))
    SubElement(SubElement(root, "LinkTypeCollection"), "LinkType", Name="Link")

    items = SubElement(root, "ChartItemCollection")
    width = max(1, round(len(subgraph.nodes) ** 0.5))
    for i, node in enumerate(subgraph.nodes):
        x, y = i % width * GRID, i // width * GRID
        element = _item(items, caption(node), node)
        element.set("XPosition", str(x))
        entity = SubElement(SubElement(element, "End", X=str(x), Y=str(y)), "Entity",
                            EntityId=xml_text(node.id), Identity=xml_text(node.id),
                            LabelIsIdentity="false")
        SubElement(SubElement(entity, "Icon"), "IconStyle", Type=node.label,
                   IconShadingColour=str(colorref(SCHEMA.node(node.label).colour)))
        _attributes(element, node, kinds)
    for edge in subgraph.edges:
        element = _item(items, edge.type, edge)
        link = SubElement(element, "Link", End1Id=xml_text(edge.source), End2Id=xml_text(edge.target))
        SubElement(link, "LinkStyle", ArrowStyle="ArrowOnHead", Type="Link")
        _attributes(element, edge, kinds)

    indent(root)
    ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return [path]
