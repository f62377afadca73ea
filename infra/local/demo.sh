#!/usr/bin/env bash
# The README's main job: installs what is missing, brings the local stack up, builds, registers the
# event schemas, starts the three services from their deploy folders (infra/local/services.sh) and
# runs the seed scenario through their HTTP APIs (packages/e2e/src/demo.ts). Idempotent: a rerun
# restarts the services (redeploying only what changed) and runs the scenario on a new account.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
here="$(dirname "${BASH_SOURCE[0]}")"
cd "$STACK_ROOT"

bash "$here/bootstrap.sh"
bash "$here/stack.sh" up

log "build (turbo, cached)"
pnpm exec turbo run build --output-logs=errors-only >/dev/null
log "register the event schemas"
pnpm --silent schemas register

bash "$here/services.sh" up
# The scenario talks to the ports the services were started on (INTAKE_PORT, ...).
INTAKE_URL="http://127.0.0.1:${INTAKE_PORT:-3001}" \
  PROJECTOR_URL="http://127.0.0.1:${PROJECTOR_PORT:-3002}" \
  AUDIT_URL="http://127.0.0.1:${AUDIT_PORT:-3003}" \
  TRACE_VIEWER_URL="$(cat "$STATE_DIR/demo/trace-viewer" 2>/dev/null || true)" \
  pnpm --silent --filter @tally/e2e demo

cat <<MSG

The local stack is running:
  Kafka            127.0.0.1:${KAFKA_PORT:-9092}
  Schema Registry  http://127.0.0.1:${SCHEMA_REGISTRY_PORT:-8081}/subjects
  PostgreSQL       postgres://tally:tally@127.0.0.1:${TALLY_PG_PORT:-5432}/tally
Stop it with: pnpm stack:down
MSG
