import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PartitionConsumer,
  type ApplyResult,
  type HandedOver,
  type PartitionBatch,
  type PartitionStore,
} from '../src/index.js';
import {
  testKafka,
  testTopic,
  uniqueName,
  waitUntil,
  type TestTopic,
} from '../src/testing/index.js';

/** The smallest PartitionStore: values and offsets in memory, "committed" together. */
class MemoryStore implements PartitionStore {
  readonly values: string[] = [];
  readonly offsets = new Map<number, string>();
  async loadOffsets(): Promise<ReadonlyMap<number, string>> {
    return new Map(this.offsets);
  }
  async applyBatch(batch: PartitionBatch): Promise<ApplyResult> {
    if ((this.offsets.get(batch.partition) ?? '0') !== batch.fromOffset) return { kind: 'reload' };
    let applied = 0;
    for (const m of batch.messages) {
      const value = m.value?.toString() ?? '';
      if (value === 'poison') {
        this.offsets.set(batch.partition, m.offset);
        return { kind: 'halted', offset: m.offset, applied, reason: 'poison', detail: 'test' };
      }
      this.values.push(value);
      applied++;
    }
    this.offsets.set(batch.partition, batch.nextOffset);
    return { kind: 'applied', nextOffset: batch.nextOffset, applied };
  }
}

/**
 * A store that hands batches over (pipelining): each write waits for `gate`, and the first write
 * fails when `failFirst` is set, as a lost database connection would.
 */
class PipelinedStore implements PartitionStore {
  readonly values: string[] = [];
  readonly offsets = new Map<number, string>();
  /** The values of every batch handed over, in order. */
  readonly handed: string[][] = [];
  gate: Promise<void> = Promise.resolve();
  failFirst = false;
  async loadOffsets(): Promise<ReadonlyMap<number, string>> {
    return new Map(this.offsets);
  }
  async applyBatch(batch: PartitionBatch): Promise<ApplyResult> {
    return (await this.handOver(batch)).committed;
  }
  async handOver(batch: PartitionBatch): Promise<HandedOver> {
    const values = batch.messages.map((m) => m.value?.toString() ?? '');
    const fail = this.failFirst && this.handed.length === 0;
    this.handed.push(values);
    const committed = this.gate.then((): ApplyResult => {
      if (fail) throw new Error('connection lost');
      if ((this.offsets.get(batch.partition) ?? '0') !== batch.fromOffset)
        return { kind: 'reload' };
      this.values.push(...values);
      this.offsets.set(batch.partition, batch.nextOffset);
      return { kind: 'applied', nextOffset: batch.nextOffset, applied: values.length };
    });
    committed.catch(() => undefined);
    return { committed };
  }
}

const kafka = testKafka('partition-consumer-test');
let t: TestTopic;
const send = (values: string[], partition: number) =>
  t.producer.send({ topic: t.topic, messages: values.map((value) => ({ value, partition })) });

beforeAll(async () => {
  t = await testTopic(kafka, 'pc', 2);
});
afterAll(() => t.close());

describe('PartitionConsumer', () => {
  it('starts at the stored offsets, not the group’s, and halts one partition only', async () => {
    const store = new MemoryStore();
    const groupId = uniqueName('pc-group');
    await send(['a1', 'a2'], 0);
    await send(['b1'], 1);
    const first = new PartitionConsumer({ kafka, topic: t.topic, groupId, store });
    await first.start();
    await waitUntil('first three', () => store.values.length === 3);
    await first.stop();

    await send(['a3', 'poison', 'a4'], 0);
    await send(['b2'], 1);
    const second = new PartitionConsumer({ kafka, topic: t.topic, groupId, store });
    await second.start();
    await waitUntil('partition 0 halted', () => second.halted().length === 1);
    await waitUntil('partition 1 goes on', () => store.values.includes('b2'));
    expect(store.values.sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
    expect(second.halted()[0]).toMatchObject({ partition: 0, offset: '3', reason: 'poison' });
    const lag = await second.lag();
    expect(lag.find((l) => l.partition === 0)?.lag).toBe(2);
    await second.stop();
  });

  it('hands the next fetch over while a batch is written; a failed write lets no later batch of its partition commit', async () => {
    const one = await testTopic(kafka, 'pc-pipelined', 1);
    const store = new PipelinedStore();
    let open: () => void = () => undefined;
    store.gate = new Promise((resolve) => (open = resolve));
    store.failFirst = true;
    const consumer = new PartitionConsumer({
      kafka,
      topic: one.topic,
      groupId: uniqueName('pc-pipelined'),
      store,
    });
    try {
      await one.producer.send({ topic: one.topic, messages: [{ value: 'a1' }, { value: 'a2' }] });
      await consumer.start();
      await waitUntil('the first batch handed over', () => store.handed.length === 1);
      await one.producer.send({ topic: one.topic, messages: [{ value: 'a3' }] });
      await waitUntil(
        'the next fetch handed over while the first batch is written',
        () => store.handed.length === 2,
      );
      expect(store.handed).toEqual([['a1', 'a2'], ['a3']]);
      expect(store.values).toEqual([]);
      // The first write fails: the second, fenced by the first's offset, must not commit; the
      // partition is read again from its stored offset and everything applies once, in order.
      open();
      await waitUntil(
        'everything applied after the failure',
        () => store.values.length >= 3,
        60_000,
      );
      expect(store.values).toEqual(['a1', 'a2', 'a3']);
      expect(store.offsets.get(0)).toBe('3');
      expect(store.handed.length).toBeGreaterThan(2);
    } finally {
      await consumer.stop();
      await one.close();
    }
  });
});
