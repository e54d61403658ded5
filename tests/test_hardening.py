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
