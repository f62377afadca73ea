#!/usr/bin/env bash
# The whole local stack: PostgreSQL, Kafka (one node, or a three-node cluster), the Schema Registry,
# the token issuer's key pair (auth.sh) and the audit's digest signing key (audit-key.sh); keys are
# made once and kept by down and reset. The trace viewer (zipkin.sh) starts on its own
# (`pnpm trace:up`); `down` and `reset` stop it too.
# Usage: stack.sh up [--brokers 1|3] | down | status | reset | install
#   up --brokers 3   Kafka as a three-node KRaft cluster (same as TALLY_KAFKA_NODES=3); the default is
#                    one node, or the node count already running
#   reset            stops the demo's services and the stack, deletes the data of Kafka, PostgreSQL
#                    and the registry, and what was built from it: the demo's read models
#                    ($STATE_DIR/demo/data) and the default SQLite files of `pnpm dev`
#                    ($STATE_DIR/projector, $STATE_DIR/audit), whose stored offsets belong to the
#                    deleted topics
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
here="$(dirname "${BASH_SOURCE[0]}")"

cmd="${1:-status}"
shift || true
while (($# > 0)); do
  case "$1" in
    --brokers) [[ $# -ge 2 ]] || die "--brokers needs a value (1 or 3)"; export TALLY_KAFKA_NODES="$2"; shift 2 ;;
    --brokers=*) export TALLY_KAFKA_NODES="${1#--brokers=}"; shift ;;
    *) die "unknown option '$1' (only: --brokers 1|3, with up)" ;;
  esac
done

case "$cmd" in
  install)
    bash "$here/kafka.sh" install
    bash "$here/postgres.sh" install
    bash "$here/registry.sh" install
    ;;
  up)
    # The brokers' JVM start is the slowest part, so it runs beside PostgreSQL and the registry.
    bash "$here/kafka.sh" up &
    kafka_pid=$!
    bash "$here/postgres.sh" up
    bash "$here/registry.sh" up
    bash "$here/auth.sh" up
    bash "$here/audit-key.sh" up
    wait "$kafka_pid" || die "Kafka did not come up (see $STATE_DIR/kafka/logs, or $STATE_DIR/kafka/cluster/node-*/logs)"
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
    bash "$here/audit-key.sh" status || true
    exit "$rc"
    ;;
  reset)
    # The demo's services read the topics about to be deleted: stop them first.
    bash "$here/services.sh" down
    bash "$here/zipkin.sh" down
    bash "$here/registry.sh" down
    bash "$here/kafka.sh" reset
    bash "$here/postgres.sh" reset
    # Read models built from the deleted topics hold their offsets; a new topic of the same name
    # would be read from those offsets (skipping events). PostgreSQL read models went with its data.
    for derived in "$STATE_DIR/demo/data" "$STATE_DIR/projector" "$STATE_DIR/audit"; do
      if [[ -e "$derived" ]]; then log "deleting $derived (built from the deleted topics)"; rm -rf "$derived"; fi
    done
    ;;
  *)
    die "unknown command '$cmd': use up [--brokers 1|3], down, status, reset or install"
    ;;
esac
