#!/usr/bin/env bash
# `pnpm test:faults`: the fault drill of packages/e2e (test/faults.drill.ts) on the three-node Kafka
# cluster. Brings the stack up with three brokers if it is not (refuses while a single node runs),
# builds the services (the drill runs their built output), then runs the drill. Not part of CI.
#
#   pnpm test:faults [--profile full|short] [--only FAULT[,FAULT...]] [--list]
#
# Faults: broker-kill, broker-pause, cluster-restart, registry-stop, postgres-stop, kill-intake,
# kill-projector, kill-audit. Report and service logs: $STATE_DIR/faults/<time>/.
# Env: FAULTS_PORT (first of four consecutive ports for the services; default: free ports),
# FAULTS_READY_BOUND_S (90: longest wait for every service to be ready again after a heal),
# FAULTS_KEEP=1 (keep the topics and databases for a post-mortem).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
here="$(dirname "${BASH_SOURCE[0]}")"
cd "$STACK_ROOT"

profile=full
only=""
while (($# > 0)); do
  case "$1" in
    --profile) profile="${2:-}"; shift 2 ;;
    --profile=*) profile="${1#--profile=}"; shift ;;
    --only) only="${2:-}"; shift 2 ;;
    --only=*) only="${1#--only=}"; shift ;;
    --list) sed -n '8,9p' "${BASH_SOURCE[0]}" | sed 's/^# //'; exit 0 ;;
    *) die "unknown option '$1': --profile full|short, --only FAULT[,FAULT...], --list" ;;
  esac
done
[[ "$profile" == full || "$profile" == short ]] || die "--profile must be full or short, not '$profile'"

bash "$here/stack.sh" up --brokers 3
log "build the services (turbo, cached)"
pnpm exec turbo run build --output-logs=errors-only --filter=@tally/intake --filter=@tally/projector --filter=@tally/audit >/dev/null

export KAFKA_BROKERS
KAFKA_BROKERS="$(bash "$here/kafka.sh" bootstrap)"
export FAULTS_PROFILE="$profile" FAULTS_ONLY="$only"
log "fault drill ($profile${only:+, only $only}) on $KAFKA_BROKERS"
cd packages/e2e
exec pnpm exec vitest run -c vitest.faults.config.ts
