import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { scratchDir } from '@tally/testing';
import { describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/store/postgres.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { ReadModelStore } from '../src/store/types.js';
import { pgDatabase } from './support.js';

// The accounts table as it was before transfers and holds (ADR 0007), with one account in it.
const OLD_COLUMNS = `account_id text PRIMARY KEY, owner text NOT NULL, currency text NOT NULL,
  overdraft_limit bigint NOT NULL, balance bigint NOT NULL, version integer NOT NULL,
  status text NOT NULL, opened_at bigint NOT NULL, updated_at bigint NOT NULL, closed_at bigint`;
const OLD_ROW = `('acc-1', 'Ada', 'EUR', 0, 120, 4, 'open', 1, 4, NULL)`;
/** The other tables of generation 1, unchanged. */
const OTHER_TABLES = (prefix: string) => `
  CREATE TABLE ${prefix}balance_history (
    account_id text NOT NULL, version integer NOT NULL, event_id text NOT NULL,
    event_type text NOT NULL, amount bigint NOT NULL, balance_after bigint NOT NULL,
    occurred_at bigint NOT NULL, PRIMARY KEY (account_id, version));
  CREATE TABLE ${prefix}offsets (
    topic text NOT NULL, partition integer NOT NULL, next_offset text NOT NULL,
    PRIMARY KEY (topic, partition));`;

async function expectUpgraded(store: ReadModelStore): Promise<void> {
  const account = await store.getAccount('acc-1');
  expect(account).toMatchObject({ balance: 120, held: 0, holds: [], unsettled: 0 });
  expect(account?.unsettledTransfers).toEqual([]);
  const reserved = { ...account!, version: 5, held: 7, holds: [] };
  const committed = await store.commit({
    topic: 'T',
    partition: 0,
    fromOffset: '0',
    nextOffset: '1',
    accounts: [reserved],
    history: [],
  });
  expect(committed).toBe('committed');
  expect((await store.getAccount('acc-1'))?.held).toBe(7);
}

describe('a read model made before transfers and holds gains their columns on open', () => {
  it('SQLite', async () => {
    const path = join(scratchDir('projector-upgrade').dir, 'read-model.sqlite');
    const db = new Database(path);
    db.exec(`
      CREATE TABLE projector_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO projector_meta (key, value) VALUES ('active_generation', '1');
      CREATE TABLE g1_accounts (${OLD_COLUMNS}) WITHOUT ROWID;
      INSERT INTO g1_accounts VALUES ${OLD_ROW};
      CREATE VIEW accounts AS SELECT * FROM g1_accounts;
      ${OTHER_TABLES('g1_')}
      CREATE VIEW balance_history AS SELECT * FROM g1_balance_history;
      CREATE VIEW consumer_offsets AS SELECT * FROM g1_offsets;`);
    db.close();
    const store = SqliteStore.open(path);
    try {
      await expectUpgraded(store);
    } finally {
      await store.close();
    }
  });

  it('PostgreSQL', async () => {
    const database = await pgDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(`
      CREATE SCHEMA projector;
      CREATE TABLE projector.meta (key text PRIMARY KEY, value text NOT NULL);
      INSERT INTO projector.meta VALUES ('active_generation', '1'), ('max_generation', '1');
      CREATE SCHEMA projector_g1;
      CREATE TABLE projector_g1.accounts (${OLD_COLUMNS});
      INSERT INTO projector_g1.accounts VALUES ${OLD_ROW};
      CREATE VIEW projector.accounts AS SELECT * FROM projector_g1.accounts;
      ${OTHER_TABLES('projector_g1.').replace('next_offset text', 'next_offset bigint')}
      CREATE VIEW projector.balance_history AS SELECT * FROM projector_g1.balance_history;
      CREATE VIEW projector.consumer_offsets AS SELECT * FROM projector_g1.offsets;`);
    await client.end();
    const store = await PostgresStore.open(database.url);
    try {
      await expectUpgraded(store);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
