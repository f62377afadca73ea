import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, SignJWT, UnsecuredJWT, type JWK, type JWTPayload } from 'jose';
import { inlineKeys } from '../auth/keys.js';
import { DEFAULT_ACCOUNTS_CLAIM } from '../auth/principal.js';
import { selfSignedTokenSource, type AccessTokenSource } from '../auth/service-token.js';
import { mintAccessToken, type SigningKey } from '../auth/signing.js';
import {
  createTokenVerifier,
  type AsymmetricAlgorithm,
  type TokenVerifier,
} from '../auth/verifier.js';

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
  /**
   * What a forger makes without the private key, with the claims `token` would set: `none` is
   * unsigned, `HS256` is keyed with this issuer's public key (algorithm confusion). Never valid.
   */
  forged(alg: 'none' | 'HS256', options?: TestTokenOptions): Promise<string>;
  /** A service's own tokens, signed with this issuer's key (`svc-test`, no scope by default). */
  tokenSource(options?: {
    readonly clientId?: string;
    readonly scopes?: readonly string[];
  }): AccessTokenSource;
  /** A verifier that trusts this issuer, as a service configured with `env` would build it. */
  verifier(): Promise<TokenVerifier>;
  /**
   * The env of a service that calls others with tokens it signs itself under this issuer:
   * AUTH_CLIENT_AUDIENCE, and AUTH_CLIENT_SIGNING_KEY_FILE naming the private key, written as
   * PKCS#8 PEM (mode 0600) into `dir`.
   */
  clientEnv(dir: string): Readonly<Record<string, string>>;
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
  const env = {
    AUTH_ISSUER: issuer,
    AUTH_AUDIENCE: audience,
    AUTH_PUBLIC_KEYS: JSON.stringify({ keys: [publicJwk] }),
  };
  return {
    issuer,
    audience,
    key,
    publicJwk,
    env,
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
    forged: async (forgedAlg, t = {}) => {
      const issuedAt = Math.floor((t.now ?? Date.now()) / 1000);
      const claims: JWTPayload = {
        iss: t.issuer ?? issuer,
        aud:
          typeof t.audience === 'string' || t.audience === undefined
            ? (t.audience ?? audience)
            : [...t.audience],
        sub: t.subject ?? 'test-user',
        iat: issuedAt,
        exp: issuedAt + (t.ttlSeconds ?? 300),
        scope: (t.scopes ?? []).join(' '),
        ...(t.clientId === undefined ? {} : { client_id: t.clientId }),
        ...(t.accounts === undefined ? {} : { [DEFAULT_ACCOUNTS_CLAIM]: [...t.accounts] }),
      };
      if (forgedAlg === 'none') return new UnsecuredJWT(claims).encode();
      const publicPem = createPublicKey({ key: publicJwk, format: 'jwk' }).export({
        type: 'spki',
        format: 'pem',
      });
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
        .sign(Buffer.from(String(publicPem)));
    },
    tokenSource: ({ clientId = 'svc-test', scopes = [] } = {}) =>
      selfSignedTokenSource({ key, issuer, audience, clientId, scopes, ttlSeconds: 300 }),
    verifier: async () =>
      createTokenVerifier({
        issuer,
        audience: [audience],
        keys: await inlineKeys(env.AUTH_PUBLIC_KEYS),
      }),
    clientEnv: (dir) => {
      const path = join(dir, `signing-key-${kid.slice(0, 8)}.pem`);
      writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      return { AUTH_CLIENT_AUDIENCE: audience, AUTH_CLIENT_SIGNING_KEY_FILE: path };
    },
  };
}
