import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaClient } from '@tally/kafka';
import { testKafka } from '@tally/kafka/testing';
import type { AccountEvent } from '@tally/ledger';
import { scratchDatabase, testEventsTopic } from '@tally/testing';
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

export interface StoreFactory {
  readonly name: 'sqlite' | 'postgres';
  /** A new empty store, its config env, and a cleanup. */
  create(): Promise<{
    store: ReadModelStore;
    env: Record<string, string>;
    cleanup: () => Promise<void>;
  }>;
}

export const storeFactories: readonly StoreFactory[] = [
  {
    name: 'sqlite',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'projector-test-'));
      const path = join(dir, 'model.sqlite');
      const store = SqliteStore.open(path);
      return {
        store,
        env: { PROJECTOR_SQLITE_PATH: path },
        cleanup: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async create() {
      const db = await pgDatabase();
      const store = await PostgresStore.open(db.url);
      return {
        store,
        env: { DATABASE_URL: db.url },
        cleanup: async () => {
          await store.close();
          await db.drop();
        },
      };
    },
  },
];
