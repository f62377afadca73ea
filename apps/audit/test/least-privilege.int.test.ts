// PostgreSQL least privilege for the audit log: the migration role owns the schema, the tables
// and the trigger functions; the service's role appends and reads entries and can do nothing
// else: no UPDATE, DELETE or TRUNCATE of entries, no dropping or disabling a trigger, no
// redefining the function the triggers call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ownerAndRuntime,
  scratchDatabase,
  type OwnerAndRuntime,
  type ScratchDatabase,
  type ScratchRole,
} from '@tally/testing';
import type { EntryContent } from '../src/core/chain.js';
import { SchemaOutdatedError } from '../src/store/migrations.js';
import { PostgresAuditStore } from '../src/store/postgres.js';

let roles: OwnerAndRuntime;
let db: ScratchDatabase;
let owner: ScratchRole;
let runtime: ScratchRole;

const content = (offset: number): EntryContent => ({
  kind: 'event',
  topic: 'events',
  partition: 0,
  offset: String(offset),
  kafkaTimestamp: String(1_700_000_000_000 + offset),
  key: 'acc-1',
  raw: Buffer.from(`record ${offset}`).toString('base64'),
  payload: JSON.stringify({
    accountId: 'acc-1',
    amount: 100,
    version: offset + 2,
  }),
  schemaSubject: 'events-tally.account.MoneyDeposited',
  schemaVersion: 1,
  schemaId: 3,
  accountId: 'acc-1',
  eventType: 'MoneyDeposited',
  accountVersion: offset + 2,
  amount: 100,
  currency: 'EUR',
  occurredAt: 1_700_000_000_000 + offset,
  anomalyReason: null,
  anomalyDetail: null,
  recordedAt: 1_700_000_001_000,
});

beforeAll(async () => {
  roles = await ownerAndRuntime('audit');
  ({ db, owner, runtime } = roles);
  const migration = await PostgresAuditStore.open(owner.urlFor(db), {
    runtimeRole: runtime.name,
  });
  await migration.close();
});

afterAll(() => roles.drop());

describe('the audit runtime role', () => {
  it('appends entries and reads them back (INSERT and SELECT)', async () => {
    const store = await PostgresAuditStore.open(runtime.urlFor(db), {
      migrate: 'verify',
    });
    try {
      const first = await store.append({
        topic: 'events',
        partition: 0,
        fromOffset: '0',
        nextOffset: '2',
        contents: [content(0), content(1)],
      });
      expect(first.kind).toBe('appended');
      const next = await store.append({
        topic: 'events',
        partition: 0,
        fromOffset: '2',
        nextOffset: '3',
        contents: [content(2)],
      });
      expect(next.head?.seq).toBe(3);
      expect(await store.loadOffsets('events')).toEqual(new Map([[0, '3']]));
    } finally {
      await store.close();
    }
    expect(await runtime.sqlState(db, 'SELECT count(*) FROM audit.entries')).toBeUndefined();
  });

  it.each([
    ['update an entry', `UPDATE audit.entries SET amount = 1`],
    ['delete an entry', 'DELETE FROM audit.entries'],
    ['truncate the entries', 'TRUNCATE audit.entries'],
    ['delete a digest', 'DELETE FROM audit.signed_digests'],
    [
      'redefine the trigger function',
      `CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$`,
    ],
    ['drop a trigger', 'DROP TRIGGER entries_append_only ON audit.entries'],
    ['disable the triggers', 'ALTER TABLE audit.entries DISABLE TRIGGER ALL'],
    ['drop the entries', 'DROP TABLE audit.entries'],
    ['create a table', 'CREATE TABLE audit.extra (x int)'],
    ['record a migration', `INSERT INTO audit.schema_migrations VALUES (99, 'x', 0)`],
  ])('is refused: %s', async (_what, sql) => {
    expect(await runtime.sqlState(db, sql)).toBe('42501');
  });

  it('cannot create the schema itself, and verify mode names the missing migration', async () => {
    const empty = await scratchDatabase('audit_roles_empty');
    try {
      const url = runtime.urlFor(empty);
      await expect(PostgresAuditStore.open(url)).rejects.toMatchObject({
        code: '42501',
      });
      await expect(PostgresAuditStore.open(url, { migrate: 'verify' })).rejects.toBeInstanceOf(
        SchemaOutdatedError,
      );
    } finally {
      await empty.drop();
    }
  });
});
