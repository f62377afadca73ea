import { ConfigError, env, secret } from '@tally/service';
import { z } from 'zod';

/** The registry every service reads its schemas from, and its basic-auth credentials if any. */
export const registryEnv = {
  SCHEMA_REGISTRY_URL: env.url().default('http://127.0.0.1:8081'),
  SCHEMA_REGISTRY_USERNAME: z.string().min(1).optional(),
  SCHEMA_REGISTRY_PASSWORD: secret(z.string().min(1).optional()),
};

/** HTTP basic-auth credentials of the registry. */
export interface RegistryAuth {
  readonly username: string;
  readonly password: string;
}

export interface RegistryConfig {
  readonly SCHEMA_REGISTRY_URL: string;
  readonly SCHEMA_REGISTRY_USERNAME?: string | undefined;
  readonly SCHEMA_REGISTRY_PASSWORD?: string | undefined;
}

/**
 * Where the serde finds the registry and how it signs in, from the config: spread into
 * AccountEventSerde.connect. Throws ConfigError when only one of user name and password is set.
 */
export function registryOptions(config: RegistryConfig): {
  registryUrl: string;
  registryAuth?: RegistryAuth;
} {
  const username = config.SCHEMA_REGISTRY_USERNAME;
  const password = config.SCHEMA_REGISTRY_PASSWORD;
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError([
      'SCHEMA_REGISTRY_USERNAME, SCHEMA_REGISTRY_PASSWORD: set both (basic auth) or neither',
    ]);
  }
  return {
    registryUrl: config.SCHEMA_REGISTRY_URL,
    ...(username === undefined || password === undefined
      ? {}
      : { registryAuth: { username, password } }),
  };
}
