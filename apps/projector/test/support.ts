import type { KafkaClient } from '@tally/kafka';
import { testKafka } from '@tally/kafka/testing';
import type { AccountEvent } from '@tally/ledger';
import { testEventsTopic } from '@tally/events/testing';
import { scratchDatabase, scratchStores, type ScratchStoreFactory } from '@tally/testing';
import { PostgresStore } from '../src/store/postgres.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { ReadModelStore } from '../src/store/types.js';

export { pgAdminUrl, registryUrl } from '@tally/testing';

/** A topic of its own with the account-event schemas registered, and a serde for it. */
export async function eventsTopic(
  partitions: number,
  kafka: KafkaClient = testKafka('projector-test'),
) {
  const { topic, admin, serde, producer, send } = await testEventsTopic(
    kafka,
    'projector',
    partitions,
  );
  return {
    kafka,
    topic,
    serde,
    producer,
    /** Sends events keyed by accountId (or to a given partition). */
    send: (events: readonly AccountEvent[], partition?: number) =>
      send(events, partition === undefined ? {} : { partition }),
    async sendRaw(key: string, value: Buffer, partition: number) {
      await producer.send({ topic, messages: [{ key, value, partition }] });
    },
    async highWatermarks(): Promise<number> {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, o) => sum + Number(o.high), 0);
    },
    async close() {
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

export { closed, deposited, manyEvents, opened, withdrawn } from '@tally/testing';

/** A database of its own on the local PostgreSQL, dropped by `drop`. */
export const pgDatabase = () => scratchDatabase('projector_test');

export type StoreFactory = ScratchStoreFactory<ReadModelStore>;

/** The read model over an empty SQLite file, and over an empty PostgreSQL database. */
export const storeFactories = scratchStores<ReadModelStore>(
  'projector-test',
  'PROJECTOR_SQLITE_PATH',
  {
    sqlite: (path) => SqliteStore.open(path),
    postgres: (url) => PostgresStore.open(url),
  },
);
