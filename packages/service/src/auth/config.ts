import { z } from 'zod';
import { ConfigError, env } from '../config.js';
import { fileKeys, inlineKeys, KeySetError, remoteKeys, type VerificationKeys } from './keys.js';
import { DEFAULT_ACCOUNTS_CLAIM } from './principal.js';
import {
  ASYMMETRIC_ALGORITHMS,
  createTokenVerifier,
  DEFAULT_ALGORITHMS,
  type AsymmetricAlgorithm,
  type TokenVerifier,
} from './verifier.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Env vars of token verification; every service spreads them into its own config shape. */
export const authEnv = {
  /** The only accepted `iss` claim. */
  AUTH_ISSUER: z.string().min(1, 'must name the token issuer'),
  /** Accepted `aud` values, comma-separated; a token must name one of them. */
  AUTH_AUDIENCE: env.list(),
  /** The issuer's JWKS URL (https; http only on a loopback host). */
  AUTH_JWKS_URL: env
    .url()
    .refine((value) => {
      const url = new URL(value);
      return (
        url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))
      );
    }, 'must be an https:// URL (http:// only for 127.0.0.1, localhost or [::1])')
    .optional(),
  /** A file with a JWKS document or PEM public keys; re-read when a token names a new key. */
  AUTH_JWKS_FILE: z.string().min(1).optional(),
  /** The same as text: a JWKS document, one JWK, or PEM public keys. */
  AUTH_PUBLIC_KEYS: z.string().min(1).optional(),
  /** Accepted signature algorithms, comma-separated; asymmetric ones only. */
  AUTH_ALGORITHMS: env
    .list()
    .pipe(
      z.array(
        z.enum(ASYMMETRIC_ALGORITHMS, {
          message: `must list only ${ASYMMETRIC_ALGORITHMS.join(', ')} (never none or HS*)`,
        }),
      ),
    )
    .default([...DEFAULT_ALGORITHMS]),
  /** Clock skew allowed on exp and nbf, seconds. */
  AUTH_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(30),
  /** Timeout of one JWKS request, ms. */
  AUTH_JWKS_TIMEOUT_MS: env.positiveInt().default(5_000),
  /** How long fetched JWKS keys are used before they are fetched again, ms. */
  AUTH_JWKS_CACHE_MS: env.positiveInt().default(600_000),
  /** The claim that limits a token to some accounts. */
  AUTH_ACCOUNTS_CLAIM: z.string().min(1).default(DEFAULT_ACCOUNTS_CLAIM),
};

export interface AuthConfig {
  readonly AUTH_ISSUER: string;
  readonly AUTH_AUDIENCE: readonly string[];
  readonly AUTH_JWKS_URL?: string | undefined;
  readonly AUTH_JWKS_FILE?: string | undefined;
  readonly AUTH_PUBLIC_KEYS?: string | undefined;
  readonly AUTH_ALGORITHMS: readonly AsymmetricAlgorithm[];
  readonly AUTH_CLOCK_TOLERANCE_S: number;
  readonly AUTH_JWKS_TIMEOUT_MS: number;
  readonly AUTH_JWKS_CACHE_MS: number;
  readonly AUTH_ACCOUNTS_CLAIM: string;
}

const KEY_SOURCES = ['AUTH_JWKS_URL', 'AUTH_JWKS_FILE', 'AUTH_PUBLIC_KEYS'] as const;

async function keysFrom(config: AuthConfig): Promise<VerificationKeys> {
  const chosen = KEY_SOURCES.filter((name) => config[name] !== undefined);
  if (chosen.length !== 1) {
    throw new ConfigError([
      `${KEY_SOURCES.join(', ')}: set exactly one (${chosen.length === 0 ? 'none is set' : `${chosen.join(' and ')} are set`})`,
    ]);
  }
  const [name] = chosen as [(typeof KEY_SOURCES)[number]];
  try {
    if (config.AUTH_JWKS_URL !== undefined) {
      return remoteKeys(new URL(config.AUTH_JWKS_URL), {
        timeoutMs: config.AUTH_JWKS_TIMEOUT_MS,
        cacheMaxAgeMs: config.AUTH_JWKS_CACHE_MS,
      });
    }
    if (config.AUTH_JWKS_FILE !== undefined) return await fileKeys(config.AUTH_JWKS_FILE);
    return await inlineKeys(config.AUTH_PUBLIC_KEYS ?? '');
  } catch (error) {
    if (error instanceof KeySetError) throw new ConfigError([`${name}: ${error.message}`]);
    throw error;
  }
}

/**
 * The token verifier a service's config describes. Throws ConfigError (at start) when no key
 * source or several are set, or the key file or text is not a set of public keys.
 */
export async function tokenVerifierFromConfig(config: AuthConfig): Promise<TokenVerifier> {
  return createTokenVerifier({
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    keys: await keysFrom(config),
    algorithms: config.AUTH_ALGORITHMS,
    clockToleranceSeconds: config.AUTH_CLOCK_TOLERANCE_S,
    accountsClaim: config.AUTH_ACCOUNTS_CLAIM,
  });
}
