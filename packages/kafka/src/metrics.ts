import { Gauge, Histogram, type Registry } from 'prom-client';
import type { ReadModelEvent } from './read-model.js';

/**
 * The consumer metrics every service reports the same way (ADR 0011), fed by the read-model
 * service's events (the intake's processor sends `lag` events too). Gauges cover only the
 * partitions this instance owns: a partition assigned away drops its series, so sums over
 * instances count each partition once, and an autoscaler can read `tally_consumer_lag_records`
 * and `tally_partition_halted` as they are.
 */
export function consumerMetrics(registry: Registry) {
  const registers = [registry];
  const lag = new Gauge({
    name: 'tally_consumer_lag_records',
    help: 'Records between what the service has processed and the end of the partition, per owned partition',
    labelNames: ['topic', 'partition'],
    registers,
  });
  const offset = new Gauge({
    name: 'tally_consumer_offset',
    help: 'Offset of the last record committed with the service state, per owned partition',
    labelNames: ['topic', 'partition'],
    registers,
  });
  const halted = new Gauge({
    name: 'tally_partition_halted',
    help: '1 while a partition is halted on a record it cannot apply; labels name offset and reason',
    labelNames: ['topic', 'partition', 'offset', 'reason'],
    registers,
  });
  const batchSeconds = new Histogram({
    name: 'tally_batch_duration_seconds',
    help: 'Time to decode, process and commit one fetched batch',
    labelNames: ['topic'],
    buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
  /** Label sets currently exported, so series of partitions no longer owned can be removed. */
  const lagSeries = new Map<string, Set<number>>();
  const offsetSeries = new Map<string, { topic: string; partition: string }>();
  const haltSeries = new Map<
    string,
    { topic: string; partition: string; offset: string; reason: string }
  >();

  const dropHalt = (topic: string, partition: number) => {
    const series = haltSeries.get(key(topic, partition));
    if (series !== undefined) halted.remove(series);
    haltSeries.delete(key(topic, partition));
  };

  const observe = (event: ReadModelEvent): void => {
    const { topic } = event;
    switch (event.type) {
      case 'applied': {
        const labels = { topic, partition: String(event.partition) };
        offset.set(labels, Number(BigInt(event.nextOffset) - 1n));
        offsetSeries.set(key(topic, event.partition), labels);
        batchSeconds.observe({ topic }, event.ms / 1_000);
        break;
      }
      case 'halted': {
        dropHalt(topic, event.partition);
        const labels = {
          topic,
          partition: String(event.partition),
          offset: event.offset,
          reason: event.reason,
        };
        halted.set(labels, 1);
        haltSeries.set(key(topic, event.partition), labels);
        break;
      }
      case 'resumed':
        // The labels name the offset, so the series is dropped, not set to 0.
        dropHalt(topic, event.partition);
        break;
      case 'assigned':
        for (const [k, labels] of offsetSeries) {
          if (labels.topic === topic && !event.partitions.includes(Number(labels.partition))) {
            offset.remove(labels);
            offsetSeries.delete(k);
          }
        }
        for (const labels of [...haltSeries.values()]) {
          const partition = Number(labels.partition);
          if (labels.topic === topic && !event.partitions.includes(partition)) {
            dropHalt(topic, partition);
          }
        }
        break;
      case 'lag': {
        const owned = new Set(event.lags.map((l) => l.partition));
        for (const partition of lagSeries.get(topic) ?? []) {
          if (!owned.has(partition)) lag.remove({ topic, partition: String(partition) });
        }
        for (const l of event.lags) lag.set({ topic, partition: String(l.partition) }, l.lag);
        lagSeries.set(topic, owned);
        break;
      }
      case 'crashed':
        break;
    }
  };
  return { lag, offset, halted, batchSeconds, observe };
}

export type ConsumerMetrics = ReturnType<typeof consumerMetrics>;
