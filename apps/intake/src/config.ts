import { env, loadConfig } from '@tally/service';
import { kafkaEnv } from '@tally/kafka';
import { z } from 'zod';

const DAY_MS = 24 * 60 * 60 * 1000;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: DAY_MS } as const;

/** A duration like 30d, 12h, 15m, 90s or 500ms, as milliseconds. */
function duration() {
  return z
    .string()
    .regex(/^\d{1,9}(ms|s|m|h|d)$/, 'a duration such as 30d, 12h, 15m, 90s or 500ms')
    .transform((value) => {
      const unit = /(ms|s|m|h|d)$/.exec(value)?.[1] as keyof typeof UNIT_MS;
      return Number.parseInt(value, 10) * UNIT_MS[unit];
    })
    .pipe(z.number().int().positive('longer than zero'));
}

export const intakeEnv = {
  ...kafkaEnv,
  SCHEMA_REGISTRY_URL: env.url().default('http://127.0.0.1:8081'),
  TALLY_EVENTS_TOPIC: z.string().min(1).default('bank.account-events.v1'),
  TALLY_COMMANDS_TOPIC: z.string().min(1).default('bank.account-commands.v1'),
  TALLY_OUTCOMES_TOPIC: z.string().min(1).default('bank.command-outcomes.v1'),
  /** Compacted changelog of the partition state stores (account states, idempotency records). */
  TALLY_INTAKE_CHANGELOG_TOPIC: z.string().min(1).default('tally-intake.state-changelog.v1'),
  /** Where the partition state stores live (SQLite files); losing it costs only a restore. */
  INTAKE_STATE_DIR: z.string().min(1).default('.data/intake-state'),
  /** How long an Idempotency-Key is remembered, e.g. 30d, 12h, 90s, 500ms. */
  INTAKE_IDEMPOTENCY_WINDOW: duration().default(30 * DAY_MS),
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
  INTAKE_SHUTDOWN_TIMEOUT_MS: env.positiveInt().default(30_000),
  PORT: env.port().default(3001),
  LOG_LEVEL: env.logLevel().default('info'),
};

export type IntakeConfig = ReturnType<typeof loadIntakeConfig>;

export function loadIntakeConfig(vars: Readonly<Record<string, string | undefined>>) {
  return loadConfig(intakeEnv, vars);
}
