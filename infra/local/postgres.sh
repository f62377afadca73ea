#!/usr/bin/env bash
# Private PostgreSQL cluster for the local stack (not Debian's default cluster).
#
#   postgres.sh install|up|down|status|reset|psql [psql args...]
#
# Data:   $STATE_DIR/postgres/data      Log: $STATE_DIR/postgres/postgres.log
# Socket: $STATE_DIR/postgres/run       TCP: 127.0.0.1:${TALLY_PG_PORT:-5432}
# Superuser `tally` (password `tally`), auth trust on the socket and loopback (dev only).
# Databases: tally, schema_registry.
#
# PostgreSQL refuses to run as root, so when run as root the server runs as the
# `postgres` OS user and only $STATE_DIR/postgres is chowned to it. If that user
# cannot traverse the path to $STATE_DIR (e.g. a repo under /root), the cluster
# lives in /var/lib/tally-local/<hash of STATE_DIR>/postgres instead and
# $STATE_DIR/postgres is a symlink to it.
set -euo pipefail
source "$(dirname "$0")/common.sh"

PG_PORT="${TALLY_PG_PORT:-5432}"
PG_OS_USER="${TALLY_PG_OS_USER:-postgres}"
PG_SUPERUSER=tally
PG_PASSWORD=tally
PG_LINK="$STATE_DIR/postgres"

# --- binaries -----------------------------------------------------------------

# find_bindir: prints a directory holding initdb, pg_ctl and postgres.
# Prefers the major version an existing data dir was made with.
find_bindir() {
  local cands=() d
  if [[ -f "$PG_LINK/data/PG_VERSION" ]]; then
    cands+=("/usr/lib/postgresql/$(cat "$PG_LINK/data/PG_VERSION")/bin")
  fi
  if command -v pg_config >/dev/null 2>&1; then
    # Debian's pg_config wrapper reports the newest server; libpq-dev's alone says /usr/bin.
    cands+=("$(pg_config --bindir 2>/dev/null || true)")
  fi
  # Newest major first.
  while IFS= read -r d; do cands+=("$d"); done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -rn)
  if command -v initdb >/dev/null 2>&1; then cands+=("$(dirname "$(command -v initdb)")"); fi
  for d in "${cands[@]}"; do
    if [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]; then
      printf '%s\n' "$d"; return 0
    fi
  done
  return 1
}

# ensure_binaries: sets BINDIR, installing Debian's postgresql package if no server is found.
ensure_binaries() {
  if BINDIR="$(find_bindir)"; then return 0; fi
  [[ $EUID -eq 0 ]] || die "PostgreSQL server binaries not found; install the 'postgresql' package (needs root)"
  log "installing Debian package postgresql"
  # Keep the package from starting Debian's default cluster on 5432 (no init system here
  # anyway); policy-rc.d exit 101 = "action forbidden". Only ours if none existed.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; own_policy=1; fi
  local rc=0
  {
    export DEBIAN_FRONTEND=noninteractive
    # The package lists may be missing on a fresh machine.
    apt-get install -y -q --no-install-recommends postgresql >/dev/null ||
      { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends postgresql >/dev/null; }
  } || rc=$?
  if ((own_policy)); then rm -f "$policy"; fi
  ((rc == 0)) || die "apt-get install postgresql failed ($rc)"
  BINDIR="$(find_bindir)" || die "postgresql installed but initdb/pg_ctl/postgres not found"
}

cmd_install() { ensure_binaries; log "postgres binaries: $BINDIR"; }

# --- paths and the unprivileged user -----------------------------------------

as_pg() { # run a command as the cluster's OS user, from a directory it can enter
  if [[ $EUID -eq 0 ]]; then (cd / && runuser -u "$PG_OS_USER" -- "$@"); else "$@"; fi
}

ensure_os_user() {
  [[ $EUID -eq 0 ]] || return 0
  id -u "$PG_OS_USER" >/dev/null 2>&1 && return 0
  log "creating system user $PG_OS_USER"
  useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash "$PG_OS_USER"
}

# resolve_pg_dir: sets PG_DIR (the real directory) and makes it owned by the cluster user.
resolve_pg_dir() {
  mkdir -p "$STATE_DIR"
  if [[ -L "$PG_LINK" ]]; then
    PG_DIR="$(readlink -f "$PG_LINK")"
  elif [[ $EUID -ne 0 ]] || as_pg test -x "$STATE_DIR" || { chmod o+x "$STATE_DIR" && as_pg test -x "$STATE_DIR"; }; then
    # The repo path is traversable (we only ever widen our own .local dir, never its parents).
    PG_DIR="$PG_LINK"
  else
    local key; key="$(printf '%s' "$STATE_DIR" | cksum | cut -d' ' -f1)"
    PG_DIR="/var/lib/tally-local/$key/postgres"
    log "user $PG_OS_USER cannot reach $STATE_DIR; cluster lives in $PG_DIR ($PG_LINK links to it)"
    [[ -e "$PG_LINK" ]] && die "$PG_LINK exists but $PG_OS_USER cannot reach it; remove it"
    mkdir -p "$PG_DIR"; chmod 755 /var/lib/tally-local "$(dirname "$PG_DIR")"
    ln -s "$PG_DIR" "$PG_LINK"
  fi
  mkdir -p "$PG_DIR"
  if [[ $EUID -eq 0 ]]; then chown "$PG_OS_USER:" "$PG_DIR"; fi
  chmod 755 "$PG_DIR"   # root-side tools (and the log) stay readable
  set_paths
  # The server (as $PG_OS_USER) appends to the log, so that user must own it.
  touch "$LOGFILE"; if [[ $EUID -eq 0 ]]; then chown "$PG_OS_USER:" "$LOGFILE"; fi
  as_pg mkdir -p "$SOCK"
}

set_paths() {
  DATA="$PG_DIR/data"; LOGFILE="$PG_DIR/postgres.log"; SOCK="$PG_DIR/run"
  # Unix socket paths are limited to 107 bytes; a deep checkout would break the socket.
  if (( ${#SOCK} + 17 > 107 )); then SOCK="/tmp/tally-pg-$(printf '%s' "$PG_DIR" | cksum | cut -d' ' -f1)"; fi
}

paths_only() { # like resolve_pg_dir but creates nothing (for status/down)
  if [[ -L "$PG_LINK" ]]; then PG_DIR="$(readlink -f "$PG_LINK")"; else PG_DIR="$PG_LINK"; fi
  set_paths
}

# --- cluster ------------------------------------------------------------------

# pg_ctl status trusts kill -0, which also succeeds on a killed postmaster that PID 1
# has not reaped yet (a zombie), so check the process state too (proc_alive, common.sh).
running() {
  [[ -f "$DATA/PG_VERSION" ]] && as_pg "$BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1 &&
    proc_alive "$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null)"
}
ready() { "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres; }

run_psql() { # psql as the superuser over the private socket
  "$BINDIR/psql" -X -q -h "$SOCK" -p "$PG_PORT" -U "$PG_SUPERUSER" -v ON_ERROR_STOP=1 "$@"
}

init_cluster() {
  log "initdb $DATA"
  local pw; pw="$(mktemp)"; printf '%s\n' "$PG_PASSWORD" >"$pw"
  if [[ $EUID -eq 0 ]]; then chown "$PG_OS_USER" "$pw"; fi
  # Locale C keeps initdb independent of the machine's generated locales.
  as_pg "$BINDIR/initdb" -D "$DATA" -U "$PG_SUPERUSER" --pwfile="$pw" -E UTF8 --no-locale \
    --auth-local=trust --auth-host=trust >>"$LOGFILE" 2>&1 || { rm -f "$pw"; die "initdb failed, see $LOGFILE"; }
  rm -f "$pw"
  # Our settings live in a file rewritten on every `up`, so a changed TALLY_PG_PORT takes effect.
  as_pg sh -c "echo \"include_if_exists = 'tally.conf'\" >>'$DATA/postgresql.conf'"
}

write_conf() {
  as_pg tee "$DATA/tally.conf" >/dev/null <<EOF
# Written by infra/local/postgres.sh on every up; edits are lost.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$SOCK'
EOF
}

ensure_databases() {
  # Idempotent: the role exists after initdb -U tally, but a cluster made otherwise may lack it.
  run_psql -d postgres <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tally') THEN
    CREATE ROLE tally LOGIN SUPERUSER PASSWORD 'tally';
  END IF;
END $$;
SELECT 'CREATE DATABASE tally OWNER tally' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'tally')\gexec
SELECT 'CREATE DATABASE schema_registry OWNER tally' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'schema_registry')\gexec
SQL
}

cmd_up() {
  ensure_binaries
  ensure_os_user
  resolve_pg_dir
  if running; then
    wait_for "postgres on 127.0.0.1:$PG_PORT" 60 ready
    ensure_databases
    log "postgres already running on 127.0.0.1:$PG_PORT"; return 0
  fi
  if port_open 127.0.0.1 "$PG_PORT"; then die "127.0.0.1:$PG_PORT is taken by another process (set TALLY_PG_PORT)"; fi
  if [[ ! -f "$DATA/PG_VERSION" ]]; then init_cluster; fi
  # A killed postmaster left unreaped (zombie) still passes postgres' own kill -0 lock checks,
  # so it would refuse to start; the process is gone, so drop its lock files (postgres still
  # checks that no orphaned backend holds the shared memory).
  local lock oldpid
  for lock in "$DATA/postmaster.pid" "$SOCK"/.s.PGSQL.*.lock; do
    oldpid="$(head -n 1 "$lock" 2>/dev/null || true)"
    if [[ -n "$oldpid" ]] && ! proc_alive "$oldpid"; then
      log "removing $lock of dead postmaster $oldpid"; rm -f "$lock" "${lock%.lock}"
    fi
  done
  write_conf
  log "starting postgres on 127.0.0.1:$PG_PORT"
  as_pg "$BINDIR/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 60 start >/dev/null ||
    { tail -n 20 "$LOGFILE" >&2 || true; die "postgres did not start, see $LOGFILE"; }
  wait_for "postgres on 127.0.0.1:$PG_PORT" 60 ready
  ensure_databases
  log "postgres up: postgresql://tally:tally@127.0.0.1:$PG_PORT/tally"
}

cmd_down() {
  paths_only
  BINDIR="$(find_bindir)" || { log "no postgres binaries, nothing to stop"; return 0; }
  if running; then
    log "stopping postgres"
    as_pg "$BINDIR/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
  else
    log "postgres not running"
  fi
}

cmd_status() {
  paths_only
  BINDIR="$(find_bindir)" || { echo "postgres: not installed"; exit 3; }
  if running && ready; then echo "postgres: running on 127.0.0.1:$PG_PORT (data $DATA)"; exit 0; fi
  echo "postgres: stopped"; exit 3
}

cmd_reset() {
  cmd_down
  paths_only
  log "deleting $DATA"
  rm -rf "$DATA"
  if [[ "$SOCK" != "$PG_DIR"/* ]]; then rm -rf "$SOCK"; fi
}

cmd_psql() {
  paths_only
  BINDIR="$(find_bindir)" || die "postgres not installed"
  run_psql "$@"
}

case "${1:-}" in
  install) cmd_install ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  psql) shift; cmd_psql "$@" ;;
  *) echo "usage: $0 install|up|down|status|reset|psql [args]" >&2; exit 2 ;;
esac
