"""Exports of a case graph: each format is written, then read back with the
reader an analyst's tool would use, and compared with the case graph."""
from __future__ import annotations

import csv
import datetime as dt
import html
import json
import re
import xml.etree.ElementTree as ET
import zipfile

import networkx as nx
import pytest
from networkx.readwrite.gexf import GEXFReader

from nigah.graph.export import FORMATS, export
from nigah.graph.export.anx import I2_ICONS, colorref
from nigah.graph.export.cypher import cypher_literal, cypher_statements, cypher_string
from nigah.graph.export.tables import csv_safe
from nigah.graph.model import Edge, Node, Subgraph
from nigah.graph.schema import SCHEMA

DECL = "Declaration:KPPI-HC-000123-2025"
TRADER = "Trader:1234567-8"
TRADER2 = "Trader:7654321-0"
AGENT = "ClearingAgent:CA-77"
VEHICLE = "Vehicle:TLH-1234"
STATION = "Station:KHI-PORT"
# Quotes of both kinds, a backslash, markup, Urdu, and a spreadsheet formula.
NASTY = '=HYPERLINK("http://evil.test/?a=1&b=2","O\'Brien \\"X\\" \\ Co") <b>کراچی ٹریڈرز</b>'
URDU = "محمد علی اینڈ سنز"


def case() -> Subgraph:
    nodes = [
        Node(DECL, {"gd_number": "KPPI-HC-000123-2025", "gd_type": "import", "date": dt.date(2025, 3, 1),
                    "declared_value_usd": 12500.5, "channel": "red", "risk": 0.82,
                    "description": "Mobile phones <b>bulk</b> & parts",
                    "_source_file": "declarations.csv", "_source_row": 12}),
        Node(TRADER, {"ntn": "1234567-8", "name": NASTY, "phone": "+923001234567",
                      "address": "-Plot 5, SITE", "registered_on": "2019-07-15",
                      "community": 7, "risk": 0.91, "_source_file": "traders.csv", "_source_row": 3}),
        Node(TRADER2, {"ntn": "7654321-0", "name": URDU, "community": 3, "risk": -0.25,
                       "_source_file": "traders.csv", "_source_row": 4}),
        Node(AGENT, {"licence_no": "CA-77", "name": "Ahmed & Co.", "_source_file": "clearing_agents.csv",
                     "_source_row": 9}),
        Node(VEHICLE, {"registration": "TLH-1234", "_source_file": "vehicles.csv", "_source_row": 4}),
        Node(STATION, {"code": "KHI-PORT", "name": "Karachi Port", "role": "sea_port",
                       "lat": 24.84, "lon": 66.98}),
    ]
    edges = [
        Edge("FILED_BY", DECL, TRADER),
        Edge("CLEARED_BY", DECL, AGENT),
        Edge("CARRIED_BY", DECL, VEHICLE),
        Edge("LODGED_AT", DECL, STATION),
        # Two scans of one vehicle at one station: parallel edges.
        Edge("SCANNED_AT", VEHICLE, STATION, {"scanned_at": dt.datetime(2025, 3, 2, 10, 15),
                                              "gd_number": "KPPI-HC-000123-2025"}),
        Edge("SCANNED_AT", VEHICLE, STATION, {"scanned_at": "2025-03-02T18:40:05"}),
    ]
    return Subgraph(nodes, edges)


def expected(item) -> dict:
    """Properties as every export should give them back: dates as ISO strings."""
    return {k: v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v
            for k, v in item.properties.items()}


def caption(node: Node) -> str:
    return {DECL: "KPPI-HC-000123-2025", TRADER: NASTY, TRADER2: URDU, AGENT: "Ahmed & Co.",
            VEHICLE: "TLH-1234", STATION: "Karachi Port"}[node.id]


def typed(d: dict) -> dict:
    """Values with their types, so that 7 and 7.0 differ."""
    return {k: (type(v).__name__, v) for k, v in d.items()}


def edge_set(edges) -> list:
    return sorted((e.type, e.source, e.target, json.dumps(expected(e), sort_keys=True)) for e in edges)


# ---- the dispatcher ---------------------------------------------------------------

def test_every_format_writes_through_the_dispatcher(tmp_path):
    assert FORMATS == ("graphml", "gexf", "csv", "json", "anx", "cypher", "html")
    for fmt in FORMATS:
        written = export(case(), fmt, tmp_path / f"case.{fmt}")
        assert written and all(p.exists() and p.stat().st_size > 0 for p in written), fmt
    with pytest.raises(ValueError, match="unknown export format 'pdf'"):
        export(case(), "pdf", tmp_path / "case.pdf")


# ---- GraphML ------------------------------------------------------------------------

def test_graphml_reads_back_with_every_attribute_and_type(tmp_path):
    g = case()
    path = export(g, "graphml", tmp_path / "case.graphml")[0]
    back = nx.read_graphml(path)
    assert isinstance(back, nx.MultiDiGraph)  # the parallel scans survive
    assert back.number_of_nodes() == len(g.nodes) and back.number_of_edges() == len(g.edges)
    assert back.graph["truncated"] is False
    for node in g.nodes:
        want = {"label": caption(node), "kind": node.label} | expected(node)
        assert typed(back.nodes[node.id]) == typed(want), node.id
    got = sorted((d["type"], s, t, json.dumps({k: v for k, v in d.items() if k != "type"}, sort_keys=True))
                 for s, t, d in back.edges(data=True))
    assert got == edge_set(g.edges)


def test_graphml_key_types_follow_the_schema(tmp_path):
    path = export(case(), "graphml", tmp_path / "case.graphml")[0]
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = {(k.get("for"), k.get("attr.name")): k.get("attr.type")
            for k in ET.parse(path).getroot().findall("g:key", ns)}
    assert keys[("node", "community")] == "long"
    assert keys[("node", "risk")] == "double"
    assert keys[("node", "date")] == "string"
    assert keys[("node", "_source_row")] == "long"
    assert keys[("edge", "scanned_at")] == "string"
    assert keys[("graph", "truncated")] == "boolean"


def test_values_that_do_not_fit_the_schema_type_fall_back_to_text(tmp_path):
    g = Subgraph([Node(TRADER, {"community": 4}), Node(TRADER2, {"community": "n/a", "tags": ["a", "b"]})],
                 [Edge("FILED_BY", DECL, TRADER)] * 2 + [Edge("FILED_BY", DECL, TRADER2)],
                 truncated=True)
    g.nodes.append(Node(DECL, {"description": "bad\x0bchar"}))
    back = nx.read_graphml(export(g, "graphml", tmp_path / "odd.graphml")[0])
    assert back.nodes[TRADER]["community"] == "4" and back.nodes[TRADER2]["community"] == "n/a"
    assert back.nodes[TRADER2]["tags"] == '["a", "b"]'
    assert back.nodes[DECL]["description"] == "bad\ufffdchar"  # XML 1.0 cannot carry \x0b
    assert back.number_of_edges() == 3 and back.graph["truncated"] is True


def test_a_property_named_like_an_export_column_is_refused(tmp_path):
    g = Subgraph([Node(TRADER, {"kind": "shell company"})])
    with pytest.raises(ValueError, match="'kind' clashes"):
        export(g, "graphml", tmp_path / "x.graphml")


# ---- GEXF ----------------------------------------------------------------------------

def read_gexf_datetime(path):
    """networkx 3.6 cannot read timeformat="dateTime" (networkx issue #3246); teach it."""
    reader = GEXFReader(version="1.3")
    reader.python_type["dateTime"] = str
    return reader(str(path))


def test_gexf_reads_back_with_times_colours_and_types(tmp_path):
    g = case()
    path = export(g, "gexf", tmp_path / "case.gexf")[0]
    graph = ET.parse(path).getroot().find("{http://gexf.net/1.3}graph")
    assert graph.get("mode") == "dynamic" and graph.get("timeformat") == "dateTime"
    back = read_gexf_datetime(path)
    assert back.number_of_nodes() == len(g.nodes) and back.number_of_edges() == len(g.edges)
    for node in g.nodes:
        data = dict(back.nodes[node.id])
        viz, start = data.pop("viz"), data.pop("start", None)
        assert typed(data) == typed({"label": caption(node), "kind": node.label} | expected(node)), node.id
        r, g_, b = (int(SCHEMA.node(node.label).colour[i:i + 2], 16) for i in (1, 3, 5))
        assert (viz["color"]["r"], viz["color"]["g"], viz["color"]["b"]) == (r, g_, b)
        assert start == ("2025-03-01T00:00:00" if node.id == DECL else None)
    scans = sorted(d["start"] for _, _, d in back.edges(data=True) if d["type"] == "SCANNED_AT")
    assert scans == ["2025-03-02T10:15:00", "2025-03-02T18:40:05"]
    assert all("start" not in d for _, _, d in back.edges(data=True) if d["type"] != "SCANNED_AT")
    assert {d["label"] for _, _, d in back.edges(data=True)} == {e.type for e in g.edges}


def test_gexf_with_dates_only_is_timeformat_date_and_plain_networkx_reads_it(tmp_path):
    g = case()
    g.edges = [e for e in g.edges if e.type != "SCANNED_AT"]
    path = export(g, "gexf", tmp_path / "dates.gexf")[0]
    back = nx.read_gexf(path)
    assert back.graph["mode"] == "dynamic"
    assert ET.parse(path).getroot()[1].get("timeformat") == "date"
    assert back.nodes[DECL]["start"] == "2025-03-01"
    assert back.nodes[TRADER]["community"] == 7 and back.nodes[TRADER]["risk"] == 0.91


def test_gexf_without_times_is_static(tmp_path):
    g = Subgraph([n for n in case().nodes if n.label == "Trader"])
    back = nx.read_gexf(export(g, "gexf", tmp_path / "static.gexf")[0])
    assert back.graph["mode"] == "static" and back.number_of_nodes() == 2


# ---- CSV -----------------------------------------------------------------------------

NODE_HEADER = ["id", "kind", "label", "code", "name", "role", "lat", "lon", "description", "ntn",
               "address", "phone", "registered_on", "community", "risk", "licence_no", "registration",
               "gd_number", "gd_type", "date", "declared_value_usd", "channel", "_source_file",
               "_source_row"]


def read_csv(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
    return list(csv.DictReader(data.decode("utf-8-sig").splitlines()))


def test_csv_tables_read_back_with_safe_cells(tmp_path):
    g = case()
    written = export(g, "csv", tmp_path / "case.csv")
    assert [p.name for p in written] == ["case-nodes.csv", "case-edges.csv"]
    nodes_bytes = written[0].read_bytes()
    assert nodes_bytes.split(b"\r\n")[0].decode("utf-8-sig").split(",") == NODE_HEADER
    rows = {r["id"]: r for r in read_csv(nodes_bytes)}
    assert set(rows) == {n.id for n in g.nodes}
    trader = rows[TRADER]
    assert trader["kind"] == "Trader"
    assert trader["label"] == trader["name"] == "'" + NASTY  # a formula: prefixed
    assert trader["address"] == "'-Plot 5, SITE"  # starts with - and is no number
    assert trader["phone"] == "+923001234567"  # a phone number is left alone
    assert (trader["community"], trader["risk"], trader["_source_row"]) == ("7", "0.91", "3")
    assert (trader["_source_file"], trader["registered_on"]) == ("traders.csv", "2019-07-15")
    assert trader["gd_type"] == ""  # a Declaration column, empty for a trader
    assert rows[TRADER2]["name"] == URDU and rows[TRADER2]["risk"] == "-0.25"
    assert rows[DECL]["date"] == "2025-03-01"
    assert rows[DECL]["description"] == "Mobile phones <b>bulk</b> & parts"

    edges = read_csv(written[1].read_bytes())
    assert list(edges[0]) == ["source", "target", "type", "scanned_at", "gd_number"]
    assert sorted((e["type"], e["source"], e["target"], e["scanned_at"]) for e in edges) == sorted(
        (e.type, e.source, e.target, expected(e).get("scanned_at", "")) for e in g.edges)


def test_csv_zip_holds_both_tables(tmp_path):
    separate = export(case(), "csv", tmp_path / "case.csv")
    written = export(case(), "csv", tmp_path / "bundle.zip")
    assert written == [tmp_path / "bundle.zip"]
    with zipfile.ZipFile(written[0]) as archive:
        assert archive.namelist() == ["bundle-nodes.csv", "bundle-edges.csv"]
        assert archive.read("bundle-nodes.csv") == separate[0].read_bytes()
        assert archive.read("bundle-edges.csv") == separate[1].read_bytes()


@pytest.mark.parametrize("cell, safe", [
    ("=1+1", "'=1+1"), ("@SUM(A1:A9)", "'@SUM(A1:A9)"), ("+1+2", "'+1+2"), ("-2+3", "'-2+3"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("+92 300 1234567", "'+92 300 1234567"), ("-", "'-"),
    ("-5.2", "-5.2"), ("+923001234567", "+923001234567"), ("-1e-05", "-1e-05"), ("+.5", "+.5"),
    ("Ali = Ahmed", "Ali = Ahmed"), ("", ""), ("5-2", "5-2"),
])
def test_csv_injection_rule(cell, safe):
    assert csv_safe(cell) == safe


# ---- Cytoscape JSON ----------------------------------------------------------------

def test_cytoscape_json_reads_back(tmp_path):
    g = case()
    doc = json.loads(export(g, "json", tmp_path / "case.json")[0].read_text(encoding="utf-8"))
    assert doc["data"] == {"truncated": False}
    nodes = {n["data"]["id"]: n["data"] for n in doc["elements"]["nodes"]}
    assert len(nodes) == len(g.nodes)
    for node in g.nodes:
        want = {"id": node.id, "label": caption(node), "kind": node.label} | expected(node)
        assert typed(nodes[node.id]) == typed(want)
    edges = [e["data"] for e in doc["elements"]["edges"]]
    assert len({e["id"] for e in edges}) == len(edges) == len(g.edges)
    got = sorted((e["type"], e["source"], e["target"],
                  json.dumps({k: v for k, v in e.items() if k not in ("id", "type", "source", "target")},
                             sort_keys=True)) for e in edges)
    assert got == edge_set(g.edges)


# ---- i2 ANX --------------------------------------------------------------------------

def test_anx_reads_back_with_entities_links_and_attributes(tmp_path):
    g = case()
    chart = ET.parse(export(g, "anx", tmp_path / "case.anx")[0]).getroot()
    assert chart.tag == "Chart"
    classes = {c.get("Name"): c.get("Type") for c in chart.iterfind("AttributeClassCollection/AttributeClass")}
    assert classes["name"] == "AttText" and classes["community"] == classes["risk"] == "AttNumber"
    assert classes["date"] == classes["scanned_at"] == "AttTime" and classes["_source_row"] == "AttNumber"
    icons = {t.get("Name"): t.get("IconFile") for t in chart.iterfind("EntityTypeCollection/EntityType")}
    assert icons == {label: I2_ICONS[label] for label in {n.label for n in g.nodes}}

    items = chart.findall("ChartItemCollection/ChartItem")
    entities = {i.find("End/Entity").get("EntityId"): i for i in items if i.find("End/Entity") is not None}
    links = [i for i in items if i.find("Link") is not None]
    assert len(entities) == len(g.nodes) and len(links) == len(g.edges)
    for node in g.nodes:
        item = entities[node.id]
        assert item.get("Label") == caption(node)
        assert item.find("End/Entity").get("Identity") == node.id
        style = item.find("End/Entity/Icon/IconStyle")
        assert style.get("Type") == node.label
        assert style.get("IconShadingColour") == str(colorref(SCHEMA.node(node.label).colour))
        attributes = {a.get("AttributeClass"): a.get("Value")
                      for a in item.iterfind("AttributeCollection/Attribute")}
        assert set(attributes) <= set(classes)
        want = {k: f"{v}T00:00:00" if k in ("date", "registered_on") else str(v)  # AttTime
                for k, v in expected(node).items()}
        assert attributes == want
    decl = entities[DECL]
    assert decl.get("DateTime") == "2025-03-01T00:00:00"
    assert (decl.get("DateSet"), decl.get("TimeSet")) == ("true", "false")

    ends = sorted((i.get("Label"), i.find("Link").get("End1Id"), i.find("Link").get("End2Id")) for i in links)
    assert ends == sorted((e.type, e.source, e.target) for e in g.edges)
    for item in links:
        assert item.find("Link/LinkStyle").attrib == {"ArrowStyle": "ArrowOnHead", "Type": "Link"}
    scans = sorted(i.get("DateTime") for i in links if i.get("Label") == "SCANNED_AT")
    assert scans == ["2025-03-02T10:15:00", "2025-03-02T18:40:05"]
    assert all(i.get("TimeSet") == "true" for i in links if i.get("Label") == "SCANNED_AT")


def test_every_schema_label_has_an_i2_icon():
    assert set(I2_ICONS) == set(SCHEMA.nodes)


# ---- Cypher --------------------------------------------------------------------------

_CYPHER_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}


def unquote(literal: str) -> str:
    """Read a single-quoted Cypher string literal as Neo4j would."""
    assert literal[0] == literal[-1] == "'"
    body, out, i = literal[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        assert ch != "'", f"unescaped quote in {literal}"
        if ch == "\\":
            if body[i + 1] == "u":
                out.append(chr(int(body[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append(_CYPHER_ESCAPES[body[i + 1]])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


@pytest.mark.parametrize("value", ['O\'Brien "X" \\ Co', NASTY, URDU, "ends with \\", "\\'", "a\nb\r\tc\x01\x7f",
                                   "'; MATCH (n) DETACH DELETE n; //"])
def test_cypher_strings_round_trip(value):
    assert unquote(cypher_string(value)) == value


def test_cypher_literals():
    assert cypher_string('O\'Brien "X" \\ Co') == "'O\\'Brien \"X\" \\\\ Co'"
    assert cypher_literal("2025-03-01", "date") == "date('2025-03-01')"
    assert cypher_literal(dt.datetime(2025, 3, 2, 10, 15), "datetime") == "localdatetime('2025-03-02T10:15:00')"
    assert cypher_literal("not a date", "date") == "'not a date'"
    assert (cypher_literal(7), cypher_literal(0.91), cypher_literal(True), cypher_literal(None)) == \
        ("7", "0.91", "true", "null")
    assert cypher_literal([1, "a"]) == "'[1, \"a\"]'"


_STRING = r"'(?:[^'\\]|\\.)*'"
NODE_STATEMENT = re.compile(
    rf"MERGE \(n:(\w+):Entity \{{(\w+): ({_STRING})\}}\) SET n \+= \{{nid: ({_STRING}), .*\}};")


def test_cypher_script_has_a_statement_per_node_and_relationship(tmp_path):
    g = case()
    path = export(g, "cypher", tmp_path / "case.cypher")[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    statements = [line for line in lines if not line.startswith("//")]
    assert len(statements) == len(g.nodes) + len(g.edges)
    assert all(s.endswith(";") and s.count("\n") == 0 for s in statements)
    merged = {}
    for s in statements[:len(g.nodes)]:
        label, key, value, nid = NODE_STATEMENT.fullmatch(s).groups()
        assert label == unquote(nid).split(":")[0] and key == SCHEMA.node(label).key
        merged[unquote(nid)] = unquote(value)
    assert merged == {n.id: n.id.split(":", 1)[1] for n in g.nodes}
    trader = next(s for s in statements if "'Trader:1234567-8'" in s and s.startswith("MERGE"))
    assert f"name: {cypher_string(NASTY)}" in trader
    assert "registered_on: date('2019-07-15')" in trader and "community: 7" in trader
    assert "risk: 0.91" in trader and "_source_row: 3" in trader and "_source_file: 'traders.csv'" in trader
    scans = [s for s in statements if ":SCANNED_AT" in s]
    assert "MERGE (a)-[r:SCANNED_AT {scanned_at: localdatetime('2025-03-02T10:15:00')}]->(b) " \
           "SET r += {gd_number: 'KPPI-HC-000123-2025'};" in scans[0]
    assert scans[1].endswith("MERGE (a)-[r:SCANNED_AT {scanned_at: localdatetime('2025-03-02T18:40:05')}]->(b);")
    assert statements == cypher_statements(g)


@pytest.mark.neo4j
@pytest.mark.parametrize("empty_store", ["neo4j"], indirect=True)
def test_cypher_script_recreates_the_case_graph_in_neo4j(empty_store):
    g = case()
    for _ in range(2):  # a second run changes nothing
        for statement in cypher_statements(g):
            empty_store.driver.execute_query(statement, database_=empty_store.database)
    counts = empty_store.counts()
    assert sum(counts["nodes"].values()) == len(g.nodes)
    assert sum(counts["relationships"].values()) == len(g.edges)
    back = empty_store.subgraph([n.id for n in g.nodes])
    assert {n.id: typed(n.properties) for n in back.nodes} == {n.id: typed(expected(n)) for n in g.nodes}
    assert edge_set(back.edges) == edge_set(g.edges)


def test_html_report_is_self_contained_and_escapes_names(tmp_path):
    g = case()
    path = export(g, "html", tmp_path / "case.html")[0]
    text = path.read_text(encoding="utf-8")
    assert "<svg" in text and "<script" not in text
    assert "src=" not in text and "href=" not in text  # nothing to fetch: opens air-gapped
    assert "&lt;b&gt;" in text and "<b>" not in text  # the name with markup shows as typed
    for node in g.nodes:
        assert html.escape(node.key) in text


def test_html_report_has_a_legend_names_and_a_picture_that_fits(tmp_path):
    """Finding 9: the report's picture holds every caption (its view box is
    widened for the longest), a legend says what colours and sizes mean, and
    relationships read by name, not by id."""
    import re

    from nigah.graph.export.common import caption
    from nigah.graph.schema import SCHEMA

    g = case()
    text = export(g, "html", tmp_path / "case.html")[0].read_text(encoding="utf-8")
    svg = text[text.index("<svg"):text.index("</svg>")]
    x0, y0, w, h = map(float, re.search(r'viewBox="([^"]+)"', svg).group(1).split())
    for x, label in re.findall(r'<text x="([\d.]+)"[^>]*>([^<]*)</text>', svg):
        assert x0 <= float(x) and float(x) + len(html.unescape(label)) * 5.6 <= x0 + w, label
    legend = text[text.index('class="legend"'):]
    for label in {n.label for n in g.nodes}:
        assert html.escape(SCHEMA.nodes[label].title) in legend
    assert "from 0 (small) to 1 (large)" in legend
    links = text[text.index("<h2>Relationships"):]
    edge = g.edges[0]
    source = next(n for n in g.nodes if n.id == edge.source)
    assert html.escape(caption(source)) in links and html.escape(SCHEMA.relationships[edge.type].title) in links
    assert f"<td>{html.escape(edge.source)}</td>" not in links
