import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';

/**
 * Where a verifier finds the public keys of the token issuer: a JWKS URL (fetched with a timeout
 * and cached), a file (re-read when a token names a key it does not hold and the file changed),
 * or text given in the environment (a JWKS document or PEM public keys).
 */
export interface VerificationKeys {
  /** jose's key resolver; throws KeysUnavailableError when the keys cannot be fetched. */
  readonly resolve: JWTVerifyGetKey;
  /** True once keys are at hand; otherwise why not. For /readyz. */
  readonly check: () => Promise<true | string>;
  /** Where the keys come from, for logs. */
  readonly source: string;
}

/** The key set is not usable as configured (bad JSON, no keys, a private key…). */
export class KeySetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeySetError';
  }
}

/** The keys could not be fetched: the caller is not at fault, the request is answered 503. */
export class KeysUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KeysUnavailableError';
  }
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

function checkPublicJwk(jwk: unknown, index: number): JWK {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new KeySetError(`key ${index} is not a JSON object`);
  }
  const key = jwk as JWK;
  if (!['RSA', 'EC', 'OKP'].includes(String(key.kty))) {
    throw new KeySetError(
      `key ${index} has kty ${JSON.stringify(key.kty)}: only public RSA, EC and OKP keys verify tokens`,
    );
  }
  const secretMember = PRIVATE_MEMBERS.find((member) => member in key);
  if (secretMember !== undefined) {
    throw new KeySetError(
      `key ${index} holds private key material ("${secretMember}"): publish only public keys`,
    );
  }
  return key;
}

async function pemKeys(text: string): Promise<JWK[]> {
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) throw new KeySetError('neither a JWKS document nor PEM public keys');
  return Promise.all(
    blocks.map(async ([pem, label], index) => {
      if (label !== 'PUBLIC KEY') {
        throw new KeySetError(
          `PEM block ${index} is a ${String(label)}: only PUBLIC KEY (SPKI) blocks are accepted`,
        );
      }
      let jwk: JWK;
      try {
        jwk = createPublicKey(pem).export({ format: 'jwk' }) as JWK;
      } catch (error) {
        throw new KeySetError(`PEM block ${index} is not a public key: ${String(error)}`);
      }
      // A PEM key has no id: its RFC 7638 thumbprint is the kid tokens name it by.
      return { ...jwk, use: 'sig', kid: await calculateJwkThumbprint(jwk) };
    }),
  );
}

/** A key set from text: a JWKS document, one JWK, or one or more PEM public keys. */
export async function parseKeySet(text: string): Promise<JSONWebKeySet> {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return { keys: await pemKeys(trimmed) };
  let document: unknown;
  try {
    document = JSON.parse(trimmed);
  } catch {
    throw new KeySetError('not valid JSON');
  }
  const listed = (document as { keys?: unknown }).keys;
  const keys = listed === undefined ? [document] : listed;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new KeySetError('a JWKS document needs a non-empty "keys" array');
  }
  return { keys: keys.map(checkPublicJwk) };
}

/** Errors of key selection that are the token's fault; anything else means no keys at hand. */
function isTokenFault(error: unknown): boolean {
  return (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JOSEAlgNotAllowed ||
    error instanceof errors.JWSInvalid
  );
}

/** Keys given as text (AUTH_PUBLIC_KEYS). */
export async function inlineKeys(text: string): Promise<VerificationKeys> {
  const resolve = createLocalJWKSet(await parseKeySet(text));
  return { resolve, check: () => Promise.resolve(true), source: 'AUTH_PUBLIC_KEYS' };
}

export interface FileKeysOptions {
  /** Keys read longer ago than this are read again before the next verification. */
  readonly maxAgeMs?: number;
  /** Least time between two re-reads prompted by unknown key ids. */
  readonly reloadCooldownMs?: number;
  readonly now?: () => number;
}

/**
 * Keys in a file (a JWKS document or PEM public keys). Read at once, so a bad file stops the
 * service at start; read again once a minute, and when a token names an unknown key (at most once
 * per cooldown), so that a rotation that adds a key or removes a compromised one needs no restart.
 */
export async function fileKeys(
  path: string,
  options: FileKeysOptions = {},
): Promise<VerificationKeys> {
  const { maxAgeMs = 60_000, reloadCooldownMs = 5_000, now = Date.now } = options;
  const readText = () => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new KeySetError(`cannot read ${path}: ${(error as Error).message}`);
    }
  };
  const load = async (text: string) => ({
    text,
    resolve: createLocalJWKSet(await parseKeySet(text)),
  });
  let current = await load(readText());
  let readAt = now();
  let problem: string | undefined;

  const reload = async (): Promise<void> => {
    readAt = now();
    try {
      const text = readText();
      if (text !== current.text) current = await load(text);
      problem = undefined;
    } catch (error) {
      // Keep serving the keys read before; /readyz says what is wrong with the file.
      problem = `the key file cannot be re-read: ${(error as Error).message}`;
    }
  };

  const resolve: JWTVerifyGetKey = async (header, token) => {
    if (now() - readAt >= maxAgeMs) await reload();
    try {
      return await current.resolve(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || now() - readAt < reloadCooldownMs) {
        throw error;
      }
      const before = current;
      await reload();
      if (current === before) throw error;
      return current.resolve(header, token);
    }
  };
  return { resolve, check: () => Promise.resolve(problem ?? true), source: path };
}

export interface RemoteKeysOptions {
  /** Timeout of one JWKS request. */
  readonly timeoutMs: number;
  /** How long fetched keys are used before they are fetched again. */
  readonly cacheMaxAgeMs: number;
  /** Least time between two fetches prompted by unknown key ids. */
  readonly cooldownMs?: number;
}

/** Keys from the issuer's JWKS URL; a fetch that fails or times out is KeysUnavailableError. */
export function remoteKeys(url: URL, options: RemoteKeysOptions): VerificationKeys {
  const jwks = createRemoteJWKSet(url, {
    timeoutDuration: options.timeoutMs,
    cacheMaxAge: options.cacheMaxAgeMs,
    cooldownDuration: options.cooldownMs ?? 30_000,
  });
  const resolve: JWTVerifyGetKey = async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (error) {
      if (isTokenFault(error)) throw error;
      throw new KeysUnavailableError(`the JWKS at ${url.href} cannot be fetched`, { cause: error });
    }
  };
  const check = async (): Promise<true | string> => {
    if (jwks.fresh) return true;
    try {
      await jwks.reload();
      return true;
    } catch (error) {
      return `the JWKS at ${url.href} cannot be fetched: ${(error as Error).message}`;
    }
  };
  return { resolve, check, source: url.href };
}
