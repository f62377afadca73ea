#!/usr/bin/env bash
# Lints and unit-tests the operations kit: the Prometheus alert rules (promtool check rules, and
# promtool test rules against alerts.test.yml), the example scrape configuration, and every query
# of the Grafana dashboard (each one parsed by promtool as a recording rule). Also checks that
# every tally_* metric the kit uses is in the catalogue of docs/adr/0011.
#
# promtool is built once from its Go module at a pinned version into $INSTALL_DIR/promtool, without
# the service-discovery plugins (build tag remove_all_sd: static and file discovery stay), which
# are most of Prometheus' dependencies and of its build time.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../local/common.sh"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Prometheus v3.16.0; its Go module is tagged v0.316.0.
PROM_MODULE=github.com/prometheus/prometheus
PROM_VERSION="${TALLY_PROMETHEUS_VERSION:-v0.316.0}"
PROMTOOL="$INSTALL_DIR/promtool/bin/promtool"

PROM_TAGS=remove_all_sd

# "<module version> <build tags>" as compiled into the binary.
installed() {
  go version -m "$PROMTOOL" 2>/dev/null |
    awk -v m="$PROM_MODULE" '$2 == m { v = $3 } $2 ~ /^-tags=/ { t = substr($2, 7) } END { print v, t }'
}

if [[ ! -x "$PROMTOOL" || "$(installed)" != "$PROM_VERSION $PROM_TAGS" ]]; then
  log "building promtool ($PROM_MODULE $PROM_VERSION, -tags $PROM_TAGS)"
  mkdir -p "$(dirname "$PROMTOOL")"
  go_build_pinned "$PROM_MODULE/cmd/promtool" "$PROM_VERSION" "$PROMTOOL" \
    "$INSTALL_DIR/promtool/install.log" -tags "$PROM_TAGS"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

log "promtool check rules, test rules, check config"
"$PROMTOOL" check rules "$here/prometheus/alerts.yml"
(cd "$here/prometheus" && "$PROMTOOL" test rules alerts.test.yml)
"$PROMTOOL" check config --syntax-only "$here/prometheus/prometheus.example.yml"

log "dashboard queries and metric catalogue"
node "$here/kit-check.mjs" "$work/dashboard.rules.yml"
"$PROMTOOL" check rules "$work/dashboard.rules.yml"
