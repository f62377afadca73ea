import { consumerMetrics, type ReadModelEvent } from '@tally/kafka';
import { Counter, type Registry } from 'prom-client';

/**
 * The projector's Prometheus metrics (names: ADR 0011), in the app's registry
 * (createMetricsRegistry): the shared consumer metrics, and what only the projector counts.
 */
export function createProjectorMetrics(registry: Registry) {
  const registers = [registry];
  const consumer = consumerMetrics(registry);
  const metrics = {
    registry,
    consumer,
    eventsApplied: new Counter({
      name: 'tally_events_applied_total',
      help: 'Events folded into the read model',
      labelNames: ['partition'],
      registers,
    }),
    duplicates: new Counter({
      name: 'tally_duplicate_events_ignored_total',
      help: 'Events whose (accountId, version) was already applied',
      labelNames: ['partition'],
      registers,
    }),
    skipped: new Counter({
      name: 'tally_records_skipped_total',
      help: 'Records passed over because an operator recorded a skip',
      labelNames: ['partition'],
      registers,
    }),
  };
  /** Feeds the metrics from the read-model service's events. */
  const observe = (event: ReadModelEvent): void => {
    consumer.observe(event);
    if (event.type === 'applied') {
      metrics.eventsApplied.inc({ partition: event.partition }, event.applied);
    }
  };
  return { ...metrics, observe };
}

export type ProjectorMetrics = ReturnType<typeof createProjectorMetrics>;
