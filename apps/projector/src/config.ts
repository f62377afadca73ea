import { env, loadConfig } from '@tally/service';
import { kafkaEnv } from '@tally/kafka';
import { z } from 'zod';

export const projectorEnv = {
  ...kafkaEnv,
  SCHEMA_REGISTRY_URL: env.url().default('http://127.0.0.1:8081'),
  TALLY_EVENTS_TOPIC: z.string().min(1).default('bank.account-events.v1'),
  PORT: env.port().default(3002),
  LOG_LEVEL: env.logLevel().default('info'),
  /** PostgreSQL read model when set (postgres://user:pass@host:port/db); else SQLite. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** The SQLite file of the read model (ignored when DATABASE_URL is set). */
  PROJECTOR_SQLITE_PATH: z.string().min(1).default('.local/projector/read-model.sqlite'),
  /** Consumer group; it only spreads partitions, offsets live in the database. */
  PROJECTOR_GROUP_ID: z.string().min(1).default('tally-projector'),
  /** How long a crashed instance holds its partitions before the group rebalances. */
  PROJECTOR_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(30_000),
  /** Longest wait of a ?minVersion= query before 504. */
  PROJECTOR_MIN_VERSION_WAIT_MS: env.positiveInt().default(2_000),
  /** /readyz fails while the total lag is above this many records. */
  PROJECTOR_READY_MAX_LAG: z.coerce.number().int().min(0).default(10_000),
};

export type ProjectorConfig = ReturnType<typeof loadProjectorConfig>;

export function loadProjectorConfig(vars: Readonly<Record<string, string | undefined>>) {
  return loadConfig(projectorEnv, vars);
}
