#!/usr/bin/env bash
# Apache Kafka (KRaft combined mode) for local dev, CI and the fault drill, without Docker: one node
# (the default) or a three-node cluster, each node its own process, data, logs and ports.
# Jars come from Maven Central (kafka/pom.xml); everything it writes lives in $STATE_DIR/kafka.
#
#   kafka.sh install          resolve the jars into $INSTALL_DIR/kafka/libs (no-op when present)
#   kafka.sh up               install, format storage on first start, start every node, wait until
#                             all are registered and unfenced
#   kafka.sh down             graceful stop of every node (SIGTERM in parallel, SIGKILL after 30 s)
#   kafka.sh status           one line per node; exit 0 when all run, 3 otherwise
#   kafka.sh reset            down, then delete data, logs and cluster ids (keeps the jars)
#   kafka.sh bootstrap        the client bootstrap list of the nodes in use (host:port,...)
#   kafka.sh start-node N     start node N again (no re-format) and wait until it is unfenced
#   kafka.sh kill-node N      kill -9 node N (a crash)
#   kafka.sh pause-node N     SIGSTOP node N (a hung node: its sockets stay open, it answers nothing)
#   kafka.sh resume-node N    SIGCONT node N
#   kafka.sh wait-node N      wait until node N is registered and unfenced
#   kafka.sh leader TOPIC...  the node that leads the most partitions of the topics, then one
#                             "node partitions-led" line per node on stderr
#   kafka.sh replication TOPIC...  "<topic> <replication factor>" per topic
#
# Layout: one node keeps $STATE_DIR/kafka/{data,logs,server.properties,kafka.pid}; the cluster lives
# in $STATE_DIR/kafka/cluster/node-<n>/ with the same names and one cluster id for all nodes. Node n
# listens on KAFKA_PORT + 100*(n-1) and its controller on KAFKA_CONTROLLER_PORT + 100*(n-1) (9092,
# 9192, 9292 and 9093, 9193, 9293 by default). `up` records the node count in $STATE_DIR/kafka/nodes
# so that status, down, reset and the fault tools find every node.
#
# Env: TALLY_KAFKA_NODES (1 or 3; `stack.sh up --brokers 3` sets it), KAFKA_PORT (9092),
#      KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP_OPTS (one node: -Xms512m -Xmx1g; each of three
#      nodes: -Xms256m -Xmx512m), KAFKA_START_TIMEOUT seconds (90), JAVA_HOME, TALLY_STATE_DIR,
#      TALLY_INSTALL_DIR (common.sh).
set -euo pipefail
source "$(dirname "$0")/common.sh"

HERE="$(cd "$(dirname "$0")" && pwd)"
CONF_DIR="$HERE/kafka"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
PORT_STEP=100

K_DIR="$STATE_DIR/kafka"
LIBS="$INSTALL_DIR/kafka/libs"
NODES_FILE="$K_DIR/nodes"

# One kafka.sh at a time per state dir: parallel `up`s (several test scripts) must not race
# on format/start. The brokers do not inherit the lock fd (9>&- below).
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

# --- nodes --------------------------------------------------------------------------------------

# The node count in use: what the last `up` recorded, else TALLY_KAFKA_NODES, else 1.
recorded_nodes() { cat "$NODES_FILE" 2>/dev/null || echo "${TALLY_KAFKA_NODES:-1}"; }

check_count() {
  [[ "$1" == 1 || "$1" == 3 ]] || die "kafka: TALLY_KAFKA_NODES must be 1 or 3, not '$1'"
}

# use_node COUNT N: points the node variables at node N of a COUNT-node deployment.
use_node() {
  local count="$1"
  NODE="$2"
  if [[ "$count" == 1 ]]; then
    NODE_DIR="$K_DIR"; CLUSTER_ID_FILE="$K_DIR/cluster-id"
  else
    NODE_DIR="$K_DIR/cluster/node-$NODE"; CLUSTER_ID_FILE="$K_DIR/cluster/cluster-id"
  fi
  DATA_DIR="$NODE_DIR/data"
  LOG_DIR="$NODE_DIR/logs"
  PROPS="$NODE_DIR/server.properties"
  PIDFILE="$NODE_DIR/kafka.pid"
  OUT="$LOG_DIR/kafka.out"
  PORT=$((KAFKA_PORT + (NODE - 1) * PORT_STEP))
  CONTROLLER_PORT=$((KAFKA_CONTROLLER_PORT + (NODE - 1) * PORT_STEP))
}

voters_of() {
  local count="$1" n list=()
  for ((n = 1; n <= count; n++)); do
    list+=("$n@127.0.0.1:$((KAFKA_CONTROLLER_PORT + (n - 1) * PORT_STEP))")
  done
  local IFS=,; echo "${list[*]}"
}

write_props() {
  local count="$1" replication=1 min_isr=1 io_threads=8
  if [[ "$count" == 3 ]]; then replication=3; min_isr=2; io_threads=4; fi
  mkdir -p "$DATA_DIR" "$LOG_DIR"
  sed -e "s#@NODE_ID@#$NODE#g" \
      -e "s#@VOTERS@#$(voters_of "$count")#g" \
      -e "s#@KAFKA_PORT@#$PORT#g" \
      -e "s#@KAFKA_CONTROLLER_PORT@#$CONTROLLER_PORT#g" \
      -e "s#@DATA_DIR@#$DATA_DIR#g" \
      -e "s#@REPLICATION@#$replication#g" \
      -e "s#@MIN_ISR@#$min_isr#g" \
      -e "s#@IO_THREADS@#$io_threads#g" \
      "$CONF_DIR/server.properties.template" >"$PROPS"
}

# Format only once: meta.properties marks a formatted log dir. The cluster id is kept so a
# wiped-but-not-reset data dir comes back as the same cluster; all nodes of a cluster share it.
format_once() {
  [[ -f "$DATA_DIR/meta.properties" ]] && return 0
  if [[ ! -s "$CLUSTER_ID_FILE" ]]; then
    mkdir -p "$(dirname "$CLUSTER_ID_FILE")"
    run_tool kafka.tools.StorageTool random-uuid >"$CLUSTER_ID_FILE.tmp"
    mv "$CLUSTER_ID_FILE.tmp" "$CLUSTER_ID_FILE"
  fi
  log "kafka: formatting storage of node $NODE (cluster id $(cat "$CLUSTER_ID_FILE"))"
  # Static controller.quorum.voters: no --standalone.
  run_tool kafka.tools.StorageTool format -t "$(cat "$CLUSTER_ID_FILE")" -c "$PROPS" \
    >"$LOG_DIR/format.log" 2>&1 || { cat "$LOG_DIR/format.log" >&2; die "kafka: storage format of node $NODE failed"; }
}

# The pid file points at a live kafka.Kafka (not at a recycled pid of something else). A paused
# (SIGSTOPped) node counts as running.
running() {
  pid_alive "$PIDFILE" && ps -o args= -p "$(cat "$PIDFILE")" 2>/dev/null | grep -q 'kafka\.Kafka'
}

paused() { running && [[ "$(ps -o stat= -p "$(cat "$PIDFILE")" 2>/dev/null)" == T* ]]; }

# Brokers registered and unfenced, by id, as the node on $1 sees them: BrokerApiVersionsCommand sends
# a metadata request and then ApiVersions to every broker listed; a fenced broker is not listed.
unfenced_ids() {
  run_tool org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "$1" 2>/dev/null |
    sed -E -n 's/.*\(id: ([0-9]+) .*/\1/p' | sort -u
}

# A node is ready when it answers on its own port (a KRaft broker opens it only once it caught up
# with the metadata log) and lists itself as unfenced. Asking another node is not enough: right
# after a kill -9 it still lists the dead incarnation until the broker session times out.
node_ready() { port_open 127.0.0.1 "$PORT" && unfenced_ids "127.0.0.1:$PORT" | grep -qx "$NODE"; }

fail_start() {
  log "kafka: $1"
  { echo "--- tail of $LOG_DIR/server.log"; tail -n 40 "$LOG_DIR/server.log" 2>/dev/null || true
    echo "--- tail of $OUT"; tail -n 20 "$OUT" 2>/dev/null || true; } >&2
  die "kafka: node $NODE did not start; logs in $LOG_DIR"
}

# wait_unfenced COUNT N...: until every node N runs, answers and is registered and unfenced.
wait_unfenced() {
  local count="$1"; shift
  local deadline=$((SECONDS + KAFKA_START_TIMEOUT)) n waiting=("$@") still
  while ((${#waiting[@]} > 0)); do
    still=()
    for n in "${waiting[@]}"; do
      use_node "$count" "$n"
      running || fail_start "node $n exited during startup"
      node_ready || still+=("$n")
    done
    waiting=("${still[@]}")
    ((${#waiting[@]} == 0)) && return 0
    if ((SECONDS >= deadline)); then
      use_node "$count" "${waiting[0]}"
      fail_start "node(s) ${waiting[*]} not registered and unfenced after ${KAFKA_START_TIMEOUT}s (left running for inspection; kafka.sh down stops them)"
    fi
    sleep 1
  done
}

heap_opts() {
  if [[ -n "${KAFKA_HEAP_OPTS:-}" ]]; then echo "$KAFKA_HEAP_OPTS"
  elif [[ "$1" == 1 ]]; then echo "-Xms512m -Xmx1g"
  else echo "-Xms256m -Xmx512m"   # three JVMs on a small machine shared with other work
  fi
}

# launch COUNT N: starts node N (formats it first if it never was); does not wait.
launch() {
  local count="$1"
  use_node "$count" "$2"
  if running; then return 0; fi
  rm -f "$PIDFILE"
  if port_open 127.0.0.1 "$PORT" || port_open 127.0.0.1 "$CONTROLLER_PORT"; then
    die "kafka: port $PORT or $CONTROLLER_PORT (node $NODE) is taken by another process (set KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
  fi
  write_props "$count"
  format_once
  log "kafka: starting node $NODE on 127.0.0.1:$PORT (controller $CONTROLLER_PORT, logs in $LOG_DIR)"
  # setsid: own session, so a Ctrl-C in the caller's terminal does not kill the broker.
  # Options as in Kafka's kafka-run-class.sh; no GC log (JVM default is none); crash files go to
  # the logs folder, not the caller's cwd.
  # shellcheck disable=SC2046 # heap opts are a word list on purpose
  setsid "$JAVA" $(heap_opts "$count") \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -XX:ErrorFile="$LOG_DIR/hs_err_%p.log" \
    -Djava.awt.headless=true \
    -Dkafka.logs.dir="$LOG_DIR" -Dlog4j2.configurationFile="$CONF_DIR/log4j2.yaml" \
    -cp "$LIBS/*" kafka.Kafka "$PROPS" >"$OUT" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDFILE"
}

# Node counts with at least one running node (1 = the single-node layout, 3 = the cluster).
running_layouts() {
  local count n
  for count in 1 3; do
    for ((n = 1; n <= count; n++)); do
      use_node "$count" "$n"
      if running; then echo "$count"; break; fi
    done
  done
}

up() {
  lock
  local requested="${TALLY_KAFKA_NODES:-}" count layouts
  [[ -z "$requested" ]] || check_count "$requested"
  layouts="$(running_layouts)"
  if [[ -n "$layouts" ]]; then
    count="$(head -n 1 <<<"$layouts")"
    if [[ -n "$requested" && "$requested" != "$count" ]]; then
      die "kafka: a $count-node Kafka is running; stop it first (pnpm stack:down), then start $requested node(s)"
    fi
  else
    count="${requested:-1}"
  fi
  check_java
  install
  echo "$count" >"$NODES_FILE"
  local t0=$SECONDS n all=()
  for ((n = 1; n <= count; n++)); do launch "$count" "$n"; all+=("$n"); done
  wait_unfenced "$count" "${all[@]}"
  log "kafka: $count node(s) registered and unfenced on $(kafka_bootstrap "$count") ($((SECONDS - t0))s)"
}

down() {
  lock
  local count n pids=()
  for count in 1 3; do
    for ((n = 1; n <= count; n++)); do
      use_node "$count" "$n"
      if running; then
        log "kafka: stopping node $n (pid $(cat "$PIDFILE"))"
        # A paused node cannot act on SIGTERM until it is continued.
        kill -CONT "$(cat "$PIDFILE")" 2>/dev/null || true
        # SIGTERM = controlled shutdown; stop_pid waits 30 s before SIGKILL. In parallel: a node
        # waiting for a controller quorum must not hold up the others.
        stop_pid "$PIDFILE" "kafka node $n" &
        pids+=($!)
      else
        rm -f "$PIDFILE"
      fi
    done
  done
  for n in "${pids[@]}"; do wait "$n"; done
}

status() {
  local count rc=0 n state
  count="$(recorded_nodes)"
  for ((n = 1; n <= count; n++)); do
    use_node "$count" "$n"
    if paused; then state="paused (SIGSTOP) pid $(cat "$PIDFILE")"; rc=3
    elif running; then state="running pid $(cat "$PIDFILE")"
    else state="stopped"; rc=3
    fi
    if [[ "$count" == 1 ]]; then
      echo "kafka: $state on 127.0.0.1:$PORT (controller 127.0.0.1:$CONTROLLER_PORT)"
    else
      echo "kafka node $n: $state on 127.0.0.1:$PORT (controller 127.0.0.1:$CONTROLLER_PORT)"
    fi
  done
  return "$rc"
}

reset() {
  down
  log "kafka: deleting data, logs and cluster ids in $K_DIR (jars kept)"
  use_node 1 1
  rm -rf "$DATA_DIR" "$LOG_DIR" "$CLUSTER_ID_FILE" "$PROPS" "$K_DIR/cluster" "$NODES_FILE"
}

# --- single nodes (fault tools) -----------------------------------------------------------------

# node_arg N: checks N against the deployment in use and points the node variables at it.
node_arg() {
  local count; count="$(recorded_nodes)"
  [[ "${1:-}" =~ ^[0-9]+$ ]] && ((${1} >= 1 && ${1} <= count)) ||
    die "kafka: no node '${1:-}' (nodes 1..$count in use)"
  use_node "$count" "$1"
}

start_node() {
  lock
  node_arg "$1"
  local count; count="$(recorded_nodes)"
  if paused; then die "kafka: node $1 is paused; resume-node $1 instead"; fi
  local t0=$SECONDS
  launch "$count" "$1"
  wait_unfenced "$count" "$1"
  log "kafka: node $1 registered and unfenced ($((SECONDS - t0))s)"
}

signal_node() {
  local signal="$1" what="$2"
  node_arg "$3"
  running || die "kafka: node $3 is not running"
  kill "-$signal" "$(cat "$PIDFILE")"
  log "kafka: node $3 (pid $(cat "$PIDFILE")) $what"
}

kill_node() {
  signal_node KILL killed "$1"
  # Wait until it is gone, so that a restart right after finds the ports free.
  local pid; pid="$(cat "$PIDFILE")"
  while proc_alive "$pid"; do sleep 0.1; done
}

# TopicCommand --describe of exactly these topics (--topic takes a regular expression).
describe_topics() {
  (($# > 0)) || die "kafka: name at least one topic"
  local topics=() t
  for t in "$@"; do topics+=("$(sed 's/[.[\*^$()+?{|]/\\&/g' <<<"$t")"); done
  local IFS='|'
  run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$(kafka_bootstrap "$(recorded_nodes)")" \
    --describe --topic "^(${topics[*]})\$"
}

# Counts partitions led per node over the topics, prints the top node on stdout and every node's
# count on stderr.
leader() {
  describe_topics "$@" |
    sed -E -n 's/.*Partition: [0-9]+.*Leader: ([0-9]+).*/\1/p' | sort | uniq -c | sort -k1,1nr -k2,2n |
    awk 'NR == 1 { top = $2 } { printf "node %s leads %s\n", $2, $1 > "/dev/stderr" } END { if (top == "") exit 1; print top }'
}

# Prints "<topic> <replication factor>" for each of the topics.
replication() {
  describe_topics "$@" | sed -E -n 's/^Topic: ([^[:space:]]+).*ReplicationFactor: ([0-9]+).*/\1 \2/p'
}

case "${1:-}" in
  install) check_java; lock; install ;;
  up) up ;;
  down) down ;;
  status) status ;;
  reset) reset ;;
  bootstrap) kafka_bootstrap "$(recorded_nodes)" ;;
  start-node) start_node "${2:-}" ;;
  kill-node) kill_node "${2:-}" ;;
  pause-node) signal_node STOP "paused (SIGSTOP)" "${2:-}" ;;
  resume-node) signal_node CONT "resumed (SIGCONT)" "${2:-}" ;;
  wait-node) node_arg "${2:-}"; wait_unfenced "$(recorded_nodes)" "$2"; log "kafka: node $2 registered and unfenced" ;;
  leader) shift; leader "$@" ;;
  replication) shift; replication "$@" ;;
  *) echo "usage: $0 install|up|down|status|reset|bootstrap|start-node N|kill-node N|pause-node N|resume-node N|wait-node N|leader TOPIC...|replication TOPIC..." >&2; exit 2 ;;
esac
