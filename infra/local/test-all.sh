#!/usr/bin/env bash
# The README's test command: installs, starts the local stack, builds, type-checks, lints and runs
# every test (unit and against the real broker and registry). A stack that this script started is
# stopped again at the end; one that was already running is left as it was.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
here="$(dirname "${BASH_SOURCE[0]}")"
cd "$STACK_ROOT"

bash "$here/bootstrap.sh"

stack_was_up=false
if bash "$here/stack.sh" status >/dev/null 2>&1; then stack_was_up=true; fi
stop_stack() { if [[ "$stack_was_up" == false ]]; then bash "$here/stack.sh" down; fi; }
trap stop_stack EXIT

bash "$here/stack.sh" up

log "build, typecheck, lint"
pnpm exec turbo run build typecheck lint --output-logs=errors-only
pnpm exec prettier --check --log-level warn .
# Alert rules and dashboard name only catalogued metrics (promtool's checks: pnpm ops:check).
node infra/observability/kit-check.mjs

log "schema check against the local registry"
pnpm --silent schemas check

log "tests"
rm -f .local/test-results.json
status=0
pnpm exec vitest run || status=$?
node "$here/test-summary.mjs" .local/test-results.json || status=1
exit "$status"
