import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, type JSONWebKeySet, type JWK } from 'jose';
import { loadSigningKey, type SigningKey } from './signing.js';

/**
 * The local stack's token issuer: one Ed25519 key pair under `<state dir>/auth`, made once. The
 * private key (owner-only file) signs tokens for the token CLI; the public JWKS is the file the
 * services verify with (AUTH_JWKS_FILE). A rotation puts a new key first and keeps the previous
 * public key in the JWKS, so tokens already minted stay valid until they expire.
 */
export const LOCAL_ISSUER = 'tally-local';
export const LOCAL_AUDIENCE = 'tally-api';

export interface LocalAuthPaths {
  readonly dir: string;
  /** The current private signing key, a JWK with kid and alg (mode 0600). */
  readonly signingKey: string;
  /** The public keys, current first: what AUTH_JWKS_FILE points at. */
  readonly jwks: string;
}

export function localAuthPaths(stateDir: string): LocalAuthPaths {
  const dir = join(stateDir, 'auth');
  return { dir, signingKey: join(dir, 'signing-key.jwk.json'), jwks: join(dir, 'jwks.json') };
}

/** Replaces a file in one step, so a reader never sees half of it. */
function writeAtomically(path: string, text: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, path);
}

async function newKeyPair(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicPart = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(publicPart);
  const meta = { kid, alg: 'EdDSA', use: 'sig' };
  return {
    privateJwk: { ...(privateKey.export({ format: 'jwk' }) as JWK), ...meta },
    publicJwk: { ...publicPart, ...meta },
  };
}

function readJwks(path: string): JSONWebKeySet {
  return existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet)
    : { keys: [] };
}

async function install(paths: LocalAuthPaths, keepPrevious: boolean): Promise<string> {
  const { privateJwk, publicJwk } = await newKeyPair();
  const previous = keepPrevious ? readJwks(paths.jwks).keys.slice(0, 1) : [];
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  // The JWKS first: a token signed with the new key must never meet a verifier without it.
  writeAtomically(
    paths.jwks,
    `${JSON.stringify({ keys: [publicJwk, ...previous] }, null, 2)}\n`,
    0o644,
  );
  writeAtomically(paths.signingKey, `${JSON.stringify(privateJwk)}\n`, 0o600);
  return String(privateJwk.kid);
}

/** Makes the key pair unless it exists; returns its key id and whether it was made now. */
export async function ensureLocalSigningKey(
  stateDir: string,
): Promise<{ readonly kid: string; readonly created: boolean }> {
  const paths = localAuthPaths(stateDir);
  if (existsSync(paths.signingKey) && existsSync(paths.jwks)) {
    return { kid: (await loadLocalSigningKey(stateDir)).kid, created: false };
  }
  return { kid: await install(paths, false), created: true };
}

/** A new signing key; the JWKS keeps the previous public key beside it. Returns the new kid. */
export function rotateLocalSigningKey(stateDir: string): Promise<string> {
  return install(localAuthPaths(stateDir), true);
}

export async function loadLocalSigningKey(stateDir: string): Promise<SigningKey> {
  return loadSigningKey(readFileSync(localAuthPaths(stateDir).signingKey, 'utf8'));
}
