import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, env, secret } from '../config.js';
import { loadSigningKey, mintAccessToken, type SigningKey } from './signing.js';

/**
 * A service's own access token for calling another service (the audit service calling the
 * projector): fetched or signed when first needed, reused until shortly before it expires, one
 * request in flight at a time.
 */
export interface AccessTokenSource {
  token(): Promise<string>;
}

/** The token could not be had; the message never contains the client secret. */
export class TokenSourceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TokenSourceError';
  }
}

interface Issued {
  readonly token: string;
  /** Epoch ms after which the token is renewed. */
  readonly renewAt: number;
}

/** Caches what `issue` returns until its renewAt; concurrent callers share one issue. */
function cachedSource(issue: () => Promise<Issued>, now: () => number): AccessTokenSource {
  let current: Issued | undefined;
  let pending: Promise<Issued> | undefined;
  return {
    async token() {
      if (current !== undefined && now() < current.renewAt) return current.token;
      pending ??= issue().finally(() => (pending = undefined));
      current = await pending;
      return current.token;
    },
  };
}

/** Renew a token when a fifth of its lifetime is left, and at least 5 s and at most 60 s early. */
function renewAt(issuedAt: number, lifetimeSeconds: number): number {
  const early = Math.min(60, Math.max(5, lifetimeSeconds / 5));
  return issuedAt + Math.max(0, lifetimeSeconds - early) * 1000;
}

export interface ClientCredentialsOptions {
  readonly tokenUrl: URL;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: readonly string[];
  /** Sent as `audience` (the API the token is for) when set. */
  readonly audience?: string | undefined;
  readonly timeoutMs: number;
  readonly now?: () => number;
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().regex(/^bearer$/i, 'must be Bearer'),
  expires_in: z.coerce.number().int().positive(),
});

/** OAuth 2.0 client credentials grant (RFC 6749 §4.4) against the issuer's token endpoint. */
export function clientCredentialsTokenSource(options: ClientCredentialsOptions): AccessTokenSource {
  const now = options.now ?? Date.now;
  const basic = Buffer.from(
    `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
  ).toString('base64');
  return cachedSource(async () => {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: options.scopes.join(' '),
    });
    if (options.audience !== undefined) body.set('audience', options.audience);
    const started = now();
    let response: Response;
    try {
      response = await fetch(options.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new TokenSourceError(
        `the token endpoint ${options.tokenUrl.href} did not answer within ${options.timeoutMs} ms`,
        { cause: error },
      );
    }
    const text = await response.text();
    if (!response.ok) {
      // RFC 6749 §5.2: an error body names the error; it never echoes the secret.
      const error = /"error"\s*:\s*"([\w.-]{1,64})"/.exec(text)?.[1] ?? 'no error code';
      throw new TokenSourceError(
        `the token endpoint ${options.tokenUrl.href} refused client ${options.clientId}: ${response.status} (${error})`,
      );
    }
    let parsed: z.infer<typeof tokenResponse>;
    try {
      parsed = tokenResponse.parse(JSON.parse(text));
    } catch {
      throw new TokenSourceError(
        `the token endpoint ${options.tokenUrl.href} answered without access_token, token_type Bearer and expires_in`,
      );
    }
    return { token: parsed.access_token, renewAt: renewAt(started, parsed.expires_in) };
  }, now);
}

export interface SelfSignedOptions {
  readonly key: SigningKey;
  readonly issuer: string;
  readonly audience: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly ttlSeconds: number;
  readonly now?: () => number;
}

/**
 * Tokens the service signs itself with a key the verifiers trust: the local stack's way (its
 * issuer is a key pair on disk, not a server). Subject and client are both the client id.
 */
export function selfSignedTokenSource(options: SelfSignedOptions): AccessTokenSource {
  const now = options.now ?? Date.now;
  return cachedSource(async () => {
    const issuedAt = now();
    const token = await mintAccessToken(options.key, {
      issuer: options.issuer,
      audience: options.audience,
      subject: options.clientId,
      clientId: options.clientId,
      scopes: options.scopes,
      ttlSeconds: options.ttlSeconds,
      now: issuedAt,
    });
    return { token, renewAt: renewAt(issuedAt, options.ttlSeconds) };
  }, now);
}

/** Env vars of a service's own client identity, for the calls it makes to other services. */
export const serviceTokenEnv = {
  /** The service's client id: sub and client_id of its tokens. */
  AUTH_CLIENT_ID: z.string().min(1).optional(),
  /** Scopes it asks for, space- or comma-separated. */
  AUTH_CLIENT_SCOPE: z.string().min(1).optional(),
  /** The audience of the service it calls. */
  AUTH_CLIENT_AUDIENCE: z.string().min(1).optional(),
  /** Client credentials grant: the issuer's token endpoint, with AUTH_CLIENT_SECRET. */
  AUTH_TOKEN_URL: env.url().optional(),
  AUTH_CLIENT_SECRET: secret(z.string().min(1).optional()),
  /** Self-signed tokens: a private JWK or PKCS#8 PEM file whose public key the callee trusts. */
  AUTH_CLIENT_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** Lifetime of self-signed tokens, seconds. */
  AUTH_CLIENT_TOKEN_TTL_S: z.coerce.number().int().min(30).max(3_600).default(300),
  /** Timeout of one token endpoint request, ms. */
  AUTH_TOKEN_TIMEOUT_MS: env.positiveInt().default(5_000),
};

export interface ServiceTokenConfig {
  readonly AUTH_ISSUER: string;
  readonly AUTH_CLIENT_ID?: string | undefined;
  readonly AUTH_CLIENT_SCOPE?: string | undefined;
  readonly AUTH_CLIENT_AUDIENCE?: string | undefined;
  readonly AUTH_TOKEN_URL?: string | undefined;
  readonly AUTH_CLIENT_SECRET?: string | undefined;
  readonly AUTH_CLIENT_SIGNING_KEY_FILE?: string | undefined;
  readonly AUTH_CLIENT_TOKEN_TTL_S: number;
  readonly AUTH_TOKEN_TIMEOUT_MS: number;
}

/**
 * The token source a service's config describes: a token endpoint with a client secret, or a
 * signing key file (then AUTH_ISSUER is the issuer the tokens name). Throws ConfigError at start.
 */
export async function serviceTokenSourceFromConfig(
  config: ServiceTokenConfig,
): Promise<AccessTokenSource> {
  const problems: string[] = [];
  const need = (name: keyof ServiceTokenConfig) => {
    if (config[name] === undefined) problems.push(`${name}: is required to call other services`);
  };
  need('AUTH_CLIENT_ID');
  need('AUTH_CLIENT_SCOPE');
  need('AUTH_CLIENT_AUDIENCE');
  const viaEndpoint = config.AUTH_TOKEN_URL !== undefined;
  const viaKey = config.AUTH_CLIENT_SIGNING_KEY_FILE !== undefined;
  if (viaEndpoint === viaKey) {
    problems.push(
      'AUTH_TOKEN_URL, AUTH_CLIENT_SIGNING_KEY_FILE: set exactly one (the token endpoint, or a key to sign with)',
    );
  }
  if (viaEndpoint) need('AUTH_CLIENT_SECRET');
  let key: SigningKey | undefined;
  if (viaKey && !viaEndpoint) {
    try {
      key = await loadSigningKey(readFileSync(config.AUTH_CLIENT_SIGNING_KEY_FILE ?? '', 'utf8'));
    } catch (error) {
      problems.push(`AUTH_CLIENT_SIGNING_KEY_FILE: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const scopes = (config.AUTH_CLIENT_SCOPE ?? '').split(/[\s,]+/).filter((s) => s !== '');
  const clientId = config.AUTH_CLIENT_ID ?? '';
  const audience = config.AUTH_CLIENT_AUDIENCE ?? '';
  if (key !== undefined) {
    return selfSignedTokenSource({
      key,
      issuer: config.AUTH_ISSUER,
      audience,
      clientId,
      scopes,
      ttlSeconds: config.AUTH_CLIENT_TOKEN_TTL_S,
    });
  }
  return clientCredentialsTokenSource({
    tokenUrl: new URL(config.AUTH_TOKEN_URL ?? ''),
    clientId,
    clientSecret: config.AUTH_CLIENT_SECRET ?? '',
    scopes,
    audience,
    timeoutMs: config.AUTH_TOKEN_TIMEOUT_MS,
  });
}
