import type { Consumer, KafkaMessage, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkajsOf } from '../src/client.js';
import { ensureTopic } from '../src/index.js';
import { testKafka, uniqueName, waitUntil } from '../src/testing/index.js';

// One partition so that offsets and the last stable offset are easy to reason about.
const client = testKafka('transactions-test');
// Raw kafkajs, inside the adapter: these tests pin down the broker behaviour it relies on.
const kafka = kafkajsOf(client);
const admin = client.admin();
const topic = uniqueName('tx');
const sourceGroup = uniqueName('tx-source-group');
const consumers: Consumer[] = [];
const producers: Producer[] = [];

async function startReader(readUncommitted: boolean): Promise<string[]> {
  const values: string[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('tx-reader'), readUncommitted });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }: { message: KafkaMessage }) => {
      values.push(message.value?.toString() ?? '');
    },
  });
  return values;
}

async function transactionalProducer(): Promise<Producer> {
  const producer = kafka.producer({
    transactionalId: uniqueName('tx-producer'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  producers.push(producer);
  await producer.connect();
  return producer;
}

async function lastStableOffset(): Promise<string> {
  const [partition] = await admin.fetchTopicOffsets(topic);
  return partition?.offset ?? '-1';
}

async function committedSourceOffset(): Promise<string | undefined> {
  const [entry] = await admin.fetchOffsets({ groupId: sourceGroup, topics: [topic] });
  return entry?.partitions[0]?.offset;
}

beforeAll(async () => {
  await admin.connect();
  await ensureTopic(admin, { topic, partitions: 1, replicationFactor: 1 });
});

afterAll(async () => {
  await Promise.all(consumers.map((c) => c.disconnect()));
  await Promise.all(producers.map((p) => p.disconnect()));
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

describe('transactional producer with sendOffsets', () => {
  it('is invisible to read_committed until commit, and never visible after abort', async () => {
    const committedReader = await startReader(false);
    const uncommittedReader = await startReader(true);
    const plain = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    producers.push(plain);
    await plain.connect();

    // An open transaction holds the last stable offset at its first record.
    const producer = await transactionalProducer();
    const open = await producer.transaction();
    await open.send({ topic, acks: -1, messages: [{ key: 'k', value: 'committed-1' }] });
    await open.sendOffsets({
      consumerGroupId: sourceGroup,
      topics: [{ topic, partitions: [{ partition: 0, offset: '1' }] }],
    });
    await plain.send({ topic, acks: -1, messages: [{ key: 'k', value: 'plain-after-open-tx' }] });

    await waitUntil('uncommitted reader sees the open transaction', () =>
      uncommittedReader.includes('plain-after-open-tx'),
    );
    expect(await lastStableOffset()).toBe('0');
    expect(committedReader).toEqual([]);
    expect(await committedSourceOffset()).toBe('-1');

    await open.commit();
    await waitUntil('committed reader sees the committed transaction', () =>
      committedReader.includes('plain-after-open-tx'),
    );
    expect(committedReader).toEqual(['committed-1', 'plain-after-open-tx']);
    expect(await committedSourceOffset()).toBe('1');

    // An aborted transaction's records and offsets never become visible.
    const aborted = await producer.transaction();
    await aborted.send({ topic, acks: -1, messages: [{ key: 'k', value: 'aborted-1' }] });
    await aborted.sendOffsets({
      consumerGroupId: sourceGroup,
      topics: [{ topic, partitions: [{ partition: 0, offset: '99' }] }],
    });
    await aborted.abort();
    await plain.send({ topic, acks: -1, messages: [{ key: 'k', value: 'plain-after-abort' }] });

    await waitUntil('committed reader passes the aborted transaction', () =>
      committedReader.includes('plain-after-abort'),
    );
    await waitUntil('uncommitted reader passes the aborted transaction', () =>
      uncommittedReader.includes('plain-after-abort'),
    );
    expect(committedReader).toEqual(['committed-1', 'plain-after-open-tx', 'plain-after-abort']);
    expect(uncommittedReader).toContain('aborted-1');
    expect(await committedSourceOffset()).toBe('1');
  });

  it('looks the transaction coordinator up once, not before every request (kafkajs patch)', async () => {
    const producer = await transactionalProducer();
    const apis: string[] = [];
    producer.on(producer.events.REQUEST, ({ payload }) => apis.push(payload.apiName));
    for (let i = 0; i < 5; i++) {
      const transaction = await producer.transaction();
      await transaction.send({ topic, messages: [{ value: `coordinator-${i}` }], acks: -1 });
      await transaction.commit();
    }
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'coordinator-aborted' }], acks: -1 });
    await aborted.abort();
    // Six or more: the broker may answer CONCURRENT_TRANSACTIONS right after a commit (retried).
    expect(apis.filter((api) => api === 'AddPartitionsToTxn').length).toBeGreaterThanOrEqual(6);
    expect(apis.filter((api) => api === 'EndTxn')).toHaveLength(6);
    // The one from connect (InitProducerId) is the only one.
    expect(apis.filter((api) => api === 'FindCoordinator').length).toBeLessThanOrEqual(1);
  });
});
