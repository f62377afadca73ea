import type { Consumer, KafkaMessage, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkajsOf } from '../src/client.js';
import { ensureTopic } from '../src/index.js';
import { testKafka, uniqueName, waitUntil } from '../src/testing/index.js';

const client = testKafka('produce-consume-test');
// Raw kafkajs, inside the adapter: these tests pin down the broker behaviour it relies on.
const kafka = kafkajsOf(client);
const admin = client.admin();
const topic = uniqueName('idempotent');
let producer: Producer;
let consumer: Consumer;

beforeAll(async () => {
  await admin.connect();
  await ensureTopic(admin, { topic, partitions: 3, replicationFactor: 1 });
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
});

afterAll(async () => {
  await consumer?.disconnect();
  await producer?.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

describe('idempotent acks=all producer', () => {
  it('delivers every record once, in order per key', async () => {
    const keys = ['acc-1', 'acc-2', 'acc-3', 'acc-4'];
    const perKey = 25;
    for (let i = 0; i < perKey; i++) {
      const metadata = await producer.send({
        topic,
        acks: -1,
        messages: keys.map((key) => ({ key, value: String(i) })),
      });
      expect(metadata.every((m) => m.errorCode === 0)).toBe(true);
    }

    const seen = new Map<string, number[]>();
    consumer = kafka.consumer({ groupId: uniqueName('idempotent-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }: { message: KafkaMessage }) => {
        const key = message.key?.toString() ?? '';
        seen.set(key, [...(seen.get(key) ?? []), Number(message.value?.toString())]);
      },
    });
    const total = () => [...seen.values()].reduce((sum, values) => sum + values.length, 0);
    await waitUntil('all records consumed', () => total() >= keys.length * perKey);

    const expected = Array.from({ length: perKey }, (_, i) => i);
    for (const key of keys) expect(seen.get(key)).toEqual(expected);
    expect(total()).toBe(keys.length * perKey);
  });
});
