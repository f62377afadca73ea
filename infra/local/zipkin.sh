#!/usr/bin/env bash
# Zipkin, the local trace viewer: server, in-memory span store and web UI in one jar from Maven
# Central. Not part of `stack.sh up` (a JVM of its own); `stack.sh down` stops it too.
#
#   zipkin.sh install   fetch the jar into $INSTALL_DIR/zipkin (fast no-op when present)
#   zipkin.sh up        install, start on 127.0.0.1:$ZIPKIN_PORT, wait until /health answers UP
#   zipkin.sh down      graceful stop (SIGTERM, wait)
#   zipkin.sh status    "running ..." exit 0, "stopped" exit 3
#   zipkin.sh env       the OTEL_* lines that send a service's spans here (for `eval`)
#
# Env: ZIPKIN_PORT (9411), ZIPKIN_HEAP_OPTS (-Xms64m -Xmx512m), ZIPKIN_MAX_SPANS (200000),
#      JAVA_HOME, TALLY_STATE_DIR, TALLY_INSTALL_DIR (common.sh). Log: $STATE_DIR/zipkin/zipkin.log.
# Spans live in memory only: a restart empties the viewer.
set -euo pipefail
source "$(dirname "$0")/common.sh"

ZIPKIN_VERSION="${TALLY_ZIPKIN_VERSION:-3.6.1}"
# Pinned: an unpinned dependency: goal resolves an ancient 2.x plugin.
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.11.0
ZIPKIN_PORT="${ZIPKIN_PORT:-9411}"
ZIPKIN_HEAP_OPTS="${ZIPKIN_HEAP_OPTS:--Xms64m -Xmx512m}"
ZIPKIN_MAX_SPANS="${ZIPKIN_MAX_SPANS:-200000}"
Z_DIR="$STATE_DIR/zipkin"
JAR="$INSTALL_DIR/zipkin/zipkin-server-$ZIPKIN_VERSION-exec.jar"
PIDFILE="$Z_DIR/zipkin.pid"
LOGFILE="$Z_DIR/zipkin.log"
URL="http://127.0.0.1:$ZIPKIN_PORT"

cmd_install() {
  if [[ -f "$JAR" ]]; then return 0; fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found (needed once to fetch the Zipkin jar)"
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (set JAVA_HOME or put java 17+ on PATH)"
  log "zipkin: fetching io.zipkin:zipkin-server:$ZIPKIN_VERSION (exec jar) from Maven Central"
  mkdir -p "$(dirname "$JAR")"
  local mvnlog="$INSTALL_DIR/zipkin/mvn-install.log"
  if ! mvn -q -B "$DEPENDENCY_PLUGIN:copy" -Dartifact="io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec" \
      -DoutputDirectory="$(dirname "$JAR")" >"$mvnlog" 2>&1; then
    tail -n 20 "$mvnlog" >&2
    die "zipkin: fetching the jar failed (full output: $mvnlog)"
  fi
  [[ -f "$JAR" ]] || die "zipkin: $JAR missing after the fetch (see $mvnlog)"
}

healthy() { curl -fsS -m 2 "$URL/health" 2>/dev/null | grep -q '"UP"'; }

cmd_up() {
  cmd_install
  mkdir -p "$Z_DIR"
  if pid_alive "$PIDFILE"; then
    wait_for "zipkin on $URL" 90 healthy
    log "zipkin already running on $URL/zipkin/"; return 0
  fi
  rm -f "$PIDFILE"
  if port_open 127.0.0.1 "$ZIPKIN_PORT"; then die "127.0.0.1:$ZIPKIN_PORT is taken by another process (set ZIPKIN_PORT)"; fi
  log "zipkin: starting on $URL"
  # Loopback only: the one listener is bound to 127.0.0.1. C1-only JIT starts it in half the time.
  # shellcheck disable=SC2086
  (
    export STORAGE_TYPE=mem MEM_MAX_SPANS="$ZIPKIN_MAX_SPANS"
    setsid "$JAVA" $ZIPKIN_HEAP_OPTS -XX:TieredStopAtLevel=1 -jar "$JAR" \
      "--armeria.ports[0].ip=127.0.0.1" "--armeria.ports[0].port=$ZIPKIN_PORT" \
      "--armeria.ports[0].protocols[0]=http" </dev/null >>"$LOGFILE" 2>&1 &
    echo $! >"$PIDFILE"
  )
  wait_started "zipkin on $URL" "$PIDFILE" "$LOGFILE" 90 healthy
  log "zipkin up: $URL/zipkin/ (pid $(cat "$PIDFILE"))"
}

cmd_down() {
  if pid_alive "$PIDFILE"; then log "stopping zipkin"; stop_pid "$PIDFILE" zipkin; else rm -f "$PIDFILE"; fi
}

cmd_status() {
  if pid_alive "$PIDFILE" && healthy; then echo "zipkin: running on $URL/zipkin/ (pid $(cat "$PIDFILE"))"; exit 0; fi
  if pid_alive "$PIDFILE"; then echo "zipkin: process $(cat "$PIDFILE") up but $URL/health not UP"; exit 3; fi
  echo "zipkin: stopped"; exit 3
}

cmd_env() {
  printf 'export OTEL_TRACES_EXPORTER=zipkin OTEL_EXPORTER_ZIPKIN_ENDPOINT=%s/api/v2/spans\n' "$URL"
}

case "${1:-status}" in
  install) cmd_install ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) die "usage: $0 install|up|down|status|env" ;;
esac
