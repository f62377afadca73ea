import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createLogger } from '@tally/service';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ensureTopic,
  ReadModelService,
  type ApplyResult,
  type PartitionBatch,
  type PartitionStore,
} from '../src/index.js';
import { testKafka, uniqueName, waitUntil } from '../src/testing/index.js';

// Catch-up of a backlog that one fetch returns whole (40,000 records per partition, well under
// the 8 MiB per partition a fetch may hold) at 0.2 ms of synchronous work per record: applied as
// one batch, a fetch would block the event loop for 8 s, longer than the 6 s session, so the
// broker would drop the member in the middle of it and no probe would get an answer meanwhile.

const PARTITIONS = 2;
const PER_PARTITION = 40_000;
const WORK_MS_PER_RECORD = 0.2;

/** Offsets and a record count committed together, fenced on the stored offset, as a database. */
class SlowStore implements PartitionStore {
  readonly offsets = new Map<number, string>();
  applied = 0;
  /** The most records one transaction was given. */
  largest = 0;

  async loadOffsets(): Promise<ReadonlyMap<number, string>> {
    return new Map(this.offsets);
  }

  async applyBatch(batch: PartitionBatch): Promise<ApplyResult> {
    if ((this.offsets.get(batch.partition) ?? '0') !== batch.fromOffset) return { kind: 'reload' };
    this.largest = Math.max(this.largest, batch.messages.length);
    const until = performance.now() + batch.messages.length * WORK_MS_PER_RECORD;
    while (performance.now() < until) {
      // The fold's synchronous work.
    }
    this.offsets.set(batch.partition, batch.nextOffset);
    this.applied += batch.messages.length;
    return { kind: 'applied', nextOffset: batch.nextOffset, applied: batch.messages.length };
  }
}

const logger = createLogger('catch-up-test', process.env['TEST_LOG_LEVEL'] ?? 'silent');
const kafka = testKafka('catch-up-test');
const admin = kafka.admin();
const topic = uniqueName('catch-up');
const services: ReadModelService[] = [];

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop().catch(() => undefined)));
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

describe('catch-up of a large backlog', () => {
  it(
    'reaches the end through a member joining and one restarting, in slices, the event loop never held for seconds',
    { timeout: 300_000 },
    async () => {
      await admin.connect();
      await ensureTopic(admin, { topic, partitions: PARTITIONS, replicationFactor: 1 });
      const producer = kafka.producer();
      await producer.connect();
      for (let partition = 0; partition < PARTITIONS; partition++) {
        for (let from = 0; from < PER_PARTITION; from += 10_000) {
          await producer.send({
            topic,
            messages: Array.from({ length: 10_000 }, (_, i) => ({
              value: String(from + i),
              partition,
            })),
          });
        }
      }
      await producer.disconnect();

      const store = new SlowStore();
      const groupId = uniqueName('catch-up');
      const member = () => {
        const service = new ReadModelService({
          kafka,
          logger,
          sources: [{ topic, groupId, store }],
          sessionTimeout: 6_000,
          pollMs: 200,
        });
        services.push(service);
        return service;
      };
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const first = member();
      await first.start();
      await waitUntil('a quarter applied', () => store.applied >= PER_PARTITION / 2, 120_000, 50);
      // A rebalance in the middle of the catch-up: a second member joins.
      const second = member();
      await second.start();
      await waitUntil('half applied', () => store.applied >= PER_PARTITION, 120_000, 50);
      // A restart in the middle: the first member leaves and comes back.
      await first.stop();
      const again = member();
      await again.start();
      await waitUntil(
        'every partition read to its end',
        () =>
          [...Array(PARTITIONS).keys()].every(
            (p) => store.offsets.get(p) === String(PER_PARTITION),
          ),
        240_000,
        100,
      );
      delay.disable();
      expect(store.applied).toBe(PARTITIONS * PER_PARTITION);
      // Slices of at most 1,000 records (200 ms of work here), a heartbeat and a turn of the
      // event loop between them: a fetch of 40,000 records applied whole held the loop 8 s.
      expect(store.largest).toBeLessThanOrEqual(1_000);
      // Nanoseconds. Alone on the machine the longest hold stays under 1 s; under the whole
      // suite on two cores it reached 1.2 to 1.5 s (kafkajs decodes a whole fetch at once, and the
      // thread waits for a core), so the bound here is the one a probe with a 3 s timeout needs.
      expect(delay.max / 1e6).toBeLessThan(3_000);
    },
  );
});
