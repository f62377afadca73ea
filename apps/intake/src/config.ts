import { registryEnv, topicEnv } from '@tally/events';
import { kafkaEnv } from '@tally/kafka';
import { authEnv, env, loadConfig, rateLimitEnv, serviceEnv } from '@tally/service';
import { z } from 'zod';
import { INTAKE_CHANGELOG_TOPIC } from './state/changelog.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export const intakeEnv = {
  ...kafkaEnv,
  ...registryEnv,
  ...topicEnv,
  ...serviceEnv(3001),
  /** Compacted changelog of the partition state stores (account states, idempotency records). */
  TALLY_INTAKE_CHANGELOG_TOPIC: z.string().min(1).default(INTAKE_CHANGELOG_TOPIC),
  /** Where the partition state stores live (SQLite files); losing it costs only a restore. */
  INTAKE_STATE_DIR: z.string().min(1).default('.data/intake-state'),
  /** How long an Idempotency-Key is remembered, e.g. 30d, 12h, 90s, 500ms. */
  INTAKE_IDEMPOTENCY_WINDOW: env.duration().default(30 * DAY_MS),
  /** Failed takeovers (fence + restore) are retried this often, with backoff, then the instance exits. */
  INTAKE_TAKEOVER_ATTEMPTS: env.positiveInt().default(6),
  /** Consumer group of the command processors; all intake instances share it. */
  INTAKE_PROCESSOR_GROUP: z.string().min(1).default('tally-intake-processor'),
  /** Transactional ids are `<prefix>-<partition>`; the same for every instance, or fencing breaks. */
  INTAKE_TRANSACTIONAL_ID_PREFIX: z.string().min(1).default('tally-intake'),
  /** How long a request waits for its outcome before it answers 202 with a status URL. */
  INTAKE_COMMAND_TIMEOUT_MS: env.positiveInt().default(5_000),
  /** Group session timeout of the processor: how soon a dead instance's partitions move. */
  INTAKE_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(10_000),
  /** How often each partition owner looks for holds past their expiresAt (ADR 0007). */
  INTAKE_HOLD_EXPIRY_INTERVAL_MS: env.positiveInt().default(1_000),
  INTAKE_SHUTDOWN_TIMEOUT_MS: env.positiveInt().default(30_000),
};

/** The service verifies its callers' bearer tokens and limits each caller's command rate. */
export const intakeServiceEnv = { ...intakeEnv, ...authEnv, ...rateLimitEnv };

export type IntakeConfig = ReturnType<typeof loadIntakeConfig>;
export type IntakeServiceConfig = ReturnType<typeof loadIntakeServiceConfig>;

export function loadIntakeConfig(vars: Readonly<Record<string, string | undefined>>) {
  return loadConfig(intakeEnv, vars);
}

export function loadIntakeServiceConfig(vars: Readonly<Record<string, string | undefined>>) {
  return loadConfig(intakeServiceEnv, vars);
}
