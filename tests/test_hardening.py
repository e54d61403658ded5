"""The dashboard's server refuses other host names and cross-origin
callbacks, and sends headers that stop framing and foreign scripts (the
browser tests run under the same policy, so it is one the pages satisfy)."""
from __future__ import annotations

import json

from nigah.dashboard.app import create_app
from nigah.graph.duckdb_store import DuckDBStore

STATUS = {"output": "store-status.children", "outputs": {"id": "store-status", "property": "children"},
          "inputs": [{"id": "search", "property": "id", "value": "search"}], "changedPropIds": [], "state": []}


def test_hosts_origins_and_headers(tmp_path):
    app = create_app(lambda: DuckDBStore(tmp_path / "home", snapshot=True), allowed_hosts=("127.0.0.1", "nigah.pk"))
    client = app.server.test_client()
    page = client.get("/", headers={"Host": "127.0.0.1:8050"})
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "'unsafe-inline'" not in \
        policy.split("script-src")[1].split(";")[0]
    assert app.csp_hashes() and all(h in policy for h in app.csp_hashes())   # Dash's inline start-up script, by hash
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/", headers={"Host": "nigah.pk"}).status_code == 200
    assert client.get("/", headers={"Host": "attacker.example:8050"}).status_code == 400   # DNS rebinding
    post = dict(data=json.dumps(STATUS), content_type="application/json")
    same = client.post("/_dash-update-component", headers={"Host": "127.0.0.1:8050",
                                                           "Origin": "http://127.0.0.1:8050"}, **post)
    assert same.status_code == 200
    cross = client.post("/_dash-update-component", headers={"Host": "127.0.0.1:8050",
                                                            "Origin": "http://attacker.example"}, **post)
    assert cross.status_code == 403


def test_a_tile_server_on_the_network_may_serve_the_map(tmp_path, monkeypatch):
    monkeypatch.setenv("NIGAH_TILE_URL", "http://tiles.internal:8080/{z}/{x}/{y}.png")
    app = create_app(lambda: DuckDBStore(tmp_path / "home", snapshot=True))
    policy = app.server.test_client().get("/", headers={"Host": "127.0.0.1"}).headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob: http://tiles.internal:8080" in policy
    assert "connect-src 'self' http://tiles.internal:8080" in policy


def _outputs(output: str):
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]
    return out if output.startswith("..") else out[0]


def test_the_server_bounds_what_a_request_asks(loaded_duckdb, scenario, tmp_path):
    """A callback is a POST anyone can write: hops, text and case size are
    bounded on the server, and nonsense gets a message, not an HTTP 500."""
    import shutil

    home = tmp_path / "home"
    shutil.copytree(loaded_duckdb.home, home)
    app = create_app(lambda: DuckDBStore(home, snapshot=True))
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    paths = next(d for d in deps if d["inputs"][0]["id"] == "path-button")
    traders = loaded_duckdb.node_table("Trader", [])["ntn"].tolist()

    def ask(hops, target):
        body = {"output": paths["output"], "outputs": _outputs(paths["output"]),
                "inputs": [{"id": "path-button", "property": "n_clicks", "value": 1}],
                "changedPropIds": ["path-button.n_clicks"],
                "state": [{"id": "focus", "property": "data", "value": f"Trader:{traders[0]}"},
                          {"id": "path-to", "property": "value", "value": target},
                          {"id": "path-hops", "property": "value", "value": hops},
                          {"id": "graph", "property": "elements", "value": []}]}
        return client.post("/_dash-update-component", json=body, headers={"Host": "127.0.0.1"})

    for hops in ("abc", None, [4]):
        reply = ask(hops, f"Trader:{traders[1]}")
        assert reply.status_code == 200 and "how many hops" in reply.get_data(as_text=True)
    huge = ask(10 ** 9, f"Trader:{traders[1]}")   # searched as at most 6 hops
    assert huge.status_code == 200
    name = loaded_duckdb.node_table("Trader", ["name"]).set_index("ntn").loc[traders[1], "name"]
    by_name = ask(4, name)   # the other end named, not given as Label:key
    assert by_name.status_code == 200 and ("shortest path" in by_name.get_data(as_text=True)
                                           or "No path" in by_name.get_data(as_text=True))
    long = ask(4, "x" * 100_000)
    assert long.status_code == 200 and "Nothing matches" in long.get_data(as_text=True)


def test_a_reason_about_an_entity_links_to_it():
    """The profile reads the reasons' records (risk_evidence): a reason about
    a party carries a link that opens that party; one about nothing, none."""
    from nigah.dashboard.profile import _scores
    from nigah.graph.model import Node

    node = Node("Declaration:GD-1", {"risk": 0.9, "risk_channel": "red",
                                     "risk_reasons": "agent CHAL-1: findings in 3 of 9\nunit value 60% below",
                                     "risk_evidence": '{"kind":"agent","entity":"ClearingAgent:CHAL-1","figures":{}}'
                                                      '\n{"kind":"unit_value","entity":null,"figures":{}}'})
    shown = str(_scores(node))
    assert "ClearingAgent:CHAL-1" in shown and shown.count("'type': 'hit'") == 1


def test_a_failing_request_gets_words_on_the_page_not_an_http_500(loaded_duckdb, tmp_path):
    """A store that cannot answer, or a request that trips a fault, leaves the
    outputs as they were and fills the page's problem banner; no HTTP 500."""
    from nigah.graph.store import StoreUnavailable

    def gone():
        raise StoreUnavailable("cannot reach Neo4j at bolt://neo4j:s3cretpw@db:7687: refused")

    deps = create_app(gone).server.test_client().get("/_dash-dependencies").get_json()
    paths = next(d for d in deps if d["inputs"][0]["id"] == "path-button")

    def ask(app, focus):
        body = {"output": paths["output"], "outputs": _outputs(paths["output"]),
                "inputs": [{"id": "path-button", "property": "n_clicks", "value": 1}],
                "changedPropIds": ["path-button.n_clicks"],
                "state": [{"id": "focus", "property": "data", "value": focus},
                          {"id": "path-to", "property": "value", "value": "Trader:1234567-8"},
                          {"id": "path-hops", "property": "value", "value": 4},
                          {"id": "graph", "property": "elements", "value": []}]}
        return app.server.test_client().post("/_dash-update-component", json=body, headers={"Host": "127.0.0.1"})

    reply = ask(create_app(gone), "Trader:7654321-0")
    text = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "The store cannot answer" in text and '"problem"' in text
    assert "s3cretpw" not in text   # and the password in the address never reaches the page
    forged = ask(create_app(lambda: DuckDBStore(loaded_duckdb.home, snapshot=True)), {"not": "an id"})
    text = forged.get_data(as_text=True)
    assert forged.status_code == 200 and "could not do that" in text, text
