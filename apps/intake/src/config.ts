import { registryEnv, topicEnv } from '@tally/events';
import { kafkaEnv } from '@tally/kafka';
import { env, loadConfig, serviceEnv } from '@tally/service';
import { z } from 'zod';

export const intakeEnv = {
  ...kafkaEnv,
  ...registryEnv,
  ...topicEnv,
  ...serviceEnv(3001),
  /** Consumer group of the command processors; all intake instances share it. */
  INTAKE_PROCESSOR_GROUP: z.string().min(1).default('tally-intake-processor'),
  /** Transactional ids are `<prefix>-<partition>`; the same for every instance, or fencing breaks. */
  INTAKE_TRANSACTIONAL_ID_PREFIX: z.string().min(1).default('tally-intake'),
  /** How long a request waits for its outcome before it answers 202 with a status URL. */
  INTAKE_COMMAND_TIMEOUT_MS: env.positiveInt().default(5_000),
  /** Group session timeout of the processor: how soon a dead instance's partitions move. */
  INTAKE_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(10_000),
  INTAKE_SHUTDOWN_TIMEOUT_MS: env.positiveInt().default(30_000),
};

export type IntakeConfig = ReturnType<typeof loadIntakeConfig>;

export function loadIntakeConfig(vars: Readonly<Record<string, string | undefined>>) {
  return loadConfig(intakeEnv, vars);
}
