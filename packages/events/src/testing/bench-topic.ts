import { manyEvents, registryUrl } from '@tally/testing';
import { RegistryClient } from '../registry-client.js';
import { loadSchemas } from '../schemas.js';
import { AccountEventSerde } from '../serde.js';
import { ensureAccountEventsTopic } from '../topics.js';
import { registerSchemas } from '../workflow.js';
import type { KafkaClient } from '@tally/kafka';

/** The topic the replay and audit benchmarks share, named by its size. */
export const benchTopicName = (events: number, accounts: number) =>
  `bench.projector-replay.${events}.${accounts}.v1`;

/**
 * Creates the benchmark topic with `events` events over `accounts` accounts (6 partitions), or
 * reuses it when it already holds exactly that many records. Shows progress on stderr.
 */
export async function preloadBenchTopic(
  kafka: KafkaClient,
  events: number,
  accounts: number,
): Promise<string> {
  const topic = benchTopicName(events, accounts);
  const log = (line: string) => process.stderr.write(line);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureAccountEventsTopic(admin, { topic, partitions: 6, replicationFactor: 1 });
    await registerSchemas(new RegistryClient(registryUrl), topic, loadSchemas());
    const have = (await admin.fetchTopicOffsets(topic)).reduce((s, o) => s + Number(o.high), 0);
    if (have === events) {
      log(`reusing ${topic}: ${have} events\n`);
      return topic;
    }
    if (have !== 0)
      throw new Error(`${topic} holds ${have} records, not ${events}; delete it first`);
    const serde = await AccountEventSerde.connect({ registryUrl, topic });
    const producer = kafka.producer();
    await producer.connect();
    const started = Date.now();
    const all = manyEvents('bench', accounts, Math.ceil(events / accounts)).slice(0, events);
    for (let i = 0; i < all.length; i += 20_000) {
      await producer.send({
        topic,
        messages: all
          .slice(i, i + 20_000)
          .map((e) => ({ key: e.accountId, value: serde.encode(e) })),
      });
      const done = Math.min(i + 20_000, all.length);
      const rate = Math.round(done / ((Date.now() - started) / 1000));
      log(`\rpreloading ${done}/${all.length} (${rate} events/s)   `);
    }
    await producer.disconnect();
    log(`\npreloaded ${all.length} events in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return topic;
  } finally {
    await admin.disconnect();
  }
}
