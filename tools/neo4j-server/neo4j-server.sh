#!/usr/bin/env bash
# A real Neo4j 5.26 Community DBMS for the test suite, built from Maven Central
# artifacts (there is no Docker engine on the CI machines).
#   neo4j-server.sh start PORT HOME   build if needed, start with Bolt on 127.0.0.1:PORT
#                                     (auth disabled), wait until it answers
#   neo4j-server.sh stop  PORT HOME   SIGTERM (clean shutdown), SIGKILL after 30 s
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
CMD="${1:?start or stop}"; PORT="${2:?port}"; HOME_DIR="${3:?home directory}"
mkdir -p "$HOME_DIR"; HOME_DIR="$(cd "$HOME_DIR" && pwd)"
PIDFILE="$HOME_DIR/neo4j.pid"

if [ "$CMD" = stop ]; then
  [ -f "$PIDFILE" ] || exit 0
  PID="$(cat "$PIDFILE")"
  if kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID"
    for _ in $(seq 1 300); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PID" 2>/dev/null && kill -KILL "$PID"
  fi
  rm -f "$PIDFILE"; exit 0
fi

if [ ! -d "$HERE/target/lib" ] || [ ! -d "$HERE/target/classes/org" ]; then
  (cd "$HERE" && mvn -q -B package)
fi
JVM_FLAGS=(
  -Xms1g -Xmx2g -Dnigah.pagecache=512m -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+DisableExplicitGC
  -Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true -Dlog4j2.disable.jmx=true
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
)
nohup java "${JVM_FLAGS[@]}" ${NEO4J_JAVA_OPTS:-} -cp "$HERE/target/classes:$HERE/target/lib/*" \
  org.nigah.Neo4jServer "$PORT" "$HOME_DIR" >"$HOME_DIR/server.out" 2>"$HOME_DIR/server.err" </dev/null &
PID=$!
echo "$PID" >"$PIDFILE"
for _ in $(seq 1 $(( ${NEO4J_START_TIMEOUT:-180} * 10 ))); do
  if grep -q '^NEO4J_READY' "$HOME_DIR/server.out" 2>/dev/null; then
    echo "bolt://127.0.0.1:$PORT"; exit 0
  fi
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "neo4j exited early; see $HOME_DIR/server.err" >&2; tail -20 "$HOME_DIR/server.err" >&2; exit 1
  fi
  sleep 0.1
done
echo "neo4j not ready after ${NEO4J_START_TIMEOUT:-180}s" >&2; kill "$PID" 2>/dev/null || true; exit 1
