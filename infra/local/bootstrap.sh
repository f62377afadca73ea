#!/usr/bin/env bash
# Installs what the repository needs on a fresh machine that has Node 20, JDK 17 with Maven and Go:
# the pinned pnpm and the workspace's dependencies. The stack scripts install the rest.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$STACK_ROOT"

for tool in node java mvn go; do
  command -v "$tool" >/dev/null || die "'$tool' is missing: install Node 20, JDK 17 with Maven, and Go first"
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
((node_major >= 20)) || die "Node 20 or newer is required, found $(node -v)"

# The pnpm version is pinned by package.json's packageManager field.
wanted_pnpm="$(node -p 'require("./package.json").packageManager.split("@")[1]')"
if [[ "$(pnpm -v 2>/dev/null || true)" != "$wanted_pnpm" ]]; then
  log "installing pnpm $wanted_pnpm"
  npm install --global --no-fund --no-audit "pnpm@$wanted_pnpm" >/dev/null
fi

log "installing workspace dependencies"
pnpm install --frozen-lockfile
