import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@tally/service';
import type { AuditConfig } from './config.js';
import { DigestKeyError, keyIdOf, loadPrivateKey, loadPublicKey } from './core/signed-digest.js';
import { DigestExporter, DigestSigner, type DigestEvent } from './digests.js';
import type { AuditStore } from './store/types.js';

/** The file names `keygen` writes: the private key (mode 0600) and its public half. */
export const SIGNING_KEY_FILE = 'digest-signing-key.pem';
export const PUBLIC_KEY_FILE = 'digest-public-key.pem';

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new DigestKeyError(`cannot read the ${what} ${path}: ${(error as Error).message}`);
  }
}

export async function readSigningKey(path: string): Promise<KeyObject> {
  return loadPrivateKey(await readPem(path, 'digest signing key'));
}

export async function readPublicKey(path: string): Promise<KeyObject> {
  return loadPublicKey(await readPem(path, 'digest public key'));
}

/**
 * A new Ed25519 key pair in `dir`, unless a signing key is there already (kept: a new key would
 * start a new line of digests). Returns the key id.
 */
export async function ensureKeyPair(dir: string): Promise<{ keyId: string; created: boolean }> {
  const privatePath = join(dir, SIGNING_KEY_FILE);
  const existing = await readFile(privatePath, 'utf8').catch(() => undefined);
  if (existing !== undefined) {
    const key = loadPrivateKey(existing);
    await writeFile(join(dir, PUBLIC_KEY_FILE), publicPem(key), { mode: 0o644 });
    return { keyId: keyIdOf(key), created: false };
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  // 'wx': never replace a key another process wrote meanwhile.
  await writeFile(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
    mode: 0o600,
    flag: 'wx',
  });
  await writeFile(join(dir, PUBLIC_KEY_FILE), publicPem(privateKey), { mode: 0o644 });
  return { keyId: keyIdOf(privateKey), created: true };
}

const publicPem = (key: KeyObject) =>
  createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();

/** The service's signer from its config, or undefined when no signing key is configured. */
export async function digestSignerFrom(
  config: Pick<
    AuditConfig,
    'AUDIT_DIGEST_SIGNING_KEY_FILE' | 'AUDIT_DIGEST_EXPORT_DIR' | 'AUDIT_DIGEST_EXPORT_URL'
  >,
  store: AuditStore,
  logger?: Logger,
  onEvent?: (event: DigestEvent) => void,
): Promise<DigestSigner | undefined> {
  if (config.AUDIT_DIGEST_SIGNING_KEY_FILE === undefined) return undefined;
  const privateKey = await readSigningKey(config.AUDIT_DIGEST_SIGNING_KEY_FILE);
  return new DigestSigner({
    store,
    privateKey,
    exporter: new DigestExporter(
      config.AUDIT_DIGEST_EXPORT_DIR,
      publicPem(privateKey),
      config.AUDIT_DIGEST_EXPORT_URL,
    ),
    ...(logger ? { logger } : {}),
    ...(onEvent ? { onEvent } : {}),
  });
}
