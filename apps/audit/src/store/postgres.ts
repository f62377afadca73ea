import { inTransaction } from '@tally/service';
import { anchorTable, type AnchorRow, type TopicAnchor } from '@tally/kafka';
import pg from 'pg';
import { chainEntries, chainId, GENESIS_HASH, type ChainHead } from '../core/chain.js';
import type { HeadWithOffset, SignedDigest } from '../core/signed-digest.js';
import {
  pendingMigrations,
  runtimeGrants,
  SchemaOutdatedError,
  type MigrateMode,
} from './migrations.js';
import {
  assertReadableAgain,
  countsOf,
  ENTRY_COLUMNS,
  entryValues,
  toEntry,
  toSignedDigest,
} from './rows.js';
import type {
  AppendBatch,
  AppendResult,
  AuditStore,
  EntryCounts,
  Page,
  StoredEntry,
  StreamCursor,
  TransferEntry,
} from './types.js';

/** Where this store keeps the anchors of the topics it reads (ADR 0013). */
const ANCHORS = anchorTable('audit.topic_anchors', 'postgres');

const LOCK_ID = 7_340_003;

const TRANSFER_TYPES = `('TransferDebited', 'TransferCredited', 'TransferCompleted', 'TransferReversed')`;
/** The expression the transfer index (migration 4) is built on; queries must repeat it. */
const TRANSFER_ID = `((payload::jsonb) ->> 'transferId') COLLATE "C"`;

/** The newest migration applied; 0 when the schema was never created. No DDL. */
async function appliedVersion(client: pg.PoolClient): Promise<number> {
  const { rows } = await client
    .query<{ v: number | null }>('SELECT max(version) AS v FROM audit.schema_migrations')
    .catch((error: unknown) => {
      // 42P01 undefined table, 3F000 undefined schema: never migrated. (42501 is a missing grant.)
      const code = (error as { code?: string }).code;
      if (code === '42P01' || code === '3F000') return { rows: [{ v: 0 }] };
      throw error;
    });
  return rows[0]?.v ?? 0;
}

/**
 * Applies the migrations the database lacks, under an advisory lock (instances starting together
 * wait for each other), each in its own transaction with its record; then grants `runtimeRole`
 * its rights. `verify` runs no DDL at all: a role without any may open the store.
 */
async function migrate(
  pool: pg.Pool,
  mode: MigrateMode,
  runtimeRole: string | undefined,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    try {
      if (mode === 'verify') {
        const applied = await appliedVersion(client);
        if (pendingMigrations(applied).length > 0) throw new SchemaOutdatedError(applied);
        return;
      }
      await client.query(`CREATE SCHEMA IF NOT EXISTS audit;
        CREATE TABLE IF NOT EXISTS audit.schema_migrations (
          version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`);
      const pending = pendingMigrations(await appliedVersion(client));
      for (const migration of pending) {
        await client.query('BEGIN');
        try {
          await client.query(migration.postgres);
          await client.query(
            'INSERT INTO audit.schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [migration.version, migration.name, Date.now()],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }
      if (runtimeRole !== undefined) await client.query(runtimeGrants(runtimeRole));
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]);
    }
  } finally {
    client.release();
  }
}

/**
 * The audit log in PostgreSQL (schema `audit`). Triggers refuse UPDATE, DELETE and TRUNCATE; in
 * production the service runs as a role the migration granted only `runtimeGrants` (INSERT and
 * SELECT on entries and digests) and opens it with `migrate: 'verify'`.
 */
export class PostgresAuditStore implements AuditStore {
  readonly kind = 'postgres';

  private constructor(private readonly pool: pg.Pool) {}

  static async open(
    connectionString: string,
    options: { poolSize?: number; migrate?: MigrateMode; runtimeRole?: string | undefined } = {},
  ): Promise<PostgresAuditStore> {
    const pool = new pg.Pool({ connectionString, max: options.poolSize ?? 8 });
    // An idle client whose connection the server ended (a restart, an administrator, a dropped
    // database): the pool discards it and the next query connects anew; unheard, pg would throw.
    pool.on('error', () => undefined);
    try {
      await migrate(pool, options.migrate ?? 'auto', options.runtimeRole);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresAuditStore(pool);
  }

  async loadOffsets(topic: string): Promise<ReadonlyMap<number, string>> {
    const { rows } = await this.pool.query<{ partition: number; next_offset: string }>(
      'SELECT partition, next_offset FROM audit.offsets WHERE topic = $1',
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

  async append(batch: AppendBatch): Promise<AppendResult> {
    assertReadableAgain(batch.contents);
    const chain = chainId(batch.topic, batch.partition);
    // Read before the transaction: an error reading them opens none.
    const contents = [...batch.contents];
    const work = async (client: pg.PoolClient): Promise<AppendResult> => {
      await client.query(
        `INSERT INTO audit.offsets (topic, partition, next_offset, chain, head_seq, head_hash)
         VALUES ($1, $2, 0, $3, 0, $4) ON CONFLICT DO NOTHING`,
        [batch.topic, batch.partition, chain, GENESIS_HASH],
      );
      const { rows } = await client.query<{
        next_offset: string;
        head_seq: string;
        head_hash: string;
      }>(
        `SELECT next_offset, head_seq, head_hash FROM audit.offsets
         WHERE topic = $1 AND partition = $2 FOR UPDATE`,
        [batch.topic, batch.partition],
      );
      const row = rows[0];
      if (row === undefined || String(row.next_offset) !== batch.fromOffset) {
        return { kind: 'stale' };
      }
      const { entries, head } = chainEntries(
        { chain, seq: Number(row.head_seq), hash: row.head_hash },
        contents,
      );
      if (entries.length > 0) {
        // One multi-row INSERT per batch; the column-wise unnest keeps the statement size fixed.
        const valueRows = entries.map(entryValues);
        const columns = ENTRY_COLUMNS.map((_, i) => valueRows.map((values) => values[i]));
        const types = [
          'text',
          'bigint',
          'text',
          'text',
          'text',
          'text',
          'integer',
          'bigint',
          'text',
          'text',
          'text',
          'text',
          'text',
          'integer',
          'integer',
          'text',
          'text',
          'integer',
          'bigint',
          'text',
          'bigint',
          'text',
          'text',
          'bigint',
        ];
        await client.query(
          `INSERT INTO audit.entries (${ENTRY_COLUMNS.join(', ')})
           SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`,
          columns,
        );
      }
      const added = countsOf(contents);
      await client.query(
        `UPDATE audit.offsets SET next_offset = $3, head_seq = $4, head_hash = $5,
           event_count = event_count + $6, outcome_count = outcome_count + $7,
           anomaly_count = anomaly_count + $8
         WHERE topic = $1 AND partition = $2`,
        [
          batch.topic,
          batch.partition,
          batch.nextOffset,
          head.seq,
          head.hash,
          added.events,
          added.outcomes,
          added.anomalies,
        ],
      );
      return { kind: 'appended', head };
    };
    return inTransaction(
      () => this.pool.connect(),
      work,
      (result) => result.kind === 'appended',
    );
  }

  /** Made by the migrations (the service's role may not build them). */
  async buildReportIndexes(): Promise<void> {}

  async heads(): Promise<ChainHead[]> {
    const { rows } = await this.pool.query<{ chain: string; seq: string; hash: string }>(
      'SELECT chain, head_seq AS seq, head_hash AS hash FROM audit.offsets ORDER BY chain',
    );
    return rows.map((r) => ({ chain: r.chain, seq: Number(r.seq), hash: r.hash }));
  }

  async headsWithOffsets(): Promise<HeadWithOffset[]> {
    const { rows } = await this.pool.query<Record<string, string | number>>(
      `SELECT chain, topic, partition, head_seq, head_hash, next_offset FROM audit.offsets
       ORDER BY chain`,
    );
    return rows.map((r) => ({
      chain: String(r['chain']),
      topic: String(r['topic']),
      partition: Number(r['partition']),
      seq: Number(r['head_seq']),
      hash: String(r['head_hash']),
      nextOffset: String(r['next_offset']),
    }));
  }

  async chains(): Promise<string[]> {
    const { rows } = await this.pool.query<{ chain: string }>(
      `SELECT DISTINCT chain FROM audit.entries
       UNION SELECT chain FROM audit.offsets WHERE head_seq > 0`,
    );
    return rows.map((r) => r.chain).sort();
  }

  readOnlyLocation(): undefined {
    // Each worker would need its own pool and role; PostgreSQL's chains are verified in turn.
    return undefined;
  }

  async scanChain(
    chain: string,
    afterSeq: number,
    limit: number,
    toSeq = Number.MAX_SAFE_INTEGER,
  ): Promise<StoredEntry[]> {
    const { rows } = await this.pool.query(
      'SELECT * FROM audit.entries WHERE chain = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4',
      [chain, afterSeq, toSeq, limit],
    );
    return rows.map(toEntry);
  }

  async accountEntries(
    accountId: string,
    afterId: number,
    limit: number,
  ): Promise<Page<StoredEntry>> {
    const { rows } = await this.pool.query(
      'SELECT * FROM audit.entries WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3',
      [accountId, afterId, limit + 1],
    );
    const items = rows.slice(0, limit).map(toEntry);
    return { items, next: rows.length > limit ? String(items.at(-1)?.id) : null };
  }

  private async payloads(sql: string, params: unknown[]): Promise<string[]> {
    const { rows } = await this.pool.query<{ payload: string }>(sql, params);
    return rows.map((r) => r.payload);
  }

  eventPayloadsBetween(from: number, to: number): Promise<string[]> {
    return this.payloads(
      `SELECT payload FROM audit.entries WHERE kind = 'event' AND occurred_at >= $1 AND occurred_at < $2
       ORDER BY chain, seq`,
      [from, to],
    );
  }

  outcomePayloadsBetween(from: number, to: number): Promise<string[]> {
    return this.payloads(
      `SELECT payload FROM audit.entries WHERE kind = 'outcome' AND occurred_at >= $1 AND occurred_at < $2
       ORDER BY id`,
      [from, to],
    );
  }

  async eventsByAccount(after: StreamCursor | null, limit: number): Promise<StoredEntry[]> {
    const { rows } =
      after === null
        ? await this.pool.query(
            `SELECT * FROM audit.entries WHERE kind = 'event' AND account_id IS NOT NULL
             ORDER BY account_id COLLATE "C", id LIMIT $1`,
            [limit],
          )
        : await this.pool.query(
            `SELECT * FROM audit.entries WHERE kind = 'event'
             AND (account_id COLLATE "C", id) > ($1, $2)
             ORDER BY account_id COLLATE "C", id LIMIT $3`,
            [after.key, after.id, limit],
          );
    return rows.map(toEntry);
  }

  async transferEvents(after: StreamCursor | null, limit: number): Promise<TransferEntry[]> {
    const { rows } =
      after === null
        ? await this.pool.query(
            `SELECT ${TRANSFER_ID} AS transfer_id, * FROM audit.entries
             WHERE event_type IN ${TRANSFER_TYPES} ORDER BY ${TRANSFER_ID}, id LIMIT $1`,
            [limit],
          )
        : await this.pool.query(
            `SELECT ${TRANSFER_ID} AS transfer_id, * FROM audit.entries
             WHERE event_type IN ${TRANSFER_TYPES} AND (${TRANSFER_ID}, id) > ($1, $2)
             ORDER BY ${TRANSFER_ID}, id LIMIT $3`,
            [after.key, after.id, limit],
          );
    return rows.map((r: Record<string, unknown>) => ({
      transferId: String(r['transfer_id']),
      entry: toEntry(r),
    }));
  }

  async counts(): Promise<EntryCounts> {
    const { rows } = await this.pool.query<Record<string, string | null>>(
      `SELECT sum(event_count) AS events, sum(outcome_count) AS outcomes,
         sum(anomaly_count) AS anomalies FROM audit.offsets`,
    );
    const events = Number(rows[0]?.['events'] ?? 0);
    const outcomes = Number(rows[0]?.['outcomes'] ?? 0);
    const anomalies = Number(rows[0]?.['anomalies'] ?? 0);
    return { entries: events + outcomes + anomalies, events, outcomes, anomalies };
  }

  async anomalies(limit: number): Promise<StoredEntry[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM audit.entries WHERE kind = 'anomaly' ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows.map(toEntry);
  }

  async saveSignedDigest(digest: SignedDigest): Promise<void> {
    await inTransaction(
      () => this.pool.connect(),
      async (client) => {
        // The lock orders concurrent signers; the sequence must follow the stored one.
        await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_ID + 1]);
        const { rows } = await client.query<{ last: string | null }>(
          'SELECT max(sequence) AS last FROM audit.signed_digests',
        );
        const last = Number(rows[0]?.last ?? 0);
        if (digest.sequence !== last + 1) {
          throw new RangeError(`digest ${digest.sequence} does not follow the stored ${last}`);
        }
        await client.query(
          'INSERT INTO audit.signed_digests (sequence, created_at, key_id, body) VALUES ($1, $2, $3, $4)',
          [digest.sequence, digest.createdAt, digest.keyId, JSON.stringify(digest)],
        );
        for (const h of digest.heads) {
          if (h.seq <= h.fromSeq) continue;
          await client.query(
            'INSERT INTO audit.digest_ranges (sequence, chain, from_seq, to_seq) VALUES ($1, $2, $3, $4)',
            [digest.sequence, h.chain, h.fromSeq, h.seq],
          );
        }
      },
    );
  }

  private async digestWhere(sql: string, params: unknown[]): Promise<SignedDigest | undefined> {
    const { rows } = await this.pool.query<{ body: string }>(sql, params);
    return rows[0] ? toSignedDigest(rows[0].body) : undefined;
  }

  latestSignedDigest(): Promise<SignedDigest | undefined> {
    return this.digestWhere(
      'SELECT body FROM audit.signed_digests ORDER BY sequence DESC LIMIT 1',
      [],
    );
  }

  signedDigest(sequence: number): Promise<SignedDigest | undefined> {
    return this.digestWhere('SELECT body FROM audit.signed_digests WHERE sequence = $1', [
      sequence,
    ]);
  }

  async digestCovering(chain: string, seq: number): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ sequence: string; from_seq: string }>(
      `SELECT sequence, from_seq FROM audit.digest_ranges WHERE chain = $1 AND to_seq >= $2
       ORDER BY to_seq LIMIT 1`,
      [chain, seq],
    );
    const row = rows[0];
    return row !== undefined && Number(row.from_seq) < seq ? Number(row.sequence) : undefined;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
