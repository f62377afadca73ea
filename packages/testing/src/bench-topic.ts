import {
  AccountEventSerde,
  ensureAccountEventsTopic,
  loadSchemas,
  registerSchemas,
  RegistryClient,
} from '@tally/events';
import type { AccountEvent } from '@tally/ledger';
import type { KafkaClient } from '@tally/kafka';
import { deposited, opened } from './events.js';
import { registryUrl } from './scratch.js';

/**
 * `accounts` accounts with `perAccount` events each (open, then deposits), interleaved version by
 * version so that every batch touches many accounts, as a busy ledger does.
 */
export function manyEvents(
  prefix: string,
  accounts: number,
  perAccount: number,
  t0 = 1_700_000_000_000,
): AccountEvent[] {
  const events: AccountEvent[] = [];
  for (let v = 1; v <= perAccount; v++) {
    for (let a = 0; a < accounts; a++) {
      const id = `${prefix}-${a}`;
      events.push(v === 1 ? opened(id, t0 + v) : deposited(id, v, (a % 7) + v, t0 + v));
    }
  }
  return events;
}

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
