#!/usr/bin/env bash
# `pnpm dev`: registers the event schemas and runs the three services from source in watch mode
# (tsx watch, restarted on any change in the app or a workspace package), with one prefixed log
# stream. They trust the local token issuer (the stack's key pair; mint tokens with
# `pnpm --silent run token`), listen on INTAKE_PORT, PROJECTOR_PORT, AUDIT_PORT (3001-3003) and
# keep their SQLite files under .local/. They trace when OTEL_* says where to (README, Observability).
# The audit service signs digests with the stack's key (audit-key.sh) and exports them to
# .local/audit/digests.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
here="$(dirname "${BASH_SOURCE[0]}")"
cd "$STACK_ROOT"

bash "$here/auth.sh" up
bash "$here/audit-key.sh" up
pnpm --silent schemas register

mapfile -t auth < <(local_auth_env)
export "${auth[@]}"
# watch APP PORT [NAME=value …]: the command concurrently runs (through a shell) for one service.
watch() {
  local app="$1" port="$2"
  shift 2
  printf '%q ' env "PORT=$port" "$@" tsx watch --conditions=@tally/source \
    --import @tally/telemetry/register "apps/$app/src/main.ts"
}
mapfile -t client < <(local_client_env)
exec pnpm exec concurrently --names intake,projector,audit --prefix-colors blue,green,magenta \
  "$(watch intake "${INTAKE_PORT:-3001}")" \
  "$(watch projector "${PROJECTOR_PORT:-3002}")" \
  "$(watch audit "${AUDIT_PORT:-3003}" "PROJECTOR_URL=http://127.0.0.1:${PROJECTOR_PORT:-3002}" \
    "AUDIT_DIGEST_SIGNING_KEY_FILE=$STATE_DIR/audit/digest-signing-key.pem" "${client[@]}")"
