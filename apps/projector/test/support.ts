import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccountEventSerde,
  ensureAccountEventsTopic,
  loadSchemas,
  registerSchemas,
  RegistryClient,
} from '@tally/events';
import { testKafka, uniqueName } from '@tally/kafka/testing';
import type { AccountEvent } from '@tally/ledger';
import type { Kafka, Producer } from 'kafkajs';
import pg from 'pg';
import { PostgresStore } from '../src/store/postgres.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { ReadModelStore } from '../src/store/types.js';

export const registryUrl = process.env['SCHEMA_REGISTRY_URL'] ?? 'http://127.0.0.1:8081';
export const pgAdminUrl =
  process.env['TEST_DATABASE_URL'] ?? 'postgres://tally:tally@127.0.0.1:5432/tally';

/** A topic of its own with the account-event schemas registered, and a serde for it. */
export async function eventsTopic(partitions: number, kafka: Kafka = testKafka('projector-test')) {
  const topic = uniqueName('projector');
  const admin = kafka.admin();
  await admin.connect();
  await ensureAccountEventsTopic(admin, { topic, partitions, replicationFactor: 1 });
  await registerSchemas(new RegistryClient(registryUrl), topic, loadSchemas());
  const serde = await AccountEventSerde.connect({ registryUrl, topic });
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return {
    kafka,
    topic,
    serde,
    producer,
    /** Sends events keyed by accountId (or to a given partition). */
    async send(events: readonly AccountEvent[], partition?: number) {
      for (let i = 0; i < events.length; i += 5_000) {
        await producer.send({
          topic,
          acks: -1,
          messages: events.slice(i, i + 5_000).map((e) => ({
            key: e.accountId,
            value: serde.encode(e),
            ...(partition === undefined ? {} : { partition }),
          })),
        });
      }
    },
    async sendRaw(key: string, value: Buffer, partition: number) {
      await producer.send({ topic, acks: -1, messages: [{ key, value, partition }] });
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

const envelope = (accountId: string, version: number, occurredAt: number) => ({
  eventId: randomUUID(),
  accountId,
  version,
  occurredAt,
  commandId: randomUUID(),
  correlationId: randomUUID(),
  actor: 'test',
});

export const opened = (accountId: string, at: number, owner = 'Ada'): AccountEvent => ({
  type: 'AccountOpened',
  ...envelope(accountId, 1, at),
  owner,
  currency: 'EUR',
  overdraftLimit: 0,
});
export const deposited = (
  accountId: string,
  version: number,
  amount: number,
  at: number,
): AccountEvent => ({
  type: 'MoneyDeposited',
  ...envelope(accountId, version, at),
  amount,
  currency: 'EUR',
});
export const withdrawn = (
  accountId: string,
  version: number,
  amount: number,
  at: number,
): AccountEvent => ({
  type: 'MoneyWithdrawn',
  ...envelope(accountId, version, at),
  amount,
  currency: 'EUR',
});

/** `accounts` accounts with `perAccount` events each (open + deposits), interleaved. */
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

/** A database of its own on the local PostgreSQL, dropped by `drop`. */
export async function pgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `projector_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(pgAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: pgAdminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

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
