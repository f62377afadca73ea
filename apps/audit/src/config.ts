import { registryEnv, topicEnv } from '@tally/events';
import { kafkaEnv } from '@tally/kafka';
import {
  authEnv,
  databaseEnv,
  env,
  loadConfig,
  SCOPES,
  secret,
  serviceEnv,
  serviceTokenEnv,
} from '@tally/service';
import { z } from 'zod';

const bool = () =>
  z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .transform((value) => value === 'true');

export const auditEnv = {
  ...kafkaEnv,
  ...registryEnv,
  TALLY_EVENTS_TOPIC: topicEnv.TALLY_EVENTS_TOPIC,
  /** The intake's command outcomes (JSON, v1); audited too when AUDIT_INGEST_OUTCOMES is true. */
  TALLY_OUTCOMES_TOPIC: topicEnv.TALLY_OUTCOMES_TOPIC,
  AUDIT_INGEST_OUTCOMES: bool().default(true),
  ...serviceEnv(3003),
  /** PostgreSQL audit store when set (postgres://user:pass@host:port/db); else SQLite. */
  ...databaseEnv,
  /** The SQLite file of the audit log (ignored when DATABASE_URL is set). */
  AUDIT_SQLITE_PATH: z.string().min(1).default('.local/audit/audit.sqlite'),
  /**
   * Consumer group (outcomes use `<group>-outcomes`, witness reads `<group>-witness-<uuid>`); it only
   * spreads partitions, offsets live in the store. Also the group prefix the Kafka grant allows.
   */
  AUDIT_GROUP_ID: z.string().min(1).default('tally-audit'),
  /** The projector's query API, for the reconciliation report. */
  PROJECTOR_URL: env.url().default('http://127.0.0.1:3002'),
  /** `auto`: apply missing schema migrations at start; `verify`: refuse to start if one is missing. */
  AUDIT_DB_MIGRATE: z
    .enum(['auto', 'verify'], { message: 'must be auto or verify' })
    .default('auto'),
  /** With `auto` (the `migrate` command): the service's role, granted only what the service does. */
  AUDIT_DB_RUNTIME_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a PostgreSQL role name: lower-case letters, digits, _')
    .optional(),
  /**
   * PEM file of the Ed25519 private key that signs digests (PKCS#8); digests are off without it.
   * Keep it out of the database and its backups: verifiers need only the public key.
   */
  AUDIT_DIGEST_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** A signed digest of the heads, offsets and the period's Merkle root is made this often (ms; 0 = only on request). */
  AUDIT_DIGEST_INTERVAL_MS: z.coerce.number().int().min(0).default(3_600_000),
  /** Folder outside the database that every signed digest is written to (`digest-<n>.json`). */
  AUDIT_DIGEST_EXPORT_DIR: z.string().min(1).default('.local/audit/digests'),
  /** Optional: each digest is also PUT to `<url>/digest-<n>.json` (a presigned object-store or web-server URL; secret). */
  AUDIT_DIGEST_EXPORT_URL: secret(env.url().optional()),
  /** The witness check (the log against the Kafka topics) runs this often (ms; 0 = only on request). */
  AUDIT_WITNESS_INTERVAL_MS: z.coerce.number().int().min(0).default(86_400_000),
  /** A record on the topic this much older than the check and not in the log counts as missing. */
  AUDIT_WITNESS_MAX_INGEST_DELAY_MS: env.positiveInt().default(900_000),
  /** /readyz fails while the log holds more anomaly entries than this (raise it once investigated). */
  AUDIT_ACKNOWLEDGED_ANOMALIES: z.coerce.number().int().min(0).default(0),
  /** /readyz fails while more records than this are not yet in the log. */
  AUDIT_READY_MAX_LAG: z.coerce.number().int().min(0).default(10_000),
  /** kafkajs fetch size per partition (bytes); small values mean small transactions. */
  AUDIT_MAX_BYTES_PER_PARTITION: env.positiveInt().default(524_288),
  AUDIT_SHUTDOWN_TIMEOUT_MS: env.positiveInt().default(30_000),
};

/**
 * The audit service's own identity towards the projector (reconciliation): a client-credentials
 * token from AUTH_TOKEN_URL, or one it signs with AUTH_CLIENT_SIGNING_KEY_FILE under AUTH_ISSUER.
 */
export const projectorClientEnv = {
  ...serviceTokenEnv,
  AUTH_ISSUER: authEnv.AUTH_ISSUER,
  AUTH_CLIENT_ID: z.string().min(1).default('svc-audit'),
  AUTH_CLIENT_SCOPE: z.string().min(1).default(SCOPES.ledgerRead),
  /** The projector's audience (one of its AUTH_AUDIENCE). */
  AUTH_CLIENT_AUDIENCE: z.string().min(1, 'must name the projector’s audience'),
};

/** The service verifies its callers' tokens and calls the projector with its own. */
export const auditServiceEnv = { ...auditEnv, ...authEnv, ...projectorClientEnv };

export type AuditConfig = ReturnType<typeof loadAuditConfig>;
export type AuditServiceConfig = ReturnType<typeof loadAuditServiceConfig>;

/** What the store, the consumers and the CLI's offline commands need. */
export function loadAuditConfig(vars: Readonly<Record<string, string | undefined>>) {
  return loadConfig(auditEnv, vars);
}

export function loadAuditServiceConfig(vars: Readonly<Record<string, string | undefined>>) {
  return loadConfig(auditServiceEnv, vars);
}
