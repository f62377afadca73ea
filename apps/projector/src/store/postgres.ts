import pg from 'pg';
import { inTransaction } from '@tally/service';
import type { AccountRow, HistoryRow } from '../projection.js';
import * as row from './rows.js';
import { anchorTable, CommitGroup, type AnchorRow, type TopicAnchor } from '@tally/kafka';
import type { BatchCommit, Page, ReadModelStore, Skip } from './types.js';

/** Where this store keeps the anchors of the topics it reads (ADR 0013). */
const ANCHORS = anchorTable('projector.topic_anchors', 'postgres');

const INT8 = 20;
const LOCK_ID = 7_340_001;

const schemaOf = (g: number) => `projector_g${g}`;

async function createTables(client: pg.PoolClient, g: number): Promise<void> {
  const s = schemaOf(g);
  await client.query(`
    CREATE SCHEMA IF NOT EXISTS ${s};
    CREATE TABLE IF NOT EXISTS ${s}.accounts (
      account_id text PRIMARY KEY, owner text NOT NULL, currency text NOT NULL,
      overdraft_limit bigint NOT NULL, balance bigint NOT NULL, version integer NOT NULL,
      status text NOT NULL, opened_at bigint NOT NULL, updated_at bigint NOT NULL, closed_at bigint);
    ${reservationColumns(s)}
    CREATE TABLE IF NOT EXISTS ${s}.balance_history (
      account_id text NOT NULL, version integer NOT NULL, event_id uuid NOT NULL,
      event_type text NOT NULL, amount bigint NOT NULL, balance_after bigint NOT NULL,
      occurred_at bigint NOT NULL);
    CREATE TABLE IF NOT EXISTS ${s}.offsets (
      topic text NOT NULL, partition integer NOT NULL, next_offset bigint NOT NULL,
      PRIMARY KEY (topic, partition));`);
}

/**
 * The history's key (account_id, version) and as-of index: see the SQLite store. A generation this
 * role creates gets them once it caught up (createQueryIndexes); the owner's migration for a
 * separate runtime role, which cannot build them, makes them with the tables (free while empty).
 * A generation made before this keeps its primary key and gains the as-of index.
 */
async function createQueryIndexes(client: pg.PoolClient, g: number): Promise<void> {
  const s = schemaOf(g);
  // Serialised: two instances catching up together must not both build them.
  await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_ID]);
  // Read from the catalogue first: CREATE INDEX IF NOT EXISTS still needs ownership of the table,
  // which the runtime role (PROJECTOR_DB_MIGRATE=verify) does not have.
  const { rows } = await client.query<{ indexname: string }>(
    `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'balance_history'`,
    [s],
  );
  const names = new Set(rows.map((r) => r.indexname));
  if (!names.has('balance_history_pkey') && !names.has('balance_history_key')) {
    await client.query(
      `CREATE UNIQUE INDEX IF NOT EXISTS balance_history_key ON ${s}.balance_history (account_id, version)`,
    );
  }
  if (!names.has('balance_history_as_of')) {
    await client.query(
      `CREATE INDEX IF NOT EXISTS balance_history_as_of ON ${s}.balance_history (account_id, occurred_at, version)`,
    );
  }
}

/**
 * The columns of transfers and holds (ADR 0007), also added to tables made before them (whose rows
 * had none, which the defaults say).
 */
function reservationColumns(s: string): string {
  return `
    ALTER TABLE ${s}.accounts ADD COLUMN IF NOT EXISTS held bigint NOT NULL DEFAULT 0;
    ALTER TABLE ${s}.accounts ADD COLUMN IF NOT EXISTS unsettled bigint NOT NULL DEFAULT 0;
    ALTER TABLE ${s}.accounts ADD COLUMN IF NOT EXISTS reservations text NOT NULL
      DEFAULT '${row.NO_RESERVATIONS}';`;
}

async function swapViews(client: pg.PoolClient, g: number): Promise<void> {
  const s = schemaOf(g);
  await client.query(`
    CREATE OR REPLACE VIEW projector.accounts AS SELECT * FROM ${s}.accounts;
    CREATE OR REPLACE VIEW projector.balance_history AS SELECT * FROM ${s}.balance_history;
    CREATE OR REPLACE VIEW projector.consumer_offsets AS SELECT * FROM ${s}.offsets;`);
}

/** How the store treats its schema when it opens. */
export type MigrateMode =
  /** Create what is missing (needs DDL rights: the owner role, or the one-role local stack). */
  | 'auto'
  /** Only check that the schema is there; never change it (the least-privilege runtime role). */
  | 'verify';

export interface PostgresStoreOptions {
  readonly poolSize?: number;
  readonly migrate?: MigrateMode;
  /**
   * With `auto`: the role the service runs as, granted what the service does and nothing more
   * (no DELETE, TRUNCATE or DDL), also on the generations this role creates later (rebuilds).
   */
  readonly runtimeRole?: string | undefined;
}

/** A verify-mode open on a database whose schema was never created. */
export class SchemaNotReadyError extends Error {
  readonly code = 'SCHEMA_NOT_READY';
  constructor() {
    super(
      'the read model schema is missing: run `pnpm --filter @tally/projector migrate` (or node dist/cli/migrate.js) with the role that owns the schema',
    );
    this.name = 'SchemaNotReadyError';
  }
}

/**
 * The runtime role's rights: read the active generation (UPDATE of `value` only because SELECT …
 * FOR SHARE needs it), record and read skips, read, insert and update every generation's rows.
 */
async function grantRuntime(client: pg.PoolClient, role: string): Promise<void> {
  const r = `"${role}"`;
  const { rows } = await client.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace WHERE nspname ~ '^projector_g[0-9]+$'`,
  );
  await client.query(`
    GRANT USAGE ON SCHEMA projector TO ${r};
    GRANT SELECT, UPDATE (value) ON projector.meta TO ${r};
    GRANT SELECT, INSERT ON projector.skips TO ${r};
    GRANT SELECT, INSERT, UPDATE ON projector.topic_anchors TO ${r};
    GRANT SELECT ON projector.accounts, projector.balance_history, projector.consumer_offsets TO ${r};
    ${rows.map(({ nspname }) => `GRANT USAGE ON SCHEMA ${nspname} TO ${r}; GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA ${nspname} TO ${r};`).join('\n')}
    ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO ${r};
    ALTER DEFAULT PRIVILEGES GRANT SELECT, INSERT, UPDATE ON TABLES TO ${r};`);
}

async function verifySchema(pool: pg.Pool): Promise<void> {
  const { rowCount } = await pool
    .query(`SELECT 1 FROM projector.meta WHERE key = 'active_generation'`)
    .catch((error: unknown) => {
      // 42P01 undefined table, 3F000 undefined schema: never migrated. (42501 is a missing grant.)
      const code = (error as { code?: string }).code;
      if (code === '42P01' || code === '3F000') return { rowCount: 0 };
      throw error;
    });
  if (rowCount !== 1) throw new SchemaNotReadyError();
  // Added later (topic anchors): a schema migrated by an older build lacks it.
  await pool.query('SELECT 1 FROM projector.topic_anchors LIMIT 0').catch((error: unknown) => {
    if ((error as { code?: string }).code === '42P01') throw new SchemaNotReadyError();
    throw error;
  });
}

async function readActive(client: pg.PoolClient | pg.Pool, lock = ''): Promise<number> {
  const { rows } = await client.query<{ value: string }>(
    `SELECT value FROM projector.meta WHERE key = 'active_generation' ${lock}`,
  );
  return Number(rows[0]?.value ?? 1);
}

/** The schema and generation 1 when missing, under an advisory lock; then the runtime grants. */
async function createSchema(pool: pg.Pool, runtimeRole: string | undefined): Promise<void> {
  await inTransaction(
    () => pool.connect(),
    async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_ID]);
      await client.query(`
      CREATE SCHEMA IF NOT EXISTS projector;
      CREATE TABLE IF NOT EXISTS projector.meta (key text PRIMARY KEY, value text NOT NULL);
      CREATE TABLE IF NOT EXISTS projector.skips (
        topic text NOT NULL, partition integer NOT NULL, "offset" bigint NOT NULL,
        reason text NOT NULL, operator text NOT NULL, created_at bigint NOT NULL,
        PRIMARY KEY (topic, partition, "offset"));
      CREATE TABLE IF NOT EXISTS projector.topic_anchors (
        topic text NOT NULL, partition integer NOT NULL, start_offset bigint NOT NULL,
        first_timestamp bigint NOT NULL, PRIMARY KEY (topic, partition));`);
      const { rowCount } = await client.query(
        `SELECT 1 FROM projector.meta WHERE key = 'active_generation'`,
      );
      if (rowCount === 0) {
        await createTables(client, 1);
        await client.query(
          `INSERT INTO projector.meta (key, value) VALUES ('active_generation', '1'), ('max_generation', '1')`,
        );
        await swapViews(client, 1);
      }
      // A view's * was expanded when it was made: made again, it shows the added columns.
      const active = await readActive(client);
      await client.query(reservationColumns(schemaOf(active)));
      // A separate runtime role owns no table, so cannot build the history's indexes after
      // catch-up: the owner builds them here (on generation 1 while it is still empty).
      if (runtimeRole !== undefined) await createQueryIndexes(client, active);
      await swapViews(client, active);
      if (runtimeRole !== undefined) await grantRuntime(client, runtimeRole);
    },
  );
}

/** PostgreSQL read model: generation g in schema `projector_g<g>`, views in schema `projector`. */
export class PostgresStore implements ReadModelStore {
  readonly kind = 'postgres';

  private readonly group = new CommitGroup((batches: readonly BatchCommit[]) =>
    this.commitAll(batches),
  );

  private constructor(
    private readonly pool: pg.Pool,
    private gen: number,
    private readonly followsActive: boolean,
  ) {}

  static async open(
    connectionString: string,
    options: PostgresStoreOptions = {},
  ): Promise<PostgresStore> {
    const pool = new pg.Pool({
      connectionString,
      max: options.poolSize ?? 10,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as never,
      },
    });
    // An idle client whose connection the server ended (a restart, an administrator, a dropped
    // database): the pool discards it and the next query connects anew; unheard, pg would throw.
    pool.on('error', () => undefined);
    try {
      if (options.migrate === 'verify') await verifySchema(pool);
      else await createSchema(pool, options.runtimeRole);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresStore(pool, await readActive(pool), true);
  }

  get generation(): number {
    return this.gen;
  }

  async loadOffsets(topic: string): Promise<ReadonlyMap<number, string>> {
    const { rows } = await this.pool.query<{ partition: number; next_offset: number }>(
      `SELECT partition, next_offset FROM ${schemaOf(this.gen)}.offsets WHERE topic = $1`,
      [topic],
    );
    return new Map(rows.map((r) => [r.partition, String(r.next_offset)]));
  }

  async loadAnchors(topic: string): Promise<ReadonlyMap<number, TopicAnchor>> {
    return ANCHORS.fromRows((await this.pool.query<AnchorRow>(ANCHORS.select, [topic])).rows);
  }

  async saveAnchor(topic: string, partition: number, anchor: TopicAnchor): Promise<void> {
    await this.pool.query(ANCHORS.upsert, ANCHORS.valuesOf(topic, partition, anchor));
  }

  async loadAccounts(ids: readonly string[]): Promise<ReadonlyMap<string, AccountRow>> {
    const { rows } = await this.pool.query(
      `SELECT ${row.ACCOUNT_COLS} FROM ${schemaOf(this.gen)}.accounts WHERE account_id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.account_id as string, row.toAccount(r)]));
  }

  /** Grouped with the other partitions' batches of the same fetch (CommitGroup). */
  async commit(batch: BatchCommit): Promise<'committed' | 'stale'> {
    return this.group.commit(batch);
  }

  /**
   * The batches in one transaction with a fixed number of round trips whatever their count: one
   * fence read for all their partitions, one upsert of all their accounts, one insert of all their
   * history, one write of all their offsets.
   */
  async commitAll(batches: readonly BatchCommit[]): Promise<('committed' | 'stale')[]> {
    const s = schemaOf(this.gen);
    const work = async (client: pg.PoolClient): Promise<('committed' | 'stale')[]> => {
      // Like SQLite's synchronous = NORMAL: the commit stays atomic (rows and offsets together or
      // neither); a server crash may lose the last few, whose offsets are lost with them, so they
      // are read again from Kafka. Replay no longer waits for a WAL flush per batch.
      await client.query('SET LOCAL synchronous_commit = off');
      // FOR SHARE: a swap (UPDATE of this row) waits until this batch is committed.
      const active = await readActive(client, 'FOR SHARE');
      if (this.followsActive && active !== this.gen) return batches.map(() => 'stale');
      const { rows } = await client.query<{
        topic: string;
        partition: number;
        next_offset: number;
      }>(
        `SELECT topic, partition, next_offset FROM ${s}.offsets
         WHERE (topic, partition) IN (SELECT * FROM unnest($1::text[], $2::int[])) FOR UPDATE`,
        [batches.map((b) => b.topic), batches.map((b) => b.partition)],
      );
      const stored = new Map(rows.map((r) => [`${r.partition}\u0000${r.topic}`, r.next_offset]));
      // In order, as one after the other would be: a later batch of a partition continues from
      // the offset an earlier one in the group stores.
      const results = batches.map((b) => {
        const key = `${b.partition}\u0000${b.topic}`;
        if (String(stored.get(key) ?? '0') !== b.fromOffset) return 'stale' as const;
        stored.set(key, Number(b.nextOffset));
        return 'committed' as const;
      });
      const fresh = batches.filter((_, i) => results[i] === 'committed');
      if (fresh.length === 0) return results;
      // One row per account and per partition, the last state: an upsert may not touch a row twice.
      const a = [
        ...new Map(fresh.flatMap((b) => b.accounts.map((r) => [r.accountId, r]))).values(),
      ];
      const offsets = [
        ...new Map(fresh.map((b) => [`${b.partition}\u0000${b.topic}`, b])).values(),
      ];
      if (a.length > 0) {
        // One JSON text, not thirteen arrays, as for the history below: pg's array literals
        // escaped each element in JavaScript.
        await client.query(
          `INSERT INTO ${s}.accounts (${row.ACCOUNT_COLS})
           SELECT * FROM json_to_recordset($1::json) AS a("accountId" text, owner text,
             currency text, "overdraftLimit" bigint, balance bigint, version int, status text,
             "openedAt" bigint, "updatedAt" bigint, "closedAt" bigint, held bigint,
             unsettled bigint, reservations text)
           ON CONFLICT (account_id) DO UPDATE SET balance = excluded.balance,
             version = excluded.version, status = excluded.status,
             updated_at = excluded.updated_at, closed_at = excluded.closed_at,
             held = excluded.held, unsettled = excluded.unsettled,
             reservations = excluded.reservations`,
          [
            JSON.stringify(
              a.map((r) => ({
                accountId: r.accountId,
                owner: r.owner,
                currency: r.currency,
                overdraftLimit: r.overdraftLimit,
                balance: r.balance,
                version: r.version,
                status: r.status,
                openedAt: r.openedAt,
                updatedAt: r.updatedAt,
                closedAt: r.closedAt,
                held: r.held,
                unsettled: r.unsettled,
                reservations: row.reservationsOf(r),
              })),
            ),
          ],
        );
      }
      const h = fresh.flatMap((b) => b.history);
      if (h.length > 0) {
        // One JSON text, not seven arrays: JSON.stringify is native, while pg builds an array
        // literal element by element in JavaScript (a third of the client's CPU per event).
        await client.query(
          `INSERT INTO ${s}.balance_history (${row.HISTORY_COLS})
           SELECT * FROM json_to_recordset($1::json) AS h("accountId" text, version int,
             "eventId" uuid, "eventType" text, amount bigint, "balanceAfter" bigint,
             "occurredAt" bigint)`,
          [JSON.stringify(h satisfies readonly HistoryRow[])],
        );
      }
      await client.query(
        `INSERT INTO ${s}.offsets (topic, partition, next_offset)
         SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[])
         ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset`,
        [
          offsets.map((b) => b.topic),
          offsets.map((b) => b.partition),
          offsets.map((b) => b.nextOffset),
        ],
      );
      return results;
    };
    return inTransaction(
      () => this.pool.connect(),
      work,
      (results) => results.includes('committed'),
    );
  }

  async refreshGeneration(): Promise<number> {
    if (this.followsActive) this.gen = await readActive(this.pool);
    return this.gen;
  }

  async getAccount(accountId: string): Promise<AccountRow | undefined> {
    const { rows } = await this.pool.query(
      `SELECT ${row.ACCOUNT_COLS} FROM projector.accounts WHERE account_id = $1`,
      [accountId],
    );
    return rows[0] && row.toAccount(rows[0]);
  }

  async balanceAsOf(accountId: string, at: number): Promise<HistoryRow | undefined> {
    const { rows } = await this.pool.query(
      `SELECT ${row.HISTORY_COLS} FROM projector.balance_history WHERE account_id = $1 AND occurred_at <= $2
       ORDER BY occurred_at DESC, version DESC LIMIT 1`,
      [accountId, at],
    );
    return rows[0] && row.toHistory(rows[0]);
  }

  async history(accountId: string, afterVersion: number, limit: number): Promise<Page<HistoryRow>> {
    const { rows } = await this.pool.query(
      `SELECT ${row.HISTORY_COLS} FROM projector.balance_history WHERE account_id = $1 AND version > $2
       ORDER BY version LIMIT $3`,
      [accountId, afterVersion, limit + 1],
    );
    const items = rows.slice(0, limit).map(row.toHistory);
    return { items, next: rows.length > limit ? String(items.at(-1)?.version) : null };
  }

  async listAccounts(after: string | null, limit: number): Promise<Page<AccountRow>> {
    const { rows } = await this.pool.query(
      `SELECT ${row.ACCOUNT_COLS} FROM projector.accounts WHERE account_id > $1 COLLATE "C"
       ORDER BY account_id COLLATE "C" LIMIT $2`,
      [after ?? '', limit + 1],
    );
    const items = rows.slice(0, limit).map(row.toAccount);
    return { items, next: rows.length > limit ? (items.at(-1)?.accountId ?? null) : null };
  }

  async dump(): Promise<{ accounts: AccountRow[]; history: HistoryRow[] }> {
    const s = schemaOf(this.gen);
    const accounts = await this.pool.query(
      `SELECT ${row.ACCOUNT_COLS} FROM ${s}.accounts ORDER BY account_id COLLATE "C"`,
    );
    const history = await this.pool.query(
      `SELECT ${row.HISTORY_COLS} FROM ${s}.balance_history ORDER BY account_id COLLATE "C", version`,
    );
    return { accounts: accounts.rows.map(row.toAccount), history: history.rows.map(row.toHistory) };
  }

  async recordSkip(skip: Omit<Skip, 'createdAt'> & { createdAt?: number }): Promise<void> {
    await this.pool.query(
      `INSERT INTO projector.skips (${row.SKIP_COLS}) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING`,
      row.skipValues(skip),
    );
  }

  async skips(topic: string, partition: number): Promise<readonly Skip[]> {
    const { rows } = await this.pool.query(
      `SELECT ${row.SKIP_COLS} FROM projector.skips WHERE topic = $1 AND partition = $2`,
      [topic, partition],
    );
    return rows.map(row.toSkip);
  }

  async createGeneration(): Promise<ReadModelStore> {
    const g = await inTransaction(
      () => this.pool.connect(),
      async (client) => {
        const { rows } = await client.query<{ value: string }>(
          `UPDATE projector.meta SET value = (value::int + 1)::text WHERE key = 'max_generation' RETURNING value`,
        );
        const next = Number(rows[0]?.value);
        await createTables(client, next);
        return next;
      },
    );
    return new PostgresStore(this.pool, g, false);
  }

  async buildQueryIndexes(): Promise<void> {
    await inTransaction(
      () => this.pool.connect(),
      (client) => createQueryIndexes(client, this.gen),
    );
  }

  async activate(): Promise<void> {
    await this.buildQueryIndexes();
    await inTransaction(
      () => this.pool.connect(),
      async (client) => {
        await client.query(`UPDATE projector.meta SET value = $1 WHERE key = 'active_generation'`, [
          String(this.gen),
        ]);
        await swapViews(client, this.gen);
      },
    );
  }

  async dropInactive(): Promise<number[]> {
    const active = await readActive(this.pool);
    const { rows } = await this.pool.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname ~ '^projector_g[0-9]+$'`,
    );
    const dropped = rows
      .map((r) => Number(r.nspname.slice('projector_g'.length)))
      .filter((g) => g !== active);
    for (const g of dropped) await this.pool.query(`DROP SCHEMA IF EXISTS ${schemaOf(g)} CASCADE`);
    return dropped;
  }

  async activeGeneration(): Promise<number> {
    return readActive(this.pool);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.followsActive) await this.pool.end();
  }
}
