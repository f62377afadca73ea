import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTopicSnapshot, type KafkaRecord } from '../src/index.js';
import { testKafka, testTopic, type TestTopic } from '../src/testing/index.js';

const kafka = testKafka('topic-snapshot-test');
let t: TestTopic;

const values = async (records: AsyncIterable<KafkaRecord>) => {
  const seen: string[] = [];
  for await (const record of records) seen.push(`${record.offset}:${record.value?.toString()}`);
  return seen;
};

beforeAll(async () => {
  // Three partitions: 0 gets 2,500 records (more than a buffer), 1 gets 3, 2 stays empty.
  t = await testTopic(kafka, 'snapshot', 3);
  for (let chunk = 0; chunk < 5; chunk++) {
    await t.producer.send({
      topic: t.topic,
      messages: Array.from({ length: 500 }, (_, i) => ({
        partition: 0,
        key: 'a',
        value: String(chunk * 500 + i),
      })),
    });
  }
  await t.producer.send({
    topic: t.topic,
    messages: ['x', 'y', 'z'].map((value) => ({ partition: 1, key: 'b', value })),
  });
});

afterAll(async () => {
  await t?.close();
});

describe('readTopicSnapshot', () => {
  it('streams every partition up to its end at the start, in offset order, with a small buffer', async () => {
    const snapshot = await readTopicSnapshot({ kafka, topic: t.topic, bufferPerPartition: 100 });
    // Written after the snapshot began: not part of it.
    await t.producer.send({
      topic: t.topic,
      messages: [{ partition: 1, key: 'b', value: 'late' }],
    });
    try {
      expect(snapshot.partitions.map((p) => [p.partition, p.end])).toEqual([
        [0, '2500'],
        [1, '3'],
        [2, '0'],
      ]);
      const [zero, one, two] = await Promise.all(snapshot.partitions.map((p) => values(p.records)));
      expect(zero).toHaveLength(2_500);
      expect(zero?.[0]).toBe('0:0');
      expect(zero?.at(-1)).toBe('2499:2499');
      expect(zero?.every((v, i) => v === `${i}:${i}`)).toBe(true);
      expect(one).toEqual(['0:x', '1:y', '2:z']);
      expect(two).toEqual([]);
    } finally {
      await snapshot.close();
    }
  });

  it('lets a reader stop early without holding up the others, and closes', async () => {
    const snapshot = await readTopicSnapshot({ kafka, topic: t.topic, bufferPerPartition: 10 });
    try {
      const [zero, one] = snapshot.partitions;
      let read = 0;
      for await (const _ of zero!.records) if (++read === 20) break;
      // Partition 0 is left with 2,480 unread records; partition 1 still reads to its end.
      expect(await values(one!.records)).toEqual(['0:x', '1:y', '2:z', '3:late']);
    } finally {
      await snapshot.close();
    }
  });
});
