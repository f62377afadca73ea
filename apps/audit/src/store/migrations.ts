/**
 * The audit store's schema, as numbered migrations applied once each, in order, and recorded in
 * the database (SQLite `audit_schema_migrations`, PostgreSQL `audit.schema_migrations`).
 *
 * The entries can never be rebuilt from anything else (Kafka is their witness, not their
 * backup), so a migration only ever adds: tables, columns with defaults, indexes, triggers.
 * Nothing is dropped or rewritten, and a build that knows fewer migrations still runs on a newer
 * schema. Migration 1 is the schema as it was before migrations existed, written so that it
 * also applies to a database created then (IF NOT EXISTS).
 *
 * Every schema change, the PostgreSQL trigger functions included, is here: the service role
 * needs no DDL right once the migrations ran (`AUDIT_DB_MIGRATE=verify`, `cli migrate`).
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sqlite: string;
  readonly postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'entries, offsets and digests; append-only triggers',
    sqlite: `
CREATE TABLE IF NOT EXISTS audit_entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  chain TEXT NOT NULL, seq INTEGER NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('event', 'outcome', 'anomaly')),
  topic TEXT NOT NULL, partition INTEGER NOT NULL, kafka_offset INTEGER NOT NULL,
  kafka_timestamp TEXT NOT NULL, record_key TEXT, raw TEXT, payload TEXT,
  schema_subject TEXT, schema_version INTEGER, schema_id INTEGER,
  account_id TEXT, event_type TEXT, account_version INTEGER, amount INTEGER, currency TEXT,
  occurred_at INTEGER, anomaly_reason TEXT, anomaly_detail TEXT, recorded_at INTEGER NOT NULL,
  UNIQUE (chain, seq), UNIQUE (topic, partition, kafka_offset));
CREATE TRIGGER IF NOT EXISTS audit_entries_no_update BEFORE UPDATE ON audit_entries
  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS audit_entries_no_delete BEFORE DELETE ON audit_entries
  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: DELETE refused'); END;
CREATE TABLE IF NOT EXISTS audit_offsets (
  topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
  chain TEXT NOT NULL, head_seq INTEGER NOT NULL, head_hash TEXT NOT NULL,
  PRIMARY KEY (topic, partition));
CREATE TABLE IF NOT EXISTS audit_digests (
  id INTEGER PRIMARY KEY AUTOINCREMENT, created_at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_digests_no_update BEFORE UPDATE ON audit_digests
  BEGIN SELECT RAISE(ABORT, 'digests are append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS audit_digests_no_delete BEFORE DELETE ON audit_digests
  BEGIN SELECT RAISE(ABORT, 'digests are append-only: DELETE refused'); END;
`,
    postgres: `
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
`,
  },
  {
    version: 2,
    name: 'entry counters per partition, kept with the offsets (readiness without COUNT(*))',
    // The counters live in the offsets row each append already locks and writes, so keeping them
    // costs no extra row lock; counting once here is the last full count.
    sqlite: `
ALTER TABLE audit_offsets ADD COLUMN event_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_offsets ADD COLUMN outcome_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_offsets ADD COLUMN anomaly_count INTEGER NOT NULL DEFAULT 0;
UPDATE audit_offsets SET
  event_count = (SELECT count(*) FROM audit_entries e WHERE e.chain = audit_offsets.chain AND e.kind = 'event'),
  outcome_count = (SELECT count(*) FROM audit_entries e WHERE e.chain = audit_offsets.chain AND e.kind = 'outcome'),
  anomaly_count = (SELECT count(*) FROM audit_entries e WHERE e.chain = audit_offsets.chain AND e.kind = 'anomaly');
`,
    postgres: `
ALTER TABLE audit.offsets ADD COLUMN event_count bigint NOT NULL DEFAULT 0;
ALTER TABLE audit.offsets ADD COLUMN outcome_count bigint NOT NULL DEFAULT 0;
ALTER TABLE audit.offsets ADD COLUMN anomaly_count bigint NOT NULL DEFAULT 0;
UPDATE audit.offsets o SET
  event_count = (SELECT count(*) FROM audit.entries e WHERE e.chain = o.chain AND e.kind = 'event'),
  outcome_count = (SELECT count(*) FROM audit.entries e WHERE e.chain = o.chain AND e.kind = 'outcome'),
  anomaly_count = (SELECT count(*) FROM audit.entries e WHERE e.chain = o.chain AND e.kind = 'anomaly');
`,
  },
  {
    version: 3,
    name: 'Ed25519 signed digests and the chain ranges each one covers',
    sqlite: `
CREATE TABLE audit_signed_digests (
  sequence INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, key_id TEXT NOT NULL,
  body TEXT NOT NULL);
CREATE TABLE audit_digest_ranges (
  sequence INTEGER NOT NULL REFERENCES audit_signed_digests (sequence),
  chain TEXT NOT NULL, from_seq INTEGER NOT NULL, to_seq INTEGER NOT NULL,
  PRIMARY KEY (chain, to_seq));
CREATE TRIGGER audit_signed_digests_no_update BEFORE UPDATE ON audit_signed_digests
  BEGIN SELECT RAISE(ABORT, 'digests are append-only: UPDATE refused'); END;
CREATE TRIGGER audit_signed_digests_no_delete BEFORE DELETE ON audit_signed_digests
  BEGIN SELECT RAISE(ABORT, 'digests are append-only: DELETE refused'); END;
CREATE TRIGGER audit_digest_ranges_no_update BEFORE UPDATE ON audit_digest_ranges
  BEGIN SELECT RAISE(ABORT, 'digests are append-only: UPDATE refused'); END;
CREATE TRIGGER audit_digest_ranges_no_delete BEFORE DELETE ON audit_digest_ranges
  BEGIN SELECT RAISE(ABORT, 'digests are append-only: DELETE refused'); END;
`,
    postgres: `
CREATE TABLE audit.signed_digests (
  sequence bigint PRIMARY KEY, created_at bigint NOT NULL, key_id text NOT NULL,
  body text NOT NULL);
CREATE TABLE audit.digest_ranges (
  sequence bigint NOT NULL REFERENCES audit.signed_digests (sequence),
  chain text NOT NULL, from_seq bigint NOT NULL, to_seq bigint NOT NULL,
  PRIMARY KEY (chain, to_seq));
CREATE TRIGGER signed_digests_append_only BEFORE UPDATE OR DELETE ON audit.signed_digests
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER signed_digests_no_truncate BEFORE TRUNCATE ON audit.signed_digests
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER digest_ranges_append_only BEFORE UPDATE OR DELETE ON audit.digest_ranges
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER digest_ranges_no_truncate BEFORE TRUNCATE ON audit.digest_ranges
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
`,
  },
  {
    version: 4,
    name: 'indexes for the sorted account and transfer streams of reconciliation and conservation',
    // Account ids in byte order (SQLite's BINARY collation, PostgreSQL's "C"), so both stores and
    // the projector list accounts in the same order; transfer events grouped by transfer id.
    // SQLite: SQLITE_REPORT_INDEXES, built once the log has caught up.
    sqlite: '',
    postgres: `
CREATE INDEX entries_account_events ON audit.entries (account_id COLLATE "C", id) WHERE kind = 'event';
CREATE INDEX entries_transfer ON audit.entries (((payload::jsonb) ->> 'transferId') COLLATE "C", id)
  WHERE event_type IN ('TransferDebited', 'TransferCredited', 'TransferCompleted', 'TransferReversed');
`,
  },
  {
    version: 5,
    name: 'topic anchors: which incarnation of each topic the offsets belong to',
    sqlite: `
CREATE TABLE audit_topic_anchors (
  topic TEXT NOT NULL, partition INTEGER NOT NULL, start_offset TEXT NOT NULL,
  first_timestamp INTEGER NOT NULL, PRIMARY KEY (topic, partition));
`,
    postgres: `
CREATE TABLE audit.topic_anchors (
  topic text NOT NULL, partition integer NOT NULL, start_offset bigint NOT NULL,
  first_timestamp bigint NOT NULL, PRIMARY KEY (topic, partition));
`,
  },
];

/**
 * SQLite's indexes that only reports and statements read (by account, by time, by transfer). They
 * are built, sorted once, when the service has caught up (`buildReportIndexes`), not maintained
 * entry by entry during catch-up, where they were most of the cost of an append (ADR 0015);
 * migrations 1 and 4 created them until then, so a log made before has them already. PostgreSQL
 * keeps them in its migrations: the service's role there has no DDL right (ADR 0014).
 */
export const SQLITE_REPORT_INDEXES = `
CREATE INDEX IF NOT EXISTS audit_entries_account ON audit_entries (account_id, id);
CREATE INDEX IF NOT EXISTS audit_entries_occurred ON audit_entries (kind, occurred_at);
CREATE INDEX IF NOT EXISTS audit_entries_account_events ON audit_entries (account_id, id)
  WHERE kind = 'event';
CREATE INDEX IF NOT EXISTS audit_entries_transfer ON audit_entries
  (json_extract(payload, '$.transferId'), id)
  WHERE event_type IN ('TransferDebited', 'TransferCredited', 'TransferCompleted', 'TransferReversed');
`;

/**
 * What the service's PostgreSQL role may do once the migrations ran (`cli migrate` with
 * AUDIT_DB_RUNTIME_ROLE grants it): read everything, append entries and digests, move the offsets
 * and heads it keeps. Never UPDATE, DELETE or TRUNCATE entries or digests, and no DDL: the
 * tables and the trigger functions belong to the migration role, so the runtime role can neither
 * drop a trigger nor redefine `audit.refuse_change`. A migration that adds a table adds it here.
 */
export function runtimeGrants(role: string): string {
  const r = `"${role}"`;
  return `
GRANT USAGE ON SCHEMA audit TO ${r};
GRANT SELECT ON audit.schema_migrations TO ${r};
GRANT SELECT, INSERT ON audit.entries, audit.digests, audit.signed_digests, audit.digest_ranges TO ${r};
GRANT SELECT, INSERT, UPDATE ON audit.offsets, audit.topic_anchors TO ${r};
GRANT USAGE ON SEQUENCE audit.entries_id_seq, audit.digests_id_seq TO ${r};
`;
}

/** The newest migration this build knows. */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/** How a store treats its schema when it opens. */
export type MigrateMode =
  /** Apply the migrations the database lacks (needs DDL rights). */
  | 'auto'
  /** Only check that none is missing; refuse to open otherwise (a least-privilege role). */
  | 'verify';

export class SchemaOutdatedError extends Error {
  readonly code = 'SCHEMA_OUTDATED';
  constructor(applied: number) {
    super(
      `the audit store's schema is at migration ${applied}, this build needs ${SCHEMA_VERSION}: run \`node dist/cli.js migrate\` (or pnpm --filter @tally/audit cli migrate) with a role that may change the schema`,
    );
    this.name = 'SchemaOutdatedError';
  }
}

/** The migrations after `applied`, in order. */
export function pendingMigrations(applied: number): Migration[] {
  return MIGRATIONS.filter((m) => m.version > applied).sort((a, b) => a.version - b.version);
}
