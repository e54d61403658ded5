#!/usr/bin/env bash
# The whole test suite, as CI runs it: system packages for the browser test and
# the compose check, a real Neo4j 5.26 on a free local port, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
command -v docker-compose >/dev/null || need+=(docker-compose)
# LightGBM (the risk booster) links the OpenMP runtime.
ldconfig -p 2>/dev/null | grep -q libgomp.so.1 || need+=(libgomp1)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing system packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

PORT=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
NEO4J_HOME=$(mktemp -d -t nigah-neo4j-XXXX)
stop_neo4j() { tools/neo4j-server/neo4j-server.sh stop "$PORT" "$NEO4J_HOME" || true; rm -rf "$NEO4J_HOME"; }
trap stop_neo4j EXIT
echo "starting Neo4j 5.26 on 127.0.0.1:$PORT"
tools/neo4j-server/neo4j-server.sh start "$PORT" "$NEO4J_HOME"

export NEO4J_URI="bolt://127.0.0.1:$PORT" NIGAH_REQUIRE_NEO4J=1 NIGAH_REQUIRE_BROWSER=1
.venv/bin/python -m pytest -q "$@"
