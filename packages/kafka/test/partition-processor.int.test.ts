import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureTopic,
  PartitionProcessor,
  TopicFollower,
  type BatchOutput,
  type KafkaProducer,
  type KafkaRecord,
} from '../src/index.js';
import { testKafka, uniqueName, waitUntil } from '../src/testing/index.js';
import { createLogger } from '@tally/service';

const logger = createLogger('pp-test', process.env['TEST_LOG_LEVEL'] ?? 'silent');

const kafka = testKafka('partition-processor-test');
const admin = kafka.admin();
const input = uniqueName('pp-in');
const output = uniqueName('pp-out');
const prefix = uniqueName('pp-tx');
let producer: KafkaProducer;
const processors: PartitionProcessor[] = [];
/** Nothing here may be fatal; checked after each test. */
const fatal: unknown[] = [];
afterEach(() => {
  expect(fatal).toEqual([]);
});
let follower: TopicFollower;
const seen: string[] = [];
const attempts = new Map<string, number>();

beforeAll(async () => {
  await admin.connect();
  await ensureTopic(admin, { topic: input, partitions: 1, replicationFactor: 1 });
  await ensureTopic(admin, { topic: output, partitions: 1, replicationFactor: 1 });
  producer = kafka.producer();
  await producer.connect();
  follower = new TopicFollower({
    kafka,
    topics: [output],
    groupId: uniqueName('pp-follower'),
    onMessage: (_topic, _partition, message) => {
      seen.push(String(message.value));
    },
  });
  await follower.start();
});

afterAll(async () => {
  await Promise.all(processors.map((p) => p.stop().catch(() => undefined)));
  await follower.stop();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [input, output] }).catch(() => undefined);
  await admin.disconnect();
});

/** A processor that copies input values to the output, tagged with its name and attempt. */
function processor(name: string, gate?: Promise<void>) {
  let attempt = 0;
  const p = new PartitionProcessor({
    kafka,
    topic: input,
    // Different groups: both believe they own partition 0, as a zombie does after a rebalance.
    groupId: uniqueName(`pp-${name}`),
    transactionalIdPrefix: prefix,
    logger: logger.child({ name }),
    prepare: async () => undefined,
    onFatal: (error) => fatal.push(error),
    handle: async (partition, messages: readonly KafkaRecord[]): Promise<BatchOutput> => {
      attempt += 1;
      attempts.set(name, attempt);
      if (gate && messages.some((m) => String(m.value) === 'block')) await gate;
      return {
        messages: [
          {
            topic: output,
            messages: messages.map((m) => ({
              value: `${name}:${String(m.value)}#${attempt}`,
              partition,
            })),
          },
        ],
        committed: () => undefined,
        aborted: () => undefined,
      };
    },
  });
  processors.push(p);
  return p;
}

describe('PartitionProcessor', () => {
  it('fences a zombie: its open transaction never becomes visible once a new owner took over', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const zombie = processor('zombie', gate);
    await zombie.start();
    await producer.send({ topic: input, messages: [{ value: 'a' }] });
    await waitUntil('the zombie processed a', () => seen.includes('zombie:a#1'));

    await producer.send({ topic: input, messages: [{ value: 'block' }] });
    await waitUntil('the zombie holds block', () => zombie.isCaughtUp());
    const owner = processor('owner');
    await owner.start();
    await waitUntil('the new owner processed everything', () => seen.includes('owner:block#1'));
    open();

    // The zombie's commit fails (fenced); kafkajs retries the batch, the zombie takes over again
    // and handles it a third time. Its second attempt, open while fenced, must never show up.
    await waitUntil(
      'the zombie retried its batch',
      () => (attempts.get('zombie') ?? 0) >= 3,
      12_000,
    );
    const ends = await TopicFollower.endOffsets(admin, [output]);
    await follower.waitFor(ends);
    expect(seen).not.toContain('zombie:block#2');
    expect(seen.filter((v) => v.startsWith('owner:'))).toEqual(['owner:a#1', 'owner:block#1']);
  });
});

describe('PartitionProcessor with offsetCommitIntervalMs', () => {
  it('commits input offsets only once per interval; a new member reads the rest again', async () => {
    const topic = uniqueName('pp-int-in');
    const out = uniqueName('pp-int-out');
    const groupId = uniqueName('pp-int');
    await ensureTopic(admin, { topic, partitions: 1, replicationFactor: 1 });
    await ensureTopic(admin, { topic: out, partitions: 1, replicationFactor: 1 });
    const handled: string[] = [];
    const transacted: string[] = [];
    const make = () => {
      const p = new PartitionProcessor({
        kafka,
        topic,
        groupId,
        transactionalIdPrefix: uniqueName('pp-int-tx'),
        logger,
        offsetCommitIntervalMs: 60_000,
        prepare: async () => undefined,
        onFatal: (error) => fatal.push(error),
        handle: async (partition, messages) => {
          const values = messages.map((m) => String(m.value));
          handled.push(...values);
          return {
            messages: [
              { topic: out, messages: messages.map((m) => ({ value: m.value, partition })) },
            ],
            committed: () => void transacted.push(...values),
            aborted: () => undefined,
          };
        },
      });
      processors.push(p);
      return p;
    };
    const first = make();
    await first.start();
    for (const value of ['x', 'y', 'z']) {
      await producer.send({ topic, messages: [{ value }] });
      // Committed, not only handled: stopping commits the offsets of a batch still in flight.
      await waitUntil(`${value} committed`, () => transacted.includes(value));
    }
    await first.stop();
    // Only the first transaction carried offsets: the group resumes after x.
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed?.partitions[0]?.offset).toBe('1');

    const second = make();
    await second.start();
    await waitUntil('y and z handled again', () => handled.length === 5);
    expect(handled).toEqual(['x', 'y', 'z', 'y', 'z']);
    await second.stop();
    await admin.deleteTopics({ topics: [topic, out] }).catch(() => undefined);
  });
});

describe('PartitionProcessor lag', () => {
  it('counts the records written but not yet decided on each owned partition', async () => {
    const topic = uniqueName('pp-lag-in');
    await ensureTopic(admin, { topic, partitions: 2, replicationFactor: 1 });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const decided: string[] = [];
    const failures: unknown[] = [];
    const p = new PartitionProcessor({
      kafka,
      topic,
      groupId: uniqueName('pp-lag'),
      transactionalIdPrefix: uniqueName('pp-lag-tx'),
      logger,
      prepare: async () => undefined,
      onFatal: (error) => failures.push(error),
      handle: async (_partition, messages) => {
        if (messages.some((m) => String(m.value) === 'block')) await gate;
        decided.push(...messages.map((m) => String(m.value)));
        return { messages: [], committed: () => undefined, aborted: () => undefined };
      },
    });
    processors.push(p);
    // Its own producer: the shared one still targets topics an earlier test deleted.
    const writer = kafka.producer();
    await writer.connect();
    try {
      await p.start();
      await waitUntil('both partitions owned', () => p.isCaughtUp());
      expect((await p.lag()).map((l) => [l.partition, l.lag])).toEqual([
        [0, 0],
        [1, 0],
      ]);

      await writer.send({
        topic,
        messages: ['block', 'x', 'y'].map((value) => ({ value, partition: 0 })),
      });
      const lagOf = async (partition: number) =>
        (await p.lag()).find((l) => l.partition === partition)?.lag;
      await waitUntil('three undecided records on partition 0', async () => (await lagOf(0)) === 3);
      expect(await lagOf(1)).toBe(0);

      open();
      await waitUntil('all decided', () => decided.includes('y'));
      await waitUntil('no lag once decided', async () => (await lagOf(0)) === 0);
      expect(failures).toEqual([]);
    } finally {
      open();
      await writer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    }
  });
});
