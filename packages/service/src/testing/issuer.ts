import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { mintAccessToken, type SigningKey } from '../auth/signing.js';
import type { AsymmetricAlgorithm } from '../auth/verifier.js';

export interface TestTokenOptions {
  readonly subject?: string;
  readonly clientId?: string;
  readonly scopes?: readonly string[];
  readonly accounts?: readonly string[];
  readonly ttlSeconds?: number;
  /** Issue time, epoch ms (to make expired or not-yet-valid tokens). */
  readonly now?: number;
  readonly issuer?: string;
  readonly audience?: string | readonly string[];
}

/** A token issuer for tests: its own key pair, the env a service needs to trust it, a minter. */
export interface TestIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly key: SigningKey;
  /** The public key as a JWK, with kid, alg and use. */
  readonly publicJwk: JWK;
  /** AUTH_ISSUER, AUTH_AUDIENCE and AUTH_PUBLIC_KEYS for loadConfig. */
  readonly env: Readonly<Record<string, string>>;
  token(options?: TestTokenOptions): Promise<string>;
}

type KeyKind = 'ed25519' | 'ec-p256' | 'rsa';

const ALGORITHM: Record<KeyKind, AsymmetricAlgorithm> = {
  ed25519: 'EdDSA',
  'ec-p256': 'ES256',
  rsa: 'RS256',
};

function generate(kind: KeyKind) {
  if (kind === 'ed25519') return generateKeyPairSync('ed25519');
  if (kind === 'ec-p256') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

export async function testIssuer(
  options: { readonly kind?: KeyKind; readonly issuer?: string; readonly audience?: string } = {},
): Promise<TestIssuer> {
  const { kind = 'ed25519', issuer = 'https://issuer.test', audience = 'tally-test' } = options;
  const { privateKey, publicKey } = generate(kind);
  const publicPart = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(publicPart);
  const alg = ALGORITHM[kind];
  const publicJwk: JWK = { ...publicPart, kid, alg, use: 'sig' };
  const key: SigningKey = { kid, alg, key: privateKey };
  return {
    issuer,
    audience,
    key,
    publicJwk,
    env: {
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: audience,
      AUTH_PUBLIC_KEYS: JSON.stringify({ keys: [publicJwk] }),
    },
    token: (t = {}) =>
      mintAccessToken(key, {
        issuer: t.issuer ?? issuer,
        audience: t.audience ?? audience,
        subject: t.subject ?? 'test-user',
        clientId: t.clientId,
        scopes: t.scopes ?? [],
        accounts: t.accounts,
        ttlSeconds: t.ttlSeconds ?? 300,
        ...(t.now === undefined ? {} : { now: t.now }),
      }),
  };
}
