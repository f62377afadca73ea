import { createLogger, runReadinessChecks, serve } from '@tally/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureTopic,
  ReadModelService,
  type ApplyResult,
  type KafkaProducer,
  type PartitionBatch,
  type PartitionStore,
  type ReadModelOptions,
} from '../src/index.js';
import { testKafka, uniqueName, waitUntil } from '../src/testing/index.js';

/**
 * A store as the read models have one: values and offsets "committed" together, a fence on the
 * stored offset, a halt on a poison record unless an operator skipped it, and a generation that
 * can be swapped under the running consumers (as a rebuild does).
 */
class MemoryStore implements PartitionStore {
  values: string[] = [];
  offsets = new Map<number, string>();
  readonly skips = new Set<string>();
  private swapped = false;

  async loadOffsets(): Promise<ReadonlyMap<number, string>> {
    return new Map(this.offsets);
  }

  async applyBatch(batch: PartitionBatch): Promise<ApplyResult> {
    if (this.swapped) {
      this.swapped = false;
      return { kind: 'reload' };
    }
    if ((this.offsets.get(batch.partition) ?? '0') !== batch.fromOffset) return { kind: 'reload' };
    let applied = 0;
    for (const m of batch.messages) {
      const value = m.value?.toString() ?? '';
      if (value === 'crash') throw new TypeError('a bug in the fold');
      if (value === 'poison' && !this.skips.has(`${batch.partition}@${m.offset}`)) {
        this.offsets.set(batch.partition, m.offset);
        return { kind: 'halted', offset: m.offset, applied, reason: 'poison', detail: 'test' };
      }
      if (value !== 'poison') this.values.push(value);
      applied++;
    }
    this.offsets.set(batch.partition, batch.nextOffset);
    return { kind: 'applied', nextOffset: batch.nextOffset, applied };
  }

  /** A rebuilt generation with the same contents becomes the live one. */
  swapGeneration(): void {
    this.values = [...this.values];
    this.offsets = new Map(this.offsets);
    this.swapped = true;
  }
}

const logger = createLogger('read-model-test', process.env['TEST_LOG_LEVEL'] ?? 'silent');
const kafka = testKafka('read-model-test');
const admin = kafka.admin();
let producer: KafkaProducer;
const services: ReadModelService[] = [];
const topics: string[] = [];

async function topic(): Promise<string> {
  const name = uniqueName('read-model');
  topics.push(name);
  await ensureTopic(admin, { topic: name, partitions: 2, replicationFactor: 1 });
  return name;
}

const send = (topic: string, partition: number, ...values: string[]) =>
  producer.send({ topic, messages: values.map((value) => ({ value, partition })) });

function readModel(
  topic: string,
  groupId: string,
  store: MemoryStore,
  options: Partial<ReadModelOptions> = {},
): ReadModelService {
  const service = new ReadModelService({
    kafka,
    logger,
    sources: [{ topic, groupId, store }],
    sessionTimeout: 6_000,
    pollMs: 100,
    readyMaxLag: 0,
    skipRecorded: async (_topic, partition, offset) => store.skips.has(`${partition}@${offset}`),
    ...options,
  });
  services.push(service);
  return service;
}

const checks = async (service: ReadModelService) =>
  (await runReadinessChecks(service.readiness())).checks;

beforeAll(async () => {
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
});
afterAll(async () => {
  await Promise.all(services.map((s) => s.stop().catch(() => undefined)));
  await producer.disconnect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

describe('ReadModelService', () => {
  it('a consumer kafkajs gives up on makes the service not ready and exit 1 through its graceful shutdown', async () => {
    const name = await topic();
    const store = new MemoryStore();
    let exitCode: number | undefined;
    const stopped: string[] = [];
    let fail: (error: unknown) => void = () => undefined;
    const service = readModel(name, uniqueName('crash'), store, {
      onFailure: (error) => fail(error),
    });
    const running = await serve({
      name: 'read-model-test',
      app: (_req, res) => res.end(),
      port: 0,
      host: '127.0.0.1',
      logger,
      shutdownTimeoutMs: 30_000,
      signals: [],
      exit: (code) => (exitCode = code),
      steps: [
        {
          name: 'consumers',
          run: async () => {
            await service.stop();
            stopped.push('consumers');
          },
        },
      ],
    });
    fail = (error) => void running.shutdown(error);
    await service.start();
    await send(name, 0, 'a1', 'crash');

    await waitUntil('the service exited', () => exitCode !== undefined, 60_000);
    expect(exitCode).toBe(1);
    expect(stopped).toEqual(['consumers']);
    expect(store.values).toEqual(['a1']);
    expect((await checks(service))['consumers']).toMatch(/consumer crashed: .*a bug in the fold/);
  });

  it('keeps a halted partition halted and reported across a rebalance, a reload and a generation swap; a skip resumes it', async () => {
    const name = await topic();
    const group = uniqueName('halts');
    const store = new MemoryStore();
    await send(name, 0, 'a1', 'poison', 'a2');
    await send(name, 1, 'b1');
    const first = readModel(name, group, store);
    await first.start();
    const halted = () => first.halts().map((h) => `${h.partition}@${h.offset}`);
    await waitUntil('partition 0 halted', () => halted().includes('0@1'));
    await waitUntil('partition 1 applied', () => store.values.includes('b1'));

    // A rebalance: a second member joins and leaves; partition 0 may move and come back.
    const second = readModel(name, group, store);
    await second.start();
    const owned = (service: ReadModelService) => service.assigned()[0]?.partitions.length;
    await waitUntil('the group shared out', () => owned(first) === 1 && owned(second) === 1);
    await second.stop();
    await waitUntil(
      'partition 0 halted again on the first member',
      () => halted().includes('0@1'),
      30_000,
    );
    expect((await checks(first))['partitions']).toMatch(/partition 0 halted at offset 1: poison/);

    await first.reload();
    expect(halted()).toEqual(['0@1']);

    store.swapGeneration();
    await send(name, 1, 'b2');
    await waitUntil('partition 1 goes on after the swap', () => store.values.includes('b2'));
    expect(halted()).toEqual(['0@1']);
    expect(store.values).not.toContain('a2');
    expect((await checks(first))['partitions']).toMatch(/partition 0 halted/);

    store.skips.add('0@1');
    await waitUntil('partition 0 resumed past the skipped record', () =>
      store.values.includes('a2'),
    );
    expect(halted()).toEqual([]);
    await waitUntil('ready again', async () => (await runReadinessChecks(first.readiness())).ready);
  });

  it('counts lag only over the partitions each instance owns', async () => {
    const name = await topic();
    const group = uniqueName('lag');
    const store = new MemoryStore();
    const first = readModel(name, group, store);
    const second = readModel(name, group, store);
    await first.start();
    await second.start();
    const owned = (service: ReadModelService) => service.assigned()[0]?.partitions.length;
    await waitUntil('one partition each', () => owned(first) === 1 && owned(second) === 1);
    await send(name, 0, 'p0-1', 'p0-2', 'p0-3');
    await send(name, 1, 'p1-1', 'p1-2', 'p1-3');
    await waitUntil('all six applied', () => store.values.length === 6);

    // Each reports its own partition, caught up; neither counts the other's records as lag.
    const lags = [...(await first.refreshLag()), ...(await second.refreshLag())];
    expect(lags.map((l) => l.partition).sort()).toEqual([0, 1]);
    expect(lags.map((l) => l.lag)).toEqual([0, 0]);
  });
});
