#!/usr/bin/env bash
# A second, separate Kafka node that requires SASL/SCRAM-SHA-512 and enforces ACLs: one SCRAM user
# per service (intake, projector, audit) and `admin`, the only super user. The local stack and the
# demo stay on the PLAINTEXT node of kafka.sh; this one proves the services' least privilege
# (packages/kafka/test/scram-acl.int.test.ts) and lets a service be run with credentials by hand.
# It shares the jars of kafka.sh and keeps everything else in $STATE_DIR/kafka-scram.
#
#   kafka-scram.sh up          make passwords (first time), format with the SCRAM users, start, wait,
#                              then apply the services' ACLs (default topic and group names)
#   kafka-scram.sh down        graceful stop
#   kafka-scram.sh status      "running ..." exit 0, "stopped" exit 3
#   kafka-scram.sh reset       down, then delete data, logs and passwords
#   kafka-scram.sh env USER [tls]  the client env of USER (intake, projector, audit or admin):
#                              KAFKA_BROKERS and KAFKA_SASL_* lines (with `tls`: the SASL_SSL
#                              listener, KAFKA_SSL=true and KAFKA_SSL_CA_FILE), for `env $(...)`
#
# Env: KAFKA_SCRAM_PORT (KAFKA_PORT + 3, so 9095), KAFKA_SCRAM_CONTROLLER_PORT (KAFKA_PORT + 4),
#      KAFKA_SCRAM_SSL_PORT (KAFKA_PORT + 7: + 5 and + 6 are the ACL test's ports),
#      KAFKA_SCRAM_ACLS (true; false skips the ACLs, as the test applies its own),
#      KAFKA_START_TIMEOUT seconds (90), JAVA_HOME, TALLY_STATE_DIR, TALLY_INSTALL_DIR (common.sh).
set -euo pipefail
source "$(dirname "$0")/common.sh"

# The SCRAM users: one per service, and admin (the broker itself and the ACL tool).
USERS=(admin intake projector audit)
HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="$STATE_DIR/kafka-scram"
LIBS="$INSTALL_DIR/kafka/libs"
PORT="${KAFKA_SCRAM_PORT:-$((${KAFKA_PORT:-9092} + 3))}"
CONTROLLER_PORT="${KAFKA_SCRAM_CONTROLLER_PORT:-$((${KAFKA_PORT:-9092} + 4))}"
SSL_PORT="${KAFKA_SCRAM_SSL_PORT:-$((${KAFKA_PORT:-9092} + 7))}"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
TLS_DIR="$DIR/tls"
PASSWORDS="$DIR/passwords"
PROPS="$DIR/server.properties"
ADMIN_CONFIG="$DIR/admin.properties"
PIDFILE="$DIR/kafka.pid"
if [[ -n "${JAVA_HOME:-}" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi

lock() { mkdir -p "$DIR"; exec 9>"$DIR/.lock"; flock -w 300 9 || die "another kafka-scram.sh holds $DIR/.lock"; }

tool() {
  "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$HERE/kafka/log4j2-tools.yaml" \
    -cp "$LIBS/*" "$@"
}

password_of() {
  sed -n "s/^$1=//p" "$PASSWORDS" 2>/dev/null | grep . || die "kafka-scram: no password for '$1' (known: ${USERS[*]}; run up first)"
}

# Random passwords, made once and readable by this user only.
make_passwords() {
  [[ -s "$PASSWORDS" ]] && return 0
  (umask 077; for user in "${USERS[@]}"; do
    echo "$user=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  done >"$PASSWORDS")
}

# A self-signed certificate for 127.0.0.1, made once: the broker's key and chain in one PEM file
# (unencrypted PKCS#8, as Kafka's PEM key store takes it), the certificate alone as clients' CA.
make_certificate() {
  [[ -s "$TLS_DIR/broker.pem" ]] && return 0
  mkdir -p "$TLS_DIR"
  (umask 077
   openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=127.0.0.1" \
     -addext "subjectAltName=IP:127.0.0.1" -keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/ca.pem" \
     >"$DIR/logs/openssl.log" 2>&1 || { cat "$DIR/logs/openssl.log" >&2; die "kafka-scram: openssl failed"; }
   cat "$TLS_DIR/key.pem" "$TLS_DIR/ca.pem" >"$TLS_DIR/broker.pem"
   rm -f "$TLS_DIR/key.pem")
  chmod 644 "$TLS_DIR/ca.pem"
}

write_configs() {
  local admin; admin="$(password_of admin)" || exit 1
  mkdir -p "$DIR/data" "$DIR/logs"
  (umask 077
   sed -e "s#@PORT@#$PORT#g" -e "s#@CONTROLLER_PORT@#$CONTROLLER_PORT#g" -e "s#@SSL_PORT@#$SSL_PORT#g" \
       -e "s#@TLS_DIR@#$TLS_DIR#g" \
       -e "s#@DATA_DIR@#$DIR/data#g" -e "s#@ADMIN_PASSWORD@#$admin#g" \
       "$HERE/kafka/scram.properties.template" >"$PROPS"
   printf '%s\n' "security.protocol=SASL_PLAINTEXT" "sasl.mechanism=SCRAM-SHA-512" \
     "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$admin\";" \
     >"$ADMIN_CONFIG")
}

# The SCRAM users exist from the first metadata record on: no window without them.
format_once() {
  [[ -f "$DIR/data/meta.properties" ]] && return 0
  local args=() user
  for user in "${USERS[@]}"; do args+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(password_of "$user")]"); done
  tool kafka.tools.StorageTool format -t "$(tool kafka.tools.StorageTool random-uuid)" -c "$PROPS" "${args[@]}" \
    >"$DIR/logs/format.log" 2>&1 || { cat "$DIR/logs/format.log" >&2; die "kafka-scram: storage format failed"; }
}

running() { pid_alive "$PIDFILE" && ps -o args= -p "$(cat "$PIDFILE")" 2>/dev/null | grep -q 'kafka\.Kafka'; }

# Registered and unfenced, asked as admin over SCRAM (so authentication works too).
ready() {
  tool org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "127.0.0.1:$PORT" \
    --command-config "$ADMIN_CONFIG" 2>/dev/null | grep -q "(id: 1 "
}

wait_ready() {
  local deadline=$((SECONDS + TIMEOUT))
  until port_open 127.0.0.1 "$PORT" && ready; do
    if ! running || ((SECONDS >= deadline)); then
      tail -n 30 "$DIR/logs/server.log" >&2 2>/dev/null || true
      die "kafka-scram: not ready on 127.0.0.1:$PORT; logs in $DIR/logs"
    fi
    sleep 0.5
  done
}

up() {
  lock
  if running; then wait_ready; return 0; fi
  local port
  for port in "$PORT" "$CONTROLLER_PORT" "$SSL_PORT"; do
    port_open 127.0.0.1 "$port" &&
      die "kafka-scram: port $port is taken (set KAFKA_SCRAM_PORT, KAFKA_SCRAM_CONTROLLER_PORT, KAFKA_SCRAM_SSL_PORT)"
  done
  bash "$HERE/kafka.sh" install
  mkdir -p "$DIR/logs"
  make_passwords
  make_certificate
  write_configs
  format_once
  log "kafka-scram: starting on 127.0.0.1:$PORT (SASL/SCRAM-SHA-512, ACLs; logs in $DIR/logs)"
  setsid "$JAVA" -Xms256m -Xmx512m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
    -XX:ErrorFile="$DIR/logs/hs_err_%p.log" -Djava.awt.headless=true \
    -Dkafka.logs.dir="$DIR/logs" -Dlog4j2.configurationFile="$HERE/kafka/log4j2.yaml" \
    -cp "$LIBS/*" kafka.Kafka "$PROPS" >"$DIR/logs/kafka.out" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDFILE"
  wait_ready
  log "kafka-scram: ready on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
  [[ "${KAFKA_SCRAM_ACLS:-true}" == true ]] || return 0
  # shellcheck disable=SC2046 # one VAR=value word per line
  env $(client_env admin) "$STACK_ROOT/node_modules/.bin/tsx" --conditions=@tally/source \
    "$STACK_ROOT/packages/e2e/src/kafka-acls.ts" >"$DIR/logs/acls.log" 2>&1 ||
    { cat "$DIR/logs/acls.log" >&2; die "kafka-scram: applying the ACLs failed"; }
  log "kafka-scram: ACLs of intake, projector and audit applied (see $DIR/logs/acls.log)"
}

client_env() {
  local user="${1:-}"
  [[ -n "$user" ]] || die "usage: kafka-scram.sh env intake|projector|audit|admin"
  local password; password="$(password_of "$user")" || exit 1
  if [[ "${2:-}" == tls ]]; then
    printf '%s\n' "KAFKA_BROKERS=127.0.0.1:$SSL_PORT" "KAFKA_SSL=true" "KAFKA_SSL_CA_FILE=$TLS_DIR/ca.pem"
  else
    printf '%s\n' "KAFKA_BROKERS=127.0.0.1:$PORT"
  fi
  printf '%s\n' "KAFKA_SASL_MECHANISM=scram-sha-512" "KAFKA_SASL_USERNAME=$user" "KAFKA_SASL_PASSWORD=$password"
}

case "${1:-}" in
  up) up ;;
  down) lock; if running; then stop_pid "$PIDFILE" kafka-scram; else rm -f "$PIDFILE"; fi ;;
  status) if running; then echo "kafka-scram: running pid $(cat "$PIDFILE") on 127.0.0.1:$PORT"; else echo "kafka-scram: stopped"; exit 3; fi ;;
  reset) "$0" down; rm -rf "$DIR/data" "$DIR/logs" "$TLS_DIR" "$PASSWORDS" "$PROPS" "$ADMIN_CONFIG" ;;
  env) client_env "${2:-}" "${3:-}" ;;
  *) echo "usage: $0 up|down|status|reset|env USER [tls]" >&2; exit 2 ;;
esac
