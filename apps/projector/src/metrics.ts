import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The projector's Prometheus metrics, in their own registry (one per projector). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'projector_' });
  return {
    registry,
    eventsApplied: new Counter({
      name: 'projector_events_applied_total',
      help: 'Events folded into the read model',
      labelNames: ['partition'],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'projector_duplicates_ignored_total',
      help: 'Events whose (accountId, version) was already applied',
      labelNames: ['partition'],
      registers: [registry],
    }),
    skipped: new Counter({
      name: 'projector_records_skipped_total',
      help: 'Records passed over because an operator recorded a skip',
      labelNames: ['partition'],
      registers: [registry],
    }),
    eventsPerSecond: new Gauge({
      name: 'projector_events_applied_per_second',
      help: 'Events applied per second over the last 10 seconds',
      registers: [registry],
    }),
    lastAppliedOffset: new Gauge({
      name: 'projector_last_applied_offset',
      help: 'Offset of the last record committed with the read model, per partition',
      labelNames: ['partition'],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'projector_partition_lag',
      help: 'Records between the stored offset and the high watermark, per partition',
      labelNames: ['partition'],
      registers: [registry],
    }),
    halted: new Gauge({
      name: 'projector_partition_halted',
      help: '1 while a partition is halted on a record it cannot apply; labels name offset and reason',
      labelNames: ['partition', 'offset', 'reason'],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'projector_batch_seconds',
      help: 'Time to decode, fold and commit one batch',
      buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

export type ProjectorMetrics = ReturnType<typeof createMetrics>;
