import { describeTopicConfigs, ensureTopic, TopicMismatchError } from '@tally/kafka';
import { testKafka, uniqueName } from '@tally/kafka/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAccountEventsTopic } from '../src/index.js';

const admin = testKafka('topic-test').admin();
const created: string[] = [];

beforeAll(() => admin.connect());
afterAll(async () => {
  await admin.deleteTopics({ topics: created }).catch(() => undefined);
  await admin.disconnect();
});

describe('the account events topic', () => {
  it('is created to keep events forever, then verified', async () => {
    const topic = uniqueName('events');
    created.push(topic);
    const spec = { topic, partitions: 6, replicationFactor: 1 };
    expect(await ensureAccountEventsTopic(admin, spec)).toBe('created');
    const configs = await describeTopicConfigs(admin, topic);
    expect(configs).toMatchObject({
      'retention.ms': '-1',
      'retention.bytes': '-1',
      'cleanup.policy': 'delete',
    });
    expect(await ensureAccountEventsTopic(admin, spec)).toBe('verified');
  });

  it('refuses a topic whose retention would delete events', async () => {
    const topic = uniqueName('events-7d');
    created.push(topic);
    await ensureTopic(admin, {
      topic,
      partitions: 6,
      replicationFactor: 1,
      configs: { 'retention.ms': '604800000' },
    });
    const attempt = ensureAccountEventsTopic(admin, { topic, partitions: 6, replicationFactor: 1 });
    await expect(attempt).rejects.toThrow(TopicMismatchError);
    await expect(attempt).rejects.toThrow(/retention.ms is 604800000, expected -1/);
  });

  it('refuses a compacted topic and another partition count', async () => {
    const topic = uniqueName('events-compacted');
    created.push(topic);
    await ensureTopic(admin, {
      topic,
      partitions: 3,
      replicationFactor: 1,
      configs: { 'cleanup.policy': 'compact' },
    });
    const attempt = ensureAccountEventsTopic(admin, { topic, partitions: 6, replicationFactor: 1 });
    await expect(attempt).rejects.toThrow(/partitions is 3, expected 6/);
    await expect(attempt).rejects.toThrow(/cleanup.policy is compact, expected delete/);
  });
});
