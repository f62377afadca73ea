import type { ReadModelEvent } from '@tally/kafka';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The projector's Prometheus metrics, in the app's registry (createMetricsRegistry). */
export function createProjectorMetrics(registry: Registry) {
  const registers = [registry];
  const metrics = {
    registry,
    eventsApplied: new Counter({
      name: 'projector_events_applied_total',
      help: 'Events folded into the read model',
      labelNames: ['partition'],
      registers,
    }),
    duplicates: new Counter({
      name: 'projector_duplicates_ignored_total',
      help: 'Events whose (accountId, version) was already applied',
      labelNames: ['partition'],
      registers,
    }),
    skipped: new Counter({
      name: 'projector_records_skipped_total',
      help: 'Records passed over because an operator recorded a skip',
      labelNames: ['partition'],
      registers,
    }),
    eventsPerSecond: new Gauge({
      name: 'projector_events_applied_per_second',
      help: 'Events applied per second over the last 10 seconds',
      registers,
    }),
    lastAppliedOffset: new Gauge({
      name: 'projector_last_applied_offset',
      help: 'Offset of the last record committed with the read model, per partition',
      labelNames: ['partition'],
      registers,
    }),
    lag: new Gauge({
      name: 'projector_partition_lag',
      help: 'Records between the stored offset and the high watermark, per owned partition',
      labelNames: ['partition'],
      registers,
    }),
    halted: new Gauge({
      name: 'projector_partition_halted',
      help: '1 while a partition is halted on a record it cannot apply; labels name offset and reason',
      labelNames: ['partition', 'offset', 'reason'],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'projector_batch_seconds',
      help: 'Time to decode, fold and commit one batch',
      buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
  const window: { at: number; count: number }[] = [];
  const haltedSeries = new Map<number, { partition: number; offset: string; reason: string }>();
  /** Feeds the metrics from the read-model service's events. */
  const observe = (event: ReadModelEvent): void => {
    if (event.type === 'applied') {
      window.push({ at: Date.now(), count: event.applied });
      metrics.eventsApplied.inc({ partition: event.partition }, event.applied);
      metrics.lastAppliedOffset.set({ partition: event.partition }, Number(event.nextOffset) - 1);
      metrics.batchSeconds.observe(event.ms / 1000);
    } else if (event.type === 'halted') {
      const { partition, offset, reason } = event;
      haltedSeries.set(partition, { partition, offset, reason });
      metrics.halted.set({ partition, offset, reason }, 1);
      metrics.lastAppliedOffset.set({ partition }, Number(offset) - 1);
    } else if (event.type === 'resumed') {
      // Labels name the offset, so the halted series of the partition is dropped, not zeroed.
      const series = haltedSeries.get(event.partition);
      if (series) metrics.halted.remove(series);
      haltedSeries.delete(event.partition);
    } else if (event.type === 'lag') {
      for (const l of event.lags) metrics.lag.set({ partition: l.partition }, l.lag);
      const since = Date.now() - 10_000;
      while (window.length > 0 && (window[0]?.at ?? 0) < since) window.shift();
      metrics.eventsPerSecond.set(window.reduce((sum, w) => sum + w.count, 0) / 10);
    }
  };
  return { ...metrics, observe };
}

export type ProjectorMetrics = ReturnType<typeof createProjectorMetrics>;
