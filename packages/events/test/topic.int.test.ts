import { describeTopicConfigs, ensureTopic, TopicMismatchError } from '@tally/kafka';
import { testKafka, uniqueName } from '@tally/kafka/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureAccountEventsTopic,
  ensureLedgerTopics,
  MissingBesideHistoryError,
} from '../src/index.js';

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

describe('the ledger topics', () => {
  it('refuse to create the outcomes topic again empty beside an events topic with records', async () => {
    const topics = {
      events: uniqueName('events'),
      commands: uniqueName('commands'),
      outcomes: uniqueName('outcomes'),
    };
    created.push(...Object.values(topics));
    await ensureLedgerTopics(admin, topics, 3, 1);

    const producer = testKafka('topic-test').producer();
    await producer.connect();
    await producer.send({ topic: topics.events, messages: [{ key: 'a', value: 'x' }] });
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topics.outcomes] });
    const attempt = ensureLedgerTopics(admin, topics, 3, 1);
    await expect(attempt).rejects.toThrow(MissingBesideHistoryError);
    await expect(attempt).rejects.toThrow(
      `topic(s) ${topics.outcomes} missing while ${topics.events} holds 1 records`,
    );
    expect(await admin.listTopics()).not.toContain(topics.outcomes);
  });
});
