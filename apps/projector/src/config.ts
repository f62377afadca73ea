import { registryEnv, topicEnv } from '@tally/events';
import { kafkaEnv } from '@tally/kafka';
import { authEnv, databaseEnv, env, loadConfig, serviceEnv } from '@tally/service';
import { z } from 'zod';

export const projectorEnv = {
  ...kafkaEnv,
  ...registryEnv,
  TALLY_EVENTS_TOPIC: topicEnv.TALLY_EVENTS_TOPIC,
  ...serviceEnv(3002),
  /** PostgreSQL read model when set (postgres://user:pass@host:port/db); else SQLite. */
  ...databaseEnv,
  /** `verify`: never change the PostgreSQL schema, only check it is there (a role without DDL). */
  PROJECTOR_DB_MIGRATE: z.enum(['auto', 'verify']).default('auto'),
  /** With `auto` (the migrate CLI): the service's role, granted only what the service does. */
  PROJECTOR_DB_RUNTIME_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a PostgreSQL role name: lower-case letters, digits, _')
    .optional(),
  /** The SQLite file of the read model (ignored when DATABASE_URL is set). */
  PROJECTOR_SQLITE_PATH: z.string().min(1).default('.local/projector/read-model.sqlite'),
  /** Consumer group; it only spreads partitions, offsets live in the database. */
  PROJECTOR_GROUP_ID: z.string().min(1).default('tally-projector'),
  /** How long a crashed instance holds its partitions before the group rebalances. */
  PROJECTOR_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(30_000),
  /** Longest wait of a ?minVersion= query before 504. */
  PROJECTOR_MIN_VERSION_WAIT_MS: env.positiveInt().default(2_000),
  /** /readyz fails while the lag of the owned partitions is above this many records. */
  PROJECTOR_READY_MAX_LAG: z.coerce.number().int().min(0).default(10_000),
  /**
   * kafkajs fetch size per partition (bytes): bounds one batch (one transaction) and, times the
   * partitions, the memory a replay holds; larger replays faster, smaller stays leaner (ADR 0015).
   */
  PROJECTOR_MAX_BYTES_PER_PARTITION: env.positiveInt().default(262_144),
  /** After SIGTERM, the process exits 1 if the graceful stop takes longer than this. */
  PROJECTOR_SHUTDOWN_TIMEOUT_MS: env.positiveInt().default(30_000),
};

/** The service also verifies its callers' bearer tokens; the CLIs serve no HTTP and skip it. */
export const projectorServiceEnv = { ...projectorEnv, ...authEnv };

export type ProjectorConfig = ReturnType<typeof loadProjectorConfig>;
export type ProjectorServiceConfig = ReturnType<typeof loadProjectorServiceConfig>;

export function loadProjectorConfig(vars: Readonly<Record<string, string | undefined>>) {
  return loadConfig(projectorEnv, vars);
}

export function loadProjectorServiceConfig(vars: Readonly<Record<string, string | undefined>>) {
  return loadConfig(projectorServiceEnv, vars);
}
