import { createPrivateKey, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, SignJWT, type JWK } from 'jose';
import { DEFAULT_ACCOUNTS_CLAIM } from './principal.js';
import { ASYMMETRIC_ALGORITHMS, type AsymmetricAlgorithm } from './verifier.js';

/** A private key that signs access tokens, with the key id and algorithm its JWKS entry names. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: AsymmetricAlgorithm;
  readonly key: KeyObject;
}

function algorithmOf(jwk: JWK): AsymmetricAlgorithm {
  if (jwk.alg !== undefined) {
    if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(jwk.alg)) {
      throw new Error(`signing key alg ${JSON.stringify(jwk.alg)} is not an asymmetric algorithm`);
    }
    return jwk.alg as AsymmetricAlgorithm;
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-384') return 'ES384';
  if (jwk.kty === 'RSA') return 'RS256';
  throw new Error(`no signing algorithm for a ${String(jwk.kty)} ${String(jwk.crv ?? '')} key`);
}

/**
 * A signing key from text: a private JWK (its `kid` and `alg` are used when present) or a PKCS#8
 * PEM private key. Without a kid, the key's RFC 7638 thumbprint is its id, as for PEM public keys
 * in a verifier's key set.
 */
export async function loadSigningKey(text: string): Promise<SigningKey> {
  const trimmed = text.trim();
  let given: JWK = {};
  let key: KeyObject;
  let jwk: JWK;
  try {
    if (trimmed.startsWith('{')) {
      given = JSON.parse(trimmed) as JWK;
      key = createPrivateKey({ key: given as JsonWebKey, format: 'jwk' });
    } else {
      key = createPrivateKey(trimmed);
    }
    jwk = key.export({ format: 'jwk' }) as JWK;
  } catch {
    // The message of a failed parse could quote key material: say only what was expected.
    throw new Error('the signing key is neither a private JWK nor a PKCS#8 PEM private key');
  }
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicPart } = jwk;
  return {
    kid: given.kid ?? (await calculateJwkThumbprint(publicPart)),
    alg: algorithmOf({ ...jwk, ...(given.alg === undefined ? {} : { alg: given.alg }) }),
    key,
  };
}

export interface AccessTokenClaims {
  readonly issuer: string;
  readonly audience: string | readonly string[];
  readonly subject: string;
  /** `client_id`; omitted when undefined. */
  readonly clientId?: string | undefined;
  readonly scopes: readonly string[];
  /** Limits the token to these accounts; omitted when undefined (not limited). */
  readonly accounts?: readonly string[] | undefined;
  readonly ttlSeconds: number;
  readonly accountsClaim?: string;
  /** Issue time, epoch ms. */
  readonly now?: number;
}

/**
 * An RFC 9068-shaped access token (`typ: at+jwt`; iss, sub, aud, iat, nbf, exp, jti, client_id,
 * scope), signed with `key`. Used by the local token CLI, by services that sign their own
 * client-credentials tokens, and by tests.
 */
export async function mintAccessToken(key: SigningKey, claims: AccessTokenClaims): Promise<string> {
  const issuedAt = Math.floor((claims.now ?? Date.now()) / 1000);
  const payload: Record<string, unknown> = { scope: claims.scopes.join(' ') };
  if (claims.clientId !== undefined) payload['client_id'] = claims.clientId;
  if (claims.accounts !== undefined) {
    payload[claims.accountsClaim ?? DEFAULT_ACCOUNTS_CLAIM] = [...claims.accounts];
  }
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(claims.issuer)
    .setSubject(claims.subject)
    .setAudience(typeof claims.audience === 'string' ? claims.audience : [...claims.audience])
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(issuedAt + claims.ttlSeconds)
    .setJti(randomUUID())
    .sign(key.key);
}
