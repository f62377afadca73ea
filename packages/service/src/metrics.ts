import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A Prometheus registry per app (never the global one), so two apps in one process, e.g. in a
 * test, keep their own counters. Default process metrics are included.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
