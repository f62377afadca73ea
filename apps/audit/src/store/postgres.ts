import { inTransaction } from '@tally/service';
import pg from 'pg';
import { chainEntries, chainId, GENESIS_HASH, type ChainHead } from '../core/chain.js';
import type { Digest } from '../core/digest.js';
import { ENTRY_COLUMNS, entryValues, toEntry } from './rows.js';
import type { AppendBatch, AppendResult, AuditStore, Page, StoredEntry } from './types.js';

const LOCK_ID = 7_340_003;

const SCHEMA = `
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.entries (
  id bigserial PRIMARY KEY,
  chain text NOT NULL, seq bigint NOT NULL, prev_hash text NOT NULL, hash text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('event', 'outcome', 'anomaly')),
  topic text NOT NULL, partition integer NOT NULL, kafka_offset bigint NOT NULL,
  kafka_timestamp text NOT NULL, record_key text, raw text, payload text,
  schema_subject text, schema_version integer, schema_id integer,
  account_id text, event_type text, account_version integer, amount bigint, currency text,
  occurred_at bigint, anomaly_reason text, anomaly_detail text, recorded_at bigint NOT NULL,
  UNIQUE (chain, seq), UNIQUE (topic, partition, kafka_offset));
CREATE INDEX IF NOT EXISTS entries_account ON audit.entries (account_id, id);
CREATE INDEX IF NOT EXISTS entries_occurred ON audit.entries (kind, occurred_at);
CREATE TABLE IF NOT EXISTS audit.offsets (
  topic text NOT NULL, partition integer NOT NULL, next_offset bigint NOT NULL,
  chain text NOT NULL, head_seq bigint NOT NULL, head_hash text NOT NULL,
  PRIMARY KEY (topic, partition));
CREATE TABLE IF NOT EXISTS audit.digests (
  id bigserial PRIMARY KEY, created_at bigint NOT NULL, body text NOT NULL);
CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON audit.entries
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE OR REPLACE TRIGGER entries_no_truncate BEFORE TRUNCATE ON audit.entries
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE OR REPLACE TRIGGER digests_append_only BEFORE UPDATE OR DELETE ON audit.digests
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE OR REPLACE TRIGGER digests_no_truncate BEFORE TRUNCATE ON audit.digests
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
`;

/**
 * The audit log in PostgreSQL (schema `audit`). Triggers refuse UPDATE, DELETE and TRUNCATE; in
 * production also grant the service role only INSERT and SELECT on audit.entries (see README).
 */
export class PostgresAuditStore implements AuditStore {
  readonly kind = 'postgres';

  private constructor(private readonly pool: pg.Pool) {}

  static async open(connectionString: string, poolSize = 8): Promise<PostgresAuditStore> {
    const pool = new pg.Pool({ connectionString, max: poolSize });
    // An idle client whose connection the server ended (a restart, an administrator, a dropped
    // database): the pool discards it and the next query connects anew; unheard, pg would throw.
    pool.on('error', () => undefined);
    try {
      await inTransaction(
        () => pool.connect(),
        async (client) => {
          await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_ID]);
          await client.query(SCHEMA);
        },
      );
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

  async append(batch: AppendBatch): Promise<AppendResult> {
    const chain = chainId(batch.topic, batch.partition);
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
        batch.contents,
      );
      if (entries.length > 0) {
        // One multi-row INSERT per batch; the column-wise unnest keeps the statement size fixed.
        const columns = ENTRY_COLUMNS.map((_, i) => entries.map((e) => entryValues(e)[i]));
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
      await client.query(
        `UPDATE audit.offsets SET next_offset = $3, head_seq = $4, head_hash = $5
         WHERE topic = $1 AND partition = $2`,
        [batch.topic, batch.partition, batch.nextOffset, head.seq, head.hash],
      );
      return { kind: 'appended', head };
    };
    return inTransaction(
      () => this.pool.connect(),
      work,
      (result) => result.kind === 'appended',
    );
  }

  async heads(): Promise<ChainHead[]> {
    const { rows } = await this.pool.query<{ chain: string; seq: string; hash: string }>(
      'SELECT chain, head_seq AS seq, head_hash AS hash FROM audit.offsets ORDER BY chain',
    );
    return rows.map((r) => ({ chain: r.chain, seq: Number(r.seq), hash: r.hash }));
  }

  async chains(): Promise<string[]> {
    const { rows } = await this.pool.query<{ chain: string }>(
      `SELECT DISTINCT chain FROM audit.entries
       UNION SELECT chain FROM audit.offsets WHERE head_seq > 0`,
    );
    return rows.map((r) => r.chain).sort();
  }

  async scanChain(chain: string, afterSeq: number, limit: number): Promise<StoredEntry[]> {
    const { rows } = await this.pool.query(
      'SELECT * FROM audit.entries WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [chain, afterSeq, limit],
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

  accountEventPayloads(accountId: string): Promise<string[]> {
    return this.payloads(
      `SELECT payload FROM audit.entries WHERE account_id = $1 AND kind = 'event' ORDER BY chain, seq`,
      [accountId],
    );
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

  async eventPayloadPage(
    afterId: number,
    limit: number,
  ): Promise<{ id: number; payload: string }[]> {
    const { rows } = await this.pool.query<{ id: string; payload: string }>(
      `SELECT id, payload FROM audit.entries WHERE kind = 'event' AND id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((r) => ({ id: Number(r.id), payload: r.payload }));
  }

  async counts() {
    const { rows } = await this.pool.query<Record<string, string>>(
      `SELECT count(*) AS entries, count(*) FILTER (WHERE kind = 'anomaly') AS anomalies,
         count(*) FILTER (WHERE kind = 'event') AS events,
         count(*) FILTER (WHERE kind = 'outcome') AS outcomes FROM audit.entries`,
    );
    const r = rows[0] ?? {};
    return {
      entries: Number(r['entries'] ?? 0),
      anomalies: Number(r['anomalies'] ?? 0),
      events: Number(r['events'] ?? 0),
      outcomes: Number(r['outcomes'] ?? 0),
    };
  }

  async anomalies(limit: number): Promise<StoredEntry[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM audit.entries WHERE kind = 'anomaly' ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows.map(toEntry);
  }

  async saveDigest(digest: Digest): Promise<void> {
    await this.pool.query('INSERT INTO audit.digests (created_at, body) VALUES ($1, $2)', [
      digest.createdAt,
      JSON.stringify(digest),
    ]);
  }

  async latestDigest(): Promise<Digest | undefined> {
    const { rows } = await this.pool.query<{ body: string }>(
      'SELECT body FROM audit.digests ORDER BY id DESC LIMIT 1',
    );
    return rows[0] ? (JSON.parse(rows[0].body) as Digest) : undefined;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
