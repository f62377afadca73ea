import { env, loadConfig } from '@tally/service';
import { kafkaEnv } from '@tally/kafka';
import { z } from 'zod';

export const auditEnv = {
  ...kafkaEnv,
  SCHEMA_REGISTRY_URL: env.url().default('http://127.0.0.1:8081'),
  TALLY_EVENTS_TOPIC: z.string().min(1).default('bank.account-events.v1'),
  PORT: env.port().default(3003),
  LOG_LEVEL: env.logLevel().default('info'),
};

export type AuditConfig = ReturnType<typeof loadAuditConfig>;

export function loadAuditConfig(vars: Readonly<Record<string, string | undefined>>) {
  return loadConfig(auditEnv, vars);
}
