"""docker-compose.yml and the Dockerfile: validated without a Docker engine."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose_config(env: dict) -> subprocess.CompletedProcess:
    exe = shutil.which("docker-compose")
    if exe is None:
        if os.environ.get("NIGAH_REQUIRE_BROWSER") == "1":  # make test installs it
            pytest.fail("docker-compose is required (make test installs Debian's package)")
        pytest.skip("no docker-compose client")
    clean = {k: v for k, v in os.environ.items() if k != "NEO4J_PASSWORD"}
    return subprocess.run([exe, "-f", str(ROOT / "docker-compose.yml"), "config"],
                          capture_output=True, text=True, env={**clean, **env}, timeout=60)


def test_compose_file_is_valid_and_wired():
    run = compose_config({"NEO4J_PASSWORD": "s3cret"})
    assert run.returncode == 0, run.stderr
    config = yaml.safe_load(run.stdout)
    neo4j, nigah = config["services"]["neo4j"], config["services"]["nigah"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert neo4j["environment"]["NEO4J_AUTH"] == "neo4j/s3cret"
    assert "healthcheck" in neo4j and any("/data" in str(v) for v in neo4j["volumes"])
    assert nigah["environment"]["NEO4J_URI"] == "bolt://neo4j:7687"
    assert nigah["environment"]["NIGAH_STORE"] == "neo4j"
    assert nigah["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert set(config["volumes"]) >= {"neo4j-data", "nigah-data"}


def test_compose_refuses_to_start_without_a_password():
    run = compose_config({})
    assert run.returncode != 0 and "NEO4J_PASSWORD" in run.stderr


def test_dockerfile_installs_every_package():
    text = (ROOT / "Dockerfile").read_text()
    for package in ("nigah", "graph", "ingest", "analytics", "dashboard"):
        assert f"COPY {package} ./{package}" in text
    assert 'CMD ["nigah", "serve"' in text
