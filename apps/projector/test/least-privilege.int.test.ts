// PostgreSQL least privilege: the schema belongs to an owner role that runs the migration (and
// rebuilds); the service runs as a role that reads and writes rows of the read model and can do
// nothing else: no DDL, no DELETE or TRUNCATE, no change to which generation is live by name.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ownerAndRuntime,
  scratchDatabase,
  type OwnerAndRuntime,
  type ScratchDatabase,
  type ScratchRole,
} from '@tally/testing';
import type { AccountRow } from '../src/projection.js';
import { PostgresStore, SchemaNotReadyError } from '../src/store/postgres.js';
import type { BatchCommit } from '../src/store/types.js';

let roles: OwnerAndRuntime;
let db: ScratchDatabase;
let owner: ScratchRole;
let runtime: ScratchRole;

const account = (accountId: string, balance: number, version: number): AccountRow => ({
  accountId,
  owner: 'Ada',
  currency: 'EUR',
  overdraftLimit: 0,
  balance,
  version,
  status: 'open',
  openedAt: 1,
  updatedAt: version,
  closedAt: null,
  held: 0,
  holds: [],
  unsettled: 0,
  unsettledTransfers: [],
});

const batch = (fromOffset: string, rows: AccountRow[]): BatchCommit => ({
  topic: 'events',
  partition: 0,
  fromOffset,
  nextOffset: String(Number(fromOffset) + rows.length),
  accounts: rows,
  history: rows.map((row) => ({
    accountId: row.accountId,
    version: row.version,
    eventId: randomUUID(),
    eventType: 'MoneyDeposited',
    amount: row.balance,
    balanceAfter: row.balance,
    occurredAt: row.updatedAt,
  })),
});

/** The history table's indexes in generation g, as the owner sees them. */
async function historyIndexes(g: number): Promise<string[]> {
  const client = new pg.Client({ connectionString: owner.urlFor(db) });
  await client.connect();
  try {
    const { rows } = await client.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'balance_history'
       ORDER BY indexname`,
      [`projector_g${g}`],
    );
    return rows.map((r) => r.indexname);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  roles = await ownerAndRuntime('projector');
  ({ db, owner, runtime } = roles);
  const migration = await PostgresStore.open(owner.urlFor(db), { runtimeRole: runtime.name });
  await migration.close();
});

afterAll(() => roles.drop());

describe('the projector runtime role', () => {
  it('runs the service: reads and writes the read model, records skips', async () => {
    const store = await PostgresStore.open(runtime.urlFor(db), { migrate: 'verify' });
    try {
      expect(await store.commit(batch('0', [account('acc-1', 500, 1)]))).toBe('committed');
      expect(await store.commit(batch('1', [account('acc-1', 700, 2)]))).toBe('committed');
      expect((await store.loadAccounts(['acc-1'])).get('acc-1')?.balance).toBe(700);
      await store.recordSkip({
        topic: 'events',
        partition: 0,
        offset: '9',
        reason: 'test',
        operator: 'ops',
      });
      expect(await store.skips('events', 0)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('finds the history indexes built by the migration, which it could not build itself', async () => {
    expect(await historyIndexes(1)).toEqual(['balance_history_as_of', 'balance_history_key']);
    expect(
      await runtime.sqlState(db, 'CREATE INDEX extra ON projector_g1.balance_history (amount)'),
    ).toBe('42501');
    const store = await PostgresStore.open(runtime.urlFor(db), { migrate: 'verify' });
    try {
      // What the service does after catch-up: with the indexes there, it issues no DDL.
      await expect(store.buildQueryIndexes()).resolves.toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it.each([
    ['delete rows', 'DELETE FROM projector_g1.accounts'],
    ['truncate', 'TRUNCATE projector_g1.balance_history'],
    ['change a skip', `UPDATE projector.skips SET reason = 'forgotten'`],
    ['delete a skip', 'DELETE FROM projector.skips'],
    ['rename a meta key', `UPDATE projector.meta SET key = 'x' WHERE key = 'max_generation'`],
    ['drop a table', 'DROP TABLE projector_g1.accounts'],
    ['create a table', 'CREATE TABLE projector.extra (x int)'],
    ['create a schema', 'CREATE SCHEMA extra'],
    [
      'redefine a view',
      'CREATE OR REPLACE VIEW projector.accounts AS SELECT * FROM projector.skips',
    ],
    ['alter a table', 'ALTER TABLE projector_g1.accounts ADD COLUMN x int'],
  ])('is refused: %s', async (_what, sql) => {
    expect(await runtime.sqlState(db, sql)).toBe('42501');
  });

  it('cannot create the schema itself, and verify mode names the missing migration', async () => {
    const empty = await scratchDatabase('projector_roles_empty');
    try {
      const url = runtime.urlFor(empty);
      await expect(PostgresStore.open(url)).rejects.toMatchObject({ code: '42501' });
      await expect(PostgresStore.open(url, { migrate: 'verify' })).rejects.toBeInstanceOf(
        SchemaNotReadyError,
      );
    } finally {
      await empty.drop();
    }
  });

  it('keeps its rights on the generation a rebuild (run as the owner) swaps in', async () => {
    const ownerStore = await PostgresStore.open(owner.urlFor(db));
    try {
      const next = await ownerStore.createGeneration();
      expect(await next.commit(batch('0', [account('acc-2', 100, 1)]))).toBe('committed');
      await next.activate();
    } finally {
      await ownerStore.close();
    }
    const store = await PostgresStore.open(runtime.urlFor(db), { migrate: 'verify' });
    try {
      expect(store.generation).toBe(2);
      expect(await historyIndexes(2)).toEqual(['balance_history_as_of', 'balance_history_key']);
      await expect(store.buildQueryIndexes()).resolves.toBeUndefined();
      expect(await store.commit(batch('1', [account('acc-2', 250, 2)]))).toBe('committed');
      expect((await store.loadAccounts(['acc-2'])).get('acc-2')?.balance).toBe(250);
      expect(await runtime.sqlState(db, 'DROP SCHEMA projector_g1 CASCADE')).toBe('42501');
    } finally {
      await store.close();
    }
  });
});
