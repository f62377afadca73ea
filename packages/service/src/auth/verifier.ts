import { decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import type { ReadinessCheck } from '../readiness.js';
import { KeysUnavailableError, type VerificationKeys } from './keys.js';
import {
  ClaimsError,
  DEFAULT_ACCOUNTS_CLAIM,
  principalFromClaims,
  type Principal,
} from './principal.js';

/**
 * Signature algorithms a verifier may accept: asymmetric only. `none` and the HMAC family are
 * absent on purpose: an HS256 token "signed" with a published public key must never verify.
 */
export const ASYMMETRIC_ALGORITHMS = [
  'EdDSA',
  'Ed25519',
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];
export const DEFAULT_ALGORITHMS: readonly AsymmetricAlgorithm[] = ['EdDSA', 'ES256', 'RS256'];

export interface TokenVerifierOptions {
  /** The only accepted `iss`. */
  readonly issuer: string;
  /** Accepted `aud` values; a token must name at least one. */
  readonly audience: readonly string[];
  readonly keys: VerificationKeys;
  readonly algorithms?: readonly AsymmetricAlgorithm[];
  /** Clock skew allowed on `exp` and `nbf`, in seconds. */
  readonly clockToleranceSeconds?: number;
  readonly accountsClaim?: string;
  /**
   * Verified tokens remembered (0: none), so that a client's repeated token costs no signature
   * check: an entry is used only until the token's expiry and while the key set still resolves
   * the same key for it (a removed or replaced key makes the next request verify in full).
   */
  readonly verifiedCacheSize?: number;
  /** For tests: the verifier's clock, epoch ms. */
  readonly now?: () => number;
}

export interface TokenVerifier {
  /** The caller of a valid token; TokenRejectedError or KeysUnavailableError otherwise. */
  verify(token: string): Promise<Principal>;
  /** Not ready while the keys cannot be had (e.g. the JWKS URL does not answer). */
  readonly readiness: ReadinessCheck;
}

/** The token is not acceptable; `description` says why, for `error_description`. */
export class TokenRejectedError extends Error {
  constructor(
    readonly description: string,
    options?: ErrorOptions,
  ) {
    super(description, options);
    this.name = 'TokenRejectedError';
  }
}

const CLAIM_PROBLEMS: Readonly<Record<string, string>> = {
  iss: 'the token was issued by another issuer',
  aud: 'the token is meant for another audience',
  nbf: 'the token is not valid yet',
  exp: 'the token has no valid expiry',
  iat: 'the token has an invalid issue time',
  sub: 'the token names no subject',
};

/** Says why jose refused a token, without echoing anything from the token itself. */
function describeRejection(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    return CLAIM_PROBLEMS[error.claim] ?? `the token's claim ${error.claim} is ${error.reason}`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return "the token's signature algorithm is not accepted";
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return "the token's signature does not verify";
  }
  if (error instanceof errors.JWKSNoMatchingKey) return 'no known key matches the token (kid)';
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return 'the token names no key (kid) and several keys match';
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return 'the token is not a well-formed signed JWT';
  }
  return 'the token is invalid';
}

/**
 * Verifies bearer JWTs: signature by a known key with an allowed algorithm, issuer, audience,
 * expiry and not-before (with a small clock tolerance), then Tally's claims (principal.ts).
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const {
    issuer,
    audience,
    keys,
    algorithms = DEFAULT_ALGORITHMS,
    clockToleranceSeconds = 30,
    accountsClaim = DEFAULT_ACCOUNTS_CLAIM,
    verifiedCacheSize = 10_000,
    now,
  } = options;
  if (audience.length === 0) throw new Error('a token verifier needs at least one audience');
  const verifyOptions = {
    issuer,
    audience: [...audience],
    algorithms: [...algorithms],
    clockTolerance: clockToleranceSeconds,
    requiredClaims: ['exp', 'sub'],
  };

  const verified =
    verifiedCacheSize > 0
      ? new LRUCache<string, { principal: Principal; key: unknown }>({ max: verifiedCacheSize })
      : undefined;
  /** The key the key set resolves for the token now; undefined when it resolves none. */
  const currentKey = async (token: string): Promise<unknown> => {
    const [protectedHeader = '', payload = '', signature = ''] = token.split('.');
    try {
      const header = decodeProtectedHeader(token) as Parameters<JWTVerifyGetKey>[0];
      return await keys.resolve(header, {
        protected: protectedHeader,
        payload,
        signature,
      });
    } catch {
      return undefined;
    }
  };
  // jose's own check: expired when exp <= now - tolerance, in whole seconds.
  const unexpired = (principal: Principal) =>
    principal.expiresAt > Math.floor((now?.() ?? Date.now()) / 1000) - clockToleranceSeconds;

  return {
    async verify(token) {
      const cached = verified?.get(token);
      if (
        cached !== undefined &&
        cached.key !== undefined &&
        unexpired(cached.principal) &&
        (await currentKey(token)) === cached.key
      ) {
        return cached.principal;
      }
      let payload: Record<string, unknown>;
      let usedKey: unknown;
      const resolve: JWTVerifyGetKey = async (header, input) => {
        usedKey = await keys.resolve(header, input);
        return usedKey as Awaited<ReturnType<JWTVerifyGetKey>>;
      };
      try {
        ({ payload } = await jwtVerify(token, resolve, {
          ...verifyOptions,
          ...(now === undefined ? {} : { currentDate: new Date(now()) }),
        }));
      } catch (error) {
        if (error instanceof KeysUnavailableError) throw error;
        throw new TokenRejectedError(describeRejection(error), { cause: error });
      }
      let principal: Principal;
      try {
        principal = principalFromClaims(payload, accountsClaim);
      } catch (error) {
        if (error instanceof ClaimsError) throw new TokenRejectedError(error.description);
        throw error;
      }
      verified?.set(token, { principal, key: usedKey });
      return principal;
    },
    readiness: { name: 'auth-keys', check: keys.check },
  };
}
