import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { chainEntries, GENESIS_HASH, type EntryContent } from '../src/core/chain.js';
import { MIGRATIONS, SCHEMA_VERSION, SchemaOutdatedError } from '../src/store/migrations.js';
import { PostgresAuditStore } from '../src/store/postgres.js';
import { ENTRY_COLUMNS, entryValues } from '../src/store/rows.js';
import { SqliteAuditStore } from '../src/store/sqlite.js';
import type { AuditStore } from '../src/store/types.js';
import { verifyLog } from '../src/verify.js';
import { scratchDatabase, scratchDir } from './support.js';

const content = (offset: number, kind: EntryContent['kind']): EntryContent => ({
  kind,
  topic: 'events',
  partition: 0,
  offset: String(offset),
  kafkaTimestamp: String(1_700_000_000_000 + offset),
  key: 'acc-1',
  raw: Buffer.from(`record ${offset}`).toString('base64'),
  payload: kind === 'anomaly' ? null : JSON.stringify({ accountId: 'acc-1', version: offset + 1 }),
  schemaSubject: null,
  schemaVersion: null,
  schemaId: null,
  accountId: 'acc-1',
  eventType: kind === 'event' ? 'MoneyDeposited' : null,
  accountVersion: kind === 'event' ? offset + 1 : null,
  amount: null,
  currency: null,
  occurredAt: 1_700_000_000_000 + offset,
  anomalyReason: kind === 'anomaly' ? 'UNDECODABLE' : null,
  anomalyDetail: null,
  recordedAt: 1_700_000_001_000,
});

/**
 * A log as a build before migrations wrote it: migration 1's schema (its SQL was that build's
 * schema), five entries and their head, and no record of any migration.
 */
async function writeBeforeMigrations(db: Database_): Promise<void> {
  await db.script(db.dialect === 'sqlite' ? MIGRATIONS[0]!.sqlite : MIGRATIONS[0]!.postgres);
  const kinds: EntryContent['kind'][] = ['event', 'event', 'outcome', 'anomaly', 'event'];
  const { entries, head } = chainEntries(
    { chain: 'events/0', seq: 0, hash: GENESIS_HASH },
    kinds.map((kind, i) => content(i, kind)),
  );
  for (const entry of entries) {
    await db.run(
      `INSERT INTO ${db.entries} (${ENTRY_COLUMNS.join(', ')}) VALUES (${ENTRY_COLUMNS.map(() => '?').join(', ')})`,
      entryValues(entry),
    );
  }
  await db.run(
    `INSERT INTO ${db.offsets} (topic, partition, next_offset, chain, head_seq, head_hash) VALUES (?, ?, ?, ?, ?, ?)`,
    ['events', 0, 5, 'events/0', head.seq, head.hash],
  );
}

interface Database_ {
  readonly dialect: 'sqlite' | 'postgres';
  /** Opens the store (which migrates, or only checks with 'verify'). */
  open(migrate?: 'auto' | 'verify'): Promise<AuditStore>;
  /** SQL as an administrator runs it: a script, or one statement with `?` parameters. */
  script(sql: string): Promise<void>;
  run(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  readonly migrationsTable: string;
  readonly entries: string;
  readonly offsets: string;
  cleanup(): Promise<void>;
}

async function sqlite(): Promise<Database_> {
  const folder = scratchDir();
  const path = join(folder.dir, 'audit.sqlite');
  const withDb = <T>(work: (db: Database.Database) => T): T => {
    const db = new Database(path);
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  return {
    dialect: 'sqlite',
    open: async (migrate) => SqliteAuditStore.open(path, migrate ? { migrate } : {}),
    script: async (sql) => withDb((db) => void db.exec(sql)),
    run: async (sql, params = []) =>
      withDb((db) => {
        const statement = db.prepare(sql);
        if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
        statement.run(...params);
        return [];
      }),
    migrationsTable: 'audit_schema_migrations',
    entries: 'audit_entries',
    offsets: 'audit_offsets',
    cleanup: async () => folder.remove(),
  };
}

async function postgres(): Promise<Database_> {
  const database = await scratchDatabase('audit_migrations');
  const withClient = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    dialect: 'postgres',
    open: (migrate) => PostgresAuditStore.open(database.url, migrate ? { migrate } : {}),
    script: (sql) => withClient(async (client) => void (await client.query(sql))),
    run: (sql, params = []) => {
      let n = 0;
      return withClient(
        async (client) =>
          (
            await client.query(
              sql.replace(/\?/g, () => `$${++n}`),
              params,
            )
          ).rows,
      );
    },
    migrationsTable: 'audit.schema_migrations',
    entries: 'audit.entries',
    offsets: 'audit.offsets',
    cleanup: () => database.drop(),
  };
}

describe.each([
  ['sqlite', sqlite],
  ['postgres', postgres],
])('versioned migrations on %s', (_name, make) => {
  it('brings a log written before migrations to the current schema, once, keeping every entry', async () => {
    const db = await make();
    try {
      await writeBeforeMigrations(db);
      // A role that may not change the schema refuses to run on an old one, naming the fix.
      await expect(db.open('verify')).rejects.toThrow(SchemaOutdatedError);
      let store = await db.open();
      // The counters readiness reads were counted once, by the migration that added them.
      expect(await store.counts()).toEqual({ entries: 5, events: 3, outcomes: 1, anomalies: 1 });
      expect(await verifyLog(store)).toMatchObject({ ok: true, entries: 5 });
      await store.close();
      const applied = await db.run(`SELECT version FROM ${db.migrationsTable} ORDER BY version`);
      expect(applied.map((r) => Number(r['version']))).toEqual(MIGRATIONS.map((m) => m.version));
      expect(SCHEMA_VERSION).toBe(MIGRATIONS.at(-1)?.version);
      // Opening again applies nothing, and a current schema passes 'verify'.
      store = await db.open('verify');
      expect((await store.counts()).entries).toBe(5);
      await store.close();
      expect(await db.run(`SELECT version FROM ${db.migrationsTable}`)).toHaveLength(
        MIGRATIONS.length,
      );
    } finally {
      await db.cleanup();
    }
  });

  it('keeps the append-only triggers, created once by a migration', async () => {
    const db = await make();
    try {
      await writeBeforeMigrations(db);
      const store = await db.open();
      await store.close();
      await expect(db.run(`UPDATE ${db.entries} SET amount = 1`)).rejects.toThrow(/append-only/);
      await expect(db.run(`DELETE FROM ${db.entries}`)).rejects.toThrow(/append-only/);
    } finally {
      await db.cleanup();
    }
  });
});
