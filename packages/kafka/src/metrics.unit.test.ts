import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { consumerMetrics } from './metrics.js';

async function series(registry: Registry, name: string) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).map(({ labels, value }) => ({ labels, value }));
}

describe('consumerMetrics', () => {
  it('exports lag only for the partitions this instance owns now', async () => {
    const registry = new Registry();
    const metrics = consumerMetrics(registry);
    const lag = (partition: number, records: number) => ({
      partition,
      nextOffset: '0',
      highWatermark: String(records),
      lag: records,
    });
    metrics.observe({ type: 'lag', topic: 'events', lags: [lag(0, 5), lag(1, 7)] });
    metrics.observe({ type: 'lag', topic: 'outcomes', lags: [lag(0, 2)] });
    metrics.observe({ type: 'lag', topic: 'events', lags: [lag(1, 3)] });
    expect(await series(registry, 'tally_consumer_lag_records')).toEqual([
      { labels: { topic: 'events', partition: '1' }, value: 3 },
      { labels: { topic: 'outcomes', partition: '0' }, value: 2 },
    ]);
  });

  it('keeps a halt until it is resumed or the partition is assigned away', async () => {
    const registry = new Registry();
    const metrics = consumerMetrics(registry);
    const halt = (partition: number, offset: string) =>
      metrics.observe({
        type: 'halted',
        topic: 'events',
        partition,
        offset,
        reason: 'version-gap',
        detail: 'account a version 3: expected version 2',
      });
    halt(0, '41');
    halt(2, '7');
    expect(await series(registry, 'tally_partition_halted')).toEqual([
      {
        labels: { topic: 'events', partition: '0', offset: '41', reason: 'version-gap' },
        value: 1,
      },
      { labels: { topic: 'events', partition: '2', offset: '7', reason: 'version-gap' }, value: 1 },
    ]);
    metrics.observe({ type: 'resumed', topic: 'events', partition: 0, offset: '42' });
    metrics.observe({ type: 'assigned', topic: 'events', partitions: [0, 1] });
    expect(await series(registry, 'tally_partition_halted')).toEqual([]);
  });

  it('records the last committed offset and the batch duration per topic', async () => {
    const registry = new Registry();
    const metrics = consumerMetrics(registry);
    metrics.observe({
      type: 'applied',
      topic: 'events',
      partition: 4,
      applied: 10,
      nextOffset: '100',
      ms: 12,
    });
    expect(await series(registry, 'tally_consumer_offset')).toEqual([
      { labels: { topic: 'events', partition: '4' }, value: 99 },
    ]);
    const count = (await series(registry, 'tally_batch_duration_seconds')).find(
      (s) => (s.labels as Record<string, unknown>)['le'] === 0.02,
    );
    expect(count).toEqual({ labels: { topic: 'events', le: 0.02 }, value: 1 });
    metrics.observe({ type: 'assigned', topic: 'events', partitions: [0] });
    expect(await series(registry, 'tally_consumer_offset')).toEqual([]);
  });
});
