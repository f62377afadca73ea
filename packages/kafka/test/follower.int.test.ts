import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTopic, PoisonRecordError, TallyError, TopicFollower } from '../src/index.js';
import { testKafka, uniqueName, waitUntil } from '../src/testing/index.js';

// A follower's callback that fails for a while (its registry away, or answering 404 while its
// database is down) is retried in order; only a record that can never be applied stops it.
const kafka = testKafka('follower-test');
const admin = kafka.admin();
const topic = uniqueName('follower');
const followers: TopicFollower[] = [];

beforeAll(async () => {
  await admin.connect();
  await ensureTopic(admin, { topic, partitions: 1, replicationFactor: 1 });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: ['a', 'b', 'poison', 'c'].map((value) => ({ value, partition: 0 })),
  });
  await producer.disconnect();
});

afterAll(async () => {
  await Promise.all(followers.map((f) => f.stop().catch(() => undefined)));
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

function follow(onValue: (value: string) => void) {
  const fatal: unknown[] = [];
  const follower = new TopicFollower({
    kafka,
    topics: [topic],
    groupId: uniqueName('follower'),
    onFatal: (error) => fatal.push(error),
    onMessage: (_topic, _partition, message) => onValue(String(message.value)),
  });
  followers.push(follower);
  return { follower, fatal };
}

describe('TopicFollower', () => {
  it('retries a record whose callback fails with a retriable error, in order, once applied', async () => {
    const seen: string[] = [];
    let failures = 0;
    const { follower, fatal } = follow((value) => {
      if (value === 'b' && failures < 3) {
        failures++;
        throw new TallyError('SCHEMA_REGISTRY_ERROR', 'registry unreachable', true);
      }
      seen.push(value);
    });
    await follower.start();
    await waitUntil('every record applied', () => seen.length === 4, 30_000, 20);
    expect(seen).toEqual(['a', 'b', 'poison', 'c']);
    expect(failures).toBe(3);
    expect(fatal).toEqual([]);
    expect(follower.failure()).toBeUndefined();
  });

  it('stops with the reason on a record that can never be applied', async () => {
    const seen: string[] = [];
    const { follower, fatal } = follow((value) => {
      if (value === 'poison') throw new PoisonRecordError('TEST', 'UNREADABLE', 'not a record');
      seen.push(value);
    });
    await follower.start();
    await waitUntil('the follower stopped', () => fatal.length > 0, 30_000, 20);
    expect(seen).toEqual(['a', 'b']);
    expect(String(follower.failure())).toMatch(/not a record/);
  });
});
