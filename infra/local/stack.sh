#!/usr/bin/env bash
# The whole local stack: PostgreSQL, the Kafka broker, the Schema Registry and the token issuer's
# key pair (auth.sh; made once, kept by down and reset). The trace viewer (zipkin.sh) starts on its
# own (`pnpm trace:up`); `down` and `reset` stop it too.
# Usage: stack.sh up|down|status|reset|install
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
here="$(dirname "${BASH_SOURCE[0]}")"

cmd="${1:-status}"
case "$cmd" in
  install)
    bash "$here/kafka.sh" install
    bash "$here/postgres.sh" install
    bash "$here/registry.sh" install
    ;;
  up)
    # The broker's JVM start is the slowest part, so it runs beside PostgreSQL and the registry.
    bash "$here/kafka.sh" up &
    kafka_pid=$!
    bash "$here/postgres.sh" up
    bash "$here/registry.sh" up
    bash "$here/auth.sh" up
    wait "$kafka_pid" || die "Kafka did not come up (see $STATE_DIR/kafka/logs)"
    bash "$here/stack.sh" status
    ;;
  down)
    bash "$here/zipkin.sh" down
    bash "$here/registry.sh" down
    bash "$here/kafka.sh" down
    bash "$here/postgres.sh" down
    ;;
  status)
    rc=0
    bash "$here/postgres.sh" status || rc=3
    bash "$here/kafka.sh" status || rc=3
    bash "$here/registry.sh" status || rc=3
    bash "$here/auth.sh" status || true  # a key, not a process: up makes it
    exit "$rc"
    ;;
  reset)
    bash "$here/zipkin.sh" down
    bash "$here/registry.sh" down
    bash "$here/kafka.sh" reset
    bash "$here/postgres.sh" reset
    ;;
  *)
    die "unknown command '$cmd': use up, down, status, reset or install"
    ;;
esac
