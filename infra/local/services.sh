#!/usr/bin/env bash
# The three services as they are deployed: each app is built into a self-contained folder
# (`pnpm deploy --prod`: its dist, its production node_modules, the workspace packages it uses as
# built copies) and runs there as its own background process, with only its own environment.
#
#   services.sh deploy   (re)build the deploy folders in $STATE_DIR/demo/deploy/<app> when changed
#   services.sh up       stop what runs, deploy, start intake, then projector and audit; wait for /readyz
#   services.sh down     SIGTERM each service and wait (SIGKILL after 30 s)
#   services.sh status   one line per service; exit 0 when all three are ready
#
# Needs a build first (`pnpm build`) and the local signing key (`pnpm stack:up`): every service
# trusts the local issuer's JWKS, the audit service signs its own token for the projector. Ports:
# INTAKE_PORT (3001), PROJECTOR_PORT (3002), AUDIT_PORT (3003). Logs: $STATE_DIR/demo/logs/<app>.log;
# pid files: $STATE_DIR/demo/<app>.pid; SQLite files: $STATE_DIR/demo/data. Tracing: the caller's
# OTEL_* variables, else the local trace viewer while it runs (see tracing_env);
# $STATE_DIR/demo/trace-viewer names the viewer's URL.
# TALLY_CPU_PROFILE_DIR: each service writes a V8 CPU profile (--cpu-prof) there when it stops.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$STACK_ROOT"

DEMO_DIR="$STATE_DIR/demo"
DEPLOY_DIR="$DEMO_DIR/deploy"
APPS=(intake projector audit)
KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:${KAFKA_PORT:-9092}}"
SCHEMA_REGISTRY_URL="${SCHEMA_REGISTRY_URL:-http://127.0.0.1:${SCHEMA_REGISTRY_PORT:-8081}}"

port_of() {
  case "$1" in
    intake) echo "${INTAKE_PORT:-3001}" ;;
    projector) echo "${PROJECTOR_PORT:-3002}" ;;
    audit) echo "${AUDIT_PORT:-3003}" ;;
  esac
}

# Tracing (ADR 0010): the caller's OTEL_* variables if it set any; otherwise, while the local trace
# viewer runs (`pnpm trace:up`), spans go there. Without either the services trace nothing.
tracing_env() {
  if env | grep -q '^OTEL_'; then env | grep '^OTEL_'; return 0; fi
  if bash "$STACK_ROOT/infra/local/zipkin.sh" status >/dev/null 2>&1; then
    bash "$STACK_ROOT/infra/local/zipkin.sh" env | sed 's/^export //' | tr ' ' '\n'
    # Spans reach the viewer within a second instead of five.
    echo "OTEL_BSP_SCHEDULE_DELAY=1000"
  fi
}

# The service's own environment, nothing inherited but PATH and HOME: what a deployment would set.
env_of() {
  local app="$1"
  printf '%s\n' "PATH=$PATH" "HOME=$HOME" "NODE_ENV=production" "LOG_LEVEL=${LOG_LEVEL:-info}" \
    "PORT=$(port_of "$app")" "KAFKA_BROKERS=$KAFKA_BROKERS" "SCHEMA_REGISTRY_URL=$SCHEMA_REGISTRY_URL"
  tracing_env
  # Fetch pacing (ADR 0015): the caller's KAFKA_FETCH_INTERVAL_MS, if set.
  env | grep -E '^KAFKA_FETCH_INTERVAL_MS=' || true
  local_auth_env
  case "$app" in
    intake) echo "INTAKE_STATE_DIR=$DEMO_DIR/data/intake-state" ;;
    projector) echo "PROJECTOR_SQLITE_PATH=$DEMO_DIR/data/projector.sqlite" ;;
    audit)
      echo "AUDIT_SQLITE_PATH=$DEMO_DIR/data/audit.sqlite"
      echo "PROJECTOR_URL=http://127.0.0.1:$(port_of projector)"
      # The stack's digest key (audit-key.sh); digests are exported beside the data.
      echo "AUDIT_DIGEST_SIGNING_KEY_FILE=$STATE_DIR/audit/digest-signing-key.pem"
      echo "AUDIT_DIGEST_EXPORT_DIR=$DEMO_DIR/digests"
      echo "AUDIT_DIGEST_INTERVAL_MS=60000"
      echo "AUDIT_WITNESS_INTERVAL_MS=600000"
      local_client_env
      ;;
  esac
}

# A hash of everything a deploy folder is made from: the lockfile, the app's manifest and build
# output, and the built workspace packages (all apps use all four).
inputs_hash() {
  local app="$1"
  {
    sha256sum pnpm-lock.yaml "apps/$app/package.json"
    find "apps/$app/dist" packages/*/dist packages/events/schemas packages/*/package.json \
      -type f -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
}

deploy_one() {
  local app="$1" target="$DEPLOY_DIR/$1" want
  [[ -f "apps/$app/dist/main.js" ]] || die "apps/$app/dist/main.js is missing: run pnpm build first"
  want="$(inputs_hash "$app")"
  if [[ -f "$target/.inputs-hash" && "$(cat "$target/.inputs-hash")" == "$want" ]]; then return 0; fi
  log "deploying $app into $target"
  mkdir -p "$DEPLOY_DIR"
  rm -rf "$target.tmp"
  # --legacy: pnpm 10's default deploy needs inject-workspace-packages=true; the legacy one copies
  # the built workspace packages (their `files`) into the folder without changing the lockfile.
  if ! pnpm --filter "@tally/$app" deploy --prod --legacy "$target.tmp" >"$DEPLOY_DIR/$app.deploy.log" 2>&1; then
    tail -n 20 "$DEPLOY_DIR/$app.deploy.log" >&2
    die "pnpm deploy of $app failed (see $DEPLOY_DIR/$app.deploy.log)"
  fi
  echo "$want" >"$target.tmp/.inputs-hash"
  rm -rf "$target"
  mv "$target.tmp" "$target"
}

cmd_deploy() {
  for app in "${APPS[@]}"; do deploy_one "$app"; done
}

ready() { curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$(port_of "$1")/readyz" 2>/dev/null; }

start_one() {
  local app="$1" port pidfile="$DEMO_DIR/$1.pid" logfile="$DEMO_DIR/logs/$1.log"
  port="$(port_of "$app")"
  if port_open 127.0.0.1 "$port"; then
    die "$app: 127.0.0.1:$port is taken by another process (set ${app^^}_PORT, or pnpm demo:down)"
  fi
  mkdir -p "$DEMO_DIR/logs" "$DEMO_DIR/data"
  # Its own session (a Ctrl-C in this terminal does not reach it), only its own env, its own folder.
  (
    cd "$DEPLOY_DIR/$app"
    mapfile -t vars < <(env_of "$app")
    # TALLY_CPU_PROFILE_DIR: each service writes a V8 CPU profile there when it exits (benchmarks).
    local profile=()
    if [[ -n "${TALLY_CPU_PROFILE_DIR:-}" ]]; then
      mkdir -p "$TALLY_CPU_PROFILE_DIR"
      profile=(--cpu-prof "--cpu-prof-dir=$TALLY_CPU_PROFILE_DIR" "--cpu-prof-name=$app-$(date +%s).cpuprofile")
    fi
    # The tracing bootstrap loads first: it must hook express and pg before the app imports them.
    setsid env -i "${vars[@]}" "$(command -v node)" "${profile[@]}" --import @tally/telemetry/register dist/main.js \
      </dev/null >>"$logfile" 2>&1 &
    echo $! >"$pidfile"
  )
}

wait_ready() {
  local app="$1" pidfile="$DEMO_DIR/$1.pid" deadline=$((SECONDS + 90))
  until ready "$app"; do
    if ! pid_alive "$pidfile"; then
      tail -n 20 "$DEMO_DIR/logs/$app.log" >&2
      die "$app exited during startup (log: $DEMO_DIR/logs/$app.log)"
    fi
    ((SECONDS < deadline)) || die "$app not ready after 90 s (log: $DEMO_DIR/logs/$app.log)"
    sleep 0.2
  done
  log "$app ready on http://127.0.0.1:$(port_of "$app") (pid $(cat "$pidfile"))"
}

cmd_down() {
  local pids=()
  for app in "${APPS[@]}"; do
    if pid_alive "$DEMO_DIR/$app.pid"; then
      log "stopping $app (pid $(cat "$DEMO_DIR/$app.pid"))"
      stop_pid "$DEMO_DIR/$app.pid" "$app" &
      pids+=($!)
    else
      rm -f "$DEMO_DIR/$app.pid"
    fi
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
}

cmd_up() {
  cmd_down
  require_local_auth
  cmd_deploy
  # Where the demo finds the services' traces (npm run demo prints a link), if they send any.
  tracing_env | sed -n 's/^OTEL_EXPORTER_ZIPKIN_ENDPOINT=\(.*\)\/api\/v2\/spans$/\1\/zipkin/p' \
    >"$DEMO_DIR/trace-viewer"
  # The intake creates the topics; the consumers start once they exist.
  start_one intake
  wait_ready intake
  start_one projector
  start_one audit
  wait_ready projector
  wait_ready audit
}

cmd_status() {
  local rc=0
  for app in "${APPS[@]}"; do
    local url="http://127.0.0.1:$(port_of "$app")"
    if pid_alive "$DEMO_DIR/$app.pid" && ready "$app"; then
      echo "$app: ready on $url (pid $(cat "$DEMO_DIR/$app.pid"))"
    elif pid_alive "$DEMO_DIR/$app.pid"; then
      echo "$app: running, not ready on $url/readyz (pid $(cat "$DEMO_DIR/$app.pid"))"; rc=3
    else
      echo "$app: stopped"; rc=3
    fi
  done
  return "$rc"
}

case "${1:-status}" in
  deploy) cmd_deploy ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) die "usage: $0 deploy|up|down|status" ;;
esac
