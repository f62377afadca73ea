import { env } from '@tally/service';

/** The registry every service reads its schemas from. */
export const registryEnv = {
  SCHEMA_REGISTRY_URL: env.url().default('http://127.0.0.1:8081'),
};
