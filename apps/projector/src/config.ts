import { env, loadConfig } from '@tally/service';
import { kafkaEnv } from '@tally/kafka';
import { z } from 'zod';

export const projectorEnv = {
  ...kafkaEnv,
  SCHEMA_REGISTRY_URL: env.url().default('http://127.0.0.1:8081'),
  TALLY_EVENTS_TOPIC: z.string().min(1).default('bank.account-events.v1'),
  PORT: env.port().default(3002),
  LOG_LEVEL: env.logLevel().default('info'),
};

export type ProjectorConfig = ReturnType<typeof loadProjectorConfig>;

export function loadProjectorConfig(vars: Readonly<Record<string, string | undefined>>) {
  return loadConfig(projectorEnv, vars);
}
