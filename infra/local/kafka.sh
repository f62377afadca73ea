#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft combined mode) for local dev and CI, without Docker.
# Jars come from Maven Central (kafka/pom.xml); everything it writes lives in $STATE_DIR/kafka.
#
#   kafka.sh install   resolve the jars into $STATE_DIR/kafka/libs (fast no-op when present)
#   kafka.sh up        install, format storage on first start, start, wait until the broker answers
#   kafka.sh down      graceful stop (SIGTERM, wait)
#   kafka.sh status    "running ..." exit 0, "stopped" exit 3
#   kafka.sh reset     down, then delete data, logs and cluster id (keeps the jars)
#
# Env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP_OPTS (-Xms512m -Xmx1g),
#      KAFKA_START_TIMEOUT seconds (90), JAVA_HOME, TALLY_STATE_DIR, TALLY_INSTALL_DIR (common.sh).
set -euo pipefail
source "$(dirname "$0")/common.sh"

HERE="$(cd "$(dirname "$0")" && pwd)"
CONF_DIR="$HERE/kafka"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms512m -Xmx1g}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"

K_DIR="$STATE_DIR/kafka"
LIBS="$INSTALL_DIR/kafka/libs"
DATA_DIR="$K_DIR/data"
LOG_DIR="$K_DIR/logs"
PROPS="$K_DIR/server.properties"
CLUSTER_ID_FILE="$K_DIR/cluster-id"
PIDFILE="$K_DIR/kafka.pid"
OUT="$LOG_DIR/kafka.out"

# One kafka.sh at a time per state dir: parallel `up`s (several test scripts) must not race
# on format/start. The broker does not inherit the lock fd (9>&- below).
lock() {
  mkdir -p "$K_DIR"
  exec 9>"$K_DIR/.lock"
  flock -w 300 9 || die "another kafka.sh holds $K_DIR/.lock"
}

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (set JAVA_HOME or put java 17+ on PATH)"
  local v
  v="$("$JAVA" -version 2>&1 | sed -E -n 's/.* version "([0-9]+).*/\1/p' | head -n1)"
  [[ -n "$v" && "$v" -ge 17 ]] || die "Kafka 4.x needs Java 17+, $JAVA is version '${v:-unknown}'"
}

# The marker holds a hash of pom.xml: editing the pom (e.g. a version bump) re-resolves cleanly.
install() {
  local want; want="$(sha256sum "$CONF_DIR/pom.xml" | cut -d' ' -f1)"
  if [[ -f "$LIBS/.installed" && "$(cat "$LIBS/.installed")" == "$want" ]]; then return 0; fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found (needed once to fetch the Kafka jars)"
  log "kafka: resolving jars from Maven Central into $LIBS"
  rm -rf "$LIBS"; mkdir -p "$LIBS"
  local mvnlog="$INSTALL_DIR/kafka/mvn-install.log"
  if ! mvn -q -B -f "$CONF_DIR/pom.xml" dependency:copy-dependencies \
      -Dkafka.libs.dir="$LIBS" >"$mvnlog" 2>&1; then
    tail -n 40 "$mvnlog" >&2
    die "kafka: mvn copy-dependencies failed (full output: $mvnlog)"
  fi
  echo "$want" >"$LIBS/.installed"
}

# Runs a Kafka main class from the jars with tool logging (WARN to stderr).
run_tool() {
  "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$CONF_DIR/log4j2-tools.yaml" \
    -cp "$LIBS/*" "$@"
}

write_props() {
  mkdir -p "$DATA_DIR" "$LOG_DIR"
  sed -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" \
      -e "s#@KAFKA_CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" \
      -e "s#@DATA_DIR@#$DATA_DIR#g" \
      "$CONF_DIR/server.properties.template" >"$PROPS"
}

# Format only once: meta.properties marks a formatted log dir. The cluster id is kept so a
# wiped-but-not-reset data dir comes back as the same cluster.
format_once() {
  [[ -f "$DATA_DIR/meta.properties" ]] && return 0
  if [[ ! -s "$CLUSTER_ID_FILE" ]]; then
    run_tool kafka.tools.StorageTool random-uuid >"$CLUSTER_ID_FILE.tmp"
    mv "$CLUSTER_ID_FILE.tmp" "$CLUSTER_ID_FILE"
  fi
  log "kafka: formatting storage (cluster id $(cat "$CLUSTER_ID_FILE"))"
  # Static controller.quorum.voters: no --standalone.
  run_tool kafka.tools.StorageTool format -t "$(cat "$CLUSTER_ID_FILE")" -c "$PROPS" \
    >"$LOG_DIR/format.log" 2>&1 || { cat "$LOG_DIR/format.log" >&2; die "kafka: storage format failed"; }
}

# Our pid file points at a live kafka.Kafka (not at a recycled pid of something else).
running() {
  pid_alive "$PIDFILE" && ps -o args= -p "$(cat "$PIDFILE")" 2>/dev/null | grep -q 'kafka\.Kafka'
}

# Ready = the broker is registered and unfenced: BrokerApiVersionsCommand sends a metadata
# request and then ApiVersions to every broker listed; a fenced broker is not listed.
# (An open port alone only means the socket server is up.)
broker_ready() {
  run_tool org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "$BOOTSTRAP" \
    2>/dev/null | grep -q "(id: 1 "
}

fail_start() {
  log "kafka: $1"
  { echo "--- tail of $LOG_DIR/server.log"; tail -n 40 "$LOG_DIR/server.log" 2>/dev/null || true
    echo "--- tail of $OUT"; tail -n 20 "$OUT" 2>/dev/null || true; } >&2
  die "kafka: broker did not start; logs in $LOG_DIR"
}

wait_ready() {
  local deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  until port_open 127.0.0.1 "$KAFKA_PORT" && broker_ready; do
    running || fail_start "broker process exited during startup"
    ((SECONDS < deadline)) || fail_start "not ready on $BOOTSTRAP after ${KAFKA_START_TIMEOUT}s (pid $(cat "$PIDFILE") left running for inspection; kafka.sh down stops it)"
    sleep 0.5
  done
}

up() {
  lock
  if running; then
    # Already started (possibly by a parallel caller): just make sure it answers.
    wait_ready
    log "kafka: already running (pid $(cat "$PIDFILE")) on $BOOTSTRAP"
    return 0
  fi
  rm -f "$PIDFILE"
  if port_open 127.0.0.1 "$KAFKA_PORT" || port_open 127.0.0.1 "$KAFKA_CONTROLLER_PORT"; then
    die "kafka: port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT is taken by another process (set KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
  fi
  check_java
  install
  write_props
  format_once
  log "kafka: starting on $BOOTSTRAP (logs in $LOG_DIR)"
  # setsid: own session, so a Ctrl-C in the caller's terminal does not kill the broker.
  # Options as in Kafka's kafka-run-class.sh; no GC log (JVM default is none); crash files go to
  # the logs folder, not the caller's cwd.
  # shellcheck disable=SC2086 # heap opts are a word list on purpose
  setsid "$JAVA" $KAFKA_HEAP_OPTS \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -XX:ErrorFile="$LOG_DIR/hs_err_%p.log" \
    -Djava.awt.headless=true \
    -Dkafka.logs.dir="$LOG_DIR" -Dlog4j2.configurationFile="$CONF_DIR/log4j2.yaml" \
    -cp "$LIBS/*" kafka.Kafka "$PROPS" >"$OUT" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDFILE"
  local t0=$SECONDS
  wait_ready
  log "kafka: ready on $BOOTSTRAP (pid $(cat "$PIDFILE"), $((SECONDS - t0))s)"
}

down() {
  lock
  if running; then
    log "kafka: stopping pid $(cat "$PIDFILE")"
    # SIGTERM = controlled shutdown; stop_pid waits 30 s before SIGKILL.
    stop_pid "$PIDFILE" kafka
  else
    rm -f "$PIDFILE"
  fi
}

status() {
  if running; then
    echo "kafka: running pid $(cat "$PIDFILE") on $BOOTSTRAP (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT)"
    return 0
  fi
  echo "kafka: stopped"
  return 3
}

reset() {
  down
  log "kafka: deleting data, logs and cluster id in $K_DIR (jars kept)"
  rm -rf "$DATA_DIR" "$LOG_DIR" "$CLUSTER_ID_FILE" "$PROPS"
}

case "${1:-}" in
  install) check_java; lock; install ;;
  up) up ;;
  down) down ;;
  status) status ;;
  reset) reset ;;
  *) echo "usage: $0 install|up|down|status|reset" >&2; exit 2 ;;
esac
