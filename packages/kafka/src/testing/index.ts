import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { kafkaFromEnv } from '../client.js';

/** The kafkajs client behind a KafkaClient, for tests that need a raw producer or consumer. */
export { kafkajsOf } from '../client.js';
import { TopicFollower } from '../follower.js';
import { ensureTopic } from '../topics.js';
import type { KafkaAdmin, KafkaClient, KafkaProducer, KafkaRecord } from '../types.js';

/** A topic or group name no other test run uses. */
export function uniqueName(prefix: string): string {
  return `test.${prefix}.${Date.now().toString(36)}.${randomUUID().slice(0, 8)}`;
}

/** A client for the local stack, or the brokers in KAFKA_BROKERS. */
export function testKafka(clientId = 'tally-test'): KafkaClient {
  return kafkaFromEnv(process.env, { clientId });
}

export interface TestTopic {
  readonly topic: string;
  readonly admin: KafkaAdmin;
  readonly producer: KafkaProducer;
  /** Disconnects and deletes the topic. */
  close(): Promise<void>;
}

/** A topic of the test's own (one replica, the given configs), with a connected admin and producer. */
export async function testTopic(
  kafka: KafkaClient,
  prefix: string,
  partitions: number,
  configs: Readonly<Record<string, string>> = {},
): Promise<TestTopic> {
  const topic = uniqueName(prefix);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopic(admin, { topic, partitions, replicationFactor: 1, configs });
  const producer = kafka.producer();
  await producer.connect();
  return {
    topic,
    admin,
    producer,
    close: async () => {
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** Every committed record of the topics right now (read_committed, offset order per partition). */
export async function readTopics(
  kafka: KafkaClient,
  topics: readonly string[],
): Promise<{ topic: string; partition: number; record: KafkaRecord }[]> {
  const admin = kafka.admin();
  await admin.connect();
  const records: { topic: string; partition: number; record: KafkaRecord }[] = [];
  const follower = new TopicFollower({
    kafka,
    topics,
    groupId: uniqueName('reader'),
    onMessage: (topic, partition, record) => void records.push({ topic, partition, record }),
  });
  try {
    const ends = await TopicFollower.endOffsets(admin, topics);
    await follower.start();
    await follower.waitFor(ends);
  } finally {
    await follower.stop();
    await admin.disconnect();
  }
  return records;
}

/** Polls a condition until it holds, instead of sleeping a guessed time. */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
export { rawReadRate } from './raw-read.js';
export {
  partitionStoreContract,
  type ContractCase,
  type PartitionStoreFixture,
} from './partition-store-contract.js';
export {
  consumerPerformance,
  endToEndLatency,
  kafkaLibsDir,
  processCpuMs,
  processRss,
  producerPerformance,
  runKafkaTool,
} from './kafka-tools.js';
