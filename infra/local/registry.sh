#!/usr/bin/env bash
# AxonOps Schema Registry (Confluent-compatible REST API, Go) for the local stack.
#
#   registry.sh install|up|down|status|reset
#
# Binary: $STATE_DIR/registry/bin/schema-registry   Log: $STATE_DIR/registry/registry.log
# Listens on 127.0.0.1:${SCHEMA_REGISTRY_PORT:-8081}; stores schemas in the database
# schema_registry of the private cluster from postgres.sh (it creates its own tables).
# Default (global) compatibility: BACKWARD, as Confluent. With PostgreSQL storage the
# registry's own default setting is ignored (its migration inserts a global BACKWARD row),
# so when SCHEMA_REGISTRY_COMPATIBILITY_LEVEL is set, `up` applies it with PUT /config.
set -euo pipefail
source "$(dirname "$0")/common.sh"

# v0.2.1 is the newest release tag. The v0.4.0-mcp-* tags are prereleases and the Go
# proxy refuses to serve them; v0.3.0-feature-parity is a milestone tag, not a release.
SR_MODULE=github.com/axonops/axonops-schema-registry
SR_VERSION="${TALLY_SR_VERSION:-v0.2.1}"

SR_PORT="${SCHEMA_REGISTRY_PORT:-8081}"
SR_COMPAT="${SCHEMA_REGISTRY_COMPATIBILITY_LEVEL:-}"
PG_PORT="${TALLY_PG_PORT:-5432}"
SR_DIR="$STATE_DIR/registry"
SR_BIN="$INSTALL_DIR/registry/bin/schema-registry"
SR_PID="$SR_DIR/registry.pid"
SR_LOG="$SR_DIR/registry.log"
SR_URL="http://127.0.0.1:$SR_PORT"
PG_SH="$(dirname "$0")/postgres.sh"

# Module version compiled into the binary ("mod" or "dep" line of go version -m).
installed_version() { go version -m "$SR_BIN" 2>/dev/null | awk -v m="$SR_MODULE" '$2 == m { print $3 }'; }

cmd_install() {
  if [[ -x "$SR_BIN" && "$(installed_version)" == "$SR_VERSION" ]]; then return 0; fi
  log "building $SR_MODULE/cmd/schema-registry@$SR_VERSION"
  mkdir -p "$(dirname "$SR_BIN")"
  # -X main.version makes `schema-registry -version` and the API report the tag, not "dev".
  go_build_pinned "$SR_MODULE/cmd/schema-registry" "$SR_VERSION" "$SR_BIN" \
    "$INSTALL_DIR/registry/install.log" -ldflags "-X main.version=$SR_VERSION"
  log "installed $SR_BIN ($SR_VERSION)"
}

http_code() { curl -s -o /dev/null -m 2 -w '%{http_code}' "$SR_URL$1" 2>/dev/null || true; }
answering() { [[ "$(http_code /subjects)" == 200 ]]; }

cmd_up() {
  cmd_install
  bash "$PG_SH" up
  mkdir -p "$SR_DIR"
  if pid_alive "$SR_PID"; then
    wait_for "schema registry on $SR_URL" 60 answering
    apply_global_compat
    log "schema registry already running on $SR_URL"; return 0
  fi
  rm -f "$SR_PID"
  if port_open 127.0.0.1 "$SR_PORT"; then die "127.0.0.1:$SR_PORT is taken by another process (set SCHEMA_REGISTRY_PORT)"; fi
  log "starting schema registry on $SR_URL"
  # Configured through its env overrides only (no config file: it would run os.ExpandEnv on it).
  (
    export SCHEMA_REGISTRY_HOST=127.0.0.1 SCHEMA_REGISTRY_PORT="$SR_PORT" \
      SCHEMA_REGISTRY_STORAGE_TYPE=postgresql SCHEMA_REGISTRY_COMPATIBILITY_LEVEL="${SR_COMPAT:-BACKWARD}" \
      SCHEMA_REGISTRY_PG_HOST=127.0.0.1 SCHEMA_REGISTRY_PG_PORT="$PG_PORT" \
      SCHEMA_REGISTRY_PG_DATABASE=schema_registry SCHEMA_REGISTRY_PG_USER=tally \
      SCHEMA_REGISTRY_PG_PASSWORD=tally SCHEMA_REGISTRY_PG_SSLMODE=disable
    # setsid + no stdin: its own session, so it outlives the calling shell and its Ctrl-C.
    setsid "$SR_BIN" </dev/null >>"$SR_LOG" 2>&1 &
    echo $! >"$SR_PID"
  )
  wait_started "schema registry on $SR_URL" "$SR_PID" "$SR_LOG" 60 answering
  apply_global_compat
  log "schema registry up: $SR_URL (pid $(cat "$SR_PID"))"
}

apply_global_compat() {
  [[ -n "$SR_COMPAT" ]] || return 0
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
    --data "{\"compatibility\":\"$SR_COMPAT\"}" "$SR_URL/config")"
  [[ "$code" == 200 ]] || die "PUT /config compatibility=$SR_COMPAT failed (HTTP $code)"
  log "global compatibility set to $SR_COMPAT"
}

cmd_down() {
  if pid_alive "$SR_PID"; then log "stopping schema registry"; else log "schema registry not running"; fi
  stop_pid "$SR_PID" "schema registry"
}

cmd_status() {
  if pid_alive "$SR_PID"; then
    if answering; then echo "schema registry: running on $SR_URL (pid $(cat "$SR_PID"))"; exit 0; fi
    # e.g. postgres is down: GET /subjects then answers 500.
    echo "schema registry: process $(cat "$SR_PID") up but $SR_URL/subjects not answering 200"; exit 3
  fi
  echo "schema registry: stopped"; exit 3
}

cmd_reset() {
  cmd_down
  # Dropping needs the cluster up; FORCE ends any leftover connections (PG 13+).
  bash "$PG_SH" up
  log "dropping and recreating database schema_registry"
  bash "$PG_SH" psql -d postgres -c 'DROP DATABASE IF EXISTS schema_registry WITH (FORCE)' \
    -c 'CREATE DATABASE schema_registry OWNER tally'
}

case "${1:-}" in
  install) cmd_install ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  *) echo "usage: $0 install|up|down|status|reset" >&2; exit 2 ;;
esac
