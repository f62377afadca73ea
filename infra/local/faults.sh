#!/usr/bin/env bash
# Fault injection on the local stack, for the fault drill (packages/e2e, `pnpm test:faults`) and by
# hand. Each command does one thing and returns once it is done (a start: once the part is ready).
#
#   faults.sh broker-kill N        kill -9 Kafka node N (a crash; its data stays)
#   faults.sh broker-start N       start node N again without re-formatting; waits until it is
#                                  registered and unfenced
#   faults.sh broker-pause N       SIGSTOP node N (a hung node: sockets open, no answers)
#   faults.sh broker-resume N      SIGCONT node N; waits until it is registered and unfenced again
#   faults.sh broker-leader TOPIC...  the node that leads the most partitions of these topics
#   faults.sh topic-replication TOPIC...  "<topic> <replication factor>" per topic
#   faults.sh cluster-stop         every Kafka node down (SIGTERM in parallel, SIGKILL after 30 s)
#   faults.sh cluster-start        every Kafka node up again; waits until all are unfenced
#   faults.sh registry-stop|registry-start
#   faults.sh postgres-stop|postgres-start   (the registry stores its schemas there too)
#   faults.sh nodes                the node count in use, then the bootstrap list
#
# Same environment as the stack scripts (ports, TALLY_STATE_DIR).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
here="$(dirname "${BASH_SOURCE[0]}")"

nodes() { cat "$STATE_DIR/kafka/nodes" 2>/dev/null || echo 1; }

case "${1:-}" in
  broker-kill) bash "$here/kafka.sh" kill-node "${2:-}" ;;
  broker-start) bash "$here/kafka.sh" start-node "${2:-}" ;;
  broker-pause) bash "$here/kafka.sh" pause-node "${2:-}" ;;
  broker-resume)
    bash "$here/kafka.sh" resume-node "${2:-}"
    bash "$here/kafka.sh" wait-node "$2"
    ;;
  broker-leader) shift; bash "$here/kafka.sh" leader "$@" ;;
  topic-replication) shift; bash "$here/kafka.sh" replication "$@" ;;
  cluster-stop) bash "$here/kafka.sh" down ;;
  cluster-start) TALLY_KAFKA_NODES="$(nodes)" bash "$here/kafka.sh" up ;;
  registry-stop) bash "$here/registry.sh" down ;;
  registry-start) bash "$here/registry.sh" up ;;
  postgres-stop) bash "$here/postgres.sh" down ;;
  postgres-start) bash "$here/postgres.sh" up ;;
  nodes) nodes; bash "$here/kafka.sh" bootstrap ;;
  *)
    sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
